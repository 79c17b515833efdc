// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// DUMP and RESTORE: a value travels as its RDB serialization with a version and CRC-64 footer
// (persist/rdb_value.h), so payloads move between Carmine and Redis in both directions.
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/context.h"
#include "commands/families.h"
#include "db/evict.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// DUMP key
void CmdDump(ArgList args, CommandContext& ctx) {
  Entry* e = ctx.db().FindRead(args[1]);
  if (e == nullptr) {
    ctx.rb.Null();
    return;
  }
  ctx.rb.Bulk(rdb::DumpPayload(e->value, ctx.opts.limits()));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void CmdRestore(ArgList args, CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t i = 4; i < args.size(); i++) {
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[i], "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(args[i], "idletime") && more && freq == -1) {
      if (!ParseInt64(args[++i], &idle)) return ctx.rb.Error(err::kNotInt);
      if (idle < 0) return ctx.rb.Error(err::kRestoreIdle);
    } else if (EqualsIgnoreCase(args[i], "freq") && more && idle == -1) {
      if (!ParseInt64(args[++i], &freq)) return ctx.rb.Error(err::kNotInt);
      if (freq < 0 || freq > 255) return ctx.rb.Error(err::kRestoreFreq);
    } else {
      return ctx.rb.Error(err::kSyntax);
    }
  }
  Db db = ctx.db();
  std::string_view key = args[1];
  if (!replace && db.Find(key) != nullptr) {
    return ctx.rb.Error(err::kBusyKey);
  }
  int64_t ttl;
  if (!ParseInt64(args[2], &ttl)) return ctx.rb.Error(err::kNotInt);
  if (ttl < 0) return ctx.rb.Error(err::kRestoreTtl);
  std::string_view body;
  if (!rdb::CheckDumpPayload(args[3], &body)) {
    return ctx.rb.Error(err::kBadDumpPayload);
  }
  rdb::RdbReader in(body);
  uint8_t type;
  CompactValue value;
  if (!in.ReadByte(&type) || !rdb::ReadValue(type, in, ctx.opts.limits(), &value)) {
    // Redis's verbose line for a payload that fails its checks (the offset is the payload's).
    if (!in.error().empty()) {
      LOG_VERBOSE("Internal error in RDB reading offset 0, function at rdb_value -> %.*s",
                  static_cast<int>(in.error().size()), in.error().data());
    }
    return ctx.rb.Error(err::kBadDataFormat);
  }
  bool deleted = replace && db.Delete(key);
  if (ttl > 0 && !absttl) ttl += ctx.now_ms;
  if (ttl > 0 && ttl <= ctx.now_ms && !ctx.dbs.loading()) {
    // Already expired on arrival: nothing is created; a replaced key is simply gone.
    if (deleted) {
      db.Changed(key, kNotifyGeneric, "del");
      // Propagated as the deletion was done: UNLINK under lazyfree-lazy-server-del, as Redis.
      if (ctx.propagating()) {
        ctx.Propagate({ctx.dbs.lazy_server_del() ? "UNLINK" : "DEL", std::string(key)});
      }
    } else {
      ctx.PropagateNothing();
    }
    return ctx.rb.Ok();
  }
  Entry* e = deleted ? db.AddQuiet(key, ttl > 0) : db.Add(key, ttl > 0);
  if (deleted) db.Notify(kNotifyNew, "new", key);
  e->value = std::move(value);
  if (ttl > 0) e = db.SetExpire(e, ttl);
  if (ctx.dbs.lfu()) {
    if (freq >= 0) e->lru = (lfu::Minutes(ctx.now_ms) << 8) | static_cast<uint32_t>(freq);
  } else if (idle >= 0) {
    e->lru = (Db::LruClock(ctx.now_ms) - static_cast<uint32_t>(idle)) & 0xFFFFFF;
  }
  db.Changed(key, kNotifyGeneric, "restore");
  if (ttl > 0 && !absttl && ctx.propagating()) {
    // Replicas and the AOF get the deadline, not the time left.
    std::vector<std::string> p(args.begin(), args.end());
    p[2] = std::to_string(ttl);
    p.emplace_back("ABSTTL");
    ctx.Propagate(std::move(p));
  }
  ctx.rb.Ok();
}

}  // namespace

void RegisterDumpFamily(CommandRegistry& r) {
  r.Add({"DUMP", 2, kReadOnly, 1, 1, 1, acl::kKeyspace, &CmdDump, "generic", "2.6.0",
         "Returns a serialized representation of the value stored at a key.",
         "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of "
         "Redis objects composing the value and M their average size. For small string values "
         "the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."})
      .Args("key:key")
      .KeyFlags("RO access")
      .tips = {"nondeterministic_output"};
  constexpr const char* kRestoreComplexity =
      "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
      "where N is the number of Redis objects composing the value and M their average size. For "
      "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
      "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
      "values into sorted sets is O(log(N)).";
  r.Add({"RESTORE", -4, kWrite | kDenyOom, 1, 1, 1, acl::kKeyspace | acl::kDangerous, &CmdRestore,
         "generic", "2.6.0",
         "Creates a key from the serialized representation of a value.",
         kRestoreComplexity})
      .Args("key:key ttl:integer serialized-value:string [!REPLACE] [!ABSTTL] "
            "[IDLETIME=seconds:integer] [FREQ=frequency:integer]")
      .KeyFlags("OW update");
  // What MIGRATE sends in cluster mode: RESTORE that the target takes for a slot it imports.
  r.Add({"RESTORE-ASKING", -4, kWrite | kDenyOom | kAsking, 1, 1, 1, acl::kKeyspace | acl::kDangerous, &CmdRestore,
         "server", "3.0.0", "An internal command for migrating keys in a cluster.",
         kRestoreComplexity})
      .Args("key:key ttl:integer serialized-value:string [!REPLACE] [!ABSTTL] "
            "[IDLETIME=seconds:integer] [FREQ=frequency:integer]")
      .KeyFlags("OW update");
}

}  // namespace carmine
