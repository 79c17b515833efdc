// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing happens in the dispatcher (it
// decides, before a command runs, whether MULTI is open); EXEC's atomic run is
// Dispatcher::RunTransaction. WATCH registers the session in the keys' shards (db/db_set.h), where
// every modification of the key, by any client on any thread, marks it dirty.
#include "commands/client_state.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

void CmdMulti(ArgList, CommandContext& ctx) {
  if (ctx.session.multi != nullptr) {
    ctx.rb.Error(err::kNestedMulti);
    return;
  }
  ctx.session.multi = std::make_unique<MultiState>();
  ctx.session.in_multi.store(true, std::memory_order_relaxed);
  ctx.session.multi_queued.store(0, std::memory_order_relaxed);
  ctx.rb.Ok();
}

void CmdExec(ArgList, CommandContext& ctx) { ctx.dispatcher->RunTransaction(ctx); }

void CmdDiscard(ArgList, CommandContext& ctx) {
  if (ctx.session.multi == nullptr) {
    ctx.rb.Error(err::kDiscardWithoutMulti);
    return;
  }
  ctx.session.multi.reset();
  ctx.session.in_multi.store(false, std::memory_order_relaxed);
  ctx.session.multi_queued.store(-1, std::memory_order_relaxed);
  ctx.session.multi_mem.store(0, std::memory_order_relaxed);
  UnwatchAll(ctx.dbs, ctx.session);
  ctx.rb.Ok();
}

// WATCH key [key ...]: runs with the keys' shard locks held.
void CmdWatch(ArgList args, CommandContext& ctx) {
  Session& s = ctx.session;
  if (s.multi != nullptr) {
    ctx.rb.Error(err::kWatchInMulti);
    return;
  }
  if (s.watch == nullptr) s.watch = std::make_shared<WatchState>();
  Db db = ctx.db();
  for (size_t i = 1; i < args.size(); i++) {
    bool known = false;
    for (auto& [wdb, key] : s.watch->keys) {
      if (wdb == db.index() && key == args[i]) known = true;
    }
    if (known) continue;
    // A key already past its TTL stays (WATCH is no write); the watcher remembers it saw the key
    // expired, so that the key's removal later is no change for it.
    Entry* e = db.Peek(args[i]);
    ctx.dbs.Watch(db.index(), args[i], s.watch, e != nullptr && db.IsExpired(e));
    s.watch->keys.emplace_back(db.index(), std::string(args[i]));
  }
  ctx.rb.Ok();
}

void CmdUnwatch(ArgList, CommandContext& ctx) {
  UnwatchAll(ctx.dbs, ctx.session);
  ctx.rb.Ok();
}

}  // namespace

void UnwatchAll(DbSet& dbs, Session& s) {
  if (s.watch == nullptr) return;
  ShardLocks locks;
  for (auto& [db, key] : s.watch->keys) locks.Add(dbs, db, dbs.ShardOf(key));
  locks.Acquire();
  for (auto& [db, key] : s.watch->keys) dbs.Unwatch(db, key, s.watch.get());
  s.watch.reset();
}

void RegisterMultiFamily(CommandRegistry& r) {
  constexpr uint32_t F = kNoScript | kLoading | kStale;
  constexpr uint64_t T = acl::kTransaction;
  r.Add({"MULTI", 1, F | kFast | kAllowBusy, 0, 0, 0, T, &CmdMulti, "transactions", "1.2.0",
         "Starts a transaction.", "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"EXEC", 1, F | kSkipSlowlog, 0, 0, 0, T, &CmdExec, "transactions", "1.2.0",
         "Executes all commands in a transaction.", "Depends on commands in the transaction"})
      .Lock(LockMode::kSelf);
  r.Add({"DISCARD", 1, F | kFast | kAllowBusy, 0, 0, 0, T, &CmdDiscard, "transactions", "2.0.0",
         "Discards a transaction.", "O(N), when N is the number of queued commands"})
      .Lock(LockMode::kSelf);
  r.Add({"WATCH", -2, F | kFast | kAllowBusy, 1, -1, 1, T, &CmdWatch, "transactions", "2.2.0",
         "Monitors changes to keys to determine the execution of a transaction.",
         "O(1) for every key."})
      .Args("key:key...")
      .KeyFlags("RO");
  r.Add({"UNWATCH", 1, F | kFast | kAllowBusy, 0, 0, 0, T, &CmdUnwatch, "transactions", "2.2.0",
         "Forgets about watched keys of a transaction.", "O(1)"})
      .Lock(LockMode::kSelf);
}

}  // namespace carmine
