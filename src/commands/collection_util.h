// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Helpers shared by the collection families (hashes, sets, sorted sets, lists): typed lookup of a
// key's object, creating it on first write and deleting the key when the last element goes (Redis
// never keeps an empty collection), and the *SCAN argument grammar.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "commands/context.h"
#include "protocol/errors.h"

namespace carmine {

template <typename T>
T* ObjectOf(Entry* e) {
  return static_cast<T*>(e->value.object());
}

// Read lookup. Returns false after replying WRONGTYPE; *out is null when the key is absent.
template <typename T>
bool ReadObject(CommandContext& ctx, Db& db, std::string_view key, ObjType type, T** out) {
  Entry* e = db.FindRead(key);
  *out = nullptr;
  if (e == nullptr) return true;
  if (e->value.type() != type) {
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  *out = ObjectOf<T>(e);
  return true;
}

// Write lookup. Returns false after replying WRONGTYPE. When the key is absent, creates it if
// `create` is set, else leaves *out null.
template <typename T>
bool WriteObject(CommandContext& ctx, Db& db, std::string_view key, ObjType type, bool create,
                 T** out) {
  Entry* e = db.Find(key);
  *out = nullptr;
  if (e == nullptr) {
    if (!create) return true;
    e = db.Add(key);
    auto obj = std::make_unique<T>();
    *out = obj.get();
    e->value.SetObject(std::move(obj));
    return true;
  }
  if (e->value.type() != type) {
    // A blocked client is served only by a key of the type it waits for.
    if (ctx.serving_blocked) return true;
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  *out = ObjectOf<T>(e);
  return true;
}

// A per-thread generator for the random-member commands (HRANDFIELD, SPOP, ...).
std::mt19937_64& ThreadRng();

// Stores a freshly built object under `key`, replacing whatever was there (the *STORE commands).
void StoreObject(Db& db, std::string_view key, std::unique_ptr<DataObject> obj);

// Records a change to `key` with its keyspace event (class `type`, name `event`), and deletes
// the key when the collection became empty (reported as a following "del", as Redis does).
template <typename T>
void FinishWrite(Db& db, std::string_view key, const T* obj, uint32_t type, std::string_view event,
                 uint64_t changes = 1) {
  bool empty = obj->size() == 0;
  if (empty) db.Delete(key);
  db.Changed(key, type, event, changes);
  if (empty) db.Notify(kNotifyGeneric, "del", key);
}

// Parses a blocking command's timeout (seconds, fractions allowed, 0 = forever) into an absolute
// deadline in ms (0 = none). Replies with Redis's error and returns false on bad input.
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// "numkeys key [key ...] <end> [COUNT count]" of LMPOP/BLMPOP (LEFT|RIGHT) and ZMPOP/BZMPOP
// (MIN|MAX), starting at args[at]. `second_end` is true when the second word was given.
struct MPopArgs {
  std::vector<std::string_view> keys;
  bool second_end = false;
  int64_t count = 1;
};
bool ParseMPopArgs(CommandContext& ctx, ArgList args, size_t at, std::string_view first_word,
                   std::string_view second_word, MPopArgs* out);

// "key [count [WITH...]]" of HRANDFIELD/ZRANDMEMBER: the count range and option rules Redis
// applies. Replies and returns false on bad input.
struct RandomCountArgs {
  bool with_count = false;
  bool with_values = false;
  int64_t count = 0;
};
bool ParseRandomCount(CommandContext& ctx, ArgList args, std::string_view with_word,
                      RandomCountArgs* out);

// SCAN-family arguments: cursor [MATCH pattern] [COUNT count] (and TYPE for SCAN itself).
struct ScanArgs {
  uint64_t cursor = 0;
  std::string_view pattern;
  int64_t count = 10;
  std::string_view type;
  bool has_type = false;
  bool MatchAll() const { return pattern.empty() || pattern == "*"; }
};
// Parses args[cursor_pos...]. Replies with Redis's error and returns false on bad input.
bool ParseScanArgs(ArgList args, size_t cursor_pos, bool allow_type, CommandContext& ctx,
                   ScanArgs* out);

// Runs one *SCAN step over a collection. `scan(cursor, emit)` is the object's Scan, calling
// emit(key, value) per element (value unused for sets); `with_values` adds values to the reply.
// Stops, as Redis does, after COUNT reply items or 10*COUNT buckets.
template <typename ScanFn>
void ReplyCollectionScan(CommandContext& ctx, const ScanArgs& sa, bool with_values, ScanFn&& scan);

}  // namespace carmine

#include "commands/collection_util_inl.h"
