// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Helpers shared by the Sentinel's source files (not part of its interface).
#pragma once

#include <memory>
#include <string>

#include "sentinel/sentinel.h"

namespace carmine::sentinel {

// An IPv4 or IPv6 literal (what "sentinel monitor" accepts without resolve-hostnames).
bool IsIpAddress(const std::string& s);
// A new instance counts as answering since now: it has down-after to prove otherwise.
std::unique_ptr<Instance> NewInstance(uint32_t type, const std::string& ip, int port);
// "ip:port", with IPv6 in brackets, as Redis names replicas.
std::string AddrKey(const std::string& ip, int port);

}  // namespace carmine::sentinel
