// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/key_table.h"

#include <malloc.h>
#include <xxhash.h>

#include <cstddef>
#include <cstdlib>
#include <new>

#include "base/logging.h"

namespace carmine {
namespace {

constexpr size_t kInitialSize = 4;
constexpr size_t kKeyOffset = offsetof(Entry, key_data);

// A per-process seed keeps bucket placement unpredictable to clients (hash flooding).
uint64_t Seed() {
  static const uint64_t seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  return seed;
}

// Reverses the bits of v; the SCAN cursor is incremented in reversed bit order.
uint64_t Rev(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

}  // namespace

uint64_t HashKey(std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), Seed());
}

void EntryDeleter::operator()(Entry* e) const {
  e->value.~CompactValue();
  free(e);
}

EntryPtr MakeEntry(std::string_view key) {
  size_t sz = kKeyOffset + key.size();
  if (sz < sizeof(Entry)) sz = sizeof(Entry);
  void* mem = malloc(sz);
  if (mem == nullptr) log::OutOfMemory(sz);
  Entry* e = static_cast<Entry*>(mem);
  e->next = nullptr;
  new (&e->value) CompactValue();
  e->expire_at = 0;
  e->key_len = static_cast<uint32_t>(key.size());
  e->vol_pos = 0;
  e->lru = 0;
  e->flags = 0;
  memcpy(e->key_data, key.data(), key.size());
  return EntryPtr(e);
}

size_t EntryAllocSize(const Entry* e) { return malloc_usable_size(const_cast<Entry*>(e)); }

KeyTable::KeyTable() = default;

KeyTable::~KeyTable() { Clear(); }

void KeyTable::Clear() {
  for (auto* t : {&t0_, &t1_}) {
    size_t n = (t == &t0_) ? size0_ : size1_;
    for (size_t i = 0; i < n; i++) {
      Entry* e = (*t)[i];
      while (e != nullptr) {
        Entry* next = e->next;
        EntryDeleter()(e);
        e = next;
      }
    }
    t->reset();
  }
  size0_ = size1_ = 0;
  rehash_idx_ = -1;
  count_ = 0;
}

void KeyTable::Swap(KeyTable& other) {
  std::swap(t0_, other.t0_);
  std::swap(t1_, other.t1_);
  std::swap(size0_, other.size0_);
  std::swap(size1_, other.size1_);
  std::swap(rehash_idx_, other.rehash_idx_);
  std::swap(count_, other.count_);
}

void KeyTable::Expand(size_t new_size) {
  size_t sz = kInitialSize;
  while (sz < new_size) sz <<= 1;
  if (size0_ == 0) {
    t0_ = std::make_unique<Entry*[]>(sz);
    size0_ = sz;
    return;
  }
  if (sz == size0_) return;
  t1_ = std::make_unique<Entry*[]>(sz);
  size1_ = sz;
  rehash_idx_ = 0;
}

void KeyTable::GrowIfNeeded() {
  if (rehashing()) return;
  if (size0_ == 0) {
    Expand(kInitialSize);
  } else if (count_ >= size0_) {
    Expand(count_ + 1);
  }
}

void KeyTable::MaybeShrink() {
  if (rehashing() || size0_ <= kInitialSize) return;
  if (count_ * 8 < size0_) Expand(count_ < kInitialSize ? kInitialSize : count_);
}

bool KeyTable::RehashStep(int buckets) {
  if (!rehashing()) return false;
  int empty_visits = buckets * 10;
  while (buckets-- > 0 && count_ > 0) {
    while (static_cast<size_t>(rehash_idx_) < size0_ && t0_[rehash_idx_] == nullptr) {
      rehash_idx_++;
      if (--empty_visits == 0) return true;
    }
    if (static_cast<size_t>(rehash_idx_) >= size0_) break;
    Entry* e = t0_[rehash_idx_];
    while (e != nullptr) {
      Entry* next = e->next;
      size_t idx = HashKey(e->key()) & (size1_ - 1);
      e->next = t1_[idx];
      t1_[idx] = e;
      e = next;
    }
    t0_[rehash_idx_] = nullptr;
    rehash_idx_++;
  }
  bool done = static_cast<size_t>(rehash_idx_) >= size0_ || count_ == 0;
  if (done) {
    // Anything left in t0 (only possible when count_ == 0) is empty buckets.
    t0_ = std::move(t1_);
    size0_ = size1_;
    size1_ = 0;
    rehash_idx_ = -1;
    return false;
  }
  return true;
}

Entry* KeyTable::Find(std::string_view key) {
  if (count_ == 0) return nullptr;
  if (rehashing()) RehashStep(1);
  uint64_t h = HashKey(key);
  for (int t = 0; t < 2; t++) {
    size_t n = t == 0 ? size0_ : size1_;
    if (n == 0) break;
    Entry** tab = t == 0 ? t0_.get() : t1_.get();
    for (Entry* e = tab[h & (n - 1)]; e != nullptr; e = e->next) {
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) return e;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

Entry* KeyTable::Insert(EntryPtr ep) {
  if (rehashing()) RehashStep(1);
  GrowIfNeeded();
  Entry* e = ep.release();
  uint64_t h = HashKey(e->key());
  if (rehashing()) {
    size_t idx = h & (size1_ - 1);
    e->next = t1_[idx];
    t1_[idx] = e;
  } else {
    size_t idx = h & (size0_ - 1);
    e->next = t0_[idx];
    t0_[idx] = e;
  }
  count_++;
  return e;
}

EntryPtr KeyTable::Remove(std::string_view key) {
  if (count_ == 0) return nullptr;
  if (rehashing()) RehashStep(1);
  uint64_t h = HashKey(key);
  for (int t = 0; t < 2; t++) {
    size_t n = t == 0 ? size0_ : size1_;
    if (n == 0) break;
    Entry** tab = t == 0 ? t0_.get() : t1_.get();
    Entry** link = &tab[h & (n - 1)];
    while (*link != nullptr) {
      Entry* e = *link;
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) {
        *link = e->next;
        e->next = nullptr;
        count_--;
        return EntryPtr(e);
      }
      link = &e->next;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

uint64_t KeyTable::Scan(uint64_t cursor, const std::function<void(Entry*)>& fn) {
  if (count_ == 0 || size0_ == 0) return 0;
  auto visit = [&](Entry** tab, size_t idx) {
    for (Entry* e = tab[idx]; e != nullptr;) {
      Entry* next = e->next;  // fn may not delete, but be robust to relinking by value writes
      fn(e);
      e = next;
    }
  };
  if (!rehashing()) {
    uint64_t mask = size0_ - 1;
    visit(t0_.get(), cursor & mask);
    cursor |= ~mask;
    cursor = Rev(Rev(cursor) + 1);
    return cursor;
  }
  // Two tables: visit the bucket in the smaller one, then every bucket of the larger one that it
  // expands to (those share the low bits of the cursor).
  Entry** small = t0_.get();
  Entry** large = t1_.get();
  uint64_t m0 = size0_ - 1, m1 = size1_ - 1;
  if (size0_ > size1_) {
    std::swap(small, large);
    std::swap(m0, m1);
  }
  visit(small, cursor & m0);
  do {
    visit(large, cursor & m1);
    cursor |= ~m1;
    cursor = Rev(Rev(cursor) + 1);
  } while (cursor & (m0 ^ m1));
  return cursor;
}

Entry* KeyTable::Random(std::mt19937_64& rng) {
  if (count_ == 0) return nullptr;
  for (int attempt = 0; attempt < 1000000; attempt++) {
    Entry* head = nullptr;
    if (rehashing()) {
      // Buckets of t0 below rehash_idx_ are empty; choose among the rest of t0 and all of t1.
      size_t span = (size0_ - rehash_idx_) + size1_;
      size_t r = rng() % span;
      head = r < size0_ - rehash_idx_ ? t0_[rehash_idx_ + r] : t1_[r - (size0_ - rehash_idx_)];
    } else {
      head = t0_[rng() % size0_];
    }
    if (head == nullptr) continue;
    size_t len = 0;
    for (Entry* e = head; e != nullptr; e = e->next) len++;
    size_t pick = rng() % len;
    Entry* e = head;
    while (pick-- > 0) e = e->next;
    return e;
  }
  Entry* any = nullptr;
  ForEach([&](Entry* e) {
    if (any == nullptr) any = e;
  });
  return any;
}

void KeyTable::ForEach(const std::function<void(Entry*)>& fn) const {
  for (int t = 0; t < 2; t++) {
    size_t n = t == 0 ? size0_ : size1_;
    Entry** tab = t == 0 ? t0_.get() : t1_.get();
    for (size_t i = 0; i < n; i++) {
      for (Entry* e = tab[i]; e != nullptr;) {
        Entry* next = e->next;
        fn(e);
        e = next;
      }
    }
  }
}

}  // namespace carmine
