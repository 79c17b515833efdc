// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The little HTTP a Redis port needs to answer Prometheus scrapes: recognizing an HTTP request in
// a connection's first bytes, and reading the path and the HTTP basic password from its head.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace carmine {

// How a connection's first bytes classify: not HTTP (RESP or inline), an HTTP request line that
// is still incomplete, or a complete HTTP request head of `*head_len` bytes. "GET <path>
// HTTP/1.x" as an inline command would be GET with two arguments, which Redis refuses, so the
// two readings never collide.
enum class HttpProbe { kNotHttp, kNeedMore, kRequest };
HttpProbe ProbeHttp(std::string_view buf, size_t* head_len);

struct HttpRequest {
  std::string path;                     // without the query string
  std::optional<std::string> user, password;  // from "Authorization: Basic"
};
// Reads a head that ProbeHttp accepted.
HttpRequest ParseHttpHead(std::string_view head);

}  // namespace carmine
