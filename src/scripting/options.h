// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ScriptingOptions: the scripting directives of Redis 7.2, declared once here and kept for the
// Lua engine (not built yet).
#pragma once

#include <climits>
#include <cstdint>

#include "base/config.h"

namespace carmine {

struct ScriptingOptions {
  explicit ScriptingOptions(config::Registry& r) : registry(r) {}

  config::Registry& registry;
  // Milliseconds a script or function may run before other clients get -BUSY.
  config::Int<int64_t> busy_reply_threshold{registry, "busy-reply-threshold", 5000, 0, LLONG_MAX,
                                            0, {"lua-time-limit"}};
};

}  // namespace carmine
