// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Keyspace entries and the per-shard KeyTable (a ChainTable of entries, see core/chain_table.h).
//
// Entries are intrusive: one malloc'd block per key holding the chain pointer, the 16-byte value,
// the expiry time, metadata and the key bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/chain_table.h"
#include "core/compact_value.h"

namespace carmine {

// Flag bits in Entry::flags.
inline constexpr uint8_t kEntryHasExpire = 1;
inline constexpr uint8_t kEntryRawString = 2;  // Redis would report "raw" (APPEND/SETRANGE/...)

// Layout: next (8) | value (16) | key_len (4) | lru:24 flags:8 (4) | key bytes | [expiry trailer]
// The 12-byte expiry trailer (absolute deadline in ms, index in the shard's volatile-key vector)
// exists only in entries that have had a TTL: a key without one costs 32 bytes plus its name.
// Giving an entry its first TTL may therefore move it (Db::SetExpire returns the new address).
struct Entry {
  Entry* next;
  CompactValue value;
  uint32_t key_len;
  uint32_t lru : 24;  // LRU clock (seconds) or LFU data, as Redis's 24-bit field
  uint32_t flags : 8;
  char key_data[8];  // key bytes start here (the block is sized for the key and trailer)

  std::string_view key() const { return std::string_view(key_data, key_len); }
  bool has_expire() const { return flags & kEntryHasExpire; }
  // The trailer fields; valid only while has_expire().
  int64_t expire_at() const {
    int64_t v;
    memcpy(&v, key_data + key_len, 8);
    return v;
  }
  void set_expire_at(int64_t v) { memcpy(key_data + key_len, &v, 8); }
  uint32_t vol_pos() const {
    uint32_t v;
    memcpy(&v, key_data + key_len + 8, 4);
    return v;
  }
  void set_vol_pos(uint32_t v) { memcpy(key_data + key_len + 8, &v, 4); }
};

inline constexpr size_t kEntryTrailer = 12;

// Frees an entry (its value and its block).
struct EntryDeleter {
  void operator()(Entry* e) const;
};
using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;

// Allocates an entry for `key` with an empty string value and no expiry (with room for the
// expiry trailer if `with_expiry_room`).
EntryPtr MakeEntry(std::string_view key, bool with_expiry_room = false);
// Makes room for the expiry trailer, reallocating the block if needed; returns the (possibly
// moved) entry. The caller relinks a moved entry wherever it was referenced.
Entry* GrowEntryForExpiry(Entry* e);
// Block size actually allocated for an entry (for memory accounting).
size_t EntryAllocSize(const Entry* e);

// The keyspace table of one shard.
using KeyTable = ChainTable<Entry, EntryDeleter>;

}  // namespace carmine
