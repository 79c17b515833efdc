// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/packed_list.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/defrag_advisor.h"
#include "base/double_format.h"
#include "base/logging.h"
#include "base/strutil.h"

namespace carmine {
namespace {

constexpr uint8_t kStr6 = 0x80, kStr13 = 0xC0, kStr32 = 0xE0;
constexpr uint8_t kInt16 = 0xE1, kInt24 = 0xE2, kInt32 = 0xE3, kInt64 = 0xE4, kDouble = 0xE5;

uint32_t BackLenBytes(uint32_t size) {
  uint32_t n = 1;
  while (size >= 128) {
    size >>= 7;
    n++;
  }
  return n;
}

// Reads the back length that ends just before `p`.
uint32_t ReadBackLen(const uint8_t* p) {
  uint32_t v = 0;
  int shift = 0;
  while (true) {
    uint8_t b = *--p;
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
    shift += 7;
  }
}

int64_t LoadSigned(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  int shift = 64 - 8 * bytes;
  return static_cast<int64_t>(v << shift) >> shift;  // sign-extend
}

}  // namespace

// An element ready to be copied into the block: header, payload and back length.
struct PackedList::Encoded {
  uint8_t head[9];
  uint32_t head_len = 0;
  const char* payload = nullptr;
  uint32_t payload_len = 0;
  uint8_t back[5];
  uint32_t back_len = 0;

  uint32_t total() const { return head_len + payload_len + back_len; }

  void Finish() {
    uint32_t size = head_len + payload_len;
    back_len = BackLenBytes(size);
    // Lowest 7 bits go last in memory; every byte but the first in memory flags "more before".
    for (uint32_t i = 0; i < back_len; i++) {
      uint8_t b = (size >> (7 * i)) & 0x7f;
      if (i + 1 < back_len) b |= 0x80;
      back[back_len - 1 - i] = b;
    }
  }
  void SetInt(int64_t v) {
    if (v >= 0 && v < 128) {
      head[0] = static_cast<uint8_t>(v);
      head_len = 1;
    } else {
      int bytes = (v >= INT16_MIN && v <= INT16_MAX)   ? 2
                  : (v >= -(1 << 23) && v < (1 << 23)) ? 3
                  : (v >= INT32_MIN && v <= INT32_MAX) ? 4
                                                       : 8;
      head[0] = bytes == 2 ? kInt16 : bytes == 3 ? kInt24 : bytes == 4 ? kInt32 : kInt64;
      uint64_t u = static_cast<uint64_t>(v);
      for (int i = 0; i < bytes; i++) head[1 + i] = static_cast<uint8_t>(u >> (8 * i));
      head_len = 1 + bytes;
    }
    Finish();
  }
  void SetString(std::string_view s) {
    int64_t v;
    if (s.size() <= 20 && ParseInt64(s, &v)) {
      SetInt(v);
      return;
    }
    uint32_t len = static_cast<uint32_t>(s.size());
    if (len < 64) {
      head[0] = static_cast<uint8_t>(kStr6 | len);
      head_len = 1;
    } else if (len < 8192) {
      head[0] = static_cast<uint8_t>(kStr13 | (len >> 8));
      head[1] = static_cast<uint8_t>(len & 0xff);
      head_len = 2;
    } else {
      head[0] = kStr32;
      memcpy(head + 1, &len, 4);
      head_len = 5;
    }
    payload = s.data();
    payload_len = len;
    Finish();
  }
  void SetDouble(double d) {
    // -0 becomes 0 too, as a score in a Redis listpack does.
    if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
      SetInt(static_cast<int64_t>(d));
      return;
    }
    head[0] = kDouble;
    memcpy(head + 1, &d, 8);
    head_len = 9;
    Finish();
  }
};

std::string_view PackedValue::View(std::string* scratch) const {
  switch (kind) {
    case Kind::kString:
      return str;
    case Kind::kInt:
      scratch->clear();
      AppendInt64(scratch, i);
      return *scratch;
    case Kind::kDouble:
      *scratch = FormatDouble(d);
      return *scratch;
  }
  return str;
}

bool PackedValue::Equals(std::string_view s) const {
  if (kind == Kind::kString) return str == s;
  std::string scratch;
  return View(&scratch) == s;
}

PackedList PackedList::Clone() const {
  PackedList out;
  if (buf_ != nullptr) {
    out.buf_ = static_cast<uint8_t*>(malloc(bytes()));
    if (out.buf_ == nullptr) log::OutOfMemory(bytes());
    memcpy(out.buf_, buf_, bytes());
  }
  return out;
}

void PackedList::Reset() {
  free(buf_);
  buf_ = nullptr;
}

bool PackedList::Defrag(mem::DefragAdvisor& advisor) { return advisor.MoveInPlace(buf_); }

size_t PackedList::AllocatedBytes() const { return buf_ == nullptr ? 0 : malloc_usable_size(buf_); }

uint32_t PackedList::ElementSize(uint32_t off) const {
  const uint8_t* p = buf_ + off;
  uint8_t t = p[0];
  uint32_t size;
  if (t < 0x80) {
    size = 1;
  } else if (t < 0xC0) {
    size = 1 + (t & 0x3f);
  } else if (t < 0xE0) {
    size = 2 + (((t & 0x1f) << 8) | p[1]);
  } else {
    switch (t) {
      case kStr32:
        size = 5 + Load32(p + 1);
        break;
      case kInt16:
        size = 3;
        break;
      case kInt24:
        size = 4;
        break;
      case kInt32:
        size = 5;
        break;
      case kInt64:
      case kDouble:
        size = 9;
        break;
      default:
        CHECK(t <= kDouble);  // a corrupt block is a programming error
        return 0;
    }
  }
  return size + BackLenBytes(size);
}

uint32_t PackedList::Next(uint32_t off) const { return off + ElementSize(off); }

uint32_t PackedList::Prev(uint32_t off) const {
  if (off <= kHeader) return end();  // nothing before the first element
  uint32_t size = ReadBackLen(buf_ + off);
  return off - size - BackLenBytes(size);
}

uint32_t PackedList::Seek(int64_t index) const {
  int64_t n = size();
  if (index < 0) index += n;
  if (index < 0 || index >= n) return end();
  if (index <= n / 2) {
    uint32_t off = begin();
    while (index-- > 0) off = Next(off);
    return off;
  }
  uint32_t off = end();
  for (int64_t i = n; i > index; i--) off = Prev(off);
  return off;
}

PackedValue PackedList::Get(uint32_t off) const {
  const uint8_t* p = buf_ + off;
  uint8_t t = p[0];
  PackedValue v;
  if (t < 0x80) {
    v.kind = PackedValue::Kind::kInt;
    v.i = t;
  } else if (t < 0xC0) {
    v.str = std::string_view(reinterpret_cast<const char*>(p + 1), t & 0x3f);
  } else if (t < 0xE0) {
    v.str = std::string_view(reinterpret_cast<const char*>(p + 2), ((t & 0x1f) << 8) | p[1]);
  } else if (t == kStr32) {
    v.str = std::string_view(reinterpret_cast<const char*>(p + 5), Load32(p + 1));
  } else if (t == kDouble) {
    v.kind = PackedValue::Kind::kDouble;
    memcpy(&v.d, p + 1, 8);
  } else {
    v.kind = PackedValue::Kind::kInt;
    v.i = LoadSigned(p + 1, t == kInt16 ? 2 : t == kInt24 ? 3 : t == kInt32 ? 4 : 8);
  }
  return v;
}

void PackedList::Resize(uint32_t off, int64_t gap) {
  uint32_t old_total = buf_ == nullptr ? kHeader : bytes();
  uint32_t new_total = static_cast<uint32_t>(old_total + gap);
  if (gap < 0) memmove(buf_ + off, buf_ + off - gap, old_total - off + gap);
  if (buf_ == nullptr || gap != 0) {
    uint8_t* nb = static_cast<uint8_t*>(realloc(buf_, new_total));
    if (nb == nullptr) log::OutOfMemory(new_total);
    if (buf_ == nullptr) Store32(nb + 4, 0);
    buf_ = nb;
  }
  if (gap > 0) memmove(buf_ + off + gap, buf_ + off, old_total - off);
  Store32(buf_, new_total);
}

uint32_t PackedList::InsertEncoded(uint32_t off, const Encoded& e) {
  Resize(off, e.total());
  uint8_t* p = buf_ + off;
  memcpy(p, e.head, e.head_len);
  if (e.payload_len > 0) memcpy(p + e.head_len, e.payload, e.payload_len);
  memcpy(p + e.head_len + e.payload_len, e.back, e.back_len);
  Store32(buf_ + 4, size() + 1);
  return off;
}

uint32_t PackedList::ReplaceEncoded(uint32_t off, const Encoded& e) {
  uint32_t old = ElementSize(off);
  uint32_t n = size();
  if (e.payload != nullptr && e.payload >= reinterpret_cast<const char*>(buf_) &&
      e.payload < reinterpret_cast<const char*>(buf_) + bytes()) {
    // Replacing with bytes from this very block: copy them out before the block moves.
    std::string copy(e.payload, e.payload_len);
    Encoded e2 = e;
    e2.payload = copy.data();
    return ReplaceEncoded(off, e2);
  }
  // Open or close the difference right after the shorter of the two, then rewrite in place.
  Resize(off + std::min(old, e.total()), static_cast<int64_t>(e.total()) - old);
  uint8_t* p = buf_ + off;
  memcpy(p, e.head, e.head_len);
  if (e.payload_len > 0) memcpy(p + e.head_len, e.payload, e.payload_len);
  memcpy(p + e.head_len + e.payload_len, e.back, e.back_len);
  Store32(buf_ + 4, n);
  return off;
}

uint32_t PackedList::Insert(uint32_t off, std::string_view s) {
  Encoded e;
  e.SetString(s);
  if (buf_ != nullptr && s.data() >= reinterpret_cast<const char*>(buf_) &&
      s.data() < reinterpret_cast<const char*>(buf_) + bytes()) {
    std::string copy(s);
    return Insert(off, copy);
  }
  return InsertEncoded(off, e);
}

uint32_t PackedList::InsertDouble(uint32_t off, double d) {
  Encoded e;
  e.SetDouble(d);
  return InsertEncoded(off, e);
}

uint32_t PackedList::Replace(uint32_t off, std::string_view s) {
  Encoded e;
  e.SetString(s);
  return ReplaceEncoded(off, e);
}

uint32_t PackedList::ReplaceDouble(uint32_t off, double d) {
  Encoded e;
  e.SetDouble(d);
  return ReplaceEncoded(off, e);
}

uint32_t PackedList::Erase(uint32_t off, uint32_t n) {
  uint32_t stop = off;
  uint32_t removed = 0;
  while (removed < n && stop < end()) {
    stop = Next(stop);
    removed++;
  }
  if (removed == 0) return off;
  uint32_t remaining = size() - removed;
  if (remaining == 0) {
    Reset();
    return kHeader;
  }
  Resize(off, -static_cast<int64_t>(stop - off));
  Store32(buf_ + 4, remaining);
  return off;
}

uint32_t PackedList::Find(std::string_view s, uint32_t step) const {
  int64_t iv;
  bool is_int = s.size() <= 20 && ParseInt64(s, &iv);
  uint32_t stop = end();
  uint32_t off = begin();
  while (off < stop) {
    const uint8_t* p = buf_ + off;
    uint8_t t = p[0];
    bool match;
    if (t < 0x80 || (t >= kInt16 && t <= kInt64)) {
      match = is_int && Get(off).i == iv;
    } else if (t == kDouble) {
      match = Get(off).Equals(s);
    } else {
      match = !is_int && Get(off).str == s;
    }
    if (match) return off;
    for (uint32_t k = 0; k < step && off < stop; k++) off = Next(off);
  }
  return stop;
}

}  // namespace carmine
