// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/resp_parser.h"

#include <cstring>

#include "base/strutil.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// Inline requests and count lines longer than this are refused (Redis PROTO_INLINE_MAX_SIZE).
constexpr size_t kMaxInline = 64 * 1024;

// The common length line, read in one pass: 1 to 18 digits without a leading zero, then '\r'.
// Returns where the '\r' is, or nullptr to leave the decision to the general path (a zero, a
// sign, more digits, garbage, or a line that has not fully arrived), which then answers with
// exactly the error it always gives.
inline const char* FastLength(const char* p, const char* end, int64_t* out) {
  if (p >= end || *p < '1' || *p > '9') return nullptr;
  int64_t v = *p++ - '0';
  const char* limit = end - p > 17 ? p + 17 : end;
  while (p < limit && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  if (p >= end || *p != '\r') return nullptr;
  *out = v;
  return p;
}

}  // namespace

void RespParser::Reset() {
  mb_remaining_ = -1;
  bulk_len_ = -1;
  pos_ = 0;
  refs_.clear();
  need_hint_ = 0;
}

RespParser::State RespParser::ParseInline(const char* buf, size_t len) {
  const void* nl = memchr(buf, '\n', len);
  if (nl == nullptr) {
    if (len > kMaxInline) return Fail(err::kProtoBigInline);
    return State::kIncomplete;
  }
  size_t line_end = static_cast<const char*>(nl) - buf;
  std::string_view line(buf, line_end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inline_storage_.clear();
  if (!SplitArgs(line, &inline_storage_)) return Fail(err::kProtoUnbalanced);
  args_.clear();
  for (auto& s : inline_storage_) args_.emplace_back(s);
  consumed_ = line_end + 1;
  return State::kOk;
}

RespParser::State RespParser::Parse(const char* buf, size_t len, const Limits& limits) {
  need_hint_ = 0;
  if (mb_remaining_ < 0) {
    if (len == 0) return State::kIncomplete;
    if (buf[0] != '*') return ParseInline(buf, len);
    int64_t count;
    size_t cr;
    if (const char* fast = FastLength(buf + 1, buf + len, &count)) {
      cr = static_cast<size_t>(fast - buf);
      if (cr + 1 >= len) return State::kIncomplete;
    } else {
      const void* nl = memchr(buf, '\r', std::min(len, kMaxInline + 1));
      if (nl == nullptr) {
        if (len > kMaxInline) return Fail(err::kProtoBigMbulkCount);
        return State::kIncomplete;
      }
      cr = static_cast<const char*>(nl) - buf;
      if (cr + 1 >= len) return State::kIncomplete;
      if (!ParseInt64(std::string_view(buf + 1, cr - 1), &count)) {
        return Fail(err::kProtoInvalidMultibulk);
      }
    }
    if (count > INT32_MAX) return Fail(err::kProtoInvalidMultibulk);
    if (!limits.authenticated && count > 10) return Fail(err::kProtoUnauthMultibulk);
    pos_ = cr + 2;
    if (count <= 0) {
      args_.clear();
      consumed_ = pos_;
      Reset();
      return State::kOk;  // empty command: the caller skips it
    }
    mb_remaining_ = count;
    // The argument tables of a huge command (SADD with 100k members) are not kept for the small
    // ones that follow: their memory counts as the server's.
    if (refs_.capacity() > kKeepArgs && count <= static_cast<int64_t>(kKeepArgs)) {
      std::vector<ArgRef>().swap(refs_);
    }
    refs_.clear();
    refs_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  }
  while (mb_remaining_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ >= len) return State::kIncomplete;
      int64_t blen;
      size_t cr;
      const char* fast = buf[pos_] == '$' ? FastLength(buf + pos_ + 1, buf + len, &blen) : nullptr;
      if (fast != nullptr) {
        cr = static_cast<size_t>(fast - buf);
        if (cr + 1 >= len) return State::kIncomplete;
      } else {
        size_t avail = len - pos_;
        const void* nl = memchr(buf + pos_, '\r', std::min(avail, kMaxInline + 1));
        if (nl == nullptr) {
          if (avail > kMaxInline) return Fail(err::kProtoBigBulkCount);
          return State::kIncomplete;
        }
        cr = static_cast<const char*>(nl) - buf;
        if (cr + 1 >= len) return State::kIncomplete;
        if (buf[pos_] != '$') {
          static thread_local std::string msg;
          msg = err::kProtoExpectedDollar;
          msg.push_back(buf[pos_]);
          msg += "'";
          return Fail(msg);
        }
        if (!ParseInt64(std::string_view(buf + pos_ + 1, cr - pos_ - 1), &blen) || blen < 0) {
          return Fail(err::kProtoInvalidBulk);
        }
      }
      if (blen > limits.max_bulk_len) return Fail(err::kProtoInvalidBulk);
      if (!limits.authenticated && blen > 16384) return Fail(err::kProtoUnauthBulk);
      bulk_len_ = blen;
      pos_ = cr + 2;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (len - pos_ < need) {
      need_hint_ = need - (len - pos_);
      return State::kIncomplete;
    }
    refs_.push_back({pos_, static_cast<size_t>(bulk_len_)});
    pos_ += need;
    bulk_len_ = -1;
    mb_remaining_--;
  }
  if (args_.capacity() > kKeepArgs && refs_.size() <= kKeepArgs) {
    std::vector<std::string_view>().swap(args_);
  }
  args_.clear();
  args_.reserve(refs_.size());
  for (auto& r : refs_) args_.emplace_back(buf + r.off, r.len);
  consumed_ = pos_;
  Reset();
  return State::kOk;
}

}  // namespace carmine
