// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/failover.h"

#include <limits>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "server/server.h"

namespace carmine {

Failover::State Failover::state() const {
  std::lock_guard<std::mutex> l(mu_);
  return state_;
}

const char* Failover::StateName(State s) {
  switch (s) {
    case State::kNone: return "no-failover";
    case State::kWaitingForSync: return "waiting-for-sync";
    case State::kInProgress: return "failover-in-progress";
  }
  return "no-failover";
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
void Failover::Command(ArgList args, CommandContext& ctx) {
  if (s_.cluster_opts().cluster_enabled.get()) {
    return ctx.rb.Error("ERR FAILOVER not allowed in cluster mode.");
  }
  std::string host;
  int64_t port = 0, timeout = 0;
  bool force = false, abort = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "to") && i + 2 < args.size() && host.empty()) {
      if (!ParseInt64(args[i + 2], &port)) return ctx.rb.Error(err::kNotInt);
      host = std::string(args[i + 1]);
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "timeout") && i + 1 < args.size() && timeout == 0) {
      if (!ParseInt64(args[i + 1], &timeout)) return ctx.rb.Error(err::kNotInt);
      if (timeout <= 0) return ctx.rb.Error("ERR FAILOVER timeout must be greater than 0");
      i++;
    } else if (EqualsIgnoreCase(args[i], "force") && !force) {
      force = true;
    } else if (EqualsIgnoreCase(args[i], "abort") && !abort) {
      abort = true;
    } else {
      return ctx.rb.Error(err::kSyntax);
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  if (abort) {
    if (force || timeout != 0 || !host.empty()) return ctx.rb.Error(err::kSyntax);
    if (state_ == State::kNone) return ctx.rb.Error("ERR No failover in progress.");
    AbortLocked("Failover manually aborted");
    return ctx.rb.Ok();
  }
  if (s_.replica().active()) {
    return ctx.rb.Error("ERR FAILOVER is not valid when server is a replica.");
  }
  auto replicas = s_.repl_master().Replicas();
  if (replicas.empty()) return ctx.rb.Error("ERR FAILOVER requires connected replicas.");
  if (state_ != State::kNone) return ctx.rb.Error("ERR FAILOVER already in progress.");
  if (force && (timeout == 0 || host.empty())) {
    return ctx.rb.Error("ERR FAILOVER with force option requires both a timeout and target HOST "
                        "and IP.");
  }
  if (!host.empty()) {
    std::shared_ptr<ReplicaLink> target;
    for (auto& r : replicas) {
      if (r->ip == host && r->listening_port.load() == port) target = r;
    }
    if (target == nullptr) {
      return ctx.rb.Error("ERR FAILOVER target HOST and PORT is not a replica.");
    }
    if (target->state.load() != ReplicaLink::State::kOnline) {
      return ctx.rb.Error("ERR FAILOVER target replica is not online.");
    }
    LOG_NOTICE("FAILOVER requested to %s:%lld.", host.c_str(), static_cast<long long>(port));
  } else {
    LOG_NOTICE("FAILOVER requested to any replica.");
  }
  host_ = host;
  port_ = static_cast<int>(port);
  force_ = force;
  end_ms_ = timeout > 0 ? ctx.now_ms + timeout : 0;
  state_ = State::kWaitingForSync;
  // Writes wait from now on (they would be lost otherwise), reads go on.
  s_.Pause(std::numeric_limits<int64_t>::max() / 2, false);
  // Replicas acknowledge once a second by themselves; this asks them now.
  s_.repl_master().Feed(-1, {"REPLCONF", "GETACK", "*"});
  ReplicationMaster::TakeThreadFedOffset();
  ctx.rb.Ok();
}

void Failover::Cron(int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (state_ != State::kWaitingForSync) return;
  uint64_t offset = s_.repl_master().offset();
  for (auto& r : s_.repl_master().Replicas()) {
    if (r->state.load() != ReplicaLink::State::kOnline || r->ack_offset.load() != offset) continue;
    if (!host_.empty() && (r->ip != host_ || r->listening_port.load() != port_)) continue;
    std::string host = r->ip;
    int port = r->listening_port.load();
    LOG_NOTICE("Failover target %s:%d is synced, failing over.", host.c_str(), port);
    return StartSwitchLocked(host, port);
  }
  if (end_ms_ == 0 || now_ms < end_ms_) return;
  if (force_) {
    LOG_NOTICE("FAILOVER to %s:%d time out exceeded, failing over.", host_.c_str(), port_);
    return StartSwitchLocked(host_, port_);
  }
  AbortLocked("Replica never caught up before timeout");
}

void Failover::StartSwitchLocked(const std::string& host, int port) {
  host_ = host;
  port_ = port;
  state_ = State::kInProgress;
  s_.replica().SetMaster(host, port, "", true);
}

void Failover::HandshakeDone(bool accepted) {
  std::lock_guard<std::mutex> l(mu_);
  if (state_ != State::kInProgress) return;
  if (!accepted) return AbortLocked("Failover target rejected psync request");
  state_ = State::kNone;
  s_.Unpause();
}

void Failover::AbortLocked(const std::string& why) {
  if (host_.empty()) {
    LOG_NOTICE("FAILOVER to any replica aborted: %s", why.c_str());
  } else {
    LOG_NOTICE("FAILOVER to %s:%d aborted: %s", host_.c_str(), port_, why.c_str());
  }
  // A switch already under way is undone: this server is a master again.
  if (state_ == State::kInProgress) s_.replica().Unset("", "failover abort");
  state_ = State::kNone;
  s_.Unpause();
}

}  // namespace carmine
