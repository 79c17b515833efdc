// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Server-level commands that need the whole process: INFO, TIME, DEBUG, SHUTDOWN. They live in
// server/ (not commands/) because they read the whole server; their handlers are bound to it.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/client_state.h"
#include "commands/string_value.h"
#include "persist/digest.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/server.h"

namespace carmine {
namespace {

// INFO [section [section ...]]
void CmdInfo(Server& s, ArgList args, CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < args.size(); i++) sections.emplace_back(args[i]);
  ctx.rb.Verbatim(BuildInfo(s, sections));
}

// TIME
void CmdTime(Server& s, ArgList, CommandContext& ctx) {
  int64_t us = clock::NowUs();
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(std::to_string(us / 1000000));
  ctx.rb.Bulk(std::to_string(us % 1000000));
}

// ---- DEBUG / SHUTDOWN --------------------------------------------------------------------------

// DEBUG SLEEP seconds | DEBUG OBJECT key | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG HELP
void CmdDebug(Server& s, ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  if (EqualsIgnoreCase(sub, "sleep") && args.size() >= 3) {
    double secs;
    if (!ParseDouble(args[2], &secs)) {
      ctx.rb.Error(err::kNotFloat);
      return;
    }
    // Blocks this worker's loop on purpose: tests use it to simulate a busy server.
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "quicklist-packed-threshold") && args.size() == 3) {
    // Elements at least this big get list nodes of their own; 0 restores the default (1gb).
    int64_t v;
    if (!ParseMemory(args[2], &v) || v < 0 || v > (1LL << 32) - (1LL << 20)) {
      ctx.rb.Error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
      return;
    }
    s.opts().list_packed_threshold.store(v == 0 ? (1LL << 30) : v);
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "set-active-expire") && args.size() == 3) {
    s.opts().active_expire = args[2] != "0";
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "object") && args.size() == 3) {
    Db db = ctx.db();
    ShardLocks lock;
    lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[2]));
    lock.Acquire();
    Entry* e = db.Peek(args[2]);
    if (e == nullptr || db.IsExpired(e)) {
      ctx.rb.Error(err::kNoSuchKey);
      return;
    }
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
  } else if (EqualsIgnoreCase(sub, "reload") && args.size() == 2) {
    // Save, empty the dataset, load the file back: what a restart would do, in place.
    ShardLocks all;  // a no-op inside EXEC, which holds them already
    all.AddAll(s.dbs());
    all.Acquire();
    std::string err = s.persistence().SaveLocked();
    if (!err.empty()) return ctx.rb.Error("ERR Error trying to save the DB");
    for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
    if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
    rdb::LoadStats stats;
    bool found = false;
    Status st = rdb::LoadFile(s.dbs(), s.persistence().Path(), ctx.now_ms, ctx.opts.limits(),
                              &stats, &found);
    if (!st.ok()) return ctx.rb.Error("ERR Error trying to load the RDB dump: " + st.message());
    LOG_NOTICE("DB reloaded by DEBUG RELOAD");
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "digest") && args.size() == 2) {
    ShardLocks all;  // a no-op inside EXEC, which holds them already
    all.AddAll(s.dbs());
    all.Acquire();
    ctx.rb.Simple(digest::Dataset(s.dbs()));
  } else if (EqualsIgnoreCase(sub, "digest-value")) {
    // DEBUG DIGEST-VALUE key [key ...]: a digest per key, zeros for a missing one.
    ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
    for (size_t i = 2; i < args.size(); i++) {
      Db db = ctx.db();
      ShardLocks lock;
      lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[i]));
      lock.Acquire();
      Entry* e = db.Peek(args[i]);
      ctx.rb.Simple(e == nullptr || db.IsExpired(e) ? std::string(40, '0') : digest::Value(*e));
    }
  } else if (EqualsIgnoreCase(sub, "loadaof") && args.size() == 2) {
    // Flush the AOF, empty the dataset and replay the files: a restart, in place. Other clients
    // are held off meanwhile, so nothing they write is missed by the reload or the file.
    s.Pause(INT64_MAX, true);
    {
      ShardLocks all;
      all.AddAll(s.dbs());
      all.Acquire();
      s.aof().FlushAndSync();
      for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
      if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
    }
    Status st = s.aof().Reload();
    s.Unpause();
    if (!st.ok()) {
      // The dataset is gone and the files cannot restore it: as Redis, stop rather than serve
      // an empty or partial dataset.
      LOG_WARNING("%s", st.message().c_str());
      LOG_WARNING("Failed loading the AOF with DEBUG LOADAOF, exiting.");
      _exit(1);
    }
    s.dbs().stats().dirty.Sub(s.dbs().stats().dirty.load());
    LOG_NOTICE("Append Only File loaded by DEBUG LOADAOF");
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(
        ctx,
        {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "OBJECT <key>",
         "    Show low level info about `key` and associated value.", "SET-ACTIVE-EXPIRE <0|1>",
         "    Setting it to 0 disables expiring keys in background when they are not",
         "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
         "    default.", "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
         "HELP", "    Print this help."});
  } else {
    ctx.rb.Error(err::SubcommandSyntax(sub, "debug"));
  }
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(Server& s, ArgList args, CommandContext& ctx) {
  int flags = 0;
  bool abort = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "nosave")) {
      flags |= kShutdownNoSave;
    } else if (EqualsIgnoreCase(args[i], "save")) {
      flags |= kShutdownSave;
    } else if (EqualsIgnoreCase(args[i], "now")) {
      flags |= kShutdownNow;
    } else if (EqualsIgnoreCase(args[i], "force")) {
      flags |= kShutdownForce;
    } else if (EqualsIgnoreCase(args[i], "abort")) {
      abort = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if ((abort && args.size() != 2) || ((flags & kShutdownSave) && (flags & kShutdownNoSave))) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  if (abort) {
    ctx.rb.Error("ERR No shutdown in progress.");
    return;
  }
  LOG_WARNING("User requested shutdown...");
  std::string e = s.PrepareShutdown(flags);
  if (!e.empty()) {
    ctx.rb.Error(e);
    return;
  }
  s.RequestExit();
  // Redis closes the connection without a reply when shutdown succeeds.
  ctx.session.close_after_reply = true;
}

}  // namespace

void RegisterServerFamily(CommandRegistry& r, Server& s) {
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"INFO", -1, LS | kSentinel, 0, 0, 0, acl::kDangerous, Handler::Bind<CmdInfo>(&s), "server", "1.0.0",
         "Returns information and statistics about the server.", "O(1)"})
      .Args("[section:string...]")
      .Lock(LockMode::kSelf);
  r.Add({"TIME", 1, LS | kFast, 0, 0, 0, 0, Handler::Bind<CmdTime>(&s), "server", "2.6.0", "Returns the server time.",
         "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"DEBUG", -2, kAdmin | kNoScript | LS | kProtected, 0, 0, 0, 0, Handler::Bind<CmdDebug>(&s), "server",
         "1.0.0", "A container for debugging commands.", "Depends on subcommand."})
      .Lock(LockMode::kSelf);
  r.Add({"SHUTDOWN", -1, kAdmin | kNoScript | LS | kNoMulti | kSentinel | kAllowBusy, 0, 0, 0, 0,
         Handler::Bind<CmdShutdown>(&s), "server", "1.0.0",
         "Synchronously saves the database(s) to disk and shuts down the Redis server.",
         "O(N) when saving, where N is the total number of keys in all databases when saving data, "
         "otherwise O(1)"})
      .Args("[save-selector(!NOSAVE|!SAVE)] [!NOW] [!FORCE] [!ABORT]")
      .Lock(LockMode::kNone);
}


}  // namespace carmine
