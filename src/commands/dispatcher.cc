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
    if (ctx.propagated.size() > 1 && sink == sink_) {
      // Several effects of one command (SPOP's SREM batches) apply at once: MULTI ... EXEC, as
      // Redis wraps them. Inside EXEC or a script the collecting sink wraps the whole.
      std::vector<std::pair<int, std::vector<std::string>>> batch;
      batch.reserve(ctx.propagated.size() + 2);
      batch.emplace_back(-1, std::vector<std::string>{"MULTI"});
      for (auto& p : ctx.propagated) batch.emplace_back(p.db < 0 ? db : p.db, std::move(p.args));
      batch.emplace_back(-1, std::vector<std::string>{"EXEC"});
      sink->AppendBatch(std::move(batch));
      return;
    }
    for (auto& p : ctx.propagated) sink->Append(p.db < 0 ? db : p.db, std::move(p.args));
    return;
  }
  if (ctx.changes == 0 || !(ctx.spec->flags & kWrite)) return;
  sink->Append(db, std::vector<std::string>(args.begin(), args.end()));
}

void Dispatcher::CountScriptRefusal(const CommandSpec* spec, std::string_view error) {
  if (spec != nullptr) spec->stats->rejected.fetch_add(1, std::memory_order_relaxed);
  stats_.CountError(error.substr(0, error.find(' ')));
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
  if (spec->flags & kProtected) {
    const config::Enum& option = spec->gate == CommandGate::kModule
                                     ? opts_.enable_module_command
                                     : opts_.enable_debug_command;
    auto mode = static_cast<EnableMode>(option.get());
    if (mode == EnableMode::kNo || (mode == EnableMode::kLocal && !session.is_local)) {
      std::string name = ToUpper(spec->parent ? spec->parent->name : spec->name);
      Reject(spec, rb, err::ProtectedCommand(name, std::string(option.name())));
      return nullptr;
    }
  }
  if (!session.authenticated && !(spec->flags & kNoAuth)) {
    Reject(spec, rb, err::kNoAuth);
    return nullptr;
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

namespace {
uint32_t QueuedFlags(const MultiState::Queued& q) {
  if (!q.spec->call_flags) return q.spec->flags;
  std::vector<std::string_view> args(q.args.begin(), q.args.end());
  return q.spec->call_flags(ArgList(args.data(), args.size()));
}
}  // namespace

uint32_t Dispatcher::EffectiveFlags(const CommandSpec* spec, ArgList args, const Session& session) {
  uint32_t flags = spec->FlagsOf(args);
  if (session.multi != nullptr && IsNamed(spec, "exec")) {
    for (auto& q : session.multi->queue) flags |= QueuedFlags(q) & (kWrite | kMayReplicate);
  }
  return flags;
}

// Inlined into Dispatch, its one caller: the checks are a few loads each, and a call with six
// arguments cost as much as all of them.
[[gnu::always_inline]] inline bool Dispatcher::Refusal(const CommandSpec* spec, ArgList args,
                                                      Session& session, int64_t now_ms,
                                                      std::string* why) {
  // For EXEC, the queued commands decide what kind of command it is (a transaction with a write
  // is a write), so a state change after queueing is caught, as Redis does.
  const bool in_multi = session.multi != nullptr;
  const bool exec = in_multi && IsNamed(spec, "exec");
  uint32_t flags = spec->FlagsOf(args);
  bool deny_stale = !(flags & kStale), deny_loading = !(flags & kLoading);
  if (exec) {
    for (auto& q : session.multi->queue) {
      uint32_t qf = QueuedFlags(q);
      flags |= qf & (kWrite | kDenyOom | kMayReplicate | kReadOnly);
      deny_stale |= !(qf & kStale);
      deny_loading |= !(qf & kLoading);
    }
  }
  const bool write = flags & kWrite;
  auto refuse = [why](std::string_view e) {
    why->assign(e);
    return true;
  };
  CommandCheck check{spec, args, session, flags, deny_stale, deny_loading};
  if (in_multi && (spec->flags & kNoMulti)) return refuse(err::kNotInMulti);
  // The master's stream is obeyed: what it sends already happened there.
  if (session.is_master) return false;
  if (hooks_.acl && !hooks_.acl(check, why)) return true;
  if (hooks_.cluster && !hooks_.cluster(check, why)) return true;
  if (opts_.maxmemory.get() > 0 && !dbs_.loading() && !dbs_.ignore_maxmemory() &&
      evictor_.Perform(now_ms) == Evictor::Result::kFail) {
    // Queueing costs memory too: nothing but EXEC, DISCARD, QUIT and RESET goes on in MULTI.
    bool oom = flags & kDenyOom;
    if (in_multi && !exec && !IsNamed(spec, "discard") && !IsNamed(spec, "quit") &&
        !IsNamed(spec, "reset")) {
      oom = true;
    }
    if (oom) return refuse(err::kOom);
  }
  // The flags are read first: naming PING costs a string comparison on every command.
  if ((opts_.refuse_writes_misconf.load(std::memory_order_relaxed) ||
       opts_.aof_write_errno.load(std::memory_order_relaxed) != 0) &&
      (write || IsNamed(spec, "ping"))) {
    return refuse(WriteMisconf());
  }
  if (write && min_replicas_to_write_ != nullptr) {
    int need = min_replicas_to_write_->get();
    if (need > 0 && (!hooks_.good_replicas || hooks_.good_replicas() < need)) {
      return refuse(err::kNoReplicas);
    }
  }
  if (write && hooks_.read_only_replica && hooks_.read_only_replica()) {
    return refuse(err::kReadOnlyReplica);
  }
  if (session.pubsub_count() > 0 && session.resp.load(std::memory_order_relaxed) == 2 &&
      !AllowedWhileSubscribed(spec)) {
    return refuse(err::SubscribedContext(spec->full_name));
  }
  if (deny_stale && hooks_.master_down && hooks_.master_down()) {
    return refuse(err::kMasterDown);
  }
  // (DEBUG refuses its subcommands that touch the dataset itself.)
  if (dbs_.loading() && !session.loader && deny_loading) {
    return refuse(err::kLoading);
  }
  // Async loading: the old dataset serves, but not what would act on the sync in progress.
  if ((flags & kNoAsyncLoading) && dbs_.async_loading() && !session.is_master) {
    return refuse(err::kLoading);
  }
  if (hooks_.busy && !(spec->flags & kAllowBusy)) {
    if (!hooks_.busy(check, why)) return true;
  }
  if (session.monitor && (flags & (kWrite | kReadOnly | kMayReplicate))) {
    return refuse(err::kReplicaKeyspace);
  }
  return false;
}

void Dispatcher::Refuse(const CommandSpec* spec, Session& session, ReplyBuilder& rb,
                        std::string_view error) {
  if (session.multi != nullptr && IsNamed(spec, "exec")) {
    // The whole transaction goes, with the reason.
    session.multi.reset();
    session.in_multi.store(false, std::memory_order_relaxed);
    session.multi_queued.store(-1, std::memory_order_relaxed);
    session.multi_mem.store(0, std::memory_order_relaxed);
    UnwatchAll(dbs_, session);
    Reject(spec, rb, std::string(err::kExecAbortPrefix) + std::string(error));
    return;
  }
  Reject(spec, rb, error);
  if (session.multi != nullptr) session.multi->aborted = true;  // EXEC answers EXECABORT
}

void Dispatcher::Queue(const CommandSpec* spec, ArgList args, Session& session, ReplyBuilder& rb) {
  session.multi->queue.push_back({spec, std::vector<std::string>(args.begin(), args.end())});
  size_t bytes = 0;
  for (auto a : args) bytes += a.size() + sizeof(std::string);
  session.multi_mem.fetch_add(bytes, std::memory_order_relaxed);
  session.multi_queued.store(static_cast<int>(session.multi->queue.size()),
                             std::memory_order_relaxed);
  rb.Simple("QUEUED");
}

void Dispatcher::Dispatch(ArgList args, Session& session, ReplyBuilder& rb, int64_t now_ms) {
  stats_.commands.Add();
  const CommandSpec* spec = Resolve(args, session, rb);
  // An unknown command is the last one too: CLIENT LIST says cmd=NULL, as Redis does.
  session.last_cmd.store(spec, std::memory_order_relaxed);
  if (spec == nullptr) {
    if (session.multi) session.multi->aborted = true;  // EXEC will answer EXECABORT
    return;
  }
  // Cluster: ASKING covers the one command after it (a whole transaction counts as one).
  struct AskingReset {
    Session& s;
    const CommandSpec* spec;
    ~AskingReset() {
      if (s.cluster_asking && s.multi == nullptr && spec->name != "ASKING") {
        s.cluster_asking = false;
      }
    }
  } asking_reset{session, spec};
  if (session.loader) {
    // What a file replays: no memory limit, MISCONF or monitor feed; transactions queue.
    if (session.multi != nullptr && !RunsInsideMulti(spec)) return Queue(spec, args, session, rb);
    ExecResult r = Execute(spec, args, session, rb, now_ms, ExecMode{});
    if (!r.ready.empty()) ServeReady(std::move(r.ready), clock::NowMs());
    return;
  }
  if (std::string why; Refusal(spec, args, session, now_ms, &why)) {
    Refuse(spec, session, rb, why);
    return;
  }
  if (session.multi != nullptr && !RunsInsideMulti(spec)) return Queue(spec, args, session, rb);
  SetCurrentClientId(session.id);
  session.running = true;
  ExecResult r = Execute(spec, args, session, rb, now_ms, ExecMode{});
  session.running = false;
  if (monitors_.active()) monitors_.Feed(spec, args, session, clock::NowUs());
  if (session.tracking) ResetCachingFlag(session);
  SetCurrentClientId(0);
  if (tracking_.broadcast_pending()) tracking_.FlushBroadcast();
  // Served at the time they are served (a slow command may have outlived a key's TTL), as
  // Redis refreshes its cached time before serving blocked clients.
  if (!r.ready.empty()) ServeReady(std::move(r.ready), clock::NowMs());
}

void Dispatcher::RememberTrackedKeys(const CommandSpec* spec, ArgList args, Session& session) {
  const auto& t = session.tracking;
  if (t->target == nullptr || !(spec->flags & kReadOnly) || t->bcast || !spec->HasKeys()) return;
  // A read-only script's declared keys are not what it read: the commands it runs are tracked.
  if (spec->acl & acl::kScripting) return;
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
  CommandContext ctx(rb, session, dbs_, registry_, opts_, auth_, spec, now_ms);
  PropagationSink* sink = mode.sink != nullptr ? mode.sink : sink_;
  ctx.sink = sink;
  ctx.dispatcher = this;
  ctx.blocking = &blocking_;
  ctx.ready.set_registry(&blocking_);
  ctx.serving_blocked = mode.serving;
  ctx.no_block = mode.in_exec;
  bool was_blocked = session.blocked != nullptr;
  int64_t start = clock::MonotonicUs();
  spec->handler(args, ctx);
  int64_t took = clock::MonotonicUs() - start;
  ExecResult r;
  r.would_block = ctx.would_block;
  if (ctx.would_block) return r;  // nothing happened: the client keeps waiting
  // A command that just started to wait is counted (calls, slow log) once, when it is served or
  // its wait ends, as in Redis.
  bool parked = !was_blocked && session.blocked != nullptr;
  if (ctx.propagating()) Propagate(args, session, ctx, sink);
  // Read keys are remembered for client-side caching before the locks go: a write that follows
  // on another thread then always finds them and sends its invalidation.
  if (session.tracking) RememberTrackedKeys(spec, args, session);
  locks.Release();
  if (!ctx.ready.keys.empty()) r.ready = std::move(ctx.ready.keys);
  if (parked) return r;
  bool failed = rb.errors() - errors_before > ctx.nested_errors;
  RecordCall(spec, args, session.addr, &session, nullptr, took, now_ms,
             failed ? rb.last_error_code() : std::string_view(), !ctx.error_counted);
  return r;
}

// Inlined into its two callers in this file, for the same reason as Refusal.
[[gnu::always_inline]] inline void Dispatcher::RecordCall(const CommandSpec* spec, ArgList args,
                                                         const std::string& addr,
                                                         const Session* session,
                                                         const std::string* name, int64_t took,
                                                         int64_t now_ms,
                                                         std::string_view error_code,
                                                         bool count_error) {
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
    slowlog_.Record(spec, args, took, clock::NowMs(), addr,
                    session != nullptr ? ClientName(*session) : *name, opts_.slowlog_max_len.get());
  }
  if (!error_code.empty()) {
    cs.failed.fetch_add(1, std::memory_order_relaxed);
    if (count_error) stats_.CountError(error_code);
  }
}

void Dispatcher::UnblockWritersOnRoleChange() {
  UnblockKeyWaiters([](const BlockedClient&, bool write) {
    return write ? std::string("UNBLOCKED force unblock from blocking operation, instance state "
                               "changed (master -> replica?)")
                 : std::string();
  });
}

void Dispatcher::UnblockKeyWaiters(
    const std::function<std::string(const BlockedClient&, bool write)>& verdict) {
  if (!blocking_.any()) return;
  for (auto& c : blocking_.All()) {
    if (c->keys.empty() || c->timeout_reply) continue;  // WAIT and the like wait on no key
    const CommandSpec* spec = registry_.Find(c->args[0]);
    if (spec == nullptr) continue;
    std::string error = verdict(*c, (spec->flags & kWrite) != 0);
    if (error.empty() || !c->TryFinish()) continue;
    blocking_.Remove(c.get());
    WaitEnded(*c, true, error.substr(0, error.find(' ')));
    c->deliver("-" + error + "\r\n");
  }
}

void Dispatcher::WaitEnded(const BlockedClient& b, bool error, std::string_view code) {
  const CommandSpec* spec = registry_.Find(b.args[0]);
  if (spec == nullptr) return;
  std::vector<std::string_view> args(b.args.begin(), b.args.end());
  RecordCall(spec, ArgList(args.data(), args.size()), b.addr, nullptr, &b.name, 0, clock::NowMs(),
             error ? code : std::string_view());
}

void Dispatcher::RunTransaction(CommandContext& ctx) {
  Session& s = ctx.session;
  ReplyBuilder& rb = ctx.rb;
  if (s.multi == nullptr) {
    rb.Error(err::kExecWithoutMulti);
    return;
  }
  std::unique_ptr<MultiState> multi = std::move(s.multi);
  s.in_multi.store(false, std::memory_order_relaxed);
  s.multi_queued.store(-1, std::memory_order_relaxed);
  s.multi_mem.store(0, std::memory_order_relaxed);
  if (multi->aborted) {
    rb.Error(err::kExecAbortErrors);
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
      if (e != nullptr && e->has_expire() && e->expire_at() <= ctx.now_ms &&
          !dbs_.WatchedExpired(wdb, key, s.watch.get())) {
        dirty = true;
      }
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
  uint64_t errors_before = rb.errors();
  for (auto& q : multi->queue) {
    std::vector<std::string_view> args(q.args.begin(), q.args.end());
    ArgList al(args.data(), args.size());
    if (hooks_.acl) {
      // The user's rules may have changed since the command was queued.
      CommandCheck check{q.spec, al, s, q.spec->flags, false, false, true};
      if (std::string e; !hooks_.acl(check, &e)) {
        Reject(q.spec, rb, e);
        continue;
      }
    }
    ExecResult r = Execute(q.spec, al, s, rb, ctx.now_ms, mode);
    if (monitors_.active()) monitors_.Feed(q.spec, al, s, clock::NowUs());
    for (auto& k : r.ready) ctx.ready.keys.push_back(std::move(k));
  }
  ctx.nested_errors = rb.errors() - errors_before;
  if (mode.sink != nullptr && !collect.entries.empty()) {
    // More than one effect travels as MULTI ... EXEC, so replicas and the AOF apply it at once.
    // MULTI and EXEC belong to no database: the SELECT (if one is needed) follows MULTI, as in
    // Redis's AOF and replication stream.
    if (collect.entries.size() > 1) {
      collect.entries.insert(collect.entries.begin(), {-1, {"MULTI"}});
      collect.entries.emplace_back(-1, std::vector<std::string>{"EXEC"});
    }
    sink_->AppendBatch(std::move(collect.entries));
  }
  ctx.PropagateNothing();
  held.reset();
  locks.Release();
  UnwatchAll(dbs_, s);
}

bool Dispatcher::OutOfMemory(int64_t now_ms) {
  return opts_.maxmemory.get() > 0 && !dbs_.loading() && !dbs_.ignore_maxmemory() &&
         evictor_.Perform(now_ms) == Evictor::Result::kFail;
}

void Dispatcher::CallFromScript(const CommandSpec* spec, ArgList args, Session& session,
                                ReplyBuilder& rb, int64_t now_ms, PropagationSink* sink,
                                std::vector<std::pair<int, std::string>>* ready) {
  ExecMode mode;
  mode.in_exec = true;
  mode.sink = sink;
  CollectingSink none;  // a sink that keeps what nobody consumes, when propagation is off
  if (sink == nullptr) mode.sink = &none;
  ExecResult r = Execute(spec, args, session, rb, now_ms, mode);
  if (monitors_.active()) monitors_.Feed(spec, args, session, clock::NowUs());
  for (auto& k : r.ready) ready->push_back(std::move(k));
}

std::string Dispatcher::WriteMisconf() const {
  if (opts_.refuse_writes_misconf.load(std::memory_order_relaxed)) {
    return std::string(err::kMisconfRdb);
  }
  if (int e = opts_.aof_write_errno.load(std::memory_order_relaxed); e != 0) {
    return std::string(err::kMisconfAof) + strerror(e);
  }
  return {};
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
    // Waiters whose command found nothing keep their place, and the next ones are still tried:
    // a key may hold waiters of different kinds (BLPOP and XREADGROUP on a key that changed
    // type, XREADs after different IDs). Once one kind found nothing, the rest of that kind are
    // passed over, so a push does not rerun every waiter of a drained list.
    std::vector<const BlockedClient*> tried;
    std::vector<std::string> drained;  // command names that found nothing (XREAD excepted)
    auto skip = [&](const BlockedClient& c) {
      if (std::find(tried.begin(), tried.end(), &c) != tried.end()) return true;
      return std::find(drained.begin(), drained.end(), c.args[0]) != drained.end();
    };
    while (auto w = blocking_.ClaimFirst(db, key, skip)) {
      const CommandSpec* spec = registry_.Find(w->args[0]);
      Session s;
      s.id = w->client_id;
      s.db.store(w->db, std::memory_order_relaxed);
      s.resp.store(w->resp, std::memory_order_relaxed);
      s.addr = w->addr;
      s.name = w->name;
      s.acl_user = w->acl_user;
      std::string out;
      ReplyBuilder rb(&out);
      rb.SetProtocol(w->resp);
      std::vector<std::string_view> args(w->args.begin(), w->args.end());
      // The user's permissions may have changed while it waited: checked again, as Redis does.
      if (hooks_.acl) {
        CommandCheck check{spec, ArgList(args.data(), args.size()), s, spec->flags, false, false};
        if (std::string e; !hooks_.acl(check, &e)) {
          Reject(spec, rb, e);
          blocking_.Remove(w.get());
          w->state.store(BlockedClient::kDone);
          w->deliver(std::move(out));
          continue;
        }
      }
      ExecMode mode;
      mode.serving = true;
      // The served client is the one running (NOLOOP, and its own pushes follow its reply).
      std::string pushes;
      const uint64_t caller = CurrentClientId();
      SetCurrentClientId(w->client_id);
      t_held_pushes = HeldPushes{w->client_id, &pushes};
      ExecResult r = Execute(spec, ArgList(args.data(), args.size()), s, rb, now_ms, mode);
      t_held_pushes = HeldPushes{};
      SetCurrentClientId(caller);
      out += pushes;
      if (r.would_block) {
        // Someone else took the data first: keep the place in line. If a push on another of
        // its keys saw it busy meanwhile, look at all its keys again.
        w->state.store(BlockedClient::kWaiting);
        if (w->rescan.exchange(false)) {
          for (auto& k : w->keys) ready.emplace_back(w->db, k);
        }
        tried.push_back(w.get());
        if (!EqualsIgnoreCase(w->args[0], "XREAD")) drained.push_back(w->args[0]);
        continue;
      }
      blocking_.Remove(w.get());
      w->state.store(BlockedClient::kDone);
      w->deliver(std::move(out));
      for (auto& k : r.ready) ready.push_back(std::move(k));
    }
  }
}

}  // namespace carmine
