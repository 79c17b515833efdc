// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ArgParser: typed, cursor-style reading of command arguments. It matches option tokens
// case-insensitively, reads integers with Redis's strict rules, and keeps the first error so a
// handler can parse everything and report once.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/strutil.h"
#include "commands/registry.h"
#include "protocol/errors.h"

namespace carmine {

class ArgParser {
 public:
  explicit ArgParser(ArgList args, size_t start = 1) : args_(args), pos_(start) {}

  bool HasNext() const { return pos_ < args_.size(); }
  size_t remaining() const { return args_.size() - pos_; }
  size_t pos() const { return pos_; }
  std::string_view Peek() const { return HasNext() ? args_[pos_] : std::string_view(); }
  std::string_view Next() {
    if (!HasNext()) {
      Fail(err::kSyntax);
      return {};
    }
    return args_[pos_++];
  }
  // Consumes the next argument if it equals `token` (case-insensitive).
  bool Check(std::string_view token) {
    if (HasNext() && EqualsIgnoreCase(args_[pos_], token)) {
      pos_++;
      return true;
    }
    return false;
  }
  // Reads an int64; on failure records `error_text` (default: not-an-integer).
  int64_t NextInt(std::string_view error_text = err::kNotInt) {
    std::string_view s = Next();
    int64_t v = 0;
    if (!ok()) return 0;
    if (!ParseInt64(s, &v)) Fail(error_text);
    return v;
  }
  double NextDouble(std::string_view error_text = err::kNotFloat) {
    std::string_view s = Next();
    double v = 0;
    if (!ok()) return 0;
    if (!ParseDouble(s, &v)) Fail(error_text);
    return v;
  }
  void Fail(std::string_view msg) {
    if (error_.empty()) error_ = msg;
  }
  bool ok() const { return error_.empty(); }
  std::string_view error() const { return error_; }

 private:
  ArgList args_;
  size_t pos_;
  std::string_view error_;
};

// Parses an integer argument the way getLongLongFromObjectOrReply does.
inline bool ArgToInt(std::string_view s, int64_t* out) { return ParseInt64(s, out); }

}  // namespace carmine
