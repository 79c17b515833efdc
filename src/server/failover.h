// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Failover: the FAILOVER command, a coordinated switch of roles between this master and one of
// its replicas, as Redis 7 runs it. Writes are paused; once the target (or, without TO, any
// replica) has acknowledged everything, this server becomes a replica of it and asks it, with
// "PSYNC <replid> <offset> FAILOVER", to take over: the target promotes itself and answers
// +CONTINUE, so no data moves. TIMEOUT bounds the wait for the acknowledgement (FORCE goes on
// regardless, otherwise the failover is abandoned); ABORT cancels. INFO shows the state in
// master_failover_state.
//
// Threads: the command runs on any worker, the progress on worker 0's cron and in the replica
// link's handshake (worker 0); the state is guarded by mu_.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "commands/context.h"

namespace carmine {

class Server;

class Failover {
 public:
  enum class State { kNone, kWaitingForSync, kInProgress };

  explicit Failover(Server& s) : s_(s) {}

  void Command(ArgList args, CommandContext& ctx);
  State state() const;
  static const char* StateName(State s);
  // Worker 0's cron: moves on once the target is in sync, or when the timeout passed.
  void Cron(int64_t now_ms);
  // The target answered the FAILOVER PSYNC: accepted (the switch is complete) or not (this
  // server is a master again).
  void HandshakeDone(bool accepted);

 private:
  void AbortLocked(const std::string& why);
  void StartSwitchLocked(const std::string& host, int port);

  Server& s_;
  mutable std::mutex mu_;
  State state_ = State::kNone;
  std::string host_;  // the target ("" without TO: the first replica in sync)
  int port_ = 0;
  int64_t end_ms_ = 0;  // the timeout's deadline (0: none)
  bool force_ = false;
};

}  // namespace carmine
