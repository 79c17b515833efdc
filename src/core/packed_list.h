// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// PackedList: a sequence of small strings, integers and doubles in one malloc'd block. It is the
// compact encoding behind small hashes, sets, sorted sets and the nodes of big lists (what Redis
// reports as "listpack"). One allocation and no per-element pointers is what makes a 10-field hash
// cost a few dozen bytes instead of several hundred.
//
// Layout: an 8-byte header {uint32 total bytes, uint32 element count}, then the elements. Each
// element is a tag byte, its payload, and its own size (tag + payload) written backwards as a
// base-128 number, so the list can be walked in both directions:
//   0xxxxxxx            integer 0..127 (no payload)
//   10llllll            string of 0..63 bytes
//   110lllll llllllll   string of up to 8191 bytes
//   0xE0 + u32          longer string
//   0xE1/0xE2/0xE3/0xE4 integer in 2/3/4/8 bytes (two's complement, little endian)
//   0xE5 + 8 bytes      double (sorted-set scores that are not whole numbers)
// Strings that are canonical int64 decimals are stored as integers and read back as the same
// digits, so the encoding is invisible to clients.
//
// Positions are byte offsets of elements; kEnd-like checks use end(). Any insertion or removal
// invalidates offsets past the change and may move the block.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace carmine {

namespace mem {
class DefragAdvisor;
}

// One element read from a PackedList: a string view into the block, or a number.
struct PackedValue {
  enum class Kind : uint8_t { kString, kInt, kDouble };
  Kind kind = Kind::kString;
  std::string_view str;
  int64_t i = 0;
  double d = 0;

  // The element's bytes as a client sees them (numbers rendered into `scratch`).
  std::string_view View(std::string* scratch) const;
  std::string ToString() const {
    std::string s;
    return std::string(View(&s));
  }
  bool Equals(std::string_view s) const;
  // A numeric element as a double (scores are stored as integers when they are whole numbers).
  double AsDouble() const { return kind == Kind::kInt ? static_cast<double>(i) : d; }
};

class PackedList {
 public:
  static constexpr uint32_t kHeader = 8;

  PackedList() = default;
  ~PackedList() { Reset(); }
  PackedList(const PackedList&) = delete;
  PackedList& operator=(const PackedList&) = delete;
  PackedList(PackedList&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
  PackedList& operator=(PackedList&& o) noexcept {
    if (this != &o) {
      Reset();
      buf_ = o.buf_;
      o.buf_ = nullptr;
    }
    return *this;
  }
  PackedList Clone() const;
  void Reset();
  // The encoded block (header included), e.g. for compressing it; null when never written.
  const uint8_t* data() const { return buf_; }
  // Takes ownership of a malloc'd block holding a complete encoded list.
  static PackedList Adopt(uint8_t* block) {
    PackedList p;
    p.buf_ = block;
    return p;
  }

  uint32_t size() const { return buf_ == nullptr ? 0 : Load32(buf_ + 4); }
  bool empty() const { return size() == 0; }
  // Total encoded bytes (header included); 0 for a list never written to.
  uint32_t bytes() const { return buf_ == nullptr ? 0 : Load32(buf_); }
  size_t AllocatedBytes() const;
  // Active defragmentation: lets `advisor` move the block; true if it moved.
  bool Defrag(mem::DefragAdvisor& advisor);

  // Iteration: offsets from begin() to end(); Next/Prev step one element.
  uint32_t begin() const { return kHeader; }
  uint32_t end() const { return buf_ == nullptr ? kHeader : bytes(); }
  uint32_t last() const { return Prev(end()); }
  uint32_t Next(uint32_t off) const;
  uint32_t Prev(uint32_t off) const;
  // Offset of the element at `index` (negative counts from the tail), or end() if out of range.
  uint32_t Seek(int64_t index) const;

  PackedValue Get(uint32_t off) const;
  std::string GetString(uint32_t off) const { return Get(off).ToString(); }

  // Inserts before the element at `off` (end() appends); returns the new element's offset.
  uint32_t Insert(uint32_t off, std::string_view s);
  // Stores a double; whole numbers below 2^53 take the shorter integer encoding and read back as
  // kInt (see PackedValue::AsDouble); -0 reads back as 0, as in a Redis listpack.
  uint32_t InsertDouble(uint32_t off, double d);
  void PushBack(std::string_view s) { Insert(end(), s); }
  void PushFront(std::string_view s) { Insert(begin(), s); }
  // Replaces the element at `off`; returns its (unchanged) offset.
  uint32_t Replace(uint32_t off, std::string_view s);
  uint32_t ReplaceDouble(uint32_t off, double d);
  // Removes `n` consecutive elements starting at `off`; returns the offset of the element that
  // followed them.
  uint32_t Erase(uint32_t off, uint32_t n = 1);

  // Offset of the first element equal to `s` among those at begin()+k*step (k >= 0), or end().
  uint32_t Find(std::string_view s, uint32_t step = 1) const;

 private:
  static uint32_t Load32(const uint8_t* p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  static void Store32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }
  // Bytes of the element at `off` (tag, payload and back length).
  uint32_t ElementSize(uint32_t off) const;
  // Makes room for `gap` bytes at `off` (gap may be negative to close); updates the header size.
  void Resize(uint32_t off, int64_t gap);
  struct Encoded;
  uint32_t InsertEncoded(uint32_t off, const Encoded& e);
  uint32_t ReplaceEncoded(uint32_t off, const Encoded& e);

  uint8_t* buf_ = nullptr;
};

}  // namespace carmine
