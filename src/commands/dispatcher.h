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
#include "commands/context.h"

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
             ServerApi* server)
      : registry_(registry), dbs_(dbs), opts_(opts), server_(server) {}

  // Runs `args` (args[0] is the command name) for `session`, appending the reply to rb. `now_ms`
  // is the event loop's cached time.
  void Dispatch(ArgList args, Session& session, ReplyBuilder& rb, int64_t now_ms);

  // Resolves args to a spec (following subcommands); on failure writes the error to rb, counts it
  // and returns nullptr.
  const CommandSpec* Resolve(ArgList args, Session& session, ReplyBuilder& rb);

  DispatchStats& stats() { return stats_; }
  BlockingRegistry& blocking() { return blocking_; }
  // Where write effects go (AOF, replicas). Null: nowhere. Set before serving.
  void set_sink(PropagationSink* sink) { sink_ = sink; }
  const CommandRegistry& registry() const { return registry_; }

 private:
  void Reject(const CommandSpec* spec, ReplyBuilder& rb, std::string_view msg);
  struct ExecResult {
    std::vector<std::pair<int, std::string>> ready;  // keys that got data for blocked clients
    bool would_block = false;
  };
  // Locks, runs the handler, propagates and counts. `serving` runs a blocked client's command.
  ExecResult Execute(const CommandSpec* spec, ArgList args, Session& session, ReplyBuilder& rb,
                     int64_t now_ms, bool serving);
  // Serves clients blocked on the ready keys (FIFO per key), following the keys their commands
  // make ready in turn (BLMOVE into a key another client waits on).
  void ServeReady(std::vector<std::pair<int, std::string>> ready, int64_t now_ms);
  void Propagate(ArgList args, Session& session, CommandContext& ctx);

  const CommandRegistry& registry_;
  DbSet& dbs_;
  const RuntimeOptions& opts_;
  ServerApi* server_;
  PropagationSink* sink_ = nullptr;
  DispatchStats stats_;
  BlockingRegistry blocking_;
};

}  // namespace carmine
