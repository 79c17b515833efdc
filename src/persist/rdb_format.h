// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// RDB building blocks, as the RDB file format specifies them: the value type bytes, the length
// encoding (6/14/32/64-bit, and the special forms for small integers and LZF-compressed strings),
// string encoding, the Jones CRC-64 that guards files and DUMP payloads, and an RdbReader that
// reads those forms from a byte range and fails (never crashes) on truncated or corrupt input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace carmine::rdb {

// RDB version written to files (loadable by Redis 7.0 and later), the version DUMP payloads carry
// (Redis 7.2's, which adds listpack sets), and the newest version read (7.4).
inline constexpr uint16_t kWriteVersion = 10;
inline constexpr uint16_t kDumpVersion = 11;
inline constexpr uint16_t kMaxReadVersion = 12;

enum Type : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kZSet2 = 5,
  kHashZipmap = 9,
  kListZiplist = 10,
  kSetIntset = 11,
  kZSetZiplist = 12,
  kHashZiplist = 13,
  kListQuicklist = 14,
  kHashListpack = 16,
  kZSetListpack = 17,
  kListQuicklist2 = 18,
  kStreamListpacks = 15,
  kStreamListpacks2 = 19,
  kSetListpack = 20,
  kStreamListpacks3 = 21,
};

// Appends a length in the smallest form.
void WriteLength(std::string* out, uint64_t len);
// Appends a string as Redis saves one: small integers in their integer forms, longer strings
// LZF-compressed when `compress` and it saves space, else raw.
void WriteString(std::string* out, std::string_view s, bool compress);
// Appends an 8-byte little-endian IEEE double (ZSET_2 scores).
void WriteBinaryDouble(std::string* out, double d);

// CRC-64 (Jones polynomial, reflected), continuing from `crc`: what Redis puts after an RDB file
// and a DUMP payload.
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : p_(data) {}
  bool ReadByte(uint8_t* b);
  bool ReadBytes(size_t n, std::string_view* out);
  // A length; *is_encoded set for the special string forms (then *len holds the form).
  bool ReadLength(uint64_t* len, bool* is_encoded = nullptr);
  // A string in any of its forms (integer, LZF, raw), at most `max_len` bytes once decoded.
  bool ReadString(std::string* out);
  bool ReadBinaryDouble(double* d);
  // Old ZSET (type 3) scores: a length byte and the number as text (253 nan, 254 +inf, 255 -inf).
  bool ReadTextDouble(double* d);
  size_t remaining() const { return p_.size(); }
  std::string_view rest() const { return p_; }
  // Records why a value failed its checks (the first reason counts), in the words Redis logs
  // ("Zset ziplist integrity check failed."), and returns false. `why` must be a literal.
  bool Fail(std::string_view why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  std::string_view error() const { return error_; }
  // A collection with no elements: not a value (RESTORE refuses it, a file load skips the key,
  // as Redis does). Returns false.
  bool Empty() {
    empty_ = true;
    return false;
  }
  bool empty_value() const { return empty_; }
  void ClearEmpty() { empty_ = false; }

 private:
  std::string_view p_;
  std::string_view error_;
  bool empty_ = false;
};

}  // namespace carmine::rdb
