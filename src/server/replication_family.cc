// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The master side of replication as the server runs it: SYNC, PSYNC and REPLCONF from replicas,
// ROLE, the snapshot a full resync sends (a BGSAVE to the RDB file, as Redis's disk-backed
// sync), and the replication duties of the cron. The stream itself, the backlog and the
// partial-resync decision are replication/master.h; the per-connection feeding is in
// Connection (connection.cc).
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "pubsub/pubsub.h"
#include "server/connection.h"
#include "server/server.h"

namespace carmine {
namespace {

// "ip:port" as Redis names a replica in its log: the address it connected from and the port it
// said it listens on.
std::string ReplicaName(const ReplicaLink& r) {
  int port = r.listening_port.load();
  return r.ip + ":" + (port != 0 ? std::to_string(port) : std::string("<unknown-replica-port>"));
}

std::string HostOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  return colon == std::string::npos ? addr : addr.substr(0, colon);
}

Connection* CurrentConnection(Server& s, const Session& session) {
  int w = CurrentWorker();
  if (w < 0 || w >= s.num_workers()) return nullptr;
  return s.worker(w).Find(session.id);
}

std::shared_ptr<ReplicaLink> LinkOf(Connection& c, const Session& session) {
  if (c.replica() == nullptr) {
    auto link = std::make_shared<ReplicaLink>();
    link->client_id = session.id;
    link->worker = CurrentWorker();
    link->ip = HostOf(session.addr);
    c.BecomeReplica(link);
  }
  return c.replica();
}

// SYNC: the old protocol (no offsets): a full resync, the snapshot without a +FULLRESYNC line.
void CmdSync(Server& s, ArgList, CommandContext& ctx) {
  Connection* c = CurrentConnection(s, ctx.session);
  if (c == nullptr) return ctx.rb.Error("ERR SYNC is not available here");
  s.StartReplicaSync(*c, ctx, false, "", -1);
}

// PSYNC <replid> <offset> [FAILOVER]
void CmdPsync(Server& s, ArgList args, CommandContext& ctx) {
  Connection* c = CurrentConnection(s, ctx.session);
  if (c == nullptr) return ctx.rb.Error("ERR PSYNC is not available here");
  if (args.size() > 3) {
    if (args.size() != 4 || !EqualsIgnoreCase(args[3], "failover")) {
      return ctx.rb.Error(err::kSyntax);
    }
    // This server's master hands it the role (FAILOVER): it must have all of that history.
    if (!s.replica().active()) {
      return ctx.rb.Error("ERR PSYNC FAILOVER can't be sent to a master.");
    }
    if (args[1] != s.repl_master().replid()) {
      return ctx.rb.Error("ERR PSYNC FAILOVER replid must match my replid.");
    }
    LOG_NOTICE("Failover request received for replid %.*s.", static_cast<int>(args[1].size()),
               args[1].data());
    s.replica().Unset(ClientLine(ctx.session, ctx.now_ms), "failover request");
  }
  int64_t offset;
  if (!ParseInt64(args[2], &offset)) offset = -1;
  s.StartReplicaSync(*c, ctx, true, args[1], offset);
}

// REPLCONF <option> <value> [<option> <value> ...]
void CmdReplconf(Server& s, ArgList args, CommandContext& ctx) {
  if (args.size() % 2 == 0) return ctx.rb.Error(err::kSyntax);
  Connection* c = CurrentConnection(s, ctx.session);
  for (size_t i = 1; i < args.size(); i += 2) {
    std::string_view opt = args[i], val = args[i + 1];
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port;
      if (!ParseInt64(val, &port)) return ctx.rb.Error(err::kNotInt);
      if (c != nullptr) LinkOf(*c, ctx.session)->listening_port.store(static_cast<int>(port));
    } else if (EqualsIgnoreCase(opt, "ip-address")) {
      if (c != nullptr) {
        auto link = LinkOf(*c, ctx.session);
        if (link->state.load() == ReplicaLink::State::kHandshake) link->ip = std::string(val);
      }
    } else if (EqualsIgnoreCase(opt, "capa")) {
      if (c != nullptr) {
        auto link = LinkOf(*c, ctx.session);
        if (EqualsIgnoreCase(val, "eof")) link->capa_eof = true;
        if (EqualsIgnoreCase(val, "psync2")) link->capa_psync2 = true;
      }
    } else if (EqualsIgnoreCase(opt, "ack")) {
      // A replica's acknowledgement: never answered.
      std::shared_ptr<ReplicaLink> link = c != nullptr ? c->replica() : nullptr;
      if (link == nullptr || link->state.load() == ReplicaLink::State::kHandshake) return;
      int64_t off;
      if (!ParseInt64(val, &off) || off < 0) return;
      // After a diskless transfer the stream starts once the replica says it loaded the image.
      c->AckAfterTransfer();
      if (static_cast<uint64_t>(off) > link->ack_offset.load()) {
        link->ack_offset.store(static_cast<uint64_t>(off));
      }
      // REPLCONF ACK <offset> FACK <aof offset>: where the replica's AOF is fsynced.
      int64_t fack;
      if (i + 3 < args.size() && EqualsIgnoreCase(args[i + 2], "fack") &&
          ParseInt64(args[i + 3], &fack) && fack >= 0 &&
          static_cast<uint64_t>(fack) > link->aof_ack_offset.load()) {
        link->aof_ack_offset.store(static_cast<uint64_t>(fack));
      }
      link->ack_ms.store(clock::NowMs());
      s.WakeWaiters();
      return;
    } else if (EqualsIgnoreCase(opt, "getack")) {
      // From this server's master: the acknowledgement goes back at once (the offset before
      // this request, which the master does not count on). Anyone else gets no answer.
      if (!ctx.session.is_master) return;
      ctx.session.reply_to_master = true;
      ctx.rb.Raw(s.replica().AckCommand());
      return;
    } else if (EqualsIgnoreCase(opt, "rdb-filter-only")) {
      // The parts of the snapshot to include: "functions", or nothing ("") for the header alone.
      int filter = ReplicaLink::kExcludeData | ReplicaLink::kExcludeFunctions;
      std::vector<std::string> parts;
      if (!SplitArgs(val, &parts)) return ctx.rb.Error("ERR Missing rdb-filter-only values");
      for (const std::string& part : parts) {
        if (!EqualsIgnoreCase(part, "functions")) {
          return ctx.rb.Error("ERR Unsupported rdb-filter-only option: " + part);
        }
        filter &= ~ReplicaLink::kExcludeFunctions;
      }
      if (c != nullptr) LinkOf(*c, ctx.session)->rdb_filter = filter;
    } else if (EqualsIgnoreCase(opt, "rdb-only")) {
      // Tools that want the snapshot alone (redis-cli --rdb): accepted, the stream follows as
      // for any replica and the tool closes the connection when it has the file.
    } else {
      return ctx.rb.Error("ERR Unrecognized REPLCONF option: " + std::string(opt));
    }
  }
  ctx.rb.Simple("OK");
}

// ROLE
void CmdRole(Server& s, ArgList, CommandContext& ctx) {
  ReplicationMaster& m = s.repl_master();
  if (s.replica().active()) {
    ReplicaClient::Report st = s.replica().report();
    ctx.rb.ArrayLen(5);
    ctx.rb.Bulk("slave");
    ctx.rb.Bulk(st.host);
    ctx.rb.Int(st.port);
    ctx.rb.Bulk(ReplicaClient::StateName(st.state));
    ctx.rb.Int(st.has_history ? static_cast<int64_t>(m.offset()) : -1);
    return;
  }
  auto replicas = m.Replicas();
  ctx.rb.ArrayLen(3);
  ctx.rb.Bulk("master");
  ctx.rb.Int(static_cast<int64_t>(m.offset()));
  size_t online = 0;
  for (const auto& r : replicas) online += r->state.load() == ReplicaLink::State::kOnline;
  ctx.rb.ArrayLen(static_cast<int64_t>(online));
  for (const auto& r : replicas) {
    if (r->state.load() != ReplicaLink::State::kOnline) continue;
    ctx.rb.ArrayLen(3);
    ctx.rb.Bulk(r->ip);
    ctx.rb.Bulk(std::to_string(r->listening_port.load()));
    ctx.rb.Bulk(std::to_string(r->ack_offset.load()));
  }
}

// REPLICAOF <host> <port> | NO ONE (and SLAVEOF, its old name)
void CmdReplicaof(Server& s, ArgList args, CommandContext& ctx) {
  if (s.cluster_opts().cluster_enabled.get()) {
    return ctx.rb.Error("ERR REPLICAOF not allowed in cluster mode.");
  }
  if (EqualsIgnoreCase(args[1], "no") && EqualsIgnoreCase(args[2], "one")) {
    if (s.replica().active()) s.replica().Unset(ClientLine(ctx.session, ctx.now_ms));
    return ctx.rb.Ok();
  }
  if (ctx.session.is_replica.load()) {
    return ctx.rb.Error("ERR Command is not valid when client is a replica.");
  }
  int64_t port;
  if (!ParseInt64(args[2], &port) || port < 0 || port > 65535) {
    return ctx.rb.Error("ERR Invalid master port");
  }
  if (!s.replica().SetMaster(std::string(args[1]), static_cast<int>(port),
                             ClientLine(ctx.session, ctx.now_ms))) {
    return ctx.rb.Simple("OK Already connected to specified master");
  }
  ctx.rb.Ok();
}

void CmdFailover(Server& s, ArgList args, CommandContext& ctx) { s.failover().Command(args, ctx); }

// WAIT/WAITAOF's timeout in milliseconds; false after replying with Redis's error.
bool ParseWaitTimeout(std::string_view arg, CommandContext& ctx, int64_t* timeout) {
  if (!ParseInt64(arg, timeout)) {
    ctx.rb.Error("ERR timeout is not an integer or out of range");
    return false;
  }
  if (*timeout < 0) {
    ctx.rb.Error("ERR timeout is negative");
    return false;
  }
  if (*timeout > 0 && *timeout > std::numeric_limits<int64_t>::max() - ctx.now_ms) {
    ctx.rb.Error("ERR timeout is out of range");  // the deadline would overflow
    return false;
  }
  return true;
}

// Parks the client of WAIT/WAITAOF until the server's waiters release it (or its timeout, when
// `timeout_reply` answers), and asks the replicas for their acknowledgements now rather than at
// their next second.
void BlockForAcks(Server& s, ArgList args, CommandContext& ctx, int64_t timeout, uint64_t offset,
                  int num, int numlocal, std::function<std::string()> timeout_reply) {
  auto b = std::make_shared<BlockedClient>();
  b->client_id = ctx.session.id;
  b->resp = ctx.session.resp.load(std::memory_order_relaxed);
  b->args.assign(args.begin(), args.end());
  b->addr = ctx.session.addr;
  {
    std::lock_guard<std::mutex> l(ctx.session.info_mu);
    b->name = ctx.session.name;
  }
  b->deadline_ms = timeout > 0 ? ctx.now_ms + timeout : 0;
  b->deliver = ctx.session.deliver;
  b->timeout_reply = std::move(timeout_reply);
  ctx.session.blocked = b;
  ctx.session.is_blocked.store(true, std::memory_order_relaxed);
  s.AddWaiter(std::move(b), offset, num, numlocal);
  s.repl_master().Feed(-1, {"REPLCONF", "GETACK", "*"});
  ReplicationMaster::TakeThreadFedOffset();  // the request is not this client's write
}

// WAIT numreplicas timeout
void CmdWait(Server& s, ArgList args, CommandContext& ctx) {
  if (s.replica().active()) {
    return ctx.rb.Error("ERR WAIT cannot be used with replica instances. Please also note that "
                        "since Redis 4.0 if a replica is configured to be writable (which is not "
                        "the default) writes to replicas are just local and are not propagated.");
  }
  int64_t num, timeout;
  if (!ParseInt64(args[1], &num)) return ctx.rb.Error(err::kNotInt);
  if (!ParseWaitTimeout(args[2], ctx, &timeout)) return;
  uint64_t offset = ctx.session.woff;
  int acked = s.repl_master().AckedAtLeast(offset);
  if (acked >= num || ctx.no_block || !ctx.session.deliver) return ctx.rb.Int(acked);
  ReplicationMaster* m = &s.repl_master();
  BlockForAcks(s, args, ctx, timeout, offset, static_cast<int>(num), -1,
               [m, offset] { return ":" + std::to_string(m->AckedAtLeast(offset)) + "\r\n"; });
}

// WAITAOF numlocal numreplicas timeout
void CmdWaitAof(Server& s, ArgList args, CommandContext& ctx) {
  if (s.replica().active()) {
    return ctx.rb.Error("ERR WAITAOF cannot be used with replica instances. Please also note that "
                        "writes to replicas are just local and are not propagated.");
  }
  int64_t numlocal, num, timeout;
  if (!ParseInt64(args[1], &numlocal)) return ctx.rb.Error(err::kNotInt);
  if (numlocal < 0 || numlocal > 1) {
    return ctx.rb.Error("ERR value is out of range, value must between 0 and 1");
  }
  if (!ParseInt64(args[2], &num) || num < 0) {
    return ctx.rb.Error("ERR value is out of range, must be positive");
  }
  if (!ParseWaitTimeout(args[3], ctx, &timeout)) return;
  if (numlocal > 0 && !s.persist_opts().appendonly.get()) {
    return ctx.rb.Error(
        "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
  }
  uint64_t offset = ctx.session.woff;
  ReplicationMaster* m = &s.repl_master();
  bool local = s.aof().fsynced_reploff() >= static_cast<int64_t>(offset);
  int acked = m->AofAckedAtLeast(offset);
  if ((local || numlocal == 0) && acked >= num) return ctx.rb.Raw(s.WaitAofReply(offset));
  if (ctx.no_block || !ctx.session.deliver) return ctx.rb.Raw(s.WaitAofReply(offset));
  BlockForAcks(s, args, ctx, timeout, offset, static_cast<int>(num), static_cast<int>(numlocal),
               [&s, offset] { return s.WaitAofReply(offset); });
}

}  // namespace

std::string Server::WaitAofReply(uint64_t offset) {
  int local = aof_->fsynced_reploff() >= static_cast<int64_t>(offset) ? 1 : 0;
  int acked = repl_master_.AofAckedAtLeast(offset);
  return "*2\r\n:" + std::to_string(local) + "\r\n:" + std::to_string(acked) + "\r\n";
}

void Server::AofFsyncedMoved() {
  WakeWaiters();
  if (replica_ != nullptr && replica_->active()) replica_->AckSoon();
}

void Server::AofTurnedOff() {
  if (num_waiters_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> l(waiters_mu_);
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.b->state.load() != BlockedClient::kWaiting) return true;
    if (w.numlocal <= 0 || !w.b->TryFinish()) return false;
    w.b->deliver(
        "-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n");
    return true;
  });
  num_waiters_.store(waiters_.size(), std::memory_order_relaxed);
}

void Server::UnblockWaitersOnRoleChange() {
  if (num_waiters_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> l(waiters_mu_);
  for (const Waiter& w : waiters_) {
    if (w.b->state.load() != BlockedClient::kWaiting || !w.b->TryFinish()) continue;
    w.b->deliver("-UNBLOCKED force unblock from blocking operation, instance state changed "
                 "(master -> replica?)\r\n");
  }
  waiters_.clear();
  num_waiters_.store(0, std::memory_order_relaxed);
}

void Server::AddWaiter(std::shared_ptr<BlockedClient> b, uint64_t offset, int num,
                       int numlocal) {
  std::lock_guard<std::mutex> l(waiters_mu_);
  waiters_.push_back({std::move(b), offset, num, numlocal});
  num_waiters_.store(waiters_.size(), std::memory_order_relaxed);
}

size_t Server::num_waiters() {
  if (num_waiters_.load(std::memory_order_relaxed) == 0) return 0;
  std::lock_guard<std::mutex> l(waiters_mu_);
  size_t n = 0;
  for (const Waiter& w : waiters_) n += w.b->state.load() == BlockedClient::kWaiting;
  return n;
}

void Server::WakeWaiters() {
  if (num_waiters_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> l(waiters_mu_);
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.b->state.load() != BlockedClient::kWaiting) return true;  // timed out or gone
    if (w.numlocal >= 0) {
      bool local = aof_->fsynced_reploff() >= static_cast<int64_t>(w.offset);
      if ((w.numlocal > 0 && !local) || repl_master_.AofAckedAtLeast(w.offset) < w.num ||
          !w.b->TryFinish()) {
        return false;
      }
      w.b->deliver(WaitAofReply(w.offset));
      return true;
    }
    int acked = repl_master_.AckedAtLeast(w.offset);
    if (acked < w.num || !w.b->TryFinish()) return false;
    w.b->deliver(":" + std::to_string(acked) + "\r\n");
    return true;
  });
  num_waiters_.store(waiters_.size(), std::memory_order_relaxed);
}

void Worker::PostToClient(uint64_t id, std::function<void(Connection&)> fn) {
  loop().Post([this, id, f = std::move(fn)] {
    if (Connection* c = Find(id)) f(*c);
  });
}

void Server::ActivateReplicationBacklog(bool quiet) {
  std::lock_guard<std::mutex> l(repl_mu_);
  if (repl_master_.backlog_active()) return;
  repl_master_.backlog().set_size(static_cast<uint64_t>(repl_opts_.repl_backlog_size.get()));
  repl_master_.set_waker([this](int worker, uint64_t id) {
    if (worker < 0 || worker >= num_workers()) return;
    workers_[worker]->PostToClient(id, [](Connection& c) { c.FeedReplica(); });
  });
  repl_master_.ActivateBacklog();
  last_replica_ping_ms_ = clock::NowMs();  // the first PING one period from now
  // First among the consumers: the AOF records the offset each command reached.
  repl_consumer_id_ = propagation_.AddConsumer(
      [this](int db, const std::vector<std::string>& args) { repl_master_.Feed(db, args); },
      PropagationSink::kToReplicas, true);
  if (quiet) return;
  LOG_NOTICE("Replication backlog created, my new replication IDs are '%s' and '%s'",
             repl_master_.replid().c_str(), repl_master_.replid2().c_str());
}

void Server::FreeReplicationBacklog(int64_t ttl) {
  std::lock_guard<std::mutex> l(repl_mu_);
  if (!repl_master_.backlog_active()) return;
  // The consumer goes first, so no command reaches a backlog that is no longer kept.
  propagation_.RemoveConsumer(repl_consumer_id_);
  repl_consumer_id_ = 0;
  repl_master_.DeactivateBacklog();
  no_replicas_since_ms_ = 0;
  LOG_NOTICE("Replication backlog freed after %lld seconds without connected replicas.",
             static_cast<long long>(ttl));
}

void Server::StartReplicaSync(Connection& c, CommandContext& ctx, bool psync,
                              std::string_view replid, int64_t offset) {
  // A replica serves replicas of its own only while it has its master's stream to give them.
  if (replica_->active() && !replica_->link_up()) {
    return ctx.rb.Error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  std::shared_ptr<ReplicaLink> link = LinkOf(c, ctx.session);
  if (link->state.load() != ReplicaLink::State::kHandshake) return;  // already a replica
  // A filtered snapshot is only ever streamed (it is no file this server could keep).
  if (link->rdb_filter != 0 && !link->capa_eof) {
    return ctx.rb.Error("ERR Filtered replica requires EOF capability");
  }
  std::string name = ReplicaName(*link);
  LOG_NOTICE("Replica %s asks for synchronization", name.c_str());
  link->old_sync = !psync;
  ctx.session.is_replica.store(true);
  ActivateReplicationBacklog(replica_->active());
  if (psync && offset >= 0 && link->rdb_filter == 0 && repl_master_.CanContinue(replid, static_cast<uint64_t>(offset))) {
    uint64_t from = static_cast<uint64_t>(offset);
    repl_master_.backlog().Retain(ctx.session.id, from);
    link->ack_ms.store(clock::NowMs());
    link->sent_offset.store(from - 1);
    link->state.store(ReplicaLink::State::kOnline);
    repl_master_.Adopt(link);
    std::string reply = link->capa_psync2 ? "+CONTINUE " + repl_master_.replid() + "\r\n"
                                          : std::string("+CONTINUE\r\n");
    ctx.rb.Raw(reply);
    stats_.sync_partial_ok.fetch_add(1);
    uint64_t end = repl_master_.offset();
    LOG_NOTICE("Partial resynchronization request from %s accepted. Sending %llu bytes of "
               "backlog starting from offset %llu.",
               name.c_str(), static_cast<unsigned long long>(end + 1 - from),
               static_cast<unsigned long long>(from));
    workers_[link->worker]->PostToClient(ctx.session.id,
                                         [from](Connection& conn) { conn.StartStreaming(from); });
    return;
  }
  if (psync) {
    if (replid != "?") {
      stats_.sync_partial_err.fetch_add(1);
      std::string ours = repl_master_.replid(), prev = repl_master_.replid2();
      if (replid != ours && replid != prev) {
        LOG_NOTICE("Partial resynchronization not accepted: Replication ID mismatch (Replica "
                   "asked for '%.*s', my replication IDs are '%s' and '%s')",
                   static_cast<int>(replid.size()), replid.data(), ours.c_str(), prev.c_str());
      } else {
        LOG_NOTICE("Unable to partial resync with replica %s for lack of backlog (Replica "
                   "request was: %lld).",
                   name.c_str(), static_cast<long long>(offset));
      }
    } else {
      LOG_NOTICE("Full resync requested by replica %s", name.c_str());
    }
  }
  stats_.sync_full.fetch_add(1);
  link->wait_since_ms = clock::NowMs();
  link->state.store(ReplicaLink::State::kWaitBgsave);
  if (repl_opts_.repl_diskless_sync.get() && repl_opts_.repl_diskless_sync_delay.get() > 0 &&
      !ChildRunning()) {
    LOG_NOTICE("Delay next BGSAVE for diskless SYNC");
  }
  repl_master_.Adopt(link);
  // The reply (+FULLRESYNC) goes out when the snapshot starts; nothing is answered now.
  TryStartReplicationSnapshot();
}

void Server::TryStartReplicationSnapshot() {
  std::lock_guard<std::mutex> l(repl_mu_);
  std::vector<std::shared_ptr<ReplicaLink>> waiting;
  int64_t now = clock::NowMs();
  int64_t oldest = now;
  bool all_eof = true;
  int filter = -1;  // replicas that want the same parts of the snapshot share it
  for (auto& r : repl_master_.Replicas()) {
    if (r->state.load() == ReplicaLink::State::kWaitBgsave && !r->snapshot_started.load()) {
      if (filter < 0) filter = r->rdb_filter;
      if (r->rdb_filter != filter) continue;  // served by the next snapshot
      waiting.push_back(r);
      oldest = std::min(oldest, r->wait_since_ms);
      all_eof = all_eof && r->capa_eof;
    }
  }
  if (waiting.empty() || ChildRunning()) return;
  // Diskless (the default): the image goes straight to the replicas' sockets, after waiting
  // repl-diskless-sync-delay seconds for more replicas to share it (or until
  // repl-diskless-sync-max-replicas are there). A replica that cannot read an EOF-marked
  // image (no "capa eof") makes it a disk-backed sync.
  bool diskless = (repl_opts_.repl_diskless_sync.get() && all_eof) || filter > 0;
  if (diskless) {
    int64_t delay_ms = static_cast<int64_t>(repl_opts_.repl_diskless_sync_delay.get()) * 1000;
    int max = repl_opts_.repl_diskless_sync_max_replicas.get();
    bool enough = max > 0 && static_cast<int>(waiting.size()) >= max;
    if (!enough && now - oldest < delay_ms) return;
  }
  LOG_NOTICE("Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
  std::shared_ptr<SnapshotStream> stream;
  int pipe_fds[2] = {-1, -1};
  if (diskless) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      LOG_WARNING("Can't start the diskless transfer: pipe: %s", strerror(errno));
      return;
    }
    stream = std::make_shared<SnapshotStream>(1 << 20);
    std::vector<std::pair<uint64_t, int>> owners;
    for (auto& r : waiting) owners.emplace_back(r->client_id, r->worker);
    stream->set_waker([this, owners](uint64_t id) {
      for (auto& [cid, worker] : owners) {
        if (cid != id || worker < 0 || worker >= num_workers()) continue;
        std::shared_ptr<ReplicaLink> link = repl_master_.Find(cid);
        if (link != nullptr && link->wake_pending.exchange(true)) return;
        workers_[worker]->PostToClient(cid, [](Connection& c) { c.FeedReplica(); });
      }
    });
  }
  uint64_t at = 0;
  std::string err = persistence_->StartReplicationSave(
      [&] {
        at = repl_master_.SnapshotPoint();
        for (auto& r : waiting) {
          r->snapshot_offset.store(at);
          r->snapshot_started.store(true);
          repl_master_.backlog().Retain(r->client_id, at + 1);
          if (stream != nullptr) stream->AddReader(r->client_id);
        }
      },
      [this, stream](bool ok) {
        if (stream != nullptr) stream->Finish(ok);
        for (auto& r : repl_master_.Replicas()) {
          if (r->state.load() == ReplicaLink::State::kOnline || !r->snapshot_started.load()) {
            continue;
          }
          if (r->worker < 0 || r->worker >= num_workers()) continue;
          if (!ok) {
            LOG_WARNING("SYNC failed. BGSAVE child returned an error");
            uint64_t id = r->client_id;
            Worker* w = workers_[r->worker].get();
            w->loop().Post([w, id] { w->KillClient(id); });
          } else if (stream == nullptr && r->state.load() == ReplicaLink::State::kWaitBgsave) {
            std::string path = persistence_->Path();
            workers_[r->worker]->PostToClient(
                r->client_id, [path](Connection& c) { c.SendSnapshot(path); });
          }
        }
      },
      pipe_fds[1], std::max(filter, 0));
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);  // the child has its copy
  if (!err.empty()) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    if (err == err::kBgsaveInProgress) return;  // another child started meanwhile: cron retries
    LOG_WARNING("BGSAVE for replication failed");
    for (auto& r : waiting) {
      Worker* w = workers_[r->worker].get();
      uint64_t id = r->client_id;
      w->loop().Post([w, id] { w->KillClient(id); });
    }
    return;
  }
  std::string line = "+FULLRESYNC " + repl_master_.replid() + " " + std::to_string(at) + "\r\n";
  for (auto& r : waiting) {
    if (!r->old_sync) {
      workers_[r->worker]->PostToClient(r->client_id, [line](Connection& c) { c.SendRaw(line); });
    }
    if (stream != nullptr) {
      workers_[r->worker]->PostToClient(
          r->client_id, [stream](Connection& c) { c.SendSnapshotStream(stream); });
    }
  }
  if (stream != nullptr) {
    // The child's output is read on a thread of its own: the producer waits for slow replicas
    // (the stream's window), never a worker.
    if (pipe_reader_.joinable()) pipe_reader_.join();
    int rfd = pipe_fds[0];
    pipe_reader_ = std::thread([this, stream, rfd] {
      std::string chunk(64 * 1024, '\0');
      for (;;) {
        ssize_t n = read(rfd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!stream->Append(std::string_view(chunk.data(), static_cast<size_t>(n)))) {
          // Every replica of this transfer is gone: the child's work is of no use (and the
          // rest of its output would only be dropped).
          LOG_WARNING("Diskless rdb transfer, last replica dropped, killing fork child.");
          workers_[0]->loop().Post([this] { persistence_->KillChild(); });
          break;
        }
      }
      close(rfd);
      if (size_t left = stream->readers(); left > 0) {
        LOG_NOTICE("Diskless rdb transfer, done reading from pipe, %zu replicas still up.", left);
      }
      stream->EndOfData();
      // The child is about to exit: collect it now rather than at the next cron, since the
      // replicas get the end mark only once its success is known.
      Worker& w0 = *workers_[0];
      w0.loop().Post([this] { CollectSnapshotChild(20); });
    });
  }
}

bool Server::ReplicasLagging() {
  uint64_t offset = repl_master_.offset();
  for (auto& r : repl_master_.Replicas()) {
    if (r->state.load() == ReplicaLink::State::kOnline && r->ack_offset.load() < offset) {
      return true;
    }
  }
  return false;
}

void Server::RequestShutdownFromClient(int flags, std::shared_ptr<BlockedClient> b) {
  {
    std::lock_guard<std::mutex> l(client_shutdown_mu_);
    // A second SHUTDOWN while one waits shares its outcome (and the first one's flags).
    if (client_shutdown_flags_ < 0) client_shutdown_flags_ = flags;
    client_shutdown_.push_back(std::move(b));
  }
  shutdown_cv_.notify_all();
}

bool Server::client_shutdown_waiting() {
  std::lock_guard<std::mutex> l(client_shutdown_mu_);
  return client_shutdown_flags_ >= 0;
}

size_t Server::num_shutdown_waiters() {
  std::lock_guard<std::mutex> l(client_shutdown_mu_);
  size_t n = 0;
  for (auto& b : client_shutdown_) n += b->state.load() == BlockedClient::kWaiting;
  return n;
}

bool Server::RunClientShutdown() {
  int flags;
  {
    std::lock_guard<std::mutex> l(client_shutdown_mu_);
    flags = client_shutdown_flags_;
  }
  if (flags < 0) return false;
  std::string e = WaitForLaggingReplicas(flags) ? PrepareShutdown(flags)
                                                : std::string(err::kShutdownErrors);
  if (e.empty()) {
    StopAccepting();
    return true;
  }
  shutdown_deadline_ms_.store(0);
  Unpause();
  std::vector<std::shared_ptr<BlockedClient>> waiting;
  {
    std::lock_guard<std::mutex> l(client_shutdown_mu_);
    client_shutdown_flags_ = -1;
    waiting.swap(client_shutdown_);
    shutdown_abort_.store(false);
  }
  for (auto& b : waiting) {
    if (b->TryFinish()) b->deliver("-" + e + "\r\n");
  }
  return false;
}

bool Server::AbortShutdown() {
  bool any = pending_signal_.exchange(0) != 0;
  {
    std::lock_guard<std::mutex> l(client_shutdown_mu_);
    if (client_shutdown_flags_ >= 0 || signal_shutdown_running_.load()) {
      shutdown_abort_.store(true);
      any = true;
    }
  }
  if (!any) return false;
  LOG_WARNING("Shutdown manually aborted.");
  return true;
}

bool Server::WaitForLaggingReplicas(int flags) {
  auto online = [this] {
    std::vector<std::shared_ptr<ReplicaLink>> out;
    for (auto& r : repl_master_.Replicas()) {
      if (r->state.load() == ReplicaLink::State::kOnline) out.push_back(r);
    }
    return out;
  };
  if (online().empty()) return !shutdown_abort_.load();
  int64_t timeout_ms = static_cast<int64_t>(server_opts_.shutdown_timeout.get()) * 1000;
  uint64_t target = repl_master_.offset();
  if (!(flags & kShutdownNow) && timeout_ms > 0 && ReplicasLagging()) {
    LOG_NOTICE("Waiting for replicas before shutting down.");
    // Nothing more is written meanwhile, and the replicas are asked where they are.
    Pause(std::numeric_limits<int64_t>::max() / 2, false);
    repl_master_.Feed(-1, {"REPLCONF", "GETACK", "*"});
    int64_t deadline = clock::NowMs() + timeout_ms;
    shutdown_deadline_ms_.store(deadline);
    while (clock::NowMs() < deadline) {
      if (shutdown_abort_.load()) return false;
      bool synced = true;
      for (auto& r : online()) synced = synced && r->ack_offset.load() >= target;
      if (synced) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  int total = 0, in_sync = 0;
  int64_t now = clock::NowMs();
  for (auto& r : online()) {
    total++;
    uint64_t acked = r->ack_offset.load();
    if (acked >= target) {
      in_sync++;
      continue;
    }
    std::string name = r->ip + ":" + std::to_string(r->listening_port.load());
    LOG_WARNING("Lagging replica %s reported offset %lld behind master, lag=%lld, state=%s.",
                name.c_str(), static_cast<long long>(target - acked),
                static_cast<long long>((now - r->ack_ms.load()) / 1000),
                ReplicaLink::StateName(r->state.load()));
  }
  LOG_NOTICE("%d of %d replicas are in sync when shutting down.", in_sync, total);
  return !shutdown_abort_.load();
}

void Server::CollectSnapshotChild(int tries) {
  persistence_->Cron(clock::NowMs());
  if (!persistence_->bgsave_in_progress() || tries <= 0) return;
  workers_[0]->loop().AddTimer(2, [this, tries] { CollectSnapshotChild(tries - 1); });
}

void Server::DisconnectReplicas() {
  for (auto& r : repl_master_.Replicas()) {
    if (r->worker < 0 || r->worker >= num_workers()) continue;
    repl_master_.Detach(r->client_id);
    Worker* w = workers_[r->worker].get();
    uint64_t id = r->client_id;
    w->loop().Post([w, id] { w->KillClient(id); });
  }
}

void Server::FillReplicationSaveInfo(rdb::SaveOptions* o) {
  if (replica_ != nullptr && replica_->active()) {
    o->repl_stream_db = replica_->stream_db();
  } else if (repl_master_.backlog_active()) {
    o->repl_stream_db = std::max(0, repl_master_.selected_db());
  } else {
    return;
  }
  o->repl_id = repl_master_.replid();
  o->repl_offset = static_cast<int64_t>(repl_master_.offset());
}

void Server::RestoreReplicationState() {
  std::string id;
  int64_t offset = -1, stream_db = 0;
  for (const auto& [k, v] : persistence_->load_stats().aux) {
    if (k == "repl-id") id = v;
    if (k == "repl-offset" && !ParseInt64(v, &offset)) offset = -1;
    if (k == "repl-stream-db" && (!ParseInt64(v, &stream_db) || stream_db < 0 ||
                                  stream_db >= dbs_->num_dbs())) {
      stream_db = 0;
    }
  }
  std::vector<std::pair<int, std::string>> expired = persistence_->TakeExpiredAtLoad();
  std::string host = repl_opts_.master_host();
  if (id.size() == 40 && offset >= 0) {
    ActivateReplicationBacklog(true);
    repl_master_.AdoptHistory(id, static_cast<uint64_t>(offset));
    if (host.empty()) {
      // A master restarted: its replicas continue the old history (now the previous id) with a
      // partial resync, and hear of the keys that expired while it was down.
      repl_master_.ShiftReplid();
      for (auto& [db, key] : expired) repl_master_.Feed(db, {"DEL", key});
    }
  }
  if (host.empty()) return;
  replica_->SetMaster(host, repl_opts_.master_port(), "");
  if (id.size() == 40 && offset >= 0) replica_->RestoreHistory(static_cast<int>(stream_db));
}

void Server::ReplicaGone(const ReplicaLink& r) {
  if (r.state.load() == ReplicaLink::State::kHandshake) return;
  repl_master_.Detach(r.client_id);
  LOG_NOTICE("Connection with replica %s lost.", ReplicaName(r).c_str());
}

void Server::ReplicationCron(int64_t now_ms) {
  if (!repl_master_.backlog_active()) return;
  auto replicas = repl_master_.Replicas();
  if (!replicas.empty() || replica_->active() || no_replicas_since_ms_ == 0) {
    no_replicas_since_ms_ = now_ms;
  }
  if (replicas.empty()) {
    int64_t ttl = repl_opts_.repl_backlog_ttl.get();
    if (ttl > 0 && now_ms - no_replicas_since_ms_ > ttl * 1000) FreeReplicationBacklog(ttl);
    return;
  }
  TryStartReplicationSnapshot();
  // Replicas waiting for a snapshot (for the diskless delay, or for the child writing the file)
  // get a newline each second, so that their read timeout does not fire (Redis does the same;
  // replicas skip it).
  if (now_ms - last_replica_newline_ms_ >= 1000) {
    last_replica_newline_ms_ = now_ms;
    for (auto& r : replicas) {
      if (r->state.load() == ReplicaLink::State::kWaitBgsave && r->worker >= 0 &&
          r->worker < num_workers()) {
        workers_[r->worker]->PostToClient(r->client_id,
                                          [](Connection& c) { c.SnapshotKeepalive(); });
      }
    }
  }
  int64_t period = static_cast<int64_t>(repl_opts_.repl_ping_replica_period.get()) * 1000;
  if (now_ms - last_replica_ping_ms_ >= period) {
    last_replica_ping_ms_ = now_ms;
    repl_master_.Feed(-1, {"PING"});
  }
  int64_t timeout_ms = static_cast<int64_t>(repl_opts_.repl_timeout.get()) * 1000;
  OutputLimit lim = opts_.output_limit(ClientClass::kReplica);
  uint64_t end = repl_master_.offset();
  for (auto& r : replicas) {
    if (r->worker < 0 || r->worker >= num_workers()) continue;
    Worker* w = workers_[r->worker].get();
    uint64_t id = r->client_id;
    bool drop = false;
    if (r->state.load() == ReplicaLink::State::kOnline && !r->old_sync &&
        now_ms - r->ack_ms.load() > timeout_ms) {
      LOG_WARNING("Disconnecting timedout replica (streaming sync): %s", ReplicaName(*r).c_str());
      drop = true;
    }
    // What the replica still needs from the backlog counts as its output buffer.
    uint64_t sent = r->state.load() == ReplicaLink::State::kOnline ? r->sent_offset.load()
                                                                   : r->snapshot_offset.load();
    if (!drop && (r->snapshot_started.load() || r->state.load() == ReplicaLink::State::kOnline)) {
      uint64_t behind = end > sent ? end - sent : 0;
      // What a replica still needs is shared with the backlog: within repl-backlog-size it
      // costs nothing extra, so a limit below that size is only enforced beyond it (Redis 7).
      uint64_t backlog = repl_master_.backlog().size();
      uint64_t hard_at = std::max<uint64_t>(static_cast<uint64_t>(lim.hard), backlog);
      uint64_t soft_at = std::max<uint64_t>(static_cast<uint64_t>(lim.soft), backlog);
      bool hard = lim.hard > 0 && behind >= hard_at;
      bool soft = false;
      if (lim.soft > 0 && behind >= soft_at) {
        if (r->soft_limit_since_ms == 0) r->soft_limit_since_ms = now_ms;
        soft = now_ms - r->soft_limit_since_ms >= lim.soft_seconds * 1000;
      } else {
        r->soft_limit_since_ms = 0;
      }
      if (hard || soft) {
        LOG_WARNING("Client %s scheduled to be closed ASAP for overcoming of output buffer "
                    "limits.",
                    ReplicaName(*r).c_str());
        stats_.output_limit_disconnections.fetch_add(1);
        drop = true;
      }
    }
    if (drop) {
      repl_master_.Detach(id);
      w->loop().Post([w, id] { w->KillClient(id); });
    }
  }
}

void RegisterReplicationFamily(CommandRegistry& r, Server& s) {
  r.Add({"SYNC", 1, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdSync>(&s), "server", "1.0.0", "An internal command used in replication.",
         ""})
      .Lock(LockMode::kNone);
  r.Add({"PSYNC", -3, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdPsync>(&s), "server", "2.8.0", "An internal command used in replication.",
         ""})
      .Args("replicationid:string offset:integer")
      .Lock(LockMode::kNone);
  r.Add({"REPLCONF", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy, 0, 0, 0,
         acl::kDangerous, Handler::Bind<CmdReplconf>(&s), "server", "3.0.0",
         "An internal command for configuring the replication stream.", "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"REPLICAOF", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdReplicaof>(&s), "server", "5.0.0",
         "Configures a server as replica of another, or promotes it to a master.", "O(1)"})
      .Args("args(host-port{host:string port:integer}|no-one{!NO !ONE})")
      .Lock(LockMode::kNone);
  r.Add({"SLAVEOF", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdReplicaof>(&s), "server", "1.0.0",
         "Sets a Redis server as a replica of another, or promotes it to being a master.", "O(1)"})
      .Args("args(host-port{host:string port:integer}|no-one{!NO !ONE})")
      .Lock(LockMode::kNone);
  r.Add({"WAIT", 3, 0, 0, 0, 0, acl::kConnection, Handler::Bind<CmdWait>(&s), "generic", "3.0.0",
         "Blocks until the asynchronous replication of all preceding write commands sent by the "
         "connection is completed.",
         "O(1)"})
      .Args("numreplicas:integer timeout:integer")
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_shards", "response_policy:agg_min"};
  r.Add({"WAITAOF", 4, kNoScript, 0, 0, 0, acl::kConnection, Handler::Bind<CmdWaitAof>(&s),
         "generic", "7.2.0",
         "Blocks until all of the preceding write commands sent by the connection are written to "
         "the append-only file of the master and/or replicas.",
         "O(1)"})
      .Args("numlocal:integer numreplicas:integer timeout:integer")
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_shards", "response_policy:agg_min"};
  r.Add({"FAILOVER", -1, kAdmin | kNoScript | kStale, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdFailover>(&s), "server", "6.2.0",
         "Starts a coordinated failover from a server to one of its replicas.", "O(1)"})
      .Args("[TO=target{host:string port:integer [!FORCE]}] [!ABORT] "
            "[TIMEOUT=milliseconds:integer]")
      .Lock(LockMode::kNone);
  r.Add({"ROLE", 1, kNoScript | kLoading | kStale | kFast, 0, 0, 0, acl::kAdmin | acl::kDangerous,
         Handler::Bind<CmdRole>(&s), "server", "2.8.12", "Returns the replication role.", "O(1)"})
      .Lock(LockMode::kNone);
}

}  // namespace carmine
