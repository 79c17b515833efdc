// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplyReader: parses the replies another server sends back, in RESP2 or RESP3, into RespValue
// trees. It is what this server uses when it acts as a client: MIGRATE reading RESTORE's answers,
// a replica's handshake with its master, Sentinel's links, Lua's redis.call results.
//
// The peer is not trusted: every length is checked against Limits before anything is allocated
// for it, nesting is bounded, and malformed input ends in kError with a reason instead of a
// crash. Parsing restarts from the start of the reply on each call; needed() tells the caller
// how many bytes must be buffered before another attempt can get further, so a large bulk
// arriving in many reads is not rescanned per read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carmine {

struct RespValue {
  enum class Type : uint8_t {
    kSimple,     // +OK
    kError,      // -ERR ...
    kInteger,    // :1
    kBulk,       // $3 foo
    kNull,       // $-1, *-1, _
    kArray,      // *n
    kMap,        // %n: elems holds key, value, key, value, ...
    kSet,        // ~n
    kPush,       // >n
    kDouble,     // ,3.14 (str holds the text)
    kBool,       // #t / #f (integer holds 1 / 0)
    kBigNumber,  // (123... (str holds the digits)
    kVerbatim,   // =n txt:... (str holds the text after "txt:", format the three letters)
  };
  Type type = Type::kNull;
  int64_t integer = 0;
  std::string str;
  std::string format;
  std::vector<RespValue> elems;

  bool is_error() const { return type == Type::kError; }
  bool is_string() const {
    return type == Type::kSimple || type == Type::kBulk || type == Type::kVerbatim;
  }
  bool is_aggregate() const {
    return type == Type::kArray || type == Type::kMap || type == Type::kSet || type == Type::kPush;
  }
};

class ReplyReader {
 public:
  struct Limits {
    int64_t max_bulk = 512LL * 1024 * 1024;  // longest string accepted
    int64_t max_elements = 1LL << 32;        // most elements in one aggregate
    int max_depth = 128;                     // deepest nesting of aggregates
  };
  enum class State { kOk, kIncomplete, kError };

  ReplyReader() = default;
  explicit ReplyReader(Limits limits) : limits_(limits) {}

  // Parses one reply from the front of `buf`. kOk: *out holds it and consumed() bytes were used.
  // kIncomplete: more bytes are needed (at least needed() in total). kError: error() says why;
  // the stream cannot be resynchronised and the link should be closed.
  State Parse(std::string_view buf, RespValue* out);
  size_t consumed() const { return consumed_; }
  size_t needed() const { return needed_; }
  const std::string& error() const { return error_; }

 private:
  State ParseValue(std::string_view buf, size_t* pos, int depth, RespValue* out);
  State Line(std::string_view buf, size_t* pos, std::string_view* line);
  State Fail(std::string msg);

  Limits limits_;
  size_t consumed_ = 0;
  size_t needed_ = 0;
  std::string error_;
};

// Human-readable text of a reply for logs and error messages ("ERR ..." for errors, the text of
// strings, the number of integers, "(array of 3)" for aggregates).
std::string DescribeReply(const RespValue& v);

}  // namespace carmine
