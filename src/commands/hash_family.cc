// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Hash commands: HSET/HMSET/HSETNX, HGET/HMGET/HGETALL/HKEYS/HVALS, HDEL, HLEN/HSTRLEN/HEXISTS,
// HINCRBY/HINCRBYFLOAT, HRANDFIELD and HSCAN over core/hash_object.h.
#include <cmath>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "core/hash_object.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kHash = ObjType::kHash;

// A hash lives either packed in the value slot or as a table object; commands work through a
// handle (absent key: empty optional).
using HashRef = std::optional<HashObject>;

// Read lookup; false after replying WRONGTYPE.
bool ReadHash(CommandContext& ctx, Db& db, std::string_view key, HashRef* out) {
  Entry* e = db.FindRead(key);
  out->reset();
  if (e == nullptr) return true;
  if (e->value.type() != kHash) {
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  out->emplace(&e->value);
  return true;
}

// Write lookup, creating an empty hash when asked; false after replying WRONGTYPE.
bool WriteHash(CommandContext& ctx, Db& db, std::string_view key, bool create, HashRef* out) {
  Entry* e = db.Find(key);
  out->reset();
  if (e == nullptr) {
    if (!create) return true;
    e = db.Add(key);
    HashObject::InitEmpty(&e->value);
  } else if (e->value.type() != kHash) {
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  out->emplace(&e->value);
  return true;
}

// HSET key field value [field value ...] / HMSET (replies OK instead of the count)
void HSetGeneric(ArgList args, CommandContext& ctx, bool reply_count) {
  if (args.size() % 2 != 0) {
    ctx.rb.Error(err::WrongArgs(ctx.spec->full_name));
    return;
  }
  Db db = ctx.db();
  HashRef h;
  if (!WriteHash(ctx, db, args[1], true, &h)) return;
  EncodingLimits lim = ctx.opts.limits();
  int64_t created = 0;
  for (size_t i = 2; i < args.size(); i += 2) created += h->Set(args[i], args[i + 1], lim);
  // One change per field given, new or updated, as Redis counts them.
  db.Changed(args[1], kNotifyHash, "hset", (args.size() - 2) / 2);
  reply_count ? ctx.rb.Int(created) : ctx.rb.Ok();
}

void CmdHSet(ArgList args, CommandContext& ctx) { HSetGeneric(args, ctx, true); }
void CmdHMSet(ArgList args, CommandContext& ctx) { HSetGeneric(args, ctx, false); }

// HSETNX key field value
void CmdHSetNx(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!WriteHash(ctx, db, args[1], true, &h)) return;
  if (h->Exists(args[2])) {
    ctx.rb.Int(0);
    return;
  }
  h->Set(args[2], args[3], ctx.opts.limits());
  db.Changed(args[1], kNotifyHash, "hset");
  ctx.rb.Int(1);
}

// HGET key field
void CmdHGet(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  std::string v;
  if (h.has_value() && h->Get(args[2], &v)) {
    ctx.rb.Bulk(v);
  } else {
    ctx.rb.Null();
  }
}

// HMGET key field [field ...]
void CmdHMGet(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  std::string v;
  for (size_t i = 2; i < args.size(); i++) {
    if (h.has_value() && h->Get(args[i], &v)) {
      ctx.rb.Bulk(v);
    } else {
      ctx.rb.Null();
    }
  }
}

// HDEL key field [field ...]
void CmdHDel(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!WriteHash(ctx, db, args[1], false, &h)) return;
  int64_t n = 0;
  if (h.has_value()) {
    for (size_t i = 2; i < args.size() && h->size() > 0; i++) n += h->Delete(args[i]);
    if (n > 0) FinishWrite(db, args[1], &*h, kNotifyHash, "hdel", static_cast<uint64_t>(n));
  }
  ctx.rb.Int(n);
}

// HLEN key
void CmdHLen(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  ctx.rb.Int(!h ? 0 : static_cast<int64_t>(h->size()));
}

// HSTRLEN key field
void CmdHStrLen(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  ctx.rb.Int(!h ? 0 : static_cast<int64_t>(h->ValueLength(args[2])));
}

// HEXISTS key field
void CmdHExists(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  ctx.rb.Int(h.has_value() && h->Exists(args[2]) ? 1 : 0);
}

enum GetAllMode { kFields = 1, kValues = 2, kBoth = 3 };

// HKEYS / HVALS / HGETALL key
void HGetAllGeneric(ArgList args, CommandContext& ctx, GetAllMode mode) {
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  int64_t n = !h ? 0 : static_cast<int64_t>(h->size());
  mode == kBoth ? ctx.rb.MapLen(n) : ctx.rb.ArrayLen(n);
  if (!h) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (mode & kFields) ctx.rb.Bulk(f);
    if (mode & kValues) ctx.rb.Bulk(v);
  });
}

void CmdHKeys(ArgList args, CommandContext& ctx) { HGetAllGeneric(args, ctx, kFields); }
void CmdHVals(ArgList args, CommandContext& ctx) { HGetAllGeneric(args, ctx, kValues); }
void CmdHGetAll(ArgList args, CommandContext& ctx) { HGetAllGeneric(args, ctx, kBoth); }

// HINCRBY key field increment
void CmdHIncrBy(ArgList args, CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64(args[3], &incr)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  HashRef h;
  if (!WriteHash(ctx, db, args[1], true, &h)) return;
  std::string cur;
  int64_t v = 0;
  if (h->Get(args[2], &cur) && !ParseInt64(cur, &v)) {
    ctx.rb.Error(err::kHashNotInt);
    return;
  }
  if ((incr < 0 && v < 0 && incr < INT64_MIN - v) || (incr > 0 && v > 0 && incr > INT64_MAX - v)) {
    ctx.rb.Error(err::kOverflow);
    return;
  }
  v += incr;
  h->Set(args[2], Int64ToString(v), ctx.opts.limits());
  db.Changed(args[1], kNotifyHash, "hincrby");
  ctx.rb.Int(v);
}

// HINCRBYFLOAT key field increment
void CmdHIncrByFloat(ArgList args, CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) {
    ctx.rb.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.rb.Error(err::kNanOrInfValue);
    return;
  }
  Db db = ctx.db();
  HashRef h;
  if (!WriteHash(ctx, db, args[1], true, &h)) return;
  std::string cur;
  long double v = 0;
  if (h->Get(args[2], &cur) && !ParseLongDouble(cur, &v)) {
    ctx.rb.Error(err::kHashNotFloat);
    return;
  }
  v += incr;
  if (std::isnan(v) || std::isinf(v)) {
    ctx.rb.Error(err::kNanOrInf);
    return;
  }
  std::string s = LongDoubleToHuman(v);
  h->Set(args[2], s, ctx.opts.limits());
  db.Changed(args[1], kNotifyHash, "hincrbyfloat");
  // Replicas must not redo the float arithmetic: send the result.
  if (ctx.propagating()) ctx.Propagate({"HSET", std::string(args[1]), std::string(args[2]), s});
  ctx.rb.Bulk(s);
}

// HRANDFIELD key [count [WITHVALUES]]
void CmdHRandField(ArgList args, CommandContext& ctx) {
  RandomCountArgs ra;
  if (!ParseRandomCount(ctx, args, "WITHVALUES", &ra)) return;
  bool with_count = ra.with_count, with_values = ra.with_values;
  int64_t count = ra.count;
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  if (!with_count) {
    if (!h) {
      ctx.rb.Null();
      return;
    }
    std::string f, v;
    h->Random(ThreadRng(), &f, &v);
    ctx.rb.Bulk(f);
    return;
  }
  auto emit = [&](std::string_view f, std::string_view v) {
    if (with_values && ctx.rb.protocol() == 3) ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(f);
    if (with_values) ctx.rb.Bulk(v);
  };
  auto reply_len = [&](int64_t n) {
    ctx.rb.ArrayLen(with_values && ctx.rb.protocol() == 2 ? 2 * n : n);
  };
  if (!h || count == 0) {
    ctx.rb.ArrayLen(0);
    return;
  }
  std::mt19937_64& rng = ThreadRng();
  int64_t size = static_cast<int64_t>(h->size());
  if (count < 0) {  // with repetitions
    int64_t n = -count;
    reply_len(n);
    std::string f, v;
    for (int64_t i = 0; i < n && !ctx.rb.over_cap(); i++) {
      h->Random(rng, &f, &v);
      emit(f, v);
    }
    return;
  }
  if (count >= size) {
    reply_len(size);
    h->ForEach(emit);
    return;
  }
  reply_len(count);
  if (h->is_packed()) {
    // Selection sampling: each pair is kept with probability needed/left, in stored order.
    int64_t needed = count;
    std::string f, v;
    for (int64_t i = 0; i < size && needed > 0; i++) {
      if (static_cast<int64_t>(rng() % static_cast<uint64_t>(size - i)) < needed) {
        h->PackedAt(static_cast<size_t>(i), &f, &v);
        emit(f, v);
        needed--;
      }
    }
    return;
  }
  if (count * 3 > size) {
    // Most of the hash: copy it and keep a random subset (a partial Fisher-Yates shuffle).
    std::vector<std::pair<std::string, std::string>> all;
    all.reserve(static_cast<size_t>(size));
    h->ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
    for (int64_t i = 0; i < count; i++) {
      std::swap(all[i], all[i + static_cast<int64_t>(rng() % static_cast<uint64_t>(size - i))]);
      emit(all[i].first, all[i].second);
    }
    return;
  }
  // A small part of a big hash: distinct random picks.
  std::unordered_set<std::string> seen;
  std::string f, v;
  while (static_cast<int64_t>(seen.size()) < count) {
    h->Random(rng, &f, &v);
    if (seen.insert(f).second) emit(f, v);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void CmdHScan(ArgList args, CommandContext& ctx) {
  ScanArgs sa;
  if (!ParseScanArgs(args, 2, false, ctx, &sa)) return;
  Db db = ctx.db();
  HashRef h;
  if (!ReadHash(ctx, db, args[1], &h)) return;
  if (!h) {
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk("0");
    ctx.rb.ArrayLen(0);
    return;
  }
  ReplyCollectionScan(ctx, sa, true,
                      [&](uint64_t cursor, auto&& emit) { return h->Scan(cursor, emit); });
}

}  // namespace

void RegisterHashFamily(CommandRegistry& r) {
  constexpr uint64_t H = acl::kHash;
  r.Add({"HSET", -4, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdHSet, "hash", "2.0.0",
         "Creates or modifies the value of a field in a hash.",
         "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the "
         "command is called with multiple field/value pairs."})
      .Args("key:key data{field:string value:string}...")
      .KeyFlags("RW update");
  r.Add({"HMSET", -4, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdHMSet, "hash", "2.0.0",
         "Sets the values of multiple fields.", "O(N) where N is the number of fields being set."})
      .Args("key:key data{field:string value:string}...")
      .KeyFlags("RW update");
  r.Add({"HSETNX", 4, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdHSetNx, "hash", "2.0.0",
         "Sets the value of a field in a hash only when the field doesn't exist.", "O(1)"})
      .Args("key:key field:string value:string")
      .KeyFlags("RW insert");
  r.Add({"HGET", 3, kReadOnly | kFast, 1, 1, 1, H, &CmdHGet, "hash", "2.0.0",
         "Returns the value of a field in a hash.", "O(1)"})
      .Args("key:key field:string")
      .KeyFlags("RO access");
  r.Add({"HMGET", -3, kReadOnly | kFast, 1, 1, 1, H, &CmdHMGet, "hash", "2.0.0",
         "Returns the values of all fields in a hash.",
         "O(N) where N is the number of fields being requested."})
      .Args("key:key field:string...")
      .KeyFlags("RO access");
  r.Add({"HDEL", -3, kWrite | kFast, 1, 1, 1, H, &CmdHDel, "hash", "2.0.0",
         "Deletes one or more fields and their values from a hash. Deletes the hash if no fields "
         "remain.",
         "O(N) where N is the number of fields to be removed."})
      .Args("key:key field:string...")
      .KeyFlags("RW delete");
  r.Add({"HLEN", 2, kReadOnly | kFast, 1, 1, 1, H, &CmdHLen, "hash", "2.0.0",
         "Returns the number of fields in a hash.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"HSTRLEN", 3, kReadOnly | kFast, 1, 1, 1, H, &CmdHStrLen, "hash", "3.2.0",
         "Returns the length of the value of a field.", "O(1)"})
      .Args("key:key field:string")
      .KeyFlags("RO");
  r.Add({"HEXISTS", 3, kReadOnly | kFast, 1, 1, 1, H, &CmdHExists, "hash", "2.0.0",
         "Determines whether a field exists in a hash.", "O(1)"})
      .Args("key:key field:string")
      .KeyFlags("RO");
  r.Add({"HKEYS", 2, kReadOnly, 1, 1, 1, H, &CmdHKeys, "hash", "2.0.0",
         "Returns all fields in a hash.", "O(N) where N is the size of the hash."})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"HVALS", 2, kReadOnly, 1, 1, 1, H, &CmdHVals, "hash", "2.0.0",
         "Returns all values in a hash.", "O(N) where N is the size of the hash."})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"HGETALL", 2, kReadOnly, 1, 1, 1, H, &CmdHGetAll, "hash", "2.0.0",
         "Returns all fields and values in a hash.", "O(N) where N is the size of the hash."})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"HINCRBY", 4, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdHIncrBy, "hash", "2.0.0",
         "Increments the integer value of a field in a hash by a number. Uses 0 as initial value "
         "if the field doesn't exist.",
         "O(1)"})
      .Args("key:key field:string increment:integer")
      .KeyFlags("RW access update");
  r.Add({"HINCRBYFLOAT", 4, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdHIncrByFloat, "hash",
         "2.6.0",
         "Increments the floating point value of a field by a number. Uses 0 as initial value if "
         "the field doesn't exist.",
         "O(1)"})
      .Args("key:key field:string increment:double")
      .KeyFlags("RW access update");
  r.Add({"HRANDFIELD", -2, kReadOnly, 1, 1, 1, H, &CmdHRandField, "hash", "6.2.0",
         "Returns one or more random fields from a hash.",
         "O(N) where N is the number of fields returned"})
      .Args("key:key [options{count:integer [!WITHVALUES]}]")
      .KeyFlags("RO access");
  r.Add({"HSCAN", -3, kReadOnly, 1, 1, 1, H, &CmdHScan, "hash", "2.8.0",
         "Iterates over fields and values of a hash.",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
         "the cursor to return back to 0. N is the number of elements inside the collection."})
      .Args("key:key cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer]")
      .KeyFlags("RO access");
}

}  // namespace carmine
