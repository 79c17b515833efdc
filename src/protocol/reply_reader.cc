// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/reply_reader.h"

#include <cstring>

#include "base/strutil.h"

namespace carmine {
namespace {

// A header line ("$5", ":123", "-ERR ...") longer than this is refused: a server's status and
// error lines are short, and an unbounded line would let a peer make us buffer forever.
constexpr size_t kMaxLine = 64 * 1024;

}  // namespace

ReplyReader::State ReplyReader::Fail(std::string msg) {
  error_ = "Protocol error: " + std::move(msg);
  return State::kError;
}

ReplyReader::State ReplyReader::Line(std::string_view buf, size_t* pos, std::string_view* line) {
  size_t avail = buf.size() - *pos;
  const void* cr = memchr(buf.data() + *pos, '\r', std::min(avail, kMaxLine + 1));
  if (cr == nullptr) {
    if (avail > kMaxLine) return Fail("line too long");
    needed_ = buf.size() + 1;
    return State::kIncomplete;
  }
  size_t end = static_cast<size_t>(static_cast<const char*>(cr) - buf.data());
  if (end + 1 >= buf.size()) {
    needed_ = end + 2;
    return State::kIncomplete;
  }
  if (buf[end + 1] != '\n') return Fail("expected CRLF after a line");
  *line = buf.substr(*pos, end - *pos);
  *pos = end + 2;
  return State::kOk;
}

ReplyReader::State ReplyReader::ParseValue(std::string_view buf, size_t* pos, int depth,
                                           RespValue* out) {
  using T = RespValue::Type;
  if (*pos >= buf.size()) {
    needed_ = *pos + 1;
    return State::kIncomplete;
  }
  char kind = buf[*pos];
  (*pos)++;
  std::string_view line;
  if (State s = Line(buf, pos, &line); s != State::kOk) return s;
  *out = RespValue();
  switch (kind) {
    case '+':
      out->type = T::kSimple;
      out->str.assign(line);
      return State::kOk;
    case '-':
      out->type = T::kError;
      out->str.assign(line);
      return State::kOk;
    case ':':
      out->type = T::kInteger;
      if (!ParseInt64(line, &out->integer)) return Fail("bad integer");
      return State::kOk;
    case ',':
      out->type = T::kDouble;
      out->str.assign(line);
      return State::kOk;
    case '(':
      out->type = T::kBigNumber;
      out->str.assign(line);
      return State::kOk;
    case '#':
      if (line != "t" && line != "f") return Fail("bad boolean");
      out->type = T::kBool;
      out->integer = line == "t" ? 1 : 0;
      return State::kOk;
    case '_':
      if (!line.empty()) return Fail("bad null");
      out->type = T::kNull;
      return State::kOk;
    case '$':
    case '=':
    case '!': {  // blob error: a bulk string that is an error
      int64_t len;
      if (!ParseInt64(line, &len) || len < -1) return Fail("bad bulk length");
      if (len == -1) {
        if (kind != '$') return Fail("bad bulk length");
        out->type = T::kNull;
        return State::kOk;
      }
      if (len > limits_.max_bulk) return Fail("bulk length over the limit");
      size_t n = static_cast<size_t>(len);
      if (buf.size() - *pos < n + 2) {
        needed_ = *pos + n + 2;
        return State::kIncomplete;
      }
      if (buf[*pos + n] != '\r' || buf[*pos + n + 1] != '\n') return Fail("bad bulk terminator");
      std::string_view body = buf.substr(*pos, n);
      *pos += n + 2;
      if (kind == '=') {
        if (body.size() < 4 || body[3] != ':') return Fail("bad verbatim string");
        out->type = T::kVerbatim;
        out->format.assign(body.substr(0, 3));
        out->str.assign(body.substr(4));
      } else {
        out->type = kind == '$' ? T::kBulk : T::kError;
        out->str.assign(body);
      }
      return State::kOk;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
      int64_t count;
      if (!ParseInt64(line, &count) || count < -1) return Fail("bad aggregate length");
      if (count == -1) {
        if (kind != '*') return Fail("bad aggregate length");
        out->type = T::kNull;
        return State::kOk;
      }
      if (depth >= limits_.max_depth) return Fail("too deeply nested");
      if (count > limits_.max_elements) return Fail("aggregate length over the limit");
      bool pairs = kind == '%' || kind == '|';
      int64_t elems = pairs ? count * 2 : count;
      // Every element takes at least three bytes, so no more can be in the buffer yet: reserve
      // only for what could be there, never what the header claims.
      out->elems.reserve(static_cast<size_t>(
          std::min<int64_t>(elems, static_cast<int64_t>((buf.size() - *pos) / 3))));
      for (int64_t i = 0; i < elems; i++) {
        out->elems.emplace_back();
        if (State s = ParseValue(buf, pos, depth + 1, &out->elems.back()); s != State::kOk) {
          return s;
        }
      }
      if (kind == '|') {
        // An attribute is metadata that precedes the real reply: read past it.
        return ParseValue(buf, pos, depth, out);
      }
      out->type = kind == '*' ? T::kArray : kind == '%' ? T::kMap : kind == '~' ? T::kSet
                                                                             : T::kPush;
      return State::kOk;
    }
    default:
      return Fail(std::string("unexpected reply type byte '") + kind + "'");
  }
}

ReplyReader::State ReplyReader::Parse(std::string_view buf, RespValue* out) {
  consumed_ = 0;
  if (needed_ > buf.size()) return State::kIncomplete;
  needed_ = 0;
  size_t pos = 0;
  State s = ParseValue(buf, &pos, 0, out);
  if (s == State::kOk) {
    consumed_ = pos;
    needed_ = 0;
  }
  return s;
}

std::string DescribeReply(const RespValue& v) {
  using T = RespValue::Type;
  switch (v.type) {
    case T::kInteger:
    case T::kBool:
      return Int64ToString(v.integer);
    case T::kNull:
      return "(nil)";
    case T::kArray:
    case T::kMap:
    case T::kSet:
    case T::kPush:
      return "(aggregate of " + std::to_string(v.elems.size()) + ")";
    default:
      return v.str;
  }
}

}  // namespace carmine
