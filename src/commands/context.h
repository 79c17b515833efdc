// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CommandContext: everything a handler may use while it runs: the reply builder, the session, the
// keyspace (with the command's shard locks already held), the options, the command's cached time.
// Handlers produce exactly one reply through `rb`.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "commands/authenticator.h"
#include "commands/blocking.h"
#include "commands/options.h"
#include "commands/propagation.h"
#include "commands/registry.h"
#include "commands/session.h"
#include "db/db.h"
#include "protocol/reply_builder.h"

namespace carmine {

class CommandContext {
 public:
  CommandContext(ReplyBuilder& rb, Session& session, DbSet& dbs, const CommandRegistry& registry,
                 const RuntimeOptions& opts, Authenticator& auth, const CommandSpec* spec,
                 int64_t now_ms)
      : rb(rb),
        session(session),
        dbs(dbs),
        registry(registry),
        opts(opts),
        auth(auth),
        spec(spec),
        now_ms(now_ms) {}

  // The selected database with this command's time and touch policy.
  Db db() { return db(session.db.load(std::memory_order_relaxed)); }
  Db db(int index) {
    Db d(dbs, index, now_ms, !session.no_touch, &changes, &ready);
    if (serving_blocked) d.KeepExpired();
    if (session.is_master) d.IgnoreTtl();
    return d;
  }

  // Blocking commands call this when none of their keys has data. It registers the client as
  // waiting on `keys` (the caller still holds their locks) and returns true: the handler then
  // writes no reply. It returns false when the client cannot block (no blocking support, or the
  // command runs inside MULTI): the handler replies as on a timeout. When the command is being
  // run on behalf of an already blocked client it only records that there is still nothing.
  bool Block(ArgList args, const std::vector<std::string_view>& keys, int64_t deadline_ms);

  // Propagation (see commands/propagation.h). By default a command that changed the dataset is
  // propagated as received. A handler whose effect must be described differently calls
  // Propagate() once per command to emit instead (only when propagating() is true, to avoid
  // building them for nobody), or PropagateNothing().
  bool propagating() const { return sink != nullptr && sink->active(); }
  void Propagate(std::vector<std::string> args, int db_index = -1) {
    custom_propagation = true;
    propagated.push_back({db_index, std::move(args)});
  }
  void PropagateNothing() { custom_propagation = true; }

  ReplyBuilder& rb;
  Session& session;
  DbSet& dbs;
  const CommandRegistry& registry;
  const RuntimeOptions& opts;
  Authenticator& auth;
  const CommandSpec* spec;
  int64_t now_ms;
  PropagationSink* sink = nullptr;
  class Dispatcher* dispatcher = nullptr;  // EXEC and the pub/sub commands reach registries here
  uint64_t changes = 0;  // keyspace changes made by this command (Db::Modified)
  // Error replies written by the commands an EXEC ran: theirs, not EXEC's, in the statistics.
  uint64_t nested_errors = 0;
  // The error this command replies was counted in the error statistics already, where it
  // happened (a script passing on the error of a command it called): failed_calls counts it,
  // errorstats not again.
  bool error_counted = false;
  bool custom_propagation = false;
  BlockingRegistry* blocking = nullptr;
  ReadyCollector ready{nullptr};
  bool serving_blocked = false;  // running a blocked client's command after its key got data
  bool would_block = false;
  bool no_block = false;  // inside MULTI: blocking commands behave as if they timed out
  struct Propagated {
    int db;  // -1: the session's selected db
    std::vector<std::string> args;
  };
  std::vector<Propagated> propagated;
};

// The reply of a HELP subcommand: one status line per entry, as Redis answers them.
inline void ReplyHelp(CommandContext& ctx, std::initializer_list<std::string_view> lines) {
  ctx.rb.ArrayLen(static_cast<int64_t>(lines.size()));
  for (auto l : lines) ctx.rb.Simple(l);
}

// The Redis error text for an OpStatus (the one place that maps them).
std::string_view ErrorText(OpStatus s);
inline void ReplyError(CommandContext& ctx, OpStatus s) { ctx.rb.Error(ErrorText(s)); }

}  // namespace carmine
