// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Keyspace notification classes (`notify-keyspace-events`). Commands report each change with its
// class and Redis's event name through Db::Notify; nothing is built unless the class is enabled.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace carmine {

enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,   // K: __keyspace@<db>__:<key> -> event
  kNotifyKeyevent = 1u << 1,   // E: __keyevent@<db>__:<event> -> key
  kNotifyGeneric = 1u << 2,    // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1u << 3,     // $
  kNotifyList = 1u << 4,       // l
  kNotifySet = 1u << 5,        // s
  kNotifyHash = 1u << 6,       // h
  kNotifyZset = 1u << 7,       // z
  kNotifyExpired = 1u << 8,    // x
  kNotifyEvicted = 1u << 9,    // e
  kNotifyStream = 1u << 10,    // t
  kNotifyKeyMiss = 1u << 11,   // m (not part of A)
  kNotifyModule = 1u << 12,    // d
  kNotifyNew = 1u << 13,       // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses the flag letters ("KEA", "Elg", ""); returns false on an unknown letter.
bool ParseNotifyFlags(std::string_view s, uint32_t* out);
// The canonical spelling CONFIG GET shows.
std::string NotifyFlagsToString(uint32_t flags);

}  // namespace carmine
