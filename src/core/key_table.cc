// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/key_table.h"

#include <malloc.h>
#include <xxhash.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <random>

#include "base/logging.h"

namespace carmine {
namespace {

constexpr size_t kKeyOffset = offsetof(Entry, key_data);

// A per-process seed keeps bucket placement unpredictable to clients (hash flooding).
uint64_t Seed() {
  static const uint64_t seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  return seed;
}

}  // namespace

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

uint64_t HashKey(std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), Seed());
}

void EntryDeleter::operator()(Entry* e) const {
  e->value.~CompactValue();
  free(e);
}

EntryPtr MakeEntry(std::string_view key, bool with_expiry_room) {
  size_t sz = kKeyOffset + key.size() + (with_expiry_room ? kEntryTrailer : 0);
  void* mem = malloc(sz);
  if (mem == nullptr) log::OutOfMemory(sz);
  Entry* e = static_cast<Entry*>(mem);
  e->next = nullptr;
  new (&e->value) CompactValue();
  e->key_len = static_cast<uint32_t>(key.size());
  e->lru = 0;
  e->flags = 0;
  memcpy(e->key_data, key.data(), key.size());
  return EntryPtr(e);
}

Entry* GrowEntryForExpiry(Entry* e) {
  size_t need = kKeyOffset + e->key_len + kEntryTrailer;
  if (malloc_usable_size(e) >= need) return e;
  // The value slot holds no pointer into the entry itself, so the block may move.
  void* mem = realloc(e, need);
  if (mem == nullptr) log::OutOfMemory(need);
  return static_cast<Entry*>(mem);
}

size_t EntryAllocSize(const Entry* e) { return malloc_usable_size(const_cast<Entry*>(e)); }

}  // namespace carmine
