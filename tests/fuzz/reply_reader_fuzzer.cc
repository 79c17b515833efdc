// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for the reply reader (what a peer server sends back to MIGRATE, to a
// replica's handshake, to Sentinel). The input is parsed as a stream of replies, whole and then
// again fed in growing prefixes as a socket delivers it; both ways must agree, and nothing may
// crash, hang or allocate what the input only claims to hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/reply_reader.h"

namespace {

// Replies parsed from the front of `in`, in order, until the input ends or is malformed.
size_t CountReplies(std::string_view in, carmine::ReplyReader::Limits lim, size_t step) {
  carmine::ReplyReader r(lim);
  carmine::RespValue v;
  size_t n = 0, start = 0, end = step == 0 ? in.size() : std::min(in.size(), step);
  for (;;) {
    auto st = r.Parse(in.substr(start, end - start), &v);
    if (st == carmine::ReplyReader::State::kOk) {
      start += r.consumed();
      n++;
      continue;
    }
    if (st == carmine::ReplyReader::State::kError || end == in.size()) return n;
    end = std::min(in.size(), end + step);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  carmine::ReplyReader::Limits lim;
  lim.max_bulk = 1 << 16;
  lim.max_depth = 8 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t whole = CountReplies(in, lim, 0);
  size_t pieces = CountReplies(in, lim, 1 + data[0] % 7);
  if (whole != pieces) abort();
  return 0;
}
