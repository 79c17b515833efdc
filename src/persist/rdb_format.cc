// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/rdb_format.h"

#include <liblzf/lzf.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "base/strutil.h"

namespace carmine::rdb {
namespace {
constexpr uint8_t kLen6 = 0, kLen14 = 1, kLen32 = 0x80, kLen64 = 0x81, kEncoded = 3;
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;
// Strings longer than this could be LZF-compressed; shorter ones never gain.
constexpr size_t kCompressMin = 20;
// The largest string a reader accepts from an untrusted payload (proto-max-bulk-len's ceiling).
constexpr uint64_t kMaxString = 512ULL << 20;

void PutBE32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>((v >> (i * 8)) & 0xFF));
}

// A string that reads back identically from an integer form: canonical decimal, fits 32 bits.
bool AsInt32(std::string_view s, int32_t* v) {
  if (s.empty() || s.size() > 11) return false;
  int64_t x;
  if (!ParseInt64(s, &x) || std::to_string(x) != s) return false;
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max())
    return false;
  *v = static_cast<int32_t>(x);
  return true;
}
}  // namespace

void WriteLength(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>((kLen6 << 6) | len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>((kLen14 << 6) | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xFF));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(kLen32));
    PutBE32(out, static_cast<uint32_t>(len));
  } else {
    out->push_back(static_cast<char>(kLen64));
    PutBE32(out, static_cast<uint32_t>(len >> 32));
    PutBE32(out, static_cast<uint32_t>(len));
  }
}

void WriteString(std::string* out, std::string_view s, bool compress) {
  int32_t v;
  if (AsInt32(s, &v)) {
    if (v >= -128 && v <= 127) {
      out->push_back(static_cast<char>(0xC0 | kEncInt8));
      out->push_back(static_cast<char>(v & 0xFF));
    } else if (v >= -32768 && v <= 32767) {
      out->push_back(static_cast<char>(0xC0 | kEncInt16));
      out->push_back(static_cast<char>(v & 0xFF));
      out->push_back(static_cast<char>((v >> 8) & 0xFF));
    } else {
      out->push_back(static_cast<char>(0xC0 | kEncInt32));
      for (int i = 0; i < 4; i++) out->push_back(static_cast<char>((v >> (i * 8)) & 0xFF));
    }
    return;
  }
  if (compress && s.size() > kCompressMin) {
    // Only worth it when at least 4 bytes are saved (Redis's rule, so files come out the same).
    std::string buf(s.size() - 4, '\0');
    unsigned int n = lzf_compress(s.data(), static_cast<unsigned int>(s.size()), buf.data(),
                                  static_cast<unsigned int>(buf.size()));
    if (n > 0) {
      out->push_back(static_cast<char>(0xC0 | kEncLzf));
      WriteLength(out, n);
      WriteLength(out, s.size());
      out->append(buf.data(), n);
      return;
    }
  }
  WriteLength(out, s.size());
  out->append(s);
}

void WriteBinaryDouble(std::string* out, double d) {
  char b[8];
  memcpy(b, &d, 8);  // little-endian hosts only, as the format is
  out->append(b, 8);
}

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  // Reflected form of the Jones polynomial 0xad93d23594c935a9, eight bytes per step: table k
  // holds the CRC of a byte followed by k zero bytes, so eight lookups fold a whole word.
  static const auto tables = [] {
    struct T {
      uint64_t v[8][256];
    } t{};
    for (uint64_t i = 0; i < 256; i++) {
      uint64_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x95ac9329ac4bc9b5ULL : c >> 1;
      t.v[0][i] = c;
    }
    for (int k = 1; k < 8; k++) {
      for (int i = 0; i < 256; i++) t.v[k][i] = t.v[0][t.v[k - 1][i] & 0xFF] ^ (t.v[k - 1][i] >> 8);
    }
    return t;
  }();
  const auto* p = static_cast<const uint8_t*>(data);
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);  // little-endian hosts
    w ^= crc;
    crc = tables.v[7][w & 0xFF] ^ tables.v[6][(w >> 8) & 0xFF] ^ tables.v[5][(w >> 16) & 0xFF] ^
          tables.v[4][(w >> 24) & 0xFF] ^ tables.v[3][(w >> 32) & 0xFF] ^
          tables.v[2][(w >> 40) & 0xFF] ^ tables.v[1][(w >> 48) & 0xFF] ^ tables.v[0][w >> 56];
    p += 8;
    len -= 8;
  }
  for (; len > 0; len--, p++) crc = tables.v[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return crc;
}

bool RdbReader::ReadByte(uint8_t* b) {
  if (p_.empty()) return false;
  *b = static_cast<uint8_t>(p_[0]);
  p_.remove_prefix(1);
  return true;
}

bool RdbReader::ReadBytes(size_t n, std::string_view* out) {
  if (p_.size() < n) return false;
  *out = p_.substr(0, n);
  p_.remove_prefix(n);
  return true;
}

bool RdbReader::ReadLength(uint64_t* len, bool* is_encoded) {
  if (is_encoded != nullptr) *is_encoded = false;
  uint8_t b;
  if (!ReadByte(&b)) return false;
  uint8_t kind = b >> 6;
  if (kind == kLen6) {
    *len = b & 0x3F;
  } else if (kind == kLen14) {
    uint8_t b2;
    if (!ReadByte(&b2)) return false;
    *len = (static_cast<uint64_t>(b & 0x3F) << 8) | b2;
  } else if (kind == kEncoded) {
    if (is_encoded == nullptr) return false;  // a special form where a count was expected
    *is_encoded = true;
    *len = b & 0x3F;
  } else {
    std::string_view raw;
    size_t n = b == kLen32 ? 4 : b == kLen64 ? 8 : 0;
    if (n == 0 || !ReadBytes(n, &raw)) return false;
    uint64_t v = 0;
    for (char c : raw) v = (v << 8) | static_cast<uint8_t>(c);
    *len = v;
  }
  return true;
}

bool RdbReader::ReadString(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!ReadLength(&len, &encoded)) return false;
  if (encoded) {
    std::string_view raw;
    switch (len) {
      case kEncInt8:
      case kEncInt16:
      case kEncInt32: {
        size_t n = len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4;
        if (!ReadBytes(n, &raw)) return false;
        uint32_t u = 0;
        for (size_t i = 0; i < n; i++) u |= static_cast<uint32_t>(static_cast<uint8_t>(raw[i])) << (8 * i);
        int64_t v = n == 1 ? static_cast<int8_t>(u) : n == 2 ? static_cast<int16_t>(u)
                                                             : static_cast<int32_t>(u);
        *out = std::to_string(v);
        return true;
      }
      case kEncLzf: {
        uint64_t clen, ulen;
        if (!ReadLength(&clen) || !ReadLength(&ulen) || ulen > kMaxString || clen == 0) return false;
        if (!ReadBytes(clen, &raw)) return false;
        out->assign(ulen, '\0');
        if (ulen == 0) return true;
        unsigned int n = lzf_decompress(raw.data(), static_cast<unsigned int>(clen), out->data(),
                                        static_cast<unsigned int>(ulen));
        return n == ulen;
      }
      default:
        return false;
    }
  }
  if (len > kMaxString) return false;
  std::string_view raw;
  if (!ReadBytes(len, &raw)) return false;
  out->assign(raw);
  return true;
}

bool RdbReader::ReadBinaryDouble(double* d) {
  std::string_view raw;
  if (!ReadBytes(8, &raw)) return false;
  memcpy(d, raw.data(), 8);
  return !std::isnan(*d);
}

bool RdbReader::ReadTextDouble(double* d) {
  uint8_t n;
  if (!ReadByte(&n)) return false;
  if (n == 253) return false;  // NaN is not a valid score
  if (n == 254) {
    *d = std::numeric_limits<double>::infinity();
    return true;
  }
  if (n == 255) {
    *d = -std::numeric_limits<double>::infinity();
    return true;
  }
  std::string_view raw;
  if (!ReadBytes(n, &raw)) return false;
  return ParseDouble(raw, d);
}

}  // namespace carmine::rdb
