// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CompactValue: the 16-byte value slot stored inside every keyspace entry. Small strings (up to 15
// bytes) live inline, integers are stored as int64, longer strings in one heap block, and other
// types as an owned pointer to a DataObject (or, for small hashes, the packed block itself). This is where most of the per-key memory saving over
// a Redis robj + sds pair comes from: a short string costs no allocation of its own.
//
// Invariants: byte 15 is the tag; inline strings keep their length in the tag's high nibble; a heap
// string owns `ptr_` (malloc'd, exactly `len_` bytes used). Copying is explicit (Clone()).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "core/packed_list.h"

namespace carmine {

enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6
};

// Base for the non-string types that later families add (lists, hashes, ...). Owned by the value.
class DataObject {
 public:
  virtual ~DataObject() = default;
  virtual ObjType type() const = 0;
  virtual const char* encoding_name() const = 0;
  virtual std::unique_ptr<DataObject> Clone() const = 0;
  virtual size_t MemoryUsage() const = 0;
  // About how many allocations destroying it takes (decides whether freeing it is worth a thread).
  virtual size_t FreeEffort() const = 0;
  // DEBUG HTSTATS-KEY: appends the hash table's statistics; false if the value has no table.
  virtual bool AppendTableStats(std::string* out, bool full) const { return false; }
  // Active defragmentation: offers the blocks the object owns to `advisor`, which may move
  // them; returns how many moved. The walk holds a shard lock, so a big object is done in steps:
  // each call offers the blocks of about `budget` elements (nodes, buckets) from `*cursor` (0 to
  // start) and sets `*cursor` to where the next call resumes, 0 when the object is done. Objects
  // without an implementation keep their blocks in place.
  virtual size_t DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) {
    *cursor = 0;
    return 0;
  }
  size_t Defrag(mem::DefragAdvisor& advisor) {
    uint64_t cursor = 0;
    size_t moved = 0;
    do {  // an object may walk in more than one pass (a sorted set: its table, then its index)
      moved += DefragStep(advisor, &cursor, SIZE_MAX);
    } while (cursor != 0);
    return moved;
  }
};

class CompactValue {
 public:
  // kPacked: a small collection held directly in the slot (a PackedList in bytes 0-7, its ObjType
  // in byte 14), so a small hash costs no object header of its own.
  enum class Kind : uint8_t { kInline = 0, kInt = 1, kHeap = 2, kObject = 3, kPacked = 4 };
  static constexpr size_t kInlineMax = 15;

  CompactValue() { SetInlineEmpty(); }
  ~CompactValue() { Release(); }
  CompactValue(const CompactValue&) = delete;
  CompactValue& operator=(const CompactValue&) = delete;
  CompactValue(CompactValue&& o) noexcept {
    memcpy(raw_, o.raw_, sizeof(raw_));
    o.SetInlineEmpty();
  }
  CompactValue& operator=(CompactValue&& o) noexcept {
    if (this != &o) {
      Release();
      memcpy(raw_, o.raw_, sizeof(raw_));
      o.SetInlineEmpty();
    }
    return *this;
  }

  Kind kind() const { return static_cast<Kind>(raw_[15] & 0x0f); }
  ObjType type() const {
    switch (kind()) {
      case Kind::kObject:
        return object()->type();
      case Kind::kPacked:
        return static_cast<ObjType>(raw_[14]);
      default:
        return ObjType::kString;
    }
  }
  bool is_string() const { return kind() != Kind::kObject && kind() != Kind::kPacked; }
  bool is_int() const { return kind() == Kind::kInt; }

  // Stores a string, choosing the integer encoding when the bytes are a canonical int64
  // (what Redis calls "int") and `allow_int` is set.
  void SetString(std::string_view s, bool allow_int = true);
  void SetInt(int64_t v);
  void SetObject(std::unique_ptr<DataObject> obj);
  // Holds `list` in the slot as a small collection of `type`.
  void SetPacked(ObjType type, PackedList list);
  PackedList* packed() { return std::launder(reinterpret_cast<PackedList*>(raw_)); }
  const PackedList* packed() const {
    return std::launder(reinterpret_cast<const PackedList*>(raw_));
  }

  int64_t int_value() const {
    int64_t v;
    memcpy(&v, raw_, 8);
    return v;
  }
  // The string bytes. For the int encoding the digits are rendered into `scratch`.
  std::string_view GetString(std::string* scratch) const;
  size_t StringLength() const;
  DataObject* object() const {
    DataObject* p;
    memcpy(&p, raw_, sizeof(p));
    return p;
  }
  // Gives mutable access to a heap/inline string of exactly `len` bytes after converting the value
  // to a raw string (used by SETRANGE/SETBIT/APPEND). Existing content is kept, new bytes zeroed.
  char* MutableString(size_t len);
  void Clone(CompactValue* out) const;
  // Bytes allocated outside the slot itself (for MEMORY USAGE and the memory report).
  size_t HeapBytes() const;
  // Active defragmentation: offers the blocks the slot owns (a long string's bytes, a small
  // collection's packed block, the inner blocks of an object whose FreeEffort() is at most
  // `max_effort`: see DataObject::Defrag) to `advisor`, which may move them. Returns 1 if any
  // moved, 0 if not, -1 if the value has no such block.
  int Defrag(mem::DefragAdvisor& advisor, size_t max_effort);

 private:
  void SetInlineEmpty() {
    memset(raw_, 0, sizeof(raw_));
    raw_[15] = static_cast<uint8_t>(Kind::kInline);
  }
  void Release();
  uint32_t heap_len() const {
    uint32_t l;
    memcpy(&l, raw_ + 8, 4);
    return l;
  }
  char* heap_ptr() const {
    char* p;
    memcpy(&p, raw_, sizeof(p));
    return p;
  }

  alignas(8) uint8_t raw_[16];
};

static_assert(sizeof(CompactValue) == 16);

}  // namespace carmine
