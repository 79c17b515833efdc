// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/hash_object.h"

#include "base/defrag_advisor.h"

namespace carmine {

size_t HashTableObject::DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor,
                                   size_t budget) {
  return table.MoveNodes([&](MapNode* n) { return static_cast<MapNode*>(advisor.Move(n)); },
                         cursor, budget);
}

std::unique_ptr<DataObject> HashTableObject::Clone() const {
  auto h = std::make_unique<HashTableObject>();
  table.ForEach([&](MapNode* n) { h->table.Insert(MakeMapNode(n->key(), n->value())); });
  return h;
}

size_t HashTableObject::MemoryUsage() const {
  size_t n = sizeof(*this) + table.BucketBytes();
  table.ForEach([&](MapNode* node) { n += strnode::AllocSize(node); });
  return n;
}

bool HashObject::Get(std::string_view field, std::string* out) const {
  if (!packed()) {
    MapNode* n = table().Find(field);
    if (n == nullptr) return false;
    out->assign(n->value());
    return true;
  }
  const PackedList& p = lp();
  uint32_t off = p.Find(field, 2);
  if (off >= p.end()) return false;
  *out = p.GetString(p.Next(off));
  return true;
}

bool HashObject::Exists(std::string_view field) const {
  if (!packed()) return table().Find(field) != nullptr;
  return lp().Find(field, 2) < lp().end();
}

size_t HashObject::ValueLength(std::string_view field) const {
  std::string v;
  return Get(field, &v) ? v.size() : 0;
}

bool HashObject::Set(std::string_view field, std::string_view value, const EncodingLimits& lim) {
  if (packed() && (static_cast<int64_t>(field.size()) > lim.hash_max_listpack_value ||
                   static_cast<int64_t>(value.size()) > lim.hash_max_listpack_value)) {
    ConvertToTable();
  }
  if (!packed()) {
    auto old = table().Remove(field);
    table().Insert(MakeMapNode(field, value));
    return old == nullptr;
  }
  PackedList& p = lp();
  uint32_t off = p.Find(field, 2);
  if (off < p.end()) {
    p.Replace(p.Next(off), value);
    return false;
  }
  p.PushBack(field);
  p.PushBack(value);
  if (static_cast<int64_t>(size()) > lim.hash_max_listpack_entries) ConvertToTable();
  return true;
}

bool HashObject::Delete(std::string_view field) {
  if (!packed()) {
    bool removed = table().Remove(field) != nullptr;
    if (removed) table().MaybeShrink();
    return removed;
  }
  PackedList& p = lp();
  uint32_t off = p.Find(field, 2);
  if (off >= p.end()) return false;
  p.Erase(off, 2);
  return true;
}

void HashObject::Random(std::mt19937_64& rng, std::string* field, std::string* value) const {
  if (!packed()) {
    MapNode* n = table().Random(rng);
    field->assign(n->key());
    value->assign(n->value());
    return;
  }
  PackedAt(rng() % size(), field, value);
}

void HashObject::PackedAt(size_t i, std::string* field, std::string* value) const {
  const PackedList& p = lp();
  uint32_t off = p.Seek(static_cast<int64_t>(2 * i));
  *field = p.GetString(off);
  *value = p.GetString(p.Next(off));
}

void HashObject::ConvertToTable() {
  auto t = std::make_unique<HashTableObject>();
  ForEach([&](std::string_view f, std::string_view v) { t->table.Insert(MakeMapNode(f, v)); });
  v_->SetObject(std::move(t));  // frees the packed block
}

}  // namespace carmine
