// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// PropagationSink: where the effects of write commands go, in one order, for the AOF and for
// replicas. The dispatcher appends to it while the command still holds its shard locks, so the
// order of appends is a valid serial order (commands on different shards commute).
//
// What is appended follows Redis 7's rules: a write command is propagated as received unless its
// handler says otherwise (relative expiry becomes absolute PXAT/PEXPIREAT, INCRBYFLOAT becomes
// SET ... KEEPTTL, GETDEL becomes DEL, a key removed by expiry becomes DEL), and a command that
// changed nothing is not propagated. server/ implements the sink; commands/ never writes files.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace carmine {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // Whether anything consumes the log now. When false the dispatcher and handlers skip building
  // the propagated commands altogether, so an instance without AOF or replicas pays nothing.
  virtual bool active() const = 0;
  // Appends one command executed against database `db`; db -1 marks a command of no database
  // (the MULTI and EXEC around a transaction), which needs no SELECT before it. Called with shard
  // locks held; must not block on I/O.
  virtual void Append(int db, std::vector<std::string> args) = 0;
  // Appends several commands with nothing from other threads in between (a transaction).
  virtual void AppendBatch(std::vector<std::pair<int, std::vector<std::string>>> entries) {
    for (auto& [db, args] : entries) Append(db, std::move(args));
  }

  // A script's redis.set_repl may send an effect to the AOF only or to replicas only.
  enum Target : int { kToAof = 1, kToReplicas = 2, kToAll = 3 };
  struct TargetedEntry {
    int db;
    std::vector<std::string> args;
    int targets;  // Target bits
  };
  // AppendBatch where each entry names where it goes. A sink that cannot tell its consumers
  // apart (a transaction collecting its effects) passes every entry on: kept everywhere rather
  // than lost from the AOF.
  virtual void AppendTargeted(std::vector<TargetedEntry> entries) {
    std::vector<std::pair<int, std::vector<std::string>>> all;
    for (auto& e : entries) all.emplace_back(e.db, std::move(e.args));
    AppendBatch(std::move(all));
  }
};

}  // namespace carmine
