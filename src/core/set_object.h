// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// SetObject: the value of a set key, in one of three encodings chosen as Redis 7.2 chooses them:
//   intset    - only integers, at most set-max-intset-entries: a sorted array of 2/4/8-byte ints
//   listpack  - at most set-max-listpack-entries members of at most set-max-listpack-value bytes,
//               in insertion order (a PackedList)
//   hashtable - anything bigger (a SetTable of one-block nodes)
// A set only moves toward bigger encodings while it lives; SPOP/SREM never convert back.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "core/compact_value.h"
#include "core/encoding_limits.h"
#include "core/packed_list.h"
#include "core/str_nodes.h"

namespace carmine {

// A sorted array of distinct integers stored with the narrowest width that fits them all.
class IntSet {
 public:
  IntSet() = default;
  ~IntSet() { free(buf_); }
  IntSet(const IntSet&) = delete;
  IntSet& operator=(const IntSet&) = delete;
  IntSet(IntSet&& o) noexcept : buf_(o.buf_), count_(o.count_), width_(o.width_) {
    o.buf_ = nullptr;
    o.count_ = 0;
  }
  IntSet& operator=(IntSet&& o) noexcept {
    if (this != &o) {
      free(buf_);
      buf_ = o.buf_;
      count_ = o.count_;
      width_ = o.width_;
      o.buf_ = nullptr;
      o.count_ = 0;
      o.width_ = 2;
    }
    return *this;
  }
  IntSet Clone() const;

  uint32_t size() const { return count_; }
  int64_t At(uint32_t i) const;
  // Binary search: true if found; *pos is its index or where it would go.
  bool Find(int64_t v, uint32_t* pos) const;
  bool Insert(int64_t v);
  bool Erase(int64_t v);
  void EraseAt(uint32_t pos);
  size_t AllocatedBytes() const;
  // Active defragmentation: the array may move; true if it did.
  bool Defrag(mem::DefragAdvisor& advisor);

 private:
  void Upgrade(uint8_t width);

  uint8_t* buf_ = nullptr;  // count_ * width_ bytes
  uint32_t count_ = 0;
  uint8_t width_ = 2;
};

class SetObject : public DataObject {
 public:
  bool AppendTableStats(std::string* out, bool full) const override {
    if (table_ == nullptr) return false;
    table_->AppendStats(out, full);
    return true;
  }
  enum class Enc : uint8_t { kIntSet, kPacked, kTable };

  ObjType type() const override { return ObjType::kSet; }
  const char* encoding_name() const override;
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;
  size_t FreeEffort() const override { return enc_ == Enc::kTable ? size() : 1; }
  // The array or list at once; member nodes `budget` buckets at a time.
  size_t DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) override;

  Enc encoding() const { return enc_; }
  size_t size() const;
  bool Contains(std::string_view member) const;
  // Adds a member; false if it was already there. `size_hint` is how many members the caller is
  // about to add (an empty set picks its first encoding from it, as Redis does).
  bool Add(std::string_view member, const EncodingLimits& lim, size_t size_hint = 1);
  bool Remove(std::string_view member);
  // A random member (uniform except for the table's bucket approximation).
  std::string Random(std::mt19937_64& rng) const;
  // Removes and returns a random member.
  std::string PopRandom(std::mt19937_64& rng);
  // The i-th member in storage order (intset and listpack encodings).
  std::string At(size_t i) const;

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::string scratch;
    switch (enc_) {
      case Enc::kIntSet:
        for (uint32_t i = 0; i < ints_.size(); i++) {
          scratch = std::to_string(ints_.At(i));
          fn(std::string_view(scratch));
        }
        break;
      case Enc::kPacked:
        for (uint32_t off = packed_.begin(); off < packed_.end(); off = packed_.Next(off)) {
          fn(packed_.Get(off).View(&scratch));
        }
        break;
      case Enc::kTable:
        table_->ForEach([&](SetNode* n) { fn(n->key()); });
        break;
    }
  }
  // One SSCAN step; small encodings are returned whole with cursor 0.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (enc_ != Enc::kTable) {
      ForEach([&](std::string_view m) { fn(m, std::string_view()); });
      return 0;
    }
    return table_->Scan(cursor, [&](SetNode* n) { fn(n->key(), std::string_view()); });
  }

 private:
  void Convert(Enc to);

  Enc enc_ = Enc::kIntSet;
  bool fresh_ = true;  // no member added yet: the encoding is chosen by the first Add
  IntSet ints_;
  PackedList packed_;
  std::unique_ptr<SetTable> table_;
};

}  // namespace carmine
