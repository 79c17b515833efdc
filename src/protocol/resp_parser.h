// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Incremental parser for client requests: RESP multibulk ("*2\r\n$3\r\nGET\r\n...") and inline
// commands ("GET key\r\n"). It keeps its progress between calls, so a 512 MB argument or a command
// with a million arguments arriving in many reads is scanned once, not once per read.
//
// Argument positions are kept as offsets relative to the start of the current command in the
// caller's buffer. The caller may move the unconsumed bytes to the front of its buffer between
// calls (compaction) as long as it reports the consumed count via Consume().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carmine {

class RespParser {
 public:
  enum class State { kOk, kIncomplete, kError };

  struct Limits {
    int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
    bool authenticated = true;  // unauthenticated clients get tight limits, as Redis
  };

  // Parses one command from buf[0, len). On kOk, args() views into buf (valid until the buffer
  // changes) and consumed() says how many bytes the command used. On kError, error() is the Redis
  // protocol error text and the connection must be closed after replying.
  State Parse(const char* buf, size_t len, const Limits& limits);
  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  std::string_view error() const { return error_; }
  // Bytes the parser knows it still needs before it can make progress (0 if unknown). Lets the
  // reader size a large read for a big bulk argument.
  size_t bytes_needed_hint() const { return need_hint_; }
  // While a big argument (32 KB or more) is arriving: where its bytes start in the buffer, and
  // the bytes of the command's arguments before it. Redis keeps only such an argument in its
  // query buffer (the earlier ones are already argument objects), so CLIENT LIST shows qbuf and
  // argv-mem that way. 0 and 0 otherwise.
  size_t big_bulk_start() const {
    return mb_remaining_ > 0 && bulk_len_ >= kBigArg ? pos_ : 0;
  }
  size_t parsed_args_bytes() const {
    size_t n = 0;
    for (const ArgRef& r : refs_) n += r.len;
    return n;
  }
  static constexpr int64_t kBigArg = 32 * 1024;
  // Call after the caller dropped `n` consumed bytes from the front of its buffer.
  void Reset();
  bool in_progress() const { return mb_remaining_ >= 0 || pos_ > 0; }

 private:
  State ParseInline(const char* buf, size_t len);
  State Fail(std::string_view msg) {
    error_ = msg;
    return State::kError;
  }

  struct ArgRef {
    size_t off, len;
  };
  static constexpr size_t kKeepArgs = 1024;  // argument slots kept between commands
  // Progress of a multibulk command, relative to the start of the buffer.
  int64_t mb_remaining_ = -1;  // -1: no multibulk header parsed yet
  int64_t bulk_len_ = -1;      // -1: expecting a "$<len>" line next
  size_t pos_ = 0;             // scan position
  std::vector<ArgRef> refs_;
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_storage_;
  size_t consumed_ = 0;
  size_t need_hint_ = 0;
  std::string_view error_;
};

}  // namespace carmine
