// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The one place that names versions. Carmine reports the Redis version whose behaviour it
// follows (INFO redis_version, HELLO, RDB aux fields, the fatal config error banner), because
// client libraries and tools gate features on it; its own version appears next to it.
#pragma once

#include <string_view>

namespace carmine::version {

inline constexpr std::string_view kRedis = "7.2.4";
inline constexpr int kRedisNum = 0x070204;  // Redis's REDIS_VERSION_NUM layout
inline constexpr std::string_view kCarmine = "0.1.0";

}  // namespace carmine::version
