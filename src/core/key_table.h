// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Keyspace entries and the per-shard KeyTable (a ChainTable of entries, see core/chain_table.h).
//
// Entries are intrusive: one malloc'd block per key holding the chain pointer, the 16-byte value,
// the expiry time, metadata and the key bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/chain_table.h"
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

// The keyspace table of one shard.
using KeyTable = ChainTable<Entry, EntryDeleter>;

}  // namespace carmine
