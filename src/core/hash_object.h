// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Hashes. A small hash is a PackedList of field,value pairs in insertion order ("listpack") held
// directly in the key's value slot (CompactValue::kPacked): no object header, so a small hash
// costs its keyspace entry plus one packed block. Past hash-max-listpack-entries fields, or once a
// field or value is longer than hash-max-listpack-value, it moves to a HashTableObject (a MapTable,
// "hashtable") for good, as Redis never converts back.
//
// HashObject is a handle over a value slot holding either form; families create one per command.
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

// The big encoding of a hash.
class HashTableObject : public DataObject {
 public:
  ObjType type() const override { return ObjType::kHash; }
  const char* encoding_name() const override { return "hashtable"; }
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;
  size_t FreeEffort() const override { return table.size(); }
  // The field nodes, `budget` buckets at a time.
  size_t DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) override;
  bool AppendTableStats(std::string* out, bool full) const override {
    table.AppendStats(out, full);
    return true;
  }

  MapTable table;
};

class HashObject {
 public:
  // `slot` must hold a hash (packed or table).
  explicit HashObject(CompactValue* slot) : v_(slot) {}
  // Makes `slot` an empty (packed) hash.
  static void InitEmpty(CompactValue* slot) { slot->SetPacked(ObjType::kHash, PackedList()); }

  size_t size() const { return packed() ? lp().size() / 2 : table().size(); }
  bool is_packed() const { return packed(); }

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
    if (!packed()) {
      table().ForEach([&](MapNode* n) { fn(n->key(), n->value()); });
      return;
    }
    const PackedList& p = lp();
    std::string fs, vs;
    for (uint32_t off = p.begin(); off < p.end();) {
      uint32_t voff = p.Next(off);
      fn(p.Get(off).View(&fs), p.Get(voff).View(&vs));
      off = p.Next(voff);
    }
  }
  // One HSCAN step: packed hashes are returned whole (cursor 0 back), tables by bucket.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (packed()) {
      ForEach(fn);
      return 0;
    }
    return table().Scan(cursor, [&](MapNode* n) { fn(n->key(), n->value()); });
  }
  // The field and value of a random pair (uniform for the packed encoding).
  void Random(std::mt19937_64& rng, std::string* field, std::string* value) const;
  // The i-th pair in packed order (only for the packed encoding; used by HRANDFIELD sampling).
  void PackedAt(size_t i, std::string* field, std::string* value) const;

 private:
  bool packed() const { return v_->kind() == CompactValue::Kind::kPacked; }
  PackedList& lp() const { return *v_->packed(); }
  MapTable& table() const { return static_cast<HashTableObject*>(v_->object())->table; }
  void ConvertToTable();

  CompactValue* v_;
};

}  // namespace carmine
