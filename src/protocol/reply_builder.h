// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplyBuilder: the only code that produces RESP bytes. Handlers say what they reply (an integer,
// a map, a null) and the builder picks the RESP2 or RESP3 shape, so protocol differences live in
// this one class. It appends to a caller-owned buffer; nothing is sent from here.
//
// Error replies are counted by their code (the first word, e.g. "WRONGTYPE"), which is what
// INFO errorstats and commandstats' failed_calls report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace carmine {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out) : out_(out) {}

  void SetProtocol(int resp) { resp_ = resp; }
  int protocol() const { return resp_; }
  bool resp3() const { return resp_ == 3; }

  void Ok() { Raw("+OK\r\n"); }
  void Simple(std::string_view s);
  // `msg` includes its code ("ERR ...", "WRONGTYPE ..."); newlines are replaced by spaces.
  void Error(std::string_view msg);
  void Int(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void ArrayLen(int64_t n);
  void MapLen(int64_t n);                                           // RESP2: array of 2n
  void SetLen(int64_t n);                                           // RESP2: array of n
  void PushLen(int64_t n);                                          // RESP2: array of n
  void Double(double v);                                            // RESP2: bulk string
  void DoubleText(std::string_view text);  // an already rendered double (GEOPOS digits)
  void Bool(bool v);                                                // RESP2: integer 0/1
  void Verbatim(std::string_view s, std::string_view fmt = "txt");  // RESP2: bulk string
  void BigNumber(std::string_view digits);                          // RESP2: bulk string
  // RESP3 attribute map header; RESP2 has no attributes, so callers write none there.
  void AttributeLen(int64_t n) { Header('|', n); }
  void EmptyArray() { ArrayLen(0); }
  void BulkArray(const std::string_view* items, size_t n);

  // Deferred aggregate: reserve a spot, fill the items, then say how many there were.
  size_t DeferArray() { return Defer(); }
  void SetDeferredArray(size_t token, int64_t n) { FillDeferred(token, '*', n); }
  size_t DeferMap() { return Defer(); }
  void SetDeferredMap(size_t token, int64_t n);

  // Counters for stats; reset by the dispatcher around each command.
  uint64_t errors() const { return errors_; }
  std::string_view last_error_code() const { return last_error_code_; }
  void ResetErrorCount() { errors_ = 0; }

  // The buffer size past which the client is over its output limit and will be closed. Commands
  // whose replies grow with an argument (HRANDFIELD -huge, KEYS) check over_cap() as they go and
  // stop, as Redis stops them once the client is to be closed. The owner marks where each
  // command's reply starts; the limit is looked up only if a command asks (most never do).
  class Limit {
   public:
    // The buffer size at which a reply that started at `start` is over the limit (0: none).
    virtual size_t CapFrom(size_t start) const = 0;

   protected:
    ~Limit() = default;
  };
  void set_limit(const Limit* limit) { limit_ = limit; }
  void MarkReplyStart() {
    cap_start_ = out_->size();
    cap_known_ = false;
  }
  bool over_cap() const {
    if (!cap_known_) {
      cap_ = limit_ != nullptr ? limit_->CapFrom(cap_start_) : 0;
      cap_known_ = true;
    }
    return cap_ != 0 && out_->size() > cap_;
  }

  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }
  void Raw(std::string_view s) { out_->append(s); }

 private:
  void Header(char type, int64_t n);
  size_t Defer();
  void FillDeferred(size_t token, char type, int64_t n);

  std::string* out_;
  const Limit* limit_ = nullptr;
  size_t cap_start_ = 0;
  mutable size_t cap_ = 0;
  mutable bool cap_known_ = true;
  int resp_ = 2;
  uint64_t errors_ = 0;
  std::string last_error_code_;
};

// The text of the first error reply in `reply` (RESP bytes), without its '-', its CRLF and the
// "ERR " Redis adds to uncoded errors: what Redis's logs quote when a replica or the AOF loader
// meets an error.
std::string_view FirstErrorText(std::string_view reply);

}  // namespace carmine
