// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// HashObject: the value of a hash key. Small hashes are a PackedList of field,value pairs in
// insertion order ("listpack"); past hash-max-listpack-entries fields, or once a field or value is
// longer than hash-max-listpack-value, the hash moves to a MapTable ("hashtable") for good, as
// Redis never converts back.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "core/compact_value.h"
#include "core/encoding_limits.h"
#include "core/packed_list.h"
#include "core/str_nodes.h"

namespace carmine {

class HashObject : public DataObject {
 public:
  ObjType type() const override { return ObjType::kHash; }
  const char* encoding_name() const override { return table_ ? "hashtable" : "listpack"; }
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;

  size_t size() const { return table_ ? table_->size() : packed_.size() / 2; }
  bool is_packed() const { return table_ == nullptr; }

  // Copies the value of `field` into *out; false if absent.
  bool Get(std::string_view field, std::string* out) const;
  bool Exists(std::string_view field) const;
  // Length of the value, 0 if absent.
  size_t ValueLength(std::string_view field) const;
  // Sets field to value; returns true when the field is new.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& lim);
  bool Delete(std::string_view field);

  // Calls fn(field, value) for every pair (insertion order for the packed encoding).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (table_) {
      table_->ForEach([&](MapNode* n) { fn(n->key(), n->value()); });
      return;
    }
    std::string fs, vs;
    for (uint32_t off = packed_.begin(); off < packed_.end();) {
      uint32_t voff = packed_.Next(off);
      fn(packed_.Get(off).View(&fs), packed_.Get(voff).View(&vs));
      off = packed_.Next(voff);
    }
  }
  // One HSCAN step: packed hashes are returned whole (cursor 0 back), tables by bucket.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (!table_) {
      ForEach(fn);
      return 0;
    }
    return table_->Scan(cursor, [&](MapNode* n) { fn(n->key(), n->value()); });
  }
  // The field and value of a random pair (uniform for the packed encoding).
  void Random(std::mt19937_64& rng, std::string* field, std::string* value);
  // The i-th pair in packed order (only for the packed encoding; used by HRANDFIELD sampling).
  void PackedAt(size_t i, std::string* field, std::string* value) const;

 private:
  void ConvertToTable();

  PackedList packed_;
  std::unique_ptr<MapTable> table_;
};

}  // namespace carmine
