// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/dispatcher.h"

#include <cstring>
#include <optional>

#include "base/clock.h"
#include "base/strutil.h"
#include "commands/client_state.h"
#include "protocol/errors.h"

namespace carmine {

std::string_view ErrorText(OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType:
      return err::kWrongType;
    case OpStatus::kSyntaxError:
      return err::kSyntax;
    case OpStatus::kNotInteger:
      return err::kNotInt;
    case OpStatus::kNotFloat:
      return err::kNotFloat;
    case OpStatus::kOverflow:
      return err::kOverflow;
    case OpStatus::kNanOrInf:
      return err::kNanOrInf;
    case OpStatus::kOutOfRange:
      return err::kOffsetRange;
    case OpStatus::kStringTooLong:
      return err::kStringTooLong;
    case OpStatus::kSameObject:
      return err::kSameObject;
    case OpStatus::kKeyNotFound:
      return err::kNoSuchKey;
    default:
      return err::kSyntax;
  }
}

void DispatchStats::CountError(std::string_view code) {
  error_replies.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> l(mu);
  // Redis caps the number of distinct error codes it tracks at 128.
  auto it = errors_by_code.find(std::string(code));
  if (it != errors_by_code.end()) {
    it->second++;
  } else if (errors_by_code.size() < 128) {
    errors_by_code.emplace(std::string(code), 1);
  }
}

void DispatchStats::Reset() {
  commands.Reset();
  error_replies = 0;
  unexpected_error_replies = 0;
  std::lock_guard<std::mutex> l(mu);
  errors_by_code.clear();
}

void Dispatcher::Propagate(ArgList args, Session& session, CommandContext& ctx,
                           PropagationSink* sink) {
  int db = session.db.load(std::memory_order_relaxed);
  if (ctx.custom_propagation) {
    for (auto& p : ctx.propagated) sink->Append(p.db < 0 ? db : p.db, std::move(p.args));
    return;
  }
  if (ctx.changes == 0 || !(ctx.spec->flags & kWrite)) return;
  sink->Append(db, std::vector<std::string>(args.begin(), args.end()));
}

void Dispatcher::Reject(const CommandSpec* spec, ReplyBuilder& rb, std::string_view msg) {
  if (spec != nullptr) spec->stats->rejected.fetch_add(1, std::memory_order_relaxed);
  rb.Error(msg);
  stats_.CountError(rb.last_error_code());
}

const CommandSpec* Dispatcher::Resolve(ArgList args, Session& session, ReplyBuilder& rb) {
  const CommandSpec* spec = registry_.Find(args[0]);
  if (spec == nullptr) {
    Reject(nullptr, rb, err::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    return nullptr;
  }
  // A container called alone is checked (and, for COMMAND, run) as itself, as Redis does.
  if (spec->is_container() && args.size() > 1) {
    auto it = spec->subcommands.find(ToLower(args[1]));
    if (it == spec->subcommands.end()) {
      Reject(spec, rb, err::UnknownSubcommand(args[1], args[0]));
      return nullptr;
    }
    spec = it->second.get();
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    Reject(spec, rb, err::WrongArgs(spec->full_name));
    return nullptr;
  }
  if (!session.authenticated && !(spec->flags & kNoAuth)) {
    Reject(spec, rb, err::kNoAuth);
    return nullptr;
  }
  if (spec->flags & kProtected) {
    int mode = opts_.enable_debug_command.get();
    if (mode == 0 || (mode == 2 && !session.is_local)) {
      std::string name = ToUpper(spec->parent ? spec->parent->name : spec->name);
      Reject(spec, rb,
             "ERR " + name +
                 " command not allowed. If the enable-debug-command option is set to \"local\", "
                 "you can run it from a local connection, otherwise you need to set this option "
                 "in the configuration file, and then restart the server.");
      return nullptr;
    }
  }
  return spec;
}

namespace {
// The client's name as the owner thread sees it (other threads read it under info_mu).
std::string ClientName(const Session& s) {
  std::lock_guard<std::mutex> l(s.info_mu);
  return s.name;
}

bool IsNamed(const CommandSpec* spec, std::string_view name) {
  return spec->parent == nullptr && EqualsIgnoreCase(spec->name, name);
}

// Commands that act on the transaction itself instead of being queued by MULTI.
bool RunsInsideMulti(const CommandSpec* spec) {
  return IsNamed(spec, "exec") || IsNamed(spec, "discard") || IsNamed(spec, "multi") ||
         IsNamed(spec, "watch") || IsNamed(spec, "quit") || IsNamed(spec, "reset");
}

// Collects the effects of the commands of one EXEC, to hand them to the real sink as one block.
class CollectingSink : public PropagationSink {
 public:
  bool active() const override { return true; }
  void Append(int db, std::vector<std::string> args) override {
    entries.emplace_back(db, std::move(args));
  }
  std::vector<std::pair<int, std::vector<std::string>>> entries;
};
}  // namespace

bool Dispatcher::HandledBeforeRun(const CommandSpec* spec, ArgList args, Session& session,
                                  ReplyBuilder& rb) {
  if (session.resp.load(std::memory_order_relaxed) == 2 && session.pubsub_count() > 0 &&
      !AllowedWhileSubscribed(spec)) {
    Reject(spec, rb,
           "ERR Can't execute '" + std::string(spec->full_name) +
               "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
               "this context");
    if (session.multi) session.multi->aborted = true;
    return true;
  }
  if (session.monitor && (spec->flags & (kWrite | kReadOnly | kMayReplicate))) {
    Reject(spec, rb, "ERR Replica can't interact with the keyspace");
    return true;
  }
  if (session.multi == nullptr || RunsInsideMulti(spec)) return false;
  if (spec->flags & kNoMulti) {
    Reject(spec, rb, "ERR Command not allowed inside a transaction");
    session.multi->aborted = true;
    return true;
  }
  session.multi->queue.push_back({spec, std::vector<std::string>(args.begin(), args.end())});
  size_t bytes = 0;
  for (auto a : args) bytes += a.size() + sizeof(std::string);
  session.multi_mem.fetch_add(bytes, std::memory_order_relaxed);
  session.multi_queued.store(static_cast<int>(session.multi->queue.size()),
                             std::memory_order_relaxed);
  rb.Simple("QUEUED");
  return true;
}

bool Dispatcher::MemoryAllows(const CommandSpec* spec, Session& session, ReplyBuilder& rb,
                              int64_t now_ms) {
  // A dataset being loaded is never cut down to the limit, as in Redis.
  if (dbs_.loading() || evictor_.Perform(now_ms) != Evictor::Result::kFail) return true;
  bool exec = IsNamed(spec, "exec");
  bool refuse = spec->flags & kDenyOom;
  if (session.multi != nullptr) {
    if (exec) {
      for (auto& q : session.multi->queue) refuse = refuse || (q.spec->flags & kDenyOom);
    } else if (!IsNamed(spec, "discard") && !IsNamed(spec, "quit") && !IsNamed(spec, "reset")) {
      // Queueing costs memory too: nothing more is queued while over the limit.
      refuse = true;
    }
  }
  if (!refuse) return true;
  static constexpr std::string_view kOom =
      "OOM command not allowed when used memory > 'maxmemory'.";
  if (exec && session.multi != nullptr) {
    session.multi.reset();
    session.in_multi.store(false, std::memory_order_relaxed);
    session.multi_queued.store(-1, std::memory_order_relaxed);
    session.multi_mem.store(0, std::memory_order_relaxed);
    UnwatchAll(dbs_, session);
    Reject(spec, rb, "EXECABORT Transaction discarded because of: " + std::string(kOom));
    return false;
  }
  Reject(spec, rb, kOom);
  if (session.multi != nullptr) session.multi->aborted = true;
  return false;
}

void Dispatcher::Dispatch(ArgList args, Session& session, ReplyBuilder& rb, int64_t now_ms) {
  stats_.commands.Add();
  const CommandSpec* spec = Resolve(args, session, rb);
  if (spec == nullptr) {
    if (session.multi) session.multi->aborted = true;  // EXEC will answer EXECABORT
    return;
  }
  session.last_cmd.store(spec, std::memory_order_relaxed);
  if (dbs_.loading() && !session.loader &&
      (!(spec->flags & kLoading) || EqualsIgnoreCase(spec->full_name, "debug"))) {
    // DEBUG is held back too: its subcommands read and reload the dataset being built.
    Reject(spec, rb, "LOADING Redis is loading the dataset in memory");
    if (session.multi) session.multi->aborted = true;
    return;
  }
  if (session.loader) {
    // No memory limit, MISCONF or monitor feed for what a file replays.
    if (session.multi != nullptr && HandledBeforeRun(spec, args, session, rb)) return;
    ExecResult r = Execute(spec, args, session, rb, now_ms, ExecMode{});
    if (!r.ready.empty()) ServeReady(std::move(r.ready), now_ms);
    return;
  }
  int aof_errno = opts_.aof_write_errno.load(std::memory_order_relaxed);
  if ((opts_.refuse_writes_misconf.load(std::memory_order_relaxed) || aof_errno != 0) &&
      ((spec->flags & kWrite) || IsNamed(spec, "ping"))) {
    if (opts_.refuse_writes_misconf.load(std::memory_order_relaxed)) {
      Reject(spec, rb,
             "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
             "persist to disk. Commands that may modify the data set are disabled, because this "
             "instance is configured to report errors during writes if RDB snapshotting fails "
             "(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
             "about the RDB error.");
    } else {
      Reject(spec, rb, std::string("MISCONF Errors writing to the AOF file: ") + strerror(aof_errno));
    }
    if (session.multi) session.multi->aborted = true;
    return;
  }
  if (opts_.maxmemory.get() > 0 &&
      !MemoryAllows(spec, session, rb, now_ms)) {
    return;
  }
  if ((session.multi != nullptr || session.pubsub_count() > 0 || session.monitor) &&
      HandledBeforeRun(spec, args, session, rb)) {
    return;
  }
  SetCurrentClientId(session.id);
  ExecResult r = Execute(spec, args, session, rb, now_ms, ExecMode{});
  if (monitors_.active()) monitors_.Feed(spec, args, session, clock::NowUs());
  if (session.tracking) ResetCachingFlag(session);
  SetCurrentClientId(0);
  if (tracking_.broadcast_pending()) tracking_.FlushBroadcast();
  if (!r.ready.empty()) ServeReady(std::move(r.ready), now_ms);
}

void Dispatcher::RememberTrackedKeys(const CommandSpec* spec, ArgList args, Session& session) {
  const auto& t = session.tracking;
  if (t->target == nullptr || !(spec->flags & kReadOnly) || t->bcast || !spec->HasKeys()) return;
  bool remember = t->optin ? t->caching : t->optout ? !t->caching : true;
  if (!remember) return;
  int64_t max = opts_.tracking_table_max_keys.get();
  for (int pos : spec->KeyPositions(args)) tracking_.Remember(t, args[pos], max);
}

void Dispatcher::ResetCachingFlag(Session& session) {
  // CLIENT CACHING applies to the one command after it (a whole transaction counts as one).
  auto& t = session.tracking;
  if (t->caching_pending) {
    t->caching_pending = false;
  } else if (session.multi == nullptr) {
    t->caching = false;
  }
}

Dispatcher::ExecResult Dispatcher::Execute(const CommandSpec* spec, ArgList args, Session& session,
                                           ReplyBuilder& rb, int64_t now_ms,
                                           const ExecMode& mode) {
  ShardLocks locks;
  if (dbs_.locking() && !mode.in_exec) {
    int db = session.db.load(std::memory_order_relaxed);
    switch (spec->lock) {
      case LockMode::kKeys:
        if (spec->HasKeys()) {
          for (int pos : spec->KeyPositions(args)) locks.Add(dbs_, db, dbs_.ShardOf(args[pos]));
        }
        break;
      case LockMode::kDb:
        locks.AddDb(dbs_, db);
        break;
      case LockMode::kAll:
        locks.AddAll(dbs_);
        break;
      case LockMode::kNone:
      case LockMode::kSelf:
        break;
    }
    locks.Acquire();
  }

  uint64_t errors_before = rb.errors();
  CommandContext ctx(rb, session, dbs_, registry_, opts_, acl_, spec, now_ms);
  PropagationSink* sink = mode.sink != nullptr ? mode.sink : sink_;
  ctx.sink = sink;
  ctx.dispatcher = this;
  ctx.blocking = &blocking_;
  ctx.ready.set_registry(&blocking_);
  ctx.serving_blocked = mode.serving;
  ctx.no_block = mode.in_exec;
  int64_t start = clock::MonotonicUs();
  spec->handler(args, ctx);
  int64_t took = clock::MonotonicUs() - start;
  ExecResult r;
  r.would_block = ctx.would_block;
  if (ctx.would_block) return r;  // nothing happened: the client keeps waiting
  if (ctx.propagating()) Propagate(args, session, ctx, sink);
  // Read keys are remembered for client-side caching before the locks go: a write that follows
  // on another thread then always finds them and sends its invalidation.
  if (session.tracking) RememberTrackedKeys(spec, args, session);
  locks.Release();
  if (!ctx.ready.keys.empty()) r.ready = std::move(ctx.ready.keys);

  CommandStats& cs = *spec->stats;
  cs.calls.Add();
  cs.usec.Add(static_cast<uint64_t>(took));
  if (opts_.latency_tracking.get()) {
    cs.histogram.Record(static_cast<uint64_t>(took) * 1000);
  }
  if (int64_t thr = opts_.latency_monitor_threshold.get(); thr > 0) {
    latency_.MaybeAdd((spec->flags & kFast) ? "fast-command" : "command", took / 1000, thr,
                      now_ms / 1000);
  }
  int64_t slower_than = opts_.slowlog_log_slower_than.get();
  // A blocking command is logged once, when it is served (with its original arguments), as in
  // Redis; the attempt that made it wait is not.
  if (slower_than >= 0 && took >= slower_than && !(spec->flags & kSkipSlowlog)) {
    slowlog_.Record(args, took, clock::NowMs(), session.addr, ClientName(session),
                    opts_.slowlog_max_len.get());
  }
  if (rb.errors() != errors_before) {
    cs.failed.fetch_add(1, std::memory_order_relaxed);
    stats_.CountError(rb.last_error_code());
  }
  return r;
}

void Dispatcher::RunTransaction(CommandContext& ctx) {
  Session& s = ctx.session;
  ReplyBuilder& rb = ctx.rb;
  if (s.multi == nullptr) {
    rb.Error("ERR EXEC without MULTI");
    return;
  }
  std::unique_ptr<MultiState> multi = std::move(s.multi);
  s.in_multi.store(false, std::memory_order_relaxed);
  s.multi_queued.store(-1, std::memory_order_relaxed);
  s.multi_mem.store(0, std::memory_order_relaxed);
  if (multi->aborted) {
    rb.Error("EXECABORT Transaction discarded because of previous errors.");
    UnwatchAll(dbs_, s);
    return;
  }
  // Lock every shard any queued command will touch (following SELECTs), plus the watched keys'
  // shards, all at once in ascending order: the transaction is one step for every other client.
  ShardLocks locks;
  bool all = false;
  int db = s.db.load(std::memory_order_relaxed);
  for (auto& q : multi->queue) {
    std::vector<std::string_view> args(q.args.begin(), q.args.end());
    ArgList al(args.data(), args.size());
    switch (q.spec->lock) {
      case LockMode::kKeys:
        if (q.spec->HasKeys()) {
          for (int pos : q.spec->KeyPositions(al)) locks.Add(dbs_, db, dbs_.ShardOf(al[pos]));
        }
        break;
      case LockMode::kDb:
        locks.AddDb(dbs_, db);
        break;
      case LockMode::kAll:
      case LockMode::kSelf:
        all = true;
        break;
      case LockMode::kNone:
        break;
    }
    int64_t idx;
    if (IsNamed(q.spec, "select") && ParseInt64(al[1], &idx) && idx >= 0 &&
        idx < dbs_.num_dbs()) {
      db = static_cast<int>(idx);
    }
  }
  if (s.watch) {
    for (auto& [wdb, key] : s.watch->keys) locks.Add(dbs_, wdb, dbs_.ShardOf(key));
  }
  if (all) locks.AddAll(dbs_);
  locks.Acquire();
  std::optional<AllShardsHeld> held;
  if (all && dbs_.locking()) held.emplace();

  bool dirty = false;
  if (s.watch) {
    // A watched key that reached its TTL counts as changed even if nobody touched it yet.
    for (auto& [wdb, key] : s.watch->keys) {
      Entry* e = dbs_.Data(wdb, dbs_.ShardOf(key)).table.Find(key);
      if (e != nullptr && e->has_expire() && e->expire_at() <= ctx.now_ms) dirty = true;
    }
    if (s.watch->dirty.load()) dirty = true;
  }
  if (dirty) {
    held.reset();
    locks.Release();
    UnwatchAll(dbs_, s);
    rb.NullArray();
    return;
  }

  CollectingSink collect;
  ExecMode mode;
  mode.in_exec = true;
  mode.sink = (sink_ != nullptr && sink_->active()) ? &collect : nullptr;
  rb.ArrayLen(static_cast<int64_t>(multi->queue.size()));
  for (auto& q : multi->queue) {
    std::vector<std::string_view> args(q.args.begin(), q.args.end());
    ArgList al(args.data(), args.size());
    ExecResult r = Execute(q.spec, al, s, rb, ctx.now_ms, mode);
    if (monitors_.active()) monitors_.Feed(q.spec, al, s, clock::NowUs());
    for (auto& k : r.ready) ctx.ready.keys.push_back(std::move(k));
  }
  if (mode.sink != nullptr && !collect.entries.empty()) {
    // More than one effect travels as MULTI ... EXEC, so replicas and the AOF apply it at once.
    if (collect.entries.size() > 1) {
      int first_db = collect.entries.front().first;
      collect.entries.insert(collect.entries.begin(), {first_db, {"MULTI"}});
      collect.entries.emplace_back(collect.entries.back().first,
                                   std::vector<std::string>{"EXEC"});
    }
    sink_->AppendBatch(std::move(collect.entries));
  }
  ctx.PropagateNothing();
  held.reset();
  locks.Release();
  UnwatchAll(dbs_, s);
}

void Dispatcher::ClientClosed(Session& session) {
  if (session.blocked != nullptr && session.blocked->TryFinish()) blocking_.Remove(session.blocked.get());
  session.blocked.reset();
  if (session.pubsub_count() > 0) {
    UnsubscribeAll(pubsub_, session, SubKind::kChannel, nullptr);
    UnsubscribeAll(pubsub_, session, SubKind::kPattern, nullptr);
    UnsubscribeAll(pubsub_, session, SubKind::kShard, nullptr);
  }
  if (session.monitor) monitors_.Remove(session.subscriber.get());
  if (session.subscriber) session.subscriber->closed.store(true);
  session.multi.reset();
  UnwatchAll(dbs_, session);
  if (session.tracking) DisableTracking(tracking_, session);
}

void Dispatcher::ServeReady(std::vector<std::pair<int, std::string>> ready, int64_t now_ms) {
  for (size_t i = 0; i < ready.size(); i++) {
    auto [db, key] = ready[i];
    while (auto w = blocking_.ClaimFirst(db, key)) {
      const CommandSpec* spec = registry_.Find(w->args[0]);
      Session s;
      s.id = w->client_id;
      s.db.store(w->db, std::memory_order_relaxed);
      s.resp.store(w->resp, std::memory_order_relaxed);
      s.addr = w->addr;
      s.name = w->name;
      std::string out;
      ReplyBuilder rb(&out);
      rb.SetProtocol(w->resp);
      std::vector<std::string_view> args(w->args.begin(), w->args.end());
      ExecMode mode;
      mode.serving = true;
      ExecResult r = Execute(spec, ArgList(args.data(), args.size()), s, rb, now_ms, mode);
      if (r.would_block) {
        // Someone else took the data first: keep the place in line. If a push on another of
        // its keys saw it busy meanwhile, look at all its keys again.
        w->state.store(BlockedClient::kWaiting);
        if (w->rescan.exchange(false)) {
          for (auto& k : w->keys) ready.emplace_back(w->db, k);
        }
        break;
      }
      blocking_.Remove(w.get());
      w->state.store(BlockedClient::kDone);
      w->deliver(std::move(out));
      for (auto& k : r.ready) ready.push_back(std::move(k));
    }
  }
}

}  // namespace carmine
