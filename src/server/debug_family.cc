// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// DEBUG: the subcommands tools and test suites use to look inside the server and to provoke
// conditions (slow commands, reloads, crashes, corrupt payloads). Redis's DEBUG is one command
// without a subcommand table (COMMAND INFO shows none), so the subcommands are a table here,
// each with its argument count, and an unknown one (or a wrong count) gets Redis's error.
// Gated by enable-debug-command (the command is flagged `protected`).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/clock.h"
#include "base/config.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/string_value.h"
#include "persist/digest.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"
#include "server/server.h"

#ifdef CARMINE_USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace carmine {
namespace {

using DebugFn = void (*)(Server& s, ArgList args, CommandContext& ctx);

// DEBUG SLEEP seconds: the whole server stops answering for that long (every worker waits), as
// a single-threaded Redis does; tests use it to simulate a stalled server.
void DebugSleep(Server& s, ArgList args, CommandContext& ctx) {
  double secs;
  if (!ParseDouble(args[2], &secs)) return ctx.rb.Error(err::kNotFloat);
  int self = ctx.session.subscriber != nullptr ? ctx.session.subscriber->owner : -1;
  s.HoldOtherWorkers(self, [secs] {
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
  });
  ctx.rb.Ok();
}

// DEBUG QUICKLIST-PACKED-THRESHOLD size: elements at least this big get list nodes of their
// own; 0 restores the default (1gb).
void DebugPackedThreshold(Server& s, ArgList args, CommandContext& ctx) {
  uint64_t v;
  if (!config::ParseMemoryValue(args[2], &v) || v > (1ULL << 32) - (1ULL << 20)) {
    return ctx.rb.Error(err::kPackedThresholdRange);
  }
  s.opts().list_packed_threshold.store(v == 0 ? (1LL << 30) : static_cast<int64_t>(v));
  ctx.rb.Ok();
}

void DebugSetActiveExpire(Server& s, ArgList args, CommandContext& ctx) {
  s.opts().active_expire = args[2] != "0";
  ctx.rb.Ok();
}

// Scripts may then call commands flagged noscript (tests use CLIENT LIST, DEBUG PROTOCOL).
void DebugDisableDenyScripts(Server& s, ArgList args, CommandContext& ctx) {
  s.scripting().set_deny_scripts_disabled(args[2] != "0");
  ctx.rb.Ok();
}

void DebugSkipChecksum(Server&, ArgList args, CommandContext& ctx) {
  rdb::SetSkipChecksum(args[2] != "0");
  ctx.rb.Ok();
}

void DebugPauseCron(Server& s, ArgList args, CommandContext& ctx) {
  s.set_cron_paused(args[2] != "0");
  ctx.rb.Ok();
}

void DebugAofFlushSleep(Server& s, ArgList args, CommandContext& ctx) {
  int64_t us;
  if (!ParseInt64(args[2], &us) || us < 0) return ctx.rb.Error(err::kNotInt);
  s.aof().set_flush_sleep_us(us);
  ctx.rb.Ok();
}

// DEBUG OBJECT key
void DebugObject(Server&, ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ShardLocks lock;
  lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[2]));
  lock.Acquire();
  Entry* e = db.Peek(args[2]);  // past its TTL or not: DEBUG OBJECT looks at what is stored
  if (e == nullptr) return ctx.rb.Error(err::kNoSuchKey);
  const char* enc = ValueEncodingName(e);
  // serializedlength: the value's RDB payload, without its type byte, as Redis measures it.
  std::string rdb_value;
  rdb::WriteValue(e->value, ctx.opts.limits(), true, &rdb_value, rdb::kDumpVersion);
  char buf[256];
  snprintf(buf, sizeof(buf),
           "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
           static_cast<void*>(e), enc, rdb_value.size() - 1, e->lru,
           static_cast<unsigned long long>(db.IdleSeconds(e)));
  ctx.rb.Simple(buf);
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset, load the file back (a
// restart, in place). NOSAVE loads the file as it is, NOFLUSH keeps the dataset and function
// libraries, MERGE lets the file's keys and libraries replace those (else they are an error).
void DebugReload(Server& s, ArgList args, CommandContext& ctx) {
  bool merge = false, flush = true, save = true;
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "MERGE")) {
      merge = true;
    } else if (EqualsIgnoreCase(args[i], "NOFLUSH")) {
      flush = false;
    } else if (EqualsIgnoreCase(args[i], "NOSAVE")) {
      save = false;
    } else {
      return ctx.rb.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  ShardLocks all;  // a no-op inside EXEC, which holds them already
  all.AddAll(s.dbs());
  all.Acquire();
  if (save) {
    std::string err = s.persistence().SaveLocked();
    if (!err.empty()) return ctx.rb.Error(err::kReloadSaveFailed);
  }
  if (flush) {
    for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
  }
  if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
  rdb::LoadStats stats;
  bool found = false;
  rdb::LoadControl ctl = s.persistence().LoadControl();
  ctl.loaded_bytes = nullptr;  // not a startup load: INFO shows no loading progress
  ctl.replace_existing = merge;
  Status st = rdb::LoadFile(s.dbs(), s.persistence().Path(), ctx.now_ms, ctx.opts.limits(),
                            &stats, &found, false, ctl);
  if (!st.ok()) return ctx.rb.Error(err::Format(err::kReloadLoadFailed, st.message()));
  std::string error;
  if (!s.scripting().LoadLibraries(stats.functions, flush, &error, merge)) {
    return ctx.rb.Error(err::Format(err::kReloadLoadFailed, error));
  }
  LOG_NOTICE("DB reloaded by DEBUG RELOAD");
  ctx.rb.Ok();
}

void DebugDigest(Server& s, ArgList, CommandContext& ctx) {
  ShardLocks all;  // a no-op inside EXEC, which holds them already
  all.AddAll(s.dbs());
  all.Acquire();
  ctx.rb.Simple(digest::Dataset(s.dbs()));
}

// DEBUG DIGEST-VALUE key [key ...]: a digest per key, zeros for a missing one.
void DebugDigestValue(Server&, ArgList args, CommandContext& ctx) {
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    Db db = ctx.db();
    ShardLocks lock;
    lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[i]));
    lock.Acquire();
    Entry* e = db.Peek(args[i]);
    ctx.rb.Simple(e == nullptr || db.IsExpired(e) ? std::string(40, '0') : digest::Value(*e));
  }
}

// DEBUG LOADAOF: flush the AOF, empty the dataset and replay the files (a restart, in place).
// Meanwhile other clients' reads get -LOADING, as Redis answers them between the commands it
// replays, and their writes are held off until the replay ends, so nothing they write is missed
// by the reload or the file.
void DebugLoadAof(Server& s, ArgList, CommandContext& ctx) {
  s.Pause(INT64_MAX, false);
  {
    ShardLocks all;
    all.AddAll(s.dbs());
    all.Acquire();
    s.aof().FlushAndSync();
    for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
    if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
    s.dbs().set_loading(true);
  }
  // Inside EXEC this thread holds every shard lock: other clients wait for the transaction.
  Status st = s.aof().Reload(ctx.no_block ? nullptr : ctx.session.process_while_busy);
  s.Unpause();
  if (!st.ok()) {
    // The dataset is gone and the files cannot restore it: as Redis, stop rather than serve an
    // empty or partial dataset.
    LOG_WARNING("%s", st.message().c_str());
    LOG_WARNING("Failed loading the AOF with DEBUG LOADAOF, exiting.");
    _exit(1);
  }
  s.dbs().stats().dirty.Sub(s.dbs().stats().dirty.load());
  LOG_NOTICE("Append Only File loaded by DEBUG LOADAOF");
  ctx.rb.Ok();
}

// DEBUG POPULATE count [prefix] [size]: keys prefix:0 .. prefix:count-1 (existing ones are
// kept), values "value:N", zero-padded or cut to `size` bytes when a size is given.
void DebugPopulate(Server&, ArgList args, CommandContext& ctx) {
  int64_t count, size = 0;
  if (!ParseInt64(args[2], &count) || count < 0) return ctx.rb.Error(err::kMustBePositive);
  std::string prefix = args.size() > 3 ? std::string(args[3]) : std::string("key");
  if (args.size() > 4 && (!ParseInt64(args[4], &size) || size < 0)) {
    return ctx.rb.Error(err::kMustBePositive);
  }
  Db db = ctx.db();
  for (int64_t i = 0; i < count; i++) {
    std::string key = prefix + ":" + std::to_string(i);
    ShardLocks lock;
    lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(key));
    lock.Acquire();
    if (db.Find(key) != nullptr) continue;
    std::string value = "value:" + std::to_string(i);
    if (args.size() > 4) value.resize(static_cast<size_t>(size), '\0');
    Entry* e = db.Add(key);
    StoreString(e, value, StrEnc::kTryInt);
    db.Modified(key, 0);  // no dirty change, as Redis counts it
  }
  ctx.PropagateNothing();
  ctx.rb.Ok();
}

// DEBUG PROTOCOL type: one reply of each RESP type, for client tests.
void DebugProtocol(Server&, ArgList args, CommandContext& ctx) {
  std::string_view t = args[2];
  ReplyBuilder& rb = ctx.rb;
  if (EqualsIgnoreCase(t, "string")) {
    rb.Bulk("Hello World");
  } else if (EqualsIgnoreCase(t, "integer")) {
    rb.Int(12345);
  } else if (EqualsIgnoreCase(t, "double")) {
    rb.DoubleText("3.141");
  } else if (EqualsIgnoreCase(t, "bignum")) {
    rb.BigNumber("1234567999999999999999999999999999999");
  } else if (EqualsIgnoreCase(t, "null")) {
    rb.Null();
  } else if (EqualsIgnoreCase(t, "array") || EqualsIgnoreCase(t, "set")) {
    EqualsIgnoreCase(t, "set") ? rb.SetLen(3) : rb.ArrayLen(3);
    for (int i = 0; i < 3; i++) rb.Int(i);
  } else if (EqualsIgnoreCase(t, "map")) {
    rb.MapLen(3);
    for (int i = 0; i < 3; i++) {
      rb.Int(i);
      rb.Bool(i == 1);
    }
  } else if (EqualsIgnoreCase(t, "attrib")) {
    if (rb.resp3()) {
      rb.AttributeLen(1);
      rb.Bulk("key-popularity");
      rb.ArrayLen(2);
      rb.Bulk("key:123");
      rb.Int(90);
    }
    rb.Bulk("Some real reply following the attribute");
  } else if (EqualsIgnoreCase(t, "push")) {
    if (!rb.resp3()) return rb.Error(err::kNoResp2);
    rb.Bulk("Some real reply following the push reply");
    // The push follows the reply, as pushes caused by a client's own command do.
    std::string push;
    ReplyBuilder pb(&push);
    pb.SetProtocol(3);
    pb.PushLen(2);
    pb.Bulk("server-cpu-usage");
    pb.Int(42);
    rb.Raw(push);
  } else if (EqualsIgnoreCase(t, "verbatim")) {
    rb.Verbatim("This is a verbatim\nstring");
  } else if (EqualsIgnoreCase(t, "true") || EqualsIgnoreCase(t, "false")) {
    rb.Bool(EqualsIgnoreCase(t, "true"));
  } else {
    rb.Error(err::kDebugProtocolType);
  }
}

// DEBUG REPLICATE arg...: sends the arguments to the replicas as a command of no database, not
// run here and not written to the AOF (a test of what replicas do with a command that fails).
void DebugReplicate(Server&, ArgList args, CommandContext& ctx) {
  if (ctx.propagating()) {
    std::vector<std::string> cmd(args.begin() + 2, args.end());
    ctx.sink->AppendTargeted({{-1, std::move(cmd), PropagationSink::kToReplicas}});
  }
  ctx.PropagateNothing();
  ctx.rb.Ok();
}

void DebugLog(Server&, ArgList args, CommandContext& ctx) {
  LOG_WARNING("DEBUG LOG: %.*s", static_cast<int>(args[2].size()), args[2].data());
  ctx.rb.Ok();
}

[[noreturn]] void DebugSegfault(Server&, ArgList, CommandContext&) {
  LOG_WARNING("DEBUG SEGFAULT: crashing on purpose");
  raise(SIGSEGV);
  abort();
}

// DEBUG HTSTATS dbid [full]: the keyspace's hash tables (all shards together).
void DebugHtStats(Server& s, ArgList args, CommandContext& ctx) {
  int64_t dbid;
  if (!ParseInt64(args[2], &dbid) || dbid < 0 || dbid >= s.dbs().num_dbs()) {
    return ctx.rb.Error(err::kDebugDbOutOfRange);
  }
  bool full = args.size() > 3 && EqualsIgnoreCase(args[3], "full");
  std::string out = "[Dictionary HT]\n";
  size_t buckets = 0, keys = 0, volatile_keys = 0;
  std::string detail;
  ShardLocks all;
  all.AddDb(s.dbs(), static_cast<int>(dbid));
  all.Acquire();
  for (int sh = 0; sh < s.dbs().num_shards(); sh++) {
    ShardData& d = s.dbs().Data(static_cast<int>(dbid), sh);
    buckets += d.table.bucket_count();
    keys += d.table.size();
    volatile_keys += d.volatile_keys.size();
    if (full && d.table.size() > 0) d.table.AppendStats(&detail, true);
  }
  if (keys == 0) {
    out += "No stats available for empty dictionaries\n";
  } else {
    out += "Hash table 0 stats (main hash table):\n table size: " + std::to_string(buckets) +
           "\n number of elements: " + std::to_string(keys) + "\n" + detail;
  }
  out += "[Expires HT]\n";
  if (volatile_keys == 0) {
    out += "No stats available for empty dictionaries\n";
  } else {
    out += "Hash table 0 stats (main hash table):\n table size: " +
           std::to_string(volatile_keys) + "\n number of elements: " +
           std::to_string(volatile_keys) + "\n";
  }
  ctx.rb.Verbatim(out);
}

// DEBUG HTSTATS-KEY key [full]: the hash table of a hash, set or sorted set.
void DebugHtStatsKey(Server&, ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ShardLocks lock;
  lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[2]));
  lock.Acquire();
  Entry* e = db.Find(args[2]);
  if (e == nullptr) return ctx.rb.Error(err::kNoSuchKey);
  std::string out;
  bool full = args.size() > 3 && EqualsIgnoreCase(args[3], "full");
  if (e->value.kind() != CompactValue::Kind::kObject || !e->value.object()->AppendTableStats(&out, full)) {
    return ctx.rb.Error(
        err::kNotHashTable);
  }
  ctx.rb.Verbatim(out);
}

// DEBUG MALLCTL key [value] / DEBUG MALLCTL-STR key [value]: jemalloc's controls, answered as
// Redis answers: the old value, or OK for a write-only control (thread.tcache.flush), errors as
// strerror text. MALLCTL-STR's value VOID writes nothing (a control that only acts).
void DebugMallctl(Server&, ArgList args, CommandContext& ctx) {
#ifdef CARMINE_USE_JEMALLOC
  std::string key(args[2]);
  bool write = args.size() > 3;
  auto fail = [&](int rc) { ctx.rb.Error(err::Format(err::kMallctl, strerror(rc))); };
  if (EqualsIgnoreCase(args[1], "mallctl-str")) {
    const char* old = nullptr;
    size_t sz = sizeof(old);
    int rret = mallctl(key.c_str(), &old, &sz, nullptr, 0);
    if (rret != 0 && !(rret == EPERM && write)) return fail(rret);
    int wret = 0;
    if (write) {
      std::string v(args[3]);
      const char* nv = v.c_str();
      wret = v == "VOID" ? mallctl(key.c_str(), nullptr, nullptr, nullptr, 0)
                         : mallctl(key.c_str(), nullptr, nullptr, &nv, sizeof(nv));
    }
    if (rret == 0) return ctx.rb.Bulk(old != nullptr ? old : "");
    if (wret != 0) return fail(wret);
    return ctx.rb.Ok();
  }
  int64_t val = 0;
  if (write && !ParseInt64(args[3], &val)) return ctx.rb.Error(err::kNotInt);
  // Controls are 8, 4 or 1 bytes wide and jemalloc insists on the exact width: try them in turn
  // (little-endian: the low bytes of `val` are the narrower value).
  for (size_t width = sizeof(int64_t); width > 0; width /= 2) {
    int64_t old = 0;
    size_t sz = width;
    int rc = mallctl(key.c_str(), &old, &sz, write ? &val : nullptr, write ? width : 0);
    if (rc == 0) return ctx.rb.Int(old);
    if (rc == EPERM && write) {
      rc = mallctl(key.c_str(), nullptr, nullptr, &val, width);
      if (rc == 0) return ctx.rb.Ok();
    }
    if (rc != EINVAL) return fail(rc);
  }
  fail(EINVAL);
#else
  ctx.rb.Error(err::kNoJemalloc);
#endif
}

// True when the leading number of `arg` (C's atoi reading: optional spaces and sign, then
// digits, the rest ignored) is not zero, which is how Redis reads DEBUG's 0|1 flags.
bool LeadingNumberNonZero(std::string_view arg) {
  size_t i = 0;
  while (i < arg.size() && (arg[i] == ' ' || arg[i] == '\t')) i++;
  if (i < arg.size() && (arg[i] == '+' || arg[i] == '-')) i++;
  for (; i < arg.size() && arg[i] >= '0' && arg[i] <= '9'; i++) {
    if (arg[i] != '0') return true;
  }
  return false;
}

// DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms> | RESIZING <0|1>
void DebugReplyBuffer(Server& s, ArgList args, CommandContext& ctx) {
  ReplyBufferPolicy& policy = s.reply_buffer_policy();
  if (EqualsIgnoreCase(args[2], "peak-reset-time")) {
    int64_t ms;
    if (EqualsIgnoreCase(args[3], "never")) {
      ms = -1;
    } else if (EqualsIgnoreCase(args[3], "reset")) {
      ms = ReplyBufferPolicy::kDefaultPeakResetMs;
    } else if (!ParseInt64(args[3], &ms)) {
      return ctx.rb.Error(err::kNotInt);
    }
    policy.peak_reset_ms.store(ms, std::memory_order_relaxed);
  } else if (EqualsIgnoreCase(args[2], "resizing")) {
    policy.resizing.store(LeadingNumberNonZero(args[3]), std::memory_order_relaxed);
  } else {
    return ctx.rb.Error(err::SubcommandSyntax(args[1], "debug"));
  }
  ctx.rb.Ok();
}

void DebugConfigRewriteForceAll(Server& s, ArgList, CommandContext& ctx) {
  if (s.config_file().empty()) return ctx.rb.Error(err::kNoConfigFile);
  Status st;
  {
    std::lock_guard<std::mutex> l(s.config().mu());
    st = s.config().Rewrite(s.config_file(), true);
  }
  if (!st.ok()) return ctx.rb.Error(err::Format(err::kRewriteForceAll, st.message()));
  ctx.rb.Ok();
}

void DebugHelp(Server&, ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "AOF-FLUSH-SLEEP <microsec>",
      "    Sleep before writing to the AOF on every command.",
      "CONFIG-REWRITE-FORCE-ALL",
      "    Like CONFIG REWRITE but writes every parameter, defaults included.",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "HTSTATS <dbid> [full]",
      "    Return hash table statistics of the specified Redis database.",
      "HTSTATS-KEY <key> [full]",
      "    Like HTSTATS but for the hash table stored at <key>'s value.",
      "LOADAOF",
      "    Flush the AOF buffers on disk and reload the AOF in memory.",
      "REPLICATE <string>",
      "    Replicates the provided string to replicas, allowing data divergence.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "MALLCTL <key> [<val>]",
      "    Get or set a malloc tuning integer.",
      "MALLCTL-STR <key> [<val>]",
      "    Get or set a malloc tuning string.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "PAUSE-CRON <0|1>",
      "    Stop periodic cron job processing.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix. These are not propagated to",
      "    replicas. Cluster slots are not respected so keys not belonging to the",
      "    current node can be created in cluster mode.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Sets the threshold for elements to be inserted as plain vs packed nodes",
      "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
      "RELOAD",
      "    Save the RDB on disk and reload it back to memory.",
      "REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|time>",
      "    Sets the time (in milliseconds) between resets of each client's reply buffer peak.",
      "    NEVER keeps the last observed peak; RESET restores the default time.",
      "REPLYBUFFER RESIZING <0|1>",
      "    Enables or disables the cron job that resizes client reply buffers.",
      "SEGFAULT",
      "    Crash the server with sigsegv.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
      "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "HELP",
      "    Print this help."});
}

struct DebugSub {
  std::string_view name;
  int min_args, max_args;  // arguments after the subcommand name
  DebugFn fn;
  // Reads or rewrites the dataset: refused with -LOADING while a load fills it (the others,
  // such as LOG and SLEEP, answer during a load as in Redis).
  bool dataset = false;
};

constexpr DebugSub kSubs[] = {
    {"aof-flush-sleep", 1, 1, &DebugAofFlushSleep},
    {"config-rewrite-force-all", 0, 0, &DebugConfigRewriteForceAll},
    {"digest", 0, 0, &DebugDigest, true},
    {"digest-value", 0, 1 << 20, &DebugDigestValue, true},
    {"help", 0, 0, &DebugHelp},
    {"htstats", 1, 2, &DebugHtStats, true},
    {"htstats-key", 1, 2, &DebugHtStatsKey, true},
    {"loadaof", 0, 0, &DebugLoadAof, true},
    {"log", 1, 1, &DebugLog},
    {"mallctl", 1, 2, &DebugMallctl},
    {"mallctl-str", 1, 2, &DebugMallctl},
    {"object", 1, 1, &DebugObject, true},
    {"pause-cron", 1, 1, &DebugPauseCron},
    {"populate", 1, 3, &DebugPopulate, true},
    {"protocol", 1, 1, &DebugProtocol},
    {"quicklist-packed-threshold", 1, 1, &DebugPackedThreshold},
    {"reload", 0, 3, &DebugReload, true},
    {"replicate", 1, 1 << 20, &DebugReplicate},
    {"replybuffer", 2, 2, &DebugReplyBuffer},
    {"segfault", 0, 0, &DebugSegfault},
    {"set-active-expire", 1, 1, &DebugSetActiveExpire},
    {"set-disable-deny-scripts", 1, 1, &DebugDisableDenyScripts},
    {"set-skip-checksum-validation", 1, 1, &DebugSkipChecksum},
    {"sleep", 1, 1, &DebugSleep},
};

// DEBUG subcommand [arg ...]
void CmdDebug(Server& s, ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  int given = static_cast<int>(args.size()) - 2;
  for (const DebugSub& d : kSubs) {
    if (!EqualsIgnoreCase(d.name, sub)) continue;
    if (given < d.min_args || given > d.max_args) break;
    if (d.dataset && s.dbs().loading() && !ctx.session.loader) return ctx.rb.Error(err::kLoading);
    return d.fn(s, args, ctx);
  }
  ctx.rb.Error(err::SubcommandSyntax(sub, "debug"));
}

}  // namespace

void RegisterDebugFamily(CommandRegistry& r, Server& s) {
  r.Add({"DEBUG", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, 0,
         Handler::Bind<CmdDebug>(&s), "server", "1.0.0", "A container for debugging commands.",
         "Depends on subcommand."})
      .Lock(LockMode::kSelf)
      .Gated(CommandGate::kDebug);
}

}  // namespace carmine
