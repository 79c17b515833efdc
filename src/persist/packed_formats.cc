// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/packed_formats.h"

#include <algorithm>
#include <cstring>

#include "base/strutil.h"

namespace carmine::rdb {
namespace {

void PutLE(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t GetLE(std::string_view s, size_t pos, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[pos + i])) << (8 * i);
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Back-length of an element (its encoding plus data), written so it can be read right to left.
void PutBacklen(std::string* out, uint64_t l) {
  if (l <= 127) {
    out->push_back(static_cast<char>(l));
    return;
  }
  int n = l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  for (int i = n - 1; i >= 0; i--) {
    uint8_t b = static_cast<uint8_t>((l >> (7 * i)) & 127);
    if (i != n - 1) b |= 128;
    out->push_back(static_cast<char>(b));
  }
}

// Reads the back-length whose last byte is at `end` (7 bits per byte, most significant first,
// every byte but the first written with its high bit set).
uint64_t ReadBacklen(std::string_view lp, size_t end) {
  uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t b = static_cast<uint8_t>(lp[end]);
    v |= static_cast<uint64_t>(b & 127) << shift;
    if ((b & 128) == 0 || end == 0) break;
    end--;
  }
  return v;
}

int BacklenSize(uint64_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

bool CanonicalInt(std::string_view s, int64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  return ParseInt64(s, v) && std::to_string(*v) == s;
}

}  // namespace

void ListpackWriter::Add(std::string_view s) {
  size_t start = buf_.size();
  int64_t v;
  if (CanonicalInt(s, &v)) {
    if (v >= 0 && v <= 127) {
      buf_.push_back(static_cast<char>(v));
    } else if (v >= -4096 && v <= 4095) {
      uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
      buf_.push_back(static_cast<char>(0xC0 | (u >> 8)));
      buf_.push_back(static_cast<char>(u & 0xFF));
    } else if (v >= -32768 && v <= 32767) {
      buf_.push_back(static_cast<char>(0xF1));
      PutLE(&buf_, static_cast<uint64_t>(v), 2);
    } else if (v >= -8388608 && v <= 8388607) {
      buf_.push_back(static_cast<char>(0xF2));
      PutLE(&buf_, static_cast<uint64_t>(v), 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      buf_.push_back(static_cast<char>(0xF3));
      PutLE(&buf_, static_cast<uint64_t>(v), 4);
    } else {
      buf_.push_back(static_cast<char>(0xF4));
      PutLE(&buf_, static_cast<uint64_t>(v), 8);
    }
  } else if (s.size() < 64) {
    buf_.push_back(static_cast<char>(0x80 | s.size()));
    buf_.append(s);
  } else if (s.size() < 4096) {
    buf_.push_back(static_cast<char>(0xE0 | (s.size() >> 8)));
    buf_.push_back(static_cast<char>(s.size() & 0xFF));
    buf_.append(s);
  } else {
    buf_.push_back(static_cast<char>(0xF0));
    PutLE(&buf_, s.size(), 4);
    buf_.append(s);
  }
  PutBacklen(&buf_, buf_.size() - start);
  count_++;
}

std::string ListpackWriter::Finish() {
  buf_.push_back(static_cast<char>(0xFF));
  uint32_t total = static_cast<uint32_t>(buf_.size());
  for (int i = 0; i < 4; i++) buf_[i] = static_cast<char>((total >> (8 * i)) & 0xFF);
  uint16_t n = count_ < 65535 ? static_cast<uint16_t>(count_) : 65535;
  buf_[4] = static_cast<char>(n & 0xFF);
  buf_[5] = static_cast<char>(n >> 8);
  return std::move(buf_);
}

bool ReadListpack(std::string_view lp, const std::function<void(std::string_view)>& fn) {
  if (lp.size() < 7 || GetLE(lp, 0, 4) != lp.size() || static_cast<uint8_t>(lp.back()) != 0xFF)
    return false;
  size_t count = GetLE(lp, 4, 2), seen = 0;
  size_t pos = 6;
  std::string num;
  while (pos < lp.size() - 1) {
    uint8_t b = static_cast<uint8_t>(lp[pos]);
    size_t head = 1, len = 0;
    bool is_int = false;
    int64_t v = 0;
    size_t avail = lp.size() - 1 - pos;
    if ((b & 0x80) == 0) {
      is_int = true;
      v = b & 0x7F;
    } else if ((b & 0xC0) == 0x80) {
      len = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
      if (avail < 2) return false;
      head = 2;
      is_int = true;
      v = SignExtend(((b & 0x1Fu) << 8) | static_cast<uint8_t>(lp[pos + 1]), 13);
    } else if ((b & 0xF0) == 0xE0) {
      if (avail < 2) return false;
      head = 2;
      len = ((b & 0x0Fu) << 8) | static_cast<uint8_t>(lp[pos + 1]);
    } else if (b == 0xF0) {
      if (avail < 5) return false;
      head = 5;
      len = GetLE(lp, pos + 1, 4);
    } else if (b >= 0xF1 && b <= 0xF4) {
      int n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
      if (avail < static_cast<size_t>(1 + n)) return false;
      head = 1 + n;
      is_int = true;
      v = SignExtend(GetLE(lp, pos + 1, n), 8 * n);
    } else {
      return false;
    }
    size_t entry = head + (is_int ? 0 : len);
    if (entry > avail) return false;
    size_t total = entry + BacklenSize(entry);
    if (total > avail) return false;
    // The back-length must say what the entry is, or reading right to left goes astray.
    if (ReadBacklen(lp, pos + total - 1) != entry) return false;
    if (is_int) {
      num = std::to_string(v);
      fn(num);
    } else {
      fn(lp.substr(pos + head, len));
    }
    pos += total;
    seen++;
  }
  return count == 65535 || seen == count;
}

bool ReadZiplist(std::string_view zl, const std::function<void(std::string_view)>& fn) {
  if (zl.size() < 11 || GetLE(zl, 0, 4) != zl.size() || static_cast<uint8_t>(zl.back()) != 0xFF)
    return false;
  // Every entry names the size of the one before it, the header the offset of the last one and
  // (below 65535) the count: all must agree with the entries themselves.
  size_t tail = GetLE(zl, 4, 4), count = GetLE(zl, 8, 2);
  size_t pos = 10, last = 10, prev_size = 0, seen = 0;
  std::string num;
  while (pos < zl.size() - 1) {
    size_t avail = zl.size() - 1 - pos;
    uint8_t first = static_cast<uint8_t>(zl[pos]);
    if (first == 0xFF) return false;  // an end marker before the end
    size_t prev = first < 254 ? 1 : 5;
    if (prev > avail) return false;
    size_t prev_len = prev == 1 ? first : GetLE(zl, pos + 1, 4);
    if (prev_len != prev_size) return false;
    last = pos;
    size_t start = pos;
    pos += prev;
    avail -= prev;
    if (avail == 0) return false;
    uint8_t b = static_cast<uint8_t>(zl[pos]);
    size_t head = 1, len = 0;
    bool is_int = true;
    int64_t v = 0;
    switch (b >> 6) {
      case 0:
        is_int = false;
        len = b & 0x3F;
        break;
      case 1:
        if (avail < 2) return false;
        is_int = false;
        head = 2;
        len = ((b & 0x3Fu) << 8) | static_cast<uint8_t>(zl[pos + 1]);
        break;
      case 2:
        if (avail < 5) return false;
        is_int = false;
        head = 5;
        len = 0;
        for (int i = 1; i <= 4; i++) len = (len << 8) | static_cast<uint8_t>(zl[pos + i]);
        break;
      default: {
        int n = 0;
        if (b == 0xC0) {
          n = 2;
        } else if (b == 0xD0) {
          n = 4;
        } else if (b == 0xE0) {
          n = 8;
        } else if (b == 0xF0) {
          n = 3;
        } else if (b == 0xFE) {
          n = 1;
        } else if (b >= 0xF1 && b <= 0xFD) {
          v = (b & 0x0F) - 1;
        } else {
          return false;
        }
        if (n > 0) {
          if (avail < static_cast<size_t>(1 + n)) return false;
          head = 1 + n;
          v = SignExtend(GetLE(zl, pos + 1, n), 8 * n);
        }
      }
    }
    size_t entry = head + (is_int ? 0 : len);
    if (entry > avail) return false;
    if (is_int) {
      num = std::to_string(v);
      fn(num);
    } else {
      fn(zl.substr(pos + head, len));
    }
    pos += entry;
    prev_size = pos - start;
    seen++;
  }
  return tail == last && (count == 65535 || count == seen);
}

bool ReadZipmap(std::string_view zm, const std::function<void(std::string_view)>& fn) {
  if (zm.size() < 2 || static_cast<uint8_t>(zm.back()) != 0xFF) return false;
  size_t count = static_cast<uint8_t>(zm[0]), seen = 0;  // 254 and up: count it to know
  size_t pos = 1;
  auto read_len = [&](size_t* len) {
    if (pos >= zm.size() - 1) return false;
    uint8_t b = static_cast<uint8_t>(zm[pos]);
    if (b < 254) {
      *len = b;
      pos += 1;
      return true;
    }
    if (b != 254 || pos + 5 > zm.size() - 1) return false;
    *len = GetLE(zm, pos + 1, 4);
    pos += 5;
    return true;
  };
  while (pos < zm.size() - 1) {
    size_t klen, vlen;
    if (!read_len(&klen) || klen > zm.size() - 1 - pos) return false;
    std::string_view key = zm.substr(pos, klen);
    pos += klen;
    if (!read_len(&vlen) || pos >= zm.size() - 1) return false;
    size_t free_bytes = static_cast<uint8_t>(zm[pos++]);
    if (vlen + free_bytes > zm.size() - 1 - pos) return false;
    fn(key);
    fn(zm.substr(pos, vlen));
    pos += vlen + free_bytes;
    seen++;
  }
  return seen > 0 && (count >= 254 || count == seen);
}

std::string WriteIntset(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  int width = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
    } else if ((v < INT16_MIN || v > INT16_MAX) && width < 4) {
      width = 4;
    }
  }
  std::string out;
  PutLE(&out, static_cast<uint64_t>(width), 4);
  PutLE(&out, values.size(), 4);
  for (int64_t v : values) PutLE(&out, static_cast<uint64_t>(v), width);
  return out;
}

bool ReadIntset(std::string_view blob, std::vector<int64_t>* out) {
  if (blob.size() < 8) return false;
  uint64_t width = GetLE(blob, 0, 4), n = GetLE(blob, 4, 4);
  if (width != 2 && width != 4 && width != 8) return false;
  if (blob.size() != 8 + width * n) return false;
  out->clear();
  for (uint64_t i = 0; i < n; i++) {
    int64_t v = SignExtend(GetLE(blob, 8 + i * width, static_cast<int>(width)), static_cast<int>(8 * width));
    if (!out->empty() && v <= out->back()) return false;  // must be sorted and unique
    out->push_back(v);
  }
  return true;
}

}  // namespace carmine::rdb
