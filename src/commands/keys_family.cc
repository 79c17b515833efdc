// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Generic keyspace commands: DEL/UNLINK/EXISTS/TYPE, RENAME/MOVE/COPY/SWAPDB, the EXPIRE family and
// TTL queries, KEYS/SCAN/RANDOMKEY, TOUCH, OBJECT, and the whole-database commands DBSIZE,
// FLUSHDB and FLUSHALL.
//
// SCAN visits one shard at a time under that shard's lock (Redis gives SCAN no atomicity). Its
// cursor packs the shard index into the low part: cursor = table_cursor * shards + shard, so with
// one shard it is exactly the reverse-binary table cursor.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/collection_util.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "commands/string_value.h"
#include "db/evict.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

const char* TypeName(const Entry* e) {
  switch (e->value.type()) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

const char* EncodingName(const Entry* e) { return ValueEncodingName(e); }

// DEL key [key ...] / UNLINK key [key ...]
void CmdDel(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  bool lazy = EqualsIgnoreCase(args[0], "unlink") ||
              ctx.opts.lazyfree_lazy_user_del.get();
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); i++) {
    if (db.Delete(args[i], lazy ? Db::Free::kLazy : Db::Free::kSync)) {
      db.Changed(args[i], kNotifyGeneric, "del");
      n++;
    }
  }
  ctx.rb.Int(n);
}

// EXISTS key [key ...]
void CmdExists(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); i++) {
    if (db.FindRead(args[i], false) != nullptr) n++;
  }
  ctx.rb.Int(n);
}

// TOUCH key [key ...]: refreshes the access time even for NO-TOUCH clients.
void CmdTouch(ArgList args, CommandContext& ctx) {
  Db db(ctx.dbs, ctx.session.db, ctx.now_ms, true);
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); i++) {
    if (Entry* e = db.FindRead(args[i]); e != nullptr) {
      n++;
    }
  }
  ctx.rb.Int(n);
}

// TYPE key
void CmdType(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  Entry* e = db.FindRead(args[1], false);
  ctx.rb.Simple(e == nullptr ? "none" : TypeName(e));
}

// Moves `src`'s entry under the name `dst` in `to` (which may be another db); dst must be absent.
void Rekey(Db& from, Db& to, std::string_view src, std::string_view dst) {
  EntryPtr old = from.Take(src);
  EntryPtr e = MakeEntry(dst, old->has_expire());
  e->value = std::move(old->value);
  if (old->has_expire()) e->set_expire_at(old->expire_at());
  e->flags = old->flags;
  e->lru = old->lru;
  to.Put(std::move(e));
}

// RENAME key newkey / RENAMENX key newkey
void RenameGeneric(ArgList args, CommandContext& ctx, bool nx) {
  Db db = ctx.db();
  std::string_view src = args[1], dst = args[2];
  if (db.Find(src) == nullptr) {
    ctx.rb.Error(err::kNoSuchKey);
    return;
  }
  if (src == dst) {
    nx ? ctx.rb.Int(0) : ctx.rb.Ok();
    return;
  }
  if (db.Find(dst) != nullptr) {
    if (nx) {
      ctx.rb.Int(0);
      return;
    }
    db.Delete(dst);
  }
  Rekey(db, db, src, dst);
  db.Changed(src, kNotifyGeneric, "rename_from", 0);  // one change in all, as Redis counts it
  db.Changed(dst, kNotifyGeneric, "rename_to");
  nx ? ctx.rb.Int(1) : ctx.rb.Ok();
}
void CmdRename(ArgList args, CommandContext& ctx) { RenameGeneric(args, ctx, false); }
void CmdRenameNx(ArgList args, CommandContext& ctx) { RenameGeneric(args, ctx, true); }

// Parses a database index argument; replies and returns false on error.
bool ParseDbIndex(CommandContext& ctx, std::string_view s, std::string_view not_int_error,
                  int* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < INT32_MIN || v > INT32_MAX) {
    ctx.rb.Error(not_int_error);
    return false;
  }
  if (v < 0 || v >= ctx.dbs.num_dbs()) {
    ctx.rb.Error(err::kDbIndexOutOfRange);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// MOVE key db
void CmdMove(ArgList args, CommandContext& ctx) {
  if (ctx.opts.cluster_enabled) {
    ctx.rb.Error(err::kMoveInCluster);
    return;
  }
  int dst_db;
  if (!ParseDbIndex(ctx, args[2], err::kNotInt, &dst_db)) return;
  Db src = ctx.db();
  if (dst_db == src.index()) {
    ctx.rb.Error(err::kSameObject);
    return;
  }
  Db dst = ctx.db(dst_db);
  if (src.Find(args[1]) == nullptr || dst.Find(args[1]) != nullptr) {
    ctx.rb.Int(0);
    return;
  }
  Rekey(src, dst, args[1], args[1]);
  src.Changed(args[1], kNotifyGeneric, "move_from", 0);  // one change in all
  dst.Changed(args[1], kNotifyGeneric, "move_to");
  ctx.rb.Int(1);
}

// COPY source destination [DB destination-db] [REPLACE]
void CmdCopy(ArgList args, CommandContext& ctx) {
  Db src = ctx.db();
  int dst_db = src.index();
  bool replace = false;
  for (ArgParser p(args, 3); p.HasNext();) {
    if (p.Check("REPLACE")) {
      replace = true;
    } else if (p.remaining() >= 2 && p.Check("DB")) {
      if (!ParseDbIndex(ctx, p.Next(), err::kNotInt, &dst_db)) return;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if (ctx.opts.cluster_enabled && dst_db != 0) {
    ctx.rb.Error(err::kCopyDbInCluster);
    return;
  }
  if (args[1] == args[2] && dst_db == src.index()) {
    ctx.rb.Error(err::kSameObject);
    return;
  }
  Entry* s = src.FindRead(args[1]);
  if (s == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  Db dst = ctx.db(dst_db);
  if (dst.Find(args[2]) != nullptr) {
    if (!replace) {
      ctx.rb.Int(0);
      return;
    }
    dst.Delete(args[2]);
  }
  Entry* d = dst.Add(args[2]);
  s->value.Clone(&d->value);
  d->flags = s->flags & kEntryRawString;
  if (s->has_expire()) d = dst.SetExpire(d, s->expire_at());
  dst.Changed(args[2], kNotifyGeneric, "copy_to");
  ctx.rb.Int(1);
}

// Marks every key that clients of database `d` wait on as ready, so their commands run again
// (blocked XREADGROUP readers of a flushed or swapped-away stream get NOGROUP, as in Redis).
void SignalWaitedKeys(CommandContext& ctx, int d) {
  if (ctx.blocking == nullptr || !ctx.blocking->any()) return;
  Db db = ctx.db(d);
  for (const std::string& k : ctx.blocking->KeysInDb(d)) db.SignalReady(k);
}

// SWAPDB index1 index2
void CmdSwapDb(ArgList args, CommandContext& ctx) {
  if (ctx.opts.cluster_enabled) {
    ctx.rb.Error(err::kSwapdbInCluster);
    return;
  }
  int a, b;
  if (!ParseDbIndex(ctx, args[1], err::kSwapdbFirstIndex, &a)) return;
  if (!ParseDbIndex(ctx, args[2], err::kSwapdbSecondIndex, &b)) return;
  if (a != b) {
    ctx.dbs.SwapDbs(a, b, ctx.now_ms);
    ctx.dbs.stats().dirty.Add();
    ctx.changes++;
    // One notice for both (client-side caches are dropped once, not twice).
    if (auto* o = ctx.dbs.observer()) o->OnDbChanged(-1);
    // Clients blocked on a key of either database look again: the key may have data now, or a
    // consumer group waited on may be gone.
    for (int d : {a, b}) SignalWaitedKeys(ctx, d);
  }
  ctx.rb.Ok();
}

// EXPIRE key seconds [NX|XX|GT|LT] and PEXPIRE/EXPIREAT/PEXPIREAT
void ExpireGeneric(ArgList args, CommandContext& ctx, bool millis, bool absolute) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (ArgParser p(args, 3); p.HasNext();) {
    if (p.Check("NX")) {
      nx = true;
    } else if (p.Check("XX")) {
      xx = true;
    } else if (p.Check("GT")) {
      gt = true;
    } else if (p.Check("LT")) {
      lt = true;
    } else {
      ctx.rb.Error(err::Format(err::kUnsupportedOption, p.Peek()));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.rb.Error(err::kNxXxGtLt);
    return;
  }
  if (gt && lt) {
    ctx.rb.Error(err::kGtAndLt);
    return;
  }
  int64_t when;
  if (!ParseInt64(args[2], &when)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  auto invalid = [&] { ctx.rb.Error(err::Format(err::kInvalidExpire, ctx.spec->full_name)); };
  if (!millis) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return invalid();
    when *= 1000;
  }
  if (!absolute) {
    if (when > INT64_MAX - ctx.now_ms) return invalid();
    when += ctx.now_ms;
  }
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  if (e == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  if (nx || xx || gt || lt) {
    bool has = e->has_expire();
    int64_t cur = has ? e->expire_at() : 0;
    if ((nx && has) || (xx && !has) || (gt && (!has || when <= cur)) ||
        (lt && has && when >= cur)) {
      ctx.rb.Int(0);
      return;
    }
  }
  std::string key(args[1]);
  if (when <= ctx.now_ms && !ctx.dbs.loading()) {
    db.Delete(key);
    db.Changed(key, kNotifyGeneric, "del");
    if (ctx.propagating()) ctx.Propagate({ctx.dbs.lazy_expire() ? "UNLINK" : "DEL", key});
  } else {
    e = db.SetExpire(e, when);
    db.Changed(key, kNotifyGeneric, "expire");
    if (ctx.propagating()) ctx.Propagate({"PEXPIREAT", key, Int64ToString(when)});
  }
  ctx.rb.Int(1);
}
void CmdExpire(ArgList a, CommandContext& c) { ExpireGeneric(a, c, false, false); }
void CmdPExpire(ArgList a, CommandContext& c) { ExpireGeneric(a, c, true, false); }
void CmdExpireAt(ArgList a, CommandContext& c) { ExpireGeneric(a, c, false, true); }
void CmdPExpireAt(ArgList a, CommandContext& c) { ExpireGeneric(a, c, true, true); }

// PERSIST key
void CmdPersist(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  if (e == nullptr || !e->has_expire()) {
    ctx.rb.Int(0);
    return;
  }
  db.ClearExpire(e);
  db.Changed(args[1], kNotifyGeneric, "persist");
  ctx.rb.Int(1);
}

// TTL / PTTL / EXPIRETIME / PEXPIRETIME key
void TtlGeneric(ArgList args, CommandContext& ctx, bool millis, bool absolute) {
  Db db = ctx.db();
  Entry* e = db.FindRead(args[1], false);  // asking for the TTL is not an access (as in Redis)
  if (e == nullptr) {
    ctx.rb.Int(-2);
    return;
  }
  if (!e->has_expire()) {
    ctx.rb.Int(-1);
    return;
  }
  int64_t v = absolute ? e->expire_at() : std::max<int64_t>(0, e->expire_at() - ctx.now_ms);
  ctx.rb.Int(millis ? v : (v + 500) / 1000);
}
void CmdTtl(ArgList a, CommandContext& c) { TtlGeneric(a, c, false, false); }
void CmdPTtl(ArgList a, CommandContext& c) { TtlGeneric(a, c, true, false); }
void CmdExpireTime(ArgList a, CommandContext& c) { TtlGeneric(a, c, false, true); }
void CmdPExpireTime(ArgList a, CommandContext& c) { TtlGeneric(a, c, true, true); }

// KEYS pattern
void CmdKeys(ArgList args, CommandContext& ctx) {
  std::string_view pattern = args[1];
  bool all = pattern == "*";
  Db db = ctx.db();
  size_t token = ctx.rb.DeferArray();
  int64_t n = 0;
  for (int s = 0; s < ctx.dbs.num_shards(); s++) {
    if (ctx.rb.over_cap()) break;  // the client is to be closed: the rest would be thrown away
    ctx.dbs.Data(db.index(), s).table.ForEach([&](Entry* e) {
      if (db.IsExpired(e) || ctx.rb.over_cap()) return;
      if (all || GlobMatch(pattern, e->key())) {
        ctx.rb.Bulk(e->key());
        n++;
      }
    });
  }
  ctx.rb.SetDeferredArray(token, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void CmdScan(ArgList args, CommandContext& ctx) {
  ScanArgs sa;
  if (!ParseScanArgs(args, 1, true, ctx, &sa)) return;
  uint64_t cursor = sa.cursor;
  int64_t count = sa.count;
  std::string_view pattern = sa.pattern, type = sa.type;
  bool has_type = sa.has_type;
  bool match_all = pattern.empty() || pattern == "*";
  uint64_t shards = static_cast<uint64_t>(ctx.dbs.num_shards());
  uint64_t shard = cursor % shards;
  uint64_t inner = cursor / shards;
  int db_index = ctx.session.db.load();
  Db db = ctx.db();
  std::vector<std::string> keys, expired;
  int64_t budget = count * 10;  // bucket visits, as Redis bounds one SCAN call
  uint64_t next = 0;
  while (true) {
    ShardLocks lock;
    lock.Add(ctx.dbs, db_index, static_cast<uint32_t>(shard));
    lock.Acquire();
    ShardData& d = ctx.dbs.Data(db_index, static_cast<uint32_t>(shard));
    do {
      inner = d.table.Scan(inner, [&](Entry* e) {
        if (!match_all && !GlobMatch(pattern, e->key())) return;
        if (db.IsExpired(e)) {
          expired.emplace_back(e->key());
          return;
        }
        if (has_type && !EqualsIgnoreCase(type, TypeName(e))) return;
        keys.emplace_back(e->key());
      });
    } while (inner != 0 && --budget > 0 && static_cast<int64_t>(keys.size()) < count);
    // Expired keys the scan passed over that MATCH selects are deleted (and propagated), as a
    // lookup would, whatever their type; Redis's order of filters.
    for (const std::string& k : expired) db.Find(k);
    expired.clear();
    lock.Release();
    if (inner != 0) {
      next = inner * shards + shard;
      break;
    }
    if (++shard == shards) {
      next = 0;
      break;
    }
    if (static_cast<int64_t>(keys.size()) >= count || budget <= 0) {
      next = shard;  // inner cursor 0 of the next shard
      break;
    }
  }
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(std::to_string(next));
  ctx.rb.ArrayLen(static_cast<int64_t>(keys.size()));
  for (auto& k : keys) ctx.rb.Bulk(k);
}

// RANDOMKEY
void CmdRandomKey(ArgList, CommandContext& ctx) {
  Db db = ctx.db();
  for (int attempt = 0; attempt < 100; attempt++) {
    size_t total = db.Size();
    if (total == 0) break;
    ShardData* pick = nullptr;
    size_t r = ctx.dbs.Data(db.index(), 0).rng() % total;
    for (int s = 0; s < ctx.dbs.num_shards(); s++) {
      ShardData& d = ctx.dbs.Data(db.index(), s);
      if (r < d.table.size()) {
        pick = &d;
        break;
      }
      r -= d.table.size();
    }
    Entry* e = pick->table.Random(pick->rng);
    if (e == nullptr) continue;
    std::string key(e->key());
    if (db.Find(key) == nullptr) continue;  // was expired, now deleted; try again
    ctx.rb.Bulk(key);
    return;
  }
  ctx.rb.Null();
}

// OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key
void CmdObject(ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  Db db = ctx.db();
  Entry* e = db.Find(args[2]);
  if (e == nullptr) {
    ctx.rb.Null();
    return;
  }
  if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.rb.Bulk(EncodingName(e));
  } else if (EqualsIgnoreCase(sub, "refcount")) {
    // Redis shares the objects for small integers (0..9999) and reports them as immortal, except
    // under a maxmemory with an LRU or LFU policy.
    auto policy = static_cast<EvictPolicy>(ctx.opts.maxmemory_policy.get());
    bool shared = e->value.is_int() && e->value.int_value() >= 0 && e->value.int_value() < 10000 &&
                  (ctx.opts.maxmemory.get() == 0 || !TracksAccessPolicy(policy));
    ctx.rb.Int(shared ? 2147483647 : 1);
  } else if (EqualsIgnoreCase(sub, "idletime")) {
    if (ctx.dbs.lfu()) {
      ctx.rb.Error(err::kObjectLfuNoIdle);
      return;
    }
    ctx.rb.Int(static_cast<int64_t>(db.IdleSeconds(e)));
  } else if (ctx.dbs.lfu()) {
    ctx.rb.Int(lfu::Decayed(e->lru, ctx.now_ms, ctx.dbs.lfu_decay_time()));
  } else {
    ctx.rb.Error(err::kObjectNoLfu);
  }
}

void CmdObjectHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Print this help."});
}

// DBSIZE
void CmdDbSize(ArgList, CommandContext& ctx) { ctx.rb.Int(static_cast<int64_t>(ctx.db().Size())); }

// Parses the optional ASYNC|SYNC of FLUSHDB/FLUSHALL into *lazy (no argument:
// lazyfree-lazy-user-flush decides).
bool ParseFlushMode(ArgList args, CommandContext& ctx, bool* lazy) {
  *lazy = ctx.opts.lazyfree_lazy_user_flush.get();
  if (args.size() == 1) return true;
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "ASYNC")) {
    *lazy = true;
    return true;
  }
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "SYNC")) {
    *lazy = false;
    return true;
  }
  ctx.rb.Error(err::kSyntax);
  return false;
}

// FLUSHDB [ASYNC|SYNC]
void CmdFlushDb(ArgList args, CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(args, ctx, &lazy)) return;
  Db db = ctx.db();
  size_t n = db.Flush(lazy);
  SignalWaitedKeys(ctx, db.index());
  ctx.dbs.stats().dirty.Add(n);
  ctx.changes++;  // propagated even when the db was empty, as Redis
  if (auto* o = ctx.dbs.observer()) o->OnDbChanged(db.index());
  ctx.rb.Ok();
}

// FLUSHALL [ASYNC|SYNC]
void CmdFlushAll(ArgList args, CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(args, ctx, &lazy)) return;
  size_t n = 0;
  for (int i = 0; i < ctx.dbs.num_dbs(); i++) {
    n += ctx.db(i).Flush(lazy);
    SignalWaitedKeys(ctx, i);
  }
  ctx.dbs.stats().dirty.Add(n);
  if (ctx.dispatcher != nullptr && ctx.dispatcher->hooks().flushed_all) {
    ctx.dispatcher->hooks().flushed_all();
  }
  ctx.changes++;
  if (auto* o = ctx.dbs.observer()) o->OnDbChanged(-1);
  ctx.rb.Ok();
}

}  // namespace

void RegisterKeysFamily(CommandRegistry& r) {
  constexpr uint64_t K = acl::kKeyspace;
  r.Add({"DEL", -2, kWrite, 1, -1, 1, K, &CmdDel, "generic", "1.0.0", "Deletes one or more keys.",
         "O(N) where N is the number of keys that will be removed."})
      .Args("key:key...")
      .KeyFlags("RM delete");
  r.Add({"UNLINK", -2, kWrite | kFast, 1, -1, 1, K, &CmdDel, "generic", "4.0.0",
         "Asynchronously deletes one or more keys.",
         "O(1) for each key removed regardless of its size."})
      .Args("key:key...")
      .KeyFlags("RM delete");
  r.Add({"EXISTS", -2, kReadOnly | kFast, 1, -1, 1, K, &CmdExists, "generic", "1.0.0",
         "Determines whether one or more keys exist.",
         "O(N) where N is the number of keys to check."})
      .Args("key:key...")
      .KeyFlags("RO");
  r.Add({"TOUCH", -2, kReadOnly | kFast, 1, -1, 1, K, &CmdTouch, "generic", "3.2.1",
         "Returns the number of existing keys out of those specified after updating the time they "
         "were last accessed.",
         "O(N) where N is the number of keys that will be touched."})
      .Args("key:key...")
      .KeyFlags("RO");
  r.Add({"TYPE", 2, kReadOnly | kFast, 1, 1, 1, K, &CmdType, "generic", "1.0.0",
         "Determines the type of value stored at a key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"RENAME", 3, kWrite, 1, 2, 1, K, &CmdRename, "generic", "1.0.0",
         "Renames a key and overwrites the destination.", "O(1)"})
      .Args("key:key newkey:key")
      .KeyFlags("RW access delete|OW update");
  r.Add({"RENAMENX", 3, kWrite | kFast, 1, 2, 1, K, &CmdRenameNx, "generic", "1.0.0",
         "Renames a key only when the target key name doesn't exist.", "O(1)"})
      .Args("key:key newkey:key")
      .KeyFlags("RW access delete|OW insert");
  r.Add({"MOVE", 3, kWrite | kFast, 1, 1, 1, K, &CmdMove, "generic", "1.0.0",
         "Moves a key to another database.", "O(1)"})
      .Args("key:key db:integer")
      .Lock(LockMode::kAll)
      .KeyFlags("RW access update");
  r.Add({"COPY", -3, kWrite | kDenyOom, 1, 2, 1, K, &CmdCopy, "generic", "6.2.0",
         "Copies the value of a key to a new key.",
         "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
         "values."})
      .Args("source:key destination:key [DB=destination-db:integer] [!REPLACE]")
      .Lock(LockMode::kAll)
      .KeyFlags("RO access|OW update");
  r.Add({"SWAPDB", 3, kWrite | kFast, 0, 0, 0, K | acl::kDangerous, &CmdSwapDb, "server", "4.0.0",
         "Swaps two Redis databases.",
         "O(N) where N is the count of clients watching or blocking on keys from both databases."})
      .Args("index1:integer index2:integer")
      .Lock(LockMode::kAll);
  r.Add({"EXPIRE", -3, kWrite | kFast, 1, 1, 1, K, &CmdExpire, "generic", "1.0.0",
         "Sets the expiration time of a key in seconds.", "O(1)"})
      .Args("key:key seconds:integer [condition(!NX|!XX|!GT|!LT)]")
      .KeyFlags("RW update");
  r.Add({"PEXPIRE", -3, kWrite | kFast, 1, 1, 1, K, &CmdPExpire, "generic", "2.6.0",
         "Sets the expiration time of a key in milliseconds.", "O(1)"})
      .Args("key:key milliseconds:integer [condition(!NX|!XX|!GT|!LT)]")
      .KeyFlags("RW update");
  r.Add({"EXPIREAT", -3, kWrite | kFast, 1, 1, 1, K, &CmdExpireAt, "generic", "1.2.0",
         "Sets the expiration time of a key to a Unix timestamp.", "O(1)"})
      .Args("key:key unix-time-seconds:unix-time [condition(!NX|!XX|!GT|!LT)]")
      .KeyFlags("RW update");
  r.Add({"PEXPIREAT", -3, kWrite | kFast, 1, 1, 1, K, &CmdPExpireAt, "generic", "2.6.0",
         "Sets the expiration time of a key to a Unix milliseconds timestamp.", "O(1)"})
      .Args("key:key unix-time-milliseconds:unix-time [condition(!NX|!XX|!GT|!LT)]")
      .KeyFlags("RW update");
  r.Add({"PERSIST", 2, kWrite | kFast, 1, 1, 1, K, &CmdPersist, "generic", "2.2.0",
         "Removes the expiration time of a key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RW update");
  r.Add({"TTL", 2, kReadOnly | kFast, 1, 1, 1, K, &CmdTtl, "generic", "1.0.0",
         "Returns the expiration time in seconds of a key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"PTTL", 2, kReadOnly | kFast, 1, 1, 1, K, &CmdPTtl, "generic", "2.6.0",
         "Returns the expiration time in milliseconds of a key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"EXPIRETIME", 2, kReadOnly | kFast, 1, 1, 1, K, &CmdExpireTime, "generic", "7.0.0",
         "Returns the expiration time of a key as a Unix timestamp.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"PEXPIRETIME", 2, kReadOnly | kFast, 1, 1, 1, K, &CmdPExpireTime, "generic", "7.0.0",
         "Returns the expiration time of a key as a Unix milliseconds timestamp.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"KEYS", 2, kReadOnly, 0, 0, 0, K | acl::kDangerous, &CmdKeys, "generic", "1.0.0",
         "Returns all key names that match a pattern.",
         "O(N) with N being the number of keys in the database, under the assumption that the key "
         "names in the database and the given pattern have limited length."})
      .Args("pattern:pattern")
      .Lock(LockMode::kDb);
  r.Add({"SCAN", -2, kReadOnly, 0, 0, 0, K, &CmdScan, "generic", "2.8.0",
         "Iterates over the key names in the database.",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
         "the cursor to return back to 0. N is the number of elements inside the collection."})
      .Args("cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer] [TYPE=type:string]")
      .Lock(LockMode::kSelf);
  r.Add({"RANDOMKEY", 1, kReadOnly, 0, 0, 0, K, &CmdRandomKey, "generic", "1.0.0",
         "Returns a random key name from the database.", "O(1)"})
      .Lock(LockMode::kDb);
  r.Add({"OBJECT", -2, 0, 0, 0, 0, 0, nullptr, "generic", "2.2.3",
         "A container for object introspection commands.", "Depends on subcommand."});
  for (const char* sub : {"ENCODING", "REFCOUNT", "IDLETIME", "FREQ"}) {
    r.AddSub("OBJECT", {sub, 3, kReadOnly, 2, 2, 1, K, &CmdObject, "generic", "2.2.3",
                        "Returns information about a key.", "O(1)"})
        .KeyFlags("RO")
        .Args("key:key");
  }
  r.AddSub("OBJECT", {"HELP", 2, kLoading | kStale, 0, 0, 0, K, &CmdObjectHelp, "generic", "6.2.0",
                      "Returns helpful text about the different subcommands.", "O(1)"});
  r.Add({"DBSIZE", 1, kReadOnly | kFast, 0, 0, 0, K, &CmdDbSize, "server", "1.0.0",
         "Returns the number of keys in the database.", "O(1)"})
      .Lock(LockMode::kDb);
  r.Add({"FLUSHDB", -1, kWrite, 0, 0, 0, K | acl::kDangerous, &CmdFlushDb, "server", "1.0.0",
         "Remove all keys from the current database.",
         "O(N) where N is the number of keys in the selected database"})
      .Args("[flush-type(!ASYNC|!SYNC)]")
      .Lock(LockMode::kDb);
  r.Add({"FLUSHALL", -1, kWrite, 0, 0, 0, K | acl::kDangerous, &CmdFlushAll, "server", "1.0.0",
         "Removes all keys from all databases.",
         "O(N) where N is the total number of keys in all databases"})
      .Args("[flush-type(!ASYNC|!SYNC)]")
      .Lock(LockMode::kAll);
}

}  // namespace carmine
