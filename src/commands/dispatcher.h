// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Dispatcher: runs one request. It resolves the command (and subcommand) in the registry, enforces
// what the table says (arity, authentication), takes the shard locks the command needs in
// ascending order, runs the handler and records statistics. Handlers never re-check any of this.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/counter.h"
#include "commands/command_hooks.h"
#include "commands/context.h"
#include "commands/eviction.h"
#include "commands/latency_monitor.h"
#include "commands/monitor.h"
#include "pubsub/pubsub.h"
#include "commands/slowlog.h"
#include "pubsub/tracking.h"

namespace carmine {

// Server-wide request counters (INFO stats / errorstats).
struct DispatchStats {
  Counter commands;
  std::atomic<uint64_t> error_replies{0};
  std::atomic<uint64_t> unexpected_error_replies{0};
  mutable std::mutex mu;
  std::map<std::string, uint64_t> errors_by_code;  // guarded by mu
  void CountError(std::string_view code);
  void Reset();
};

class Dispatcher {
 public:
  Dispatcher(const CommandRegistry& registry, DbSet& dbs, const RuntimeOptions& opts,
             Authenticator& auth)
      : registry_(registry), dbs_(dbs), opts_(opts), auth_(auth), evictor_(dbs, opts) {
    evictor_.set_latency_monitor(&latency_);
  }

  // Runs `args` (args[0] is the command name) for `session`, appending the reply to rb. `now_ms`
  // is the event loop's cached time.
  void Dispatch(ArgList args, Session& session, ReplyBuilder& rb, int64_t now_ms);

  // Resolves args to a spec (following subcommands); on failure writes the error to rb, counts it
  // and returns nullptr.
  const CommandSpec* Resolve(ArgList args, Session& session, ReplyBuilder& rb);

  // EXEC: runs the session's queued commands as one atomic unit (every shard they touch stays
  // locked throughout), replying with the array of their replies, or a null array when a WATCHed
  // key changed.
  void RunTransaction(CommandContext& ctx);
  // Scripting: runs one command a script calls, inside the script's atomic unit (the caller holds
  // every shard). Its reply goes to rb, its write effects to `sink` (null: not propagated), the
  // keys it made ready for blocked clients to *ready. Counted and shown to monitors as a command
  // of its own; blocking commands do not block.
  void CallFromScript(const CommandSpec* spec, ArgList args, Session& session, ReplyBuilder& rb,
                      int64_t now_ms, PropagationSink* sink,
                      std::vector<std::pair<int, std::string>>* ready);
  // Whether the server is over maxmemory even after evicting what it may (what refuses
  // deny-oom commands); scripts decide with it whether they may write.
  bool OutOfMemory(int64_t now_ms);
  // Whether min-replicas-to-write is met (always, when it is 0): what refuses writes with
  // -NOREPLICAS.
  bool EnoughReplicas() const {
    if (min_replicas_to_write_ == nullptr) return true;
    int need = min_replicas_to_write_->get();
    return need <= 0 || (hooks_.good_replicas && hooks_.good_replicas() >= need);
  }
  // The MISCONF refusal of writes after a failed background save or AOF write ("" when writes
  // are allowed).
  std::string WriteMisconf() const;
  // Drops every per-client registration (blocked wait, subscriptions, WATCH, tracking) of a
  // client that disconnects.
  void ClientClosed(Session& session);
  // A blocked client's wait ended without being served (timeout, CLIENT UNBLOCK): its command is
  // counted now (INFO commandstats, the slow log), once, as Redis counts it. `error`: it ended
  // with an error reply (CLIENT UNBLOCK ... ERROR).
  void WaitEnded(const BlockedClient& b, bool error, std::string_view code = "UNBLOCKED");

  DispatchStats& stats() { return stats_; }
  BlockingRegistry& blocking() { return blocking_; }
  PubSubRegistry& pubsub() { return pubsub_; }
  TrackingRegistry& tracking() { return tracking_; }
  SlowLog& slowlog() { return slowlog_; }
  MonitorRegistry& monitors() { return monitors_; }
  LatencyMonitor& latency() { return latency_; }
  // Where write effects go (AOF, replicas). Null: nowhere. Set before serving.
  void set_sink(PropagationSink* sink) {
    sink_ = sink;
    evictor_.set_sink(sink);
  }
  Evictor& evictor() { return evictor_; }
  // Checks of other subsystems (command_hooks.h); set before serving.
  CommandHooks& hooks() { return hooks_; }
  // The server became a replica: clients blocked in a command that would write (BLPOP, ...)
  // get -UNBLOCKED, since their keys now change only through the master (as Redis does).
  void UnblockWritersOnRoleChange();
  // Clients waiting on keys, each offered to `verdict` with whether its command writes: those
  // it answers with an error text (no leading '-') get that error and stop waiting. Cluster
  // mode sends -MOVED / -CLUSTERDOWN this way to clients whose slot moved or went down.
  void UnblockKeyWaiters(const std::function<std::string(const BlockedClient&, bool write)>& verdict);
  // min-replicas-to-write (owned by replication's options); null: no such limit.
  void set_min_replicas_to_write(const config::Int<int>* v) { min_replicas_to_write_ = v; }
  const CommandRegistry& registry() const { return registry_; }
  // The flags this call is judged by: the command's (or what its script declared), and for EXEC
  // those of the queued commands too (a transaction with a write is a write).
  static uint32_t EffectiveFlags(const CommandSpec* spec, ArgList args, const Session& session);
  // A script refused a command it called (read-only script, OOM, unknown command...): counted
  // as Redis counts it, a rejected call of that command (`spec`, null when unknown) and an error.
  void CountScriptRefusal(const CommandSpec* spec, std::string_view error);

 private:
  void Reject(const CommandSpec* spec, ReplyBuilder& rb, std::string_view msg);
  // The checks a resolved command passes before it runs or is queued, in the order of Redis's
  // processCommand: not-in-MULTI, ACL, cluster routing, maxmemory (evicting first), disk errors
  // (MISCONF), min-replicas-to-write, read-only replica, RESP2 subscribed context, stale
  // replica, loading, busy script, monitors. True (with the error reply in *why) to refuse.
  bool Refusal(const CommandSpec* spec, ArgList args, Session& session, int64_t now_ms,
               std::string* why);
  // Replies with the refusal; for EXEC it discards the transaction (EXECABORT with the reason),
  // inside MULTI it marks the transaction aborted.
  void Refuse(const CommandSpec* spec, Session& session, ReplyBuilder& rb, std::string_view error);
  // MULTI: queues the command and replies QUEUED.
  void Queue(const CommandSpec* spec, ArgList args, Session& session, ReplyBuilder& rb);
  struct ExecResult {
    std::vector<std::pair<int, std::string>> ready;  // keys that got data for blocked clients
    bool would_block = false;
  };
  // How Execute runs one command.
  struct ExecMode {
    bool serving = false;  // a blocked client's command, re-run after its key got data
    bool in_exec = false;  // inside EXEC: locks are held already, blocking commands don't block
    PropagationSink* sink = nullptr;  // overrides sink_ (EXEC collects its commands' effects)
  };
  // Locks, runs the handler, propagates and counts.
  ExecResult Execute(const CommandSpec* spec, ArgList args, Session& session, ReplyBuilder& rb,
                     int64_t now_ms, const ExecMode& mode);
  // CLIENT TRACKING: remembers the keys a read-only command read (its locks still held), and
  // expires CLIENT CACHING's one-command scope.
  void RememberTrackedKeys(const CommandSpec* spec, ArgList args, Session& session);
  void ResetCachingFlag(Session& session);
  // Serves clients blocked on the ready keys (FIFO per key), following the keys their commands
  // make ready in turn (BLMOVE into a key another client waits on).
  void ServeReady(std::vector<std::pair<int, std::string>> ready, int64_t now_ms);
  void Propagate(ArgList args, Session& session, CommandContext& ctx, PropagationSink* sink);
  // Statistics of one finished call: commandstats, latency histogram and monitor, slow log,
  // error counts (`error_code` empty when it succeeded). The client's name is read (under its
  // lock) only for a slow log entry: from `session` when given, else `name`.
  void RecordCall(const CommandSpec* spec, ArgList args, const std::string& addr,
                  const Session* session, const std::string* name, int64_t took, int64_t now_ms,
                  std::string_view error_code, bool count_error = true);

  const CommandRegistry& registry_;
  DbSet& dbs_;
  const RuntimeOptions& opts_;
  Authenticator& auth_;
  PropagationSink* sink_ = nullptr;
  DispatchStats stats_;
  BlockingRegistry blocking_;
  PubSubRegistry pubsub_;
  TrackingRegistry tracking_;
  SlowLog slowlog_;
  MonitorRegistry monitors_;
  Evictor evictor_;
  LatencyMonitor latency_;
  CommandHooks hooks_;
  const config::Int<int>* min_replicas_to_write_ = nullptr;
};

}  // namespace carmine
