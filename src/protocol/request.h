// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Requests in RESP form ("*<n>\r\n$<len>\r\n<arg>\r\n..."), the one way every command is written
// that this server sends or stores: the AOF, MIGRATE's RESTOREs, and the links replication,
// Sentinel and Cluster open to other servers.
#pragma once

#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

#include "base/strutil.h"

namespace carmine::protocol {

// Appends `args` (any range of string-like values) as one request.
template <typename Args>
void AppendRequest(std::string* out, const Args& args) {
  out->push_back('*');
  AppendInt64(out, static_cast<int64_t>(std::size(args)));
  out->append("\r\n");
  for (const auto& a : args) {
    std::string_view s(a);
    out->push_back('$');
    AppendInt64(out, static_cast<int64_t>(s.size()));
    out->append("\r\n");
    out->append(s.data(), s.size());
    out->append("\r\n");
  }
}

inline void AppendRequest(std::string* out, std::initializer_list<std::string_view> args) {
  AppendRequest<std::initializer_list<std::string_view>>(out, args);
}

}  // namespace carmine::protocol
