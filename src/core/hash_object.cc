// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/hash_object.h"

namespace carmine {

std::unique_ptr<DataObject> HashObject::Clone() const {
  auto h = std::make_unique<HashObject>();
  if (table_) {
    h->table_ = std::make_unique<MapTable>();
    table_->ForEach([&](MapNode* n) { h->table_->Insert(MakeMapNode(n->key(), n->value())); });
  } else {
    h->packed_ = packed_.Clone();
  }
  return h;
}

size_t HashObject::MemoryUsage() const {
  size_t n = sizeof(*this);
  if (!table_) return n + packed_.AllocatedBytes();
  n += sizeof(MapTable) + table_->BucketBytes();
  table_->ForEach([&](MapNode* node) { n += strnode::AllocSize(node); });
  return n;
}

bool HashObject::Get(std::string_view field, std::string* out) const {
  if (table_) {
    MapNode* n = table_->Find(field);
    if (n == nullptr) return false;
    out->assign(n->value());
    return true;
  }
  uint32_t off = packed_.Find(field, 2);
  if (off >= packed_.end()) return false;
  *out = packed_.GetString(packed_.Next(off));
  return true;
}

bool HashObject::Exists(std::string_view field) const {
  if (table_) return table_->Find(field) != nullptr;
  return packed_.Find(field, 2) < packed_.end();
}

size_t HashObject::ValueLength(std::string_view field) const {
  std::string v;
  return Get(field, &v) ? v.size() : 0;
}

bool HashObject::Set(std::string_view field, std::string_view value, const EncodingLimits& lim) {
  if (!table_ && (static_cast<int64_t>(field.size()) > lim.hash_max_listpack_value ||
                  static_cast<int64_t>(value.size()) > lim.hash_max_listpack_value)) {
    ConvertToTable();
  }
  if (table_) {
    auto old = table_->Remove(field);
    table_->Insert(MakeMapNode(field, value));
    return old == nullptr;
  }
  uint32_t off = packed_.Find(field, 2);
  if (off < packed_.end()) {
    packed_.Replace(packed_.Next(off), value);
    return false;
  }
  packed_.PushBack(field);
  packed_.PushBack(value);
  if (static_cast<int64_t>(size()) > lim.hash_max_listpack_entries) ConvertToTable();
  return true;
}

bool HashObject::Delete(std::string_view field) {
  if (table_) {
    bool removed = table_->Remove(field) != nullptr;
    if (removed) table_->MaybeShrink();
    return removed;
  }
  uint32_t off = packed_.Find(field, 2);
  if (off >= packed_.end()) return false;
  packed_.Erase(off, 2);
  return true;
}

void HashObject::Random(std::mt19937_64& rng, std::string* field, std::string* value) {
  if (table_) {
    MapNode* n = table_->Random(rng);
    field->assign(n->key());
    value->assign(n->value());
    return;
  }
  PackedAt(rng() % size(), field, value);
}

void HashObject::PackedAt(size_t i, std::string* field, std::string* value) const {
  uint32_t off = packed_.Seek(static_cast<int64_t>(2 * i));
  *field = packed_.GetString(off);
  *value = packed_.GetString(packed_.Next(off));
}

void HashObject::ConvertToTable() {
  auto t = std::make_unique<MapTable>();
  ForEach([&](std::string_view f, std::string_view v) { t->Insert(MakeMapNode(f, v)); });
  table_ = std::move(t);
  packed_.Reset();
}

}  // namespace carmine
