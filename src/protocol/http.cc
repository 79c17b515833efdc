// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/http.h"

#include <algorithm>
#include <cstdint>

#include "base/strutil.h"

namespace carmine {

HttpProbe ProbeHttp(std::string_view buf, size_t* head_len) {
  static constexpr std::string_view kGet = "GET /";
  static constexpr size_t kMaxHead = 16384;
  size_t n = std::min(buf.size(), kGet.size());
  if (buf.substr(0, n) != kGet.substr(0, n)) return HttpProbe::kNotHttp;
  size_t eol = buf.find('\n');
  if (eol == std::string_view::npos) {
    return buf.size() > kMaxHead ? HttpProbe::kNotHttp : HttpProbe::kNeedMore;
  }
  std::string_view line = buf.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!(line.ends_with(" HTTP/1.1") || line.ends_with(" HTTP/1.0"))) return HttpProbe::kNotHttp;
  size_t end = buf.find("\r\n\r\n");
  size_t sep = 4;
  if (end == std::string_view::npos) {
    end = buf.find("\n\n");
    sep = 2;
  }
  if (end == std::string_view::npos) {
    return buf.size() > kMaxHead ? HttpProbe::kNotHttp : HttpProbe::kNeedMore;
  }
  *head_len = end + sep;
  return HttpProbe::kRequest;
}

namespace {
std::string Base64Decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) continue;  // padding and whitespace
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}
}  // namespace

HttpRequest ParseHttpHead(std::string_view head) {
  HttpRequest req;
  size_t eol = head.find('\n');
  std::string_view line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t first = line.find(' ');
  size_t last = line.rfind(' ');
  if (first != std::string_view::npos && last > first) {
    std::string_view path = line.substr(first + 1, last - first - 1);
    req.path = std::string(path.substr(0, path.find('?')));
  }
  size_t pos = eol;
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    size_t next = head.find('\n', pos + 1);
    std::string_view h = head.substr(pos + 1, next == std::string_view::npos ? head.npos
                                                                             : next - pos - 1);
    pos = next;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || !EqualsIgnoreCase(h.substr(0, colon), "authorization"))
      continue;
    std::string_view v = Trim(h.substr(colon + 1));
    if (v.size() > 6 && EqualsIgnoreCase(v.substr(0, 6), "basic ")) {
      std::string cred = Base64Decode(v.substr(6));
      size_t sep = cred.find(':');
      if (sep != std::string::npos) {
        req.user = cred.substr(0, sep);
        req.password = cred.substr(sep + 1);
      }
    }
  }
  return req;
}

}  // namespace carmine
