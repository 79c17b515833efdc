// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sentinel mode's command table additions: SENTINEL and its subcommands, and the PUBLISH and
// ROLE that sentinel mode answers in its own way (replacing the data server's).
#pragma once

#include "commands/registry.h"
#include "sentinel/sentinel.h"

namespace carmine::sentinel {

void RegisterSentinelCommands(CommandRegistry& r, Sentinel& s);

}  // namespace carmine::sentinel
