// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// KeyTable: the keyspace hash table of one shard. Chained hashing over power-of-two bucket arrays
// with incremental rehashing: while the table grows or shrinks, two arrays coexist and every
// operation (plus the cron) moves a few buckets, so a 10M-key table never stalls to resize.
//
// Entries are intrusive: one malloc'd block per key holding the chain pointer, the 16-byte value,
// the expiry time, metadata and the key bytes. Lookups compare the stored hash-free key directly.
//
// SCAN uses a reverse-binary cursor (increment the high bits first). Because buckets of a smaller
// table map to a contiguous set of buckets in a larger one under that order, a scan that runs while
// the table grows or shrinks still returns every key present from start to end (it may return some
// twice). Pointers to entries stay valid until the entry is removed; rehashing moves chains, not
// entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string_view>

#include "core/compact_value.h"

namespace carmine {

// Flag bits in Entry::flags.
inline constexpr uint8_t kEntryHasExpire = 1;
inline constexpr uint8_t kEntryRawString = 2;  // Redis would report "raw" (APPEND/SETRANGE/...)

struct Entry {
  Entry* next;
  CompactValue value;
  int64_t expire_at;  // absolute ms, valid when flags & kEntryHasExpire
  uint32_t key_len;
  uint32_t vol_pos;   // index in the shard's volatile-key vector when it has an expiry
  uint32_t lru : 24;  // LRU clock (seconds) or LFU data, as Redis's 24-bit field
  uint32_t flags : 8;
  char key_data[4];  // key bytes start here (the block is sized for the whole key)

  std::string_view key() const { return std::string_view(key_data, key_len); }
  bool has_expire() const { return flags & kEntryHasExpire; }
};

// Frees an entry (its value and its block).
struct EntryDeleter {
  void operator()(Entry* e) const;
};
using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;

// Allocates an entry for `key` with an empty string value and no expiry.
EntryPtr MakeEntry(std::string_view key);
// Block size actually allocated for an entry (for memory accounting).
size_t EntryAllocSize(const Entry* e);

uint64_t HashKey(std::string_view key);

class KeyTable {
 public:
  KeyTable();
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return count_; }
  // Returns the entry or nullptr. Does one incremental rehash step.
  Entry* Find(std::string_view key);
  // Inserts an entry whose key must not be present. Takes ownership.
  Entry* Insert(EntryPtr e);
  // Removes and returns the entry (caller decides when to free it), or null if absent.
  EntryPtr Remove(std::string_view key);
  // Removes every entry.
  void Clear();
  // Moves all entries out into `other` by swapping (O(1)).
  void Swap(KeyTable& other);

  // Visits the buckets at `cursor` (and their expansions while rehashing), calling fn for each
  // entry; returns the next cursor, 0 when the scan is complete.
  uint64_t Scan(uint64_t cursor, const std::function<void(Entry*)>& fn);
  // A uniformly chosen bucket's random element; nullptr if empty.
  Entry* Random(std::mt19937_64& rng);
  // Visits all entries; fn must not modify the table.
  void ForEach(const std::function<void(Entry*)>& fn) const;

  // Moves up to `buckets` buckets to the new array; returns true if rehashing is still going.
  bool RehashStep(int buckets);
  bool rehashing() const { return rehash_idx_ >= 0; }
  // Bytes held by bucket arrays (not entries).
  size_t BucketBytes() const { return (size0_ + size1_) * sizeof(Entry*); }
  size_t bucket_count() const { return size0_; }
  // Pauses shrinking/growing-triggered rehash steps during a scan-like iteration of all buckets.
  void MaybeShrink();

 private:
  void Expand(size_t new_size);
  void GrowIfNeeded();

  std::unique_ptr<Entry*[]> t0_, t1_;
  size_t size0_ = 0, size1_ = 0;
  int64_t rehash_idx_ = -1;
  size_t count_ = 0;
};

}  // namespace carmine
