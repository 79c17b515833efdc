// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/reply_builder.h"

#include <charconv>

#include "base/double_format.h"
#include "base/strutil.h"

namespace carmine {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out_->append(buf, r.ptr - buf);
}

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view msg) {
  errors_++;
  size_t sp = msg.find(' ');
  last_error_code_.assign(msg.substr(0, sp == std::string_view::npos ? msg.size() : sp));
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); i++) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Int(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { Raw(resp3() ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { Raw(resp3() ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayLen(int64_t n) { Header('*', n); }
void ReplyBuilder::MapLen(int64_t n) { resp3() ? Header('%', n) : Header('*', n * 2); }
void ReplyBuilder::SetLen(int64_t n) { Header(resp3() ? '~' : '*', n); }
void ReplyBuilder::PushLen(int64_t n) { Header(resp3() ? '>' : '*', n); }

void ReplyBuilder::Double(double v) { DoubleText(FormatDouble(v)); }

void ReplyBuilder::DoubleText(std::string_view s) {
  if (resp3()) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n");
  } else {
    Bulk(s);
  }
}

void ReplyBuilder::Bool(bool v) {
  if (resp3()) {
    Raw(v ? "#t\r\n" : "#f\r\n");
  } else {
    Int(v ? 1 : 0);
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view fmt) {
  if (!resp3()) {
    Bulk(s);
    return;
  }
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_->append(fmt.substr(0, 3));
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::BulkArray(const std::string_view* items, size_t n) {
  ArrayLen(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; i++) Bulk(items[i]);
}

size_t ReplyBuilder::Defer() {
  size_t pos = out_->size();
  return pos;
}

void ReplyBuilder::FillDeferred(size_t token, char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out_->insert(token, buf, r.ptr - buf);
}

void ReplyBuilder::SetDeferredMap(size_t token, int64_t n) {
  if (resp3()) {
    FillDeferred(token, '%', n);
  } else {
    FillDeferred(token, '*', n * 2);
  }
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ != 3) return Bulk(digits);
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n");
}

std::string_view FirstErrorText(std::string_view reply) {
  size_t start = reply.find('-');
  if (start == std::string_view::npos) return {};
  std::string_view error = reply.substr(start + 1);
  error = error.substr(0, error.find("\r\n"));
  if (error.starts_with("ERR ")) error.remove_prefix(4);
  return error;
}

}  // namespace carmine
