// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Worker: one event loop thread, its listeners and connections, its share of the cron work.
#include "server/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <clocale>
#include <cstring>
#include <future>
#include <random>

#include <signal.h>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory_probe.h"
#include "base/strutil.h"
#include "commands/families.h"
#include "db/evict.h"
#include "server/memory.h"
#include "net/socket.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/process.h"

namespace carmine {

class Worker::Listener : public IoHandler {
 public:
  Listener(Worker& w, int fd, ListenerKind kind) : w_(w), fd_(fd), kind_(kind) {}
  void OnEvent(uint32_t) override { w_.Accept(fd_, kind_); }
  int fd() const { return fd_; }

 private:
  Worker& w_;
  int fd_;
  ListenerKind kind_;
};

Worker::Worker(Server& server, int index) : server_(server), index_(index) {
  loop_.SetPeriodic([this] { return std::max(1, 1000 / server_.hz()); }, [this] { Cron(); });
  loop_.SetBeforeSleep([this] { BeforeSleep(); });
}

Worker::~Worker() { Join(); }

void Worker::Start() {
  thread_ = std::thread([this] {
    SetCurrentWorker(index_);
    mem::RegisterThread();
    loop_.Run();
    mem::UnregisterThread();
  });
}

void Worker::Join() {
  if (thread_.joinable()) {
    loop_.Stop();
    thread_.join();
  }
}

void Worker::AddListener(int fd, ListenerKind kind) {
  listeners_.push_back(std::make_unique<Listener>(*this, fd, kind));
  loop_.Add(fd, EPOLLIN | EPOLLEXCLUSIVE, listeners_.back().get());
}

void Worker::RemoveListener(int fd) {
  loop_.Remove(fd);
  for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
    if ((*it)->fd() == fd) {
      listeners_.erase(it);
      return;
    }
  }
}

void Worker::Accept(int lfd, ListenerKind kind) {
  const bool is_unix = kind == ListenerKind::kUnix;
  // Accept a bounded batch per wake-up so one busy listener cannot starve the loop.
  for (int i = 0; i < 64; i++) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // EINVAL: the listener was shut down because the server is exiting.
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != EINVAL) {
        // Out of descriptors (EMFILE/ENFILE) leaves the connection queued and the listener
        // readable: log at most once a second instead of once per loop iteration.
        static thread_local int64_t last_log_ms = 0;
        if (loop_.now_ms() - last_log_ms >= 1000) {
          last_log_ms = loop_.now_ms();
          LOG_WARNING("Accepting client connection: %s", strerror(errno));
        }
        server_.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
    server_.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
    if (!is_unix) {
      net::SetNoDelay(fd);
      net::SetKeepAlive(fd, server_.server_opts().tcp_keepalive.get());
    }
    if (server_.stats().connected_clients.load() >= server_.server_opts().maxclients.get()) {
      std::string msg = "-" + std::string(err::kMaxClients) + "\r\n";
      ssize_t w = send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
      (void)w;
      close(fd);
      server_.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!is_unix && server_.protected_mode_denies(fd)) {
      static constexpr std::string_view kDenied =
          "-DENIED Running in protected mode because protected mode is enabled and no password "
          "is set for the default user. In this mode connections are only accepted from the "
          "loopback interface. To accept connections from outside, either set a password "
          "(requirepass), bind to specific addresses, or disable protected mode "
          "(CONFIG SET protected-mode no) from a loopback client.\r\n";
      ssize_t w = send(fd, kDenied.data(), kDenied.size(), MSG_NOSIGNAL);
      (void)w;
      close(fd);
      continue;
    }
    uint64_t id = server_.NextClientId();
    std::unique_ptr<net::Transport> transport;
    if (kind == ListenerKind::kTls) {
      auto tls = server_.tls();
      if (tls != nullptr) transport = tls->Accept(fd);
    }
    const bool over_tls = transport != nullptr;
    if (transport == nullptr) transport = net::MakePlainTransport(fd);
    auto conn = std::make_unique<Connection>(*this, std::move(transport), id, is_unix);
    Connection* c = conn.get();
    c->session().tls = over_tls;
    if (kind == ListenerKind::kMetrics) c->set_metrics_only();
    conns_[id] = std::move(conn);
    server_.RegisterClient(c, this);
    loop_.Add(fd, EPOLLIN, c);
    LOG_VERBOSE("Accepted %s", c->session().addr.c_str());
  }
}

Connection* Worker::AdoptMaster(std::unique_ptr<net::Transport> t, uint64_t id,
                                std::string_view leftover, int db) {
  int fd = t->fd();
  net::SetKeepAlive(fd, server_.server_opts().tcp_keepalive.get());
  if (!server_.repl_opts().repl_disable_tcp_nodelay.get()) net::SetNoDelay(fd);
  auto conn = std::make_unique<Connection>(*this, std::move(t), id, false);
  Connection* c = conn.get();
  c->MarkMaster(db);
  conns_[id] = std::move(conn);
  server_.RegisterClient(c, this);
  loop_.Add(fd, EPOLLIN, c);
  c->BecomeMaster(leftover);
  return c;
}

void Worker::ScheduleClose(Connection* c) { to_close_.push_back(c); }

void Worker::BeforeSleep() {
  if (cycle_commands_ > cmd_per_cycle_max_.load(std::memory_order_relaxed)) {
    cmd_per_cycle_max_.store(cycle_commands_, std::memory_order_relaxed);
  }
  cycle_commands_ = 0;
  // Keys that expired or were evicted since the last command reach BCAST trackers now.
  TrackingRegistry& tracking = server_.dispatcher().tracking();
  if (tracking.broadcast_pending()) tracking.FlushBroadcast();
  // Replies go out only after the commands they acknowledge are in the AOF.
  server_.aof().BeforeReply();
  if (!pending_flush_.empty()) {
    std::vector<Connection*> list;
    list.swap(pending_flush_);
    for (Connection* c : list) c->FlushPending();
  }
  ReapClosed();
}

void Worker::ProcessWhileBusy(Connection* running) {
  if (in_busy_poll_) return;
  in_busy_poll_ = true;
  loop_.PollNested([&](IoHandler* h) {
    if (h == running) return false;  // its command is the one running
    for (const auto& l : listeners_) {
      if (h == l.get()) return true;
    }
    auto* c = dynamic_cast<Connection*>(h);
    // The link to this server's master applies writes: it waits for the script like everything
    // else. This server's replicas are served: their acknowledgements, and a replica that drops
    // stops counting for min-replicas-to-write (a script may be waiting for just that).
    return c != nullptr && !c->session().is_master;
  });
  std::vector<Connection*> list;
  list.swap(pending_flush_);
  for (Connection* c : list) {
    if (c == running) {
      pending_flush_.push_back(c);  // its output is written once its command ends
    } else {
      c->FlushPending();
    }
  }
  in_busy_poll_ = false;
}

void Worker::ReapClosed() {
  if (to_close_.empty()) return;
  std::vector<Connection*> list;
  list.swap(to_close_);
  for (Connection* c : list) {
    loop_.Remove(c->fd());
    server_.UnregisterClient(c);
    std::erase(paused_, c);
    std::erase(pending_flush_, c);
    conns_.erase(c->session().id);  // closes the fd
  }
}

void Worker::KillClient(uint64_t id) {
  auto it = conns_.find(id);
  if (it != conns_.end()) it->second->Close();
}

void Worker::DeliverUnblocked(uint64_t id, std::string reply) {
  auto it = conns_.find(id);
  if (it != conns_.end()) it->second->Unblocked(std::move(reply));
}

void Worker::DeliverPush(uint64_t id, std::string_view msg) {
  auto it = conns_.find(id);
  if (it != conns_.end()) it->second->PushMessage(msg);
}

void Worker::ResumePaused() {
  std::vector<Connection*> list;
  list.swap(paused_);
  for (Connection* c : list) c->Resume();
}

void Worker::CloseAll() {
  for (auto& [id, c] : conns_) c->Close();
  ReapClosed();
}

namespace {

// Starts a defrag cycle when the allocator's fragmentation justifies one, at the CPU share it
// justifies (Redis's rule: db/defrag.h), or stops a running one that activedefrag turned off.
void WeighDefrag(Server& s, int64_t now) {
  Defragger& df = s.defrag();
  DefragSettings settings = s.defrag_settings();
  if (!settings.enabled) {
    if (df.running() != 0) df.Stop(now);
    return;
  }
  size_t allocated = mem::Allocated(), active = mem::Active();
  if (df.running() != 0 || allocated == 0) return;
  double frag_pct = (static_cast<double>(active) / allocated - 1) * 100;
  int64_t frag_bytes = static_cast<int64_t>(active) - static_cast<int64_t>(allocated);
  int cpu = Defragger::CpuPercent(settings, frag_pct, frag_bytes);
  if (cpu > 0) df.Start(cpu, s.num_workers(), now, settings.max_scan_fields);
}

void LogDefragDone(const Defragger& df) {
  LOG_VERBOSE("Active defrag done in %lldms, reallocated=%llu",
              static_cast<long long>(df.last_cycle_ms()),
              static_cast<unsigned long long>(df.last_cycle_hits()));
}

}  // namespace

void Worker::DefragCron() {
  Defragger& df = server_.defrag();
  int64_t now = clock::NowMs();
  // Once a second, as Redis weighs it.
  if (index_ == 0 && (!server_.server_opts().activedefrag.get() ||
                      (df.running() == 0 && now - defrag_checked_ms_ >= 1000))) {
    defrag_checked_ms_ = now;
    WeighDefrag(server_, now);
  }
  int64_t start = clock::MonotonicUs();
  bool was_running = df.running() != 0;
  if (df.Slice(server_.dbs(), index_, server_.hz(), now)) {
    LogDefragDone(df);
    WeighDefrag(server_, now);  // still fragmented after a whole pass: the next one starts
  }
  if (was_running) {
    server_.dispatcher().latency().MaybeAdd("active-defrag-cycle",
                                            (clock::MonotonicUs() - start) / 1000,
                                            server_.opts().latency_monitor_threshold.get(),
                                            now / 1000);
  }
}

void Server::DefragWhileLoading() {
  // Called every 1024 replayed commands; does a cron period's work once per period elapsed.
  int64_t now = clock::NowMs();
  int64_t elapsed = now - loading_cron_ms_;
  if (elapsed < 1000 / std::max(1, hz())) return;
  loading_cron_ms_ = now;
  int64_t start = clock::MonotonicUs();
  if (!server_opts_.activedefrag.get() ||
      (defrag_.running() == 0 && now - loading_defrag_checked_ms_ >= 1000)) {
    loading_defrag_checked_ms_ = now;
    WeighDefrag(*this, now);
  }
  int cpu = defrag_.running();
  if (cpu == 0) return;
  // The CPU share of the time since the last call, bounded so one call stays short.
  int64_t budget_us = std::min<int64_t>(elapsed * 1000 * cpu / 100, 25000);
  if (defrag_.SliceWhileLoading(*dbs_, budget_us, now)) {
    LogDefragDone(defrag_);
    WeighDefrag(*this, now);
  }
  dispatcher().latency().MaybeAdd("while-blocked-cron", (clock::MonotonicUs() - start) / 1000,
                                  opts().latency_monitor_threshold.get(), now / 1000);
}

void Worker::Cron() {
  // DEBUG PAUSE-CRON: tests freeze the periodic work (expiry, timeouts, persistence checks).
  if (server_.cron_paused()) return;
  int64_t cron_start = clock::MonotonicUs();
  cron_runs_++;
  int64_t now = loop_.now_ms();
  DbSet& dbs = server_.dbs();
  int nworkers = server_.num_workers();
  int hz = server_.hz();
  // Active expiry: Redis spends up to 25% of each cron period; split across workers.
  if (server_.opts().active_expire.load(std::memory_order_relaxed) && !dbs.loading() &&
      !dbs.expire_paused(now) && !dbs.exclusive()) {
    int64_t budget_us = 1000000LL * 25 / hz / 100;
    int effort = server_.opts().active_expire_effort.get();
    int owned = 0;
    for (int db = 0; db < dbs.num_dbs(); db++) {
      for (int s = 0; s < dbs.num_shards(); s++) {
        if (static_cast<int>(dbs.Index(db, s) % nworkers) == index_) owned++;
      }
    }
    int64_t per_shard = std::max<int64_t>(100, budget_us / std::max(1, owned));
    int64_t cycle_start = clock::MonotonicUs();
    for (int db = 0; db < dbs.num_dbs(); db++) {
      for (int s = 0; s < dbs.num_shards(); s++) {
        if (static_cast<int>(dbs.Index(db, s) % nworkers) != index_) continue;
        ShardLocks lock;
        lock.Add(dbs, db, s);
        lock.Acquire();
        ActiveExpireShard(dbs, db, s, clock::NowMs(), per_shard, effort);
        ShardData& d = dbs.Data(db, s);
        // Rehashing in the background would copy pages a fork child shares; it waits.
        if (!AvoidTableResize()) {
          d.table.MaybeShrink();
          if (d.table.rehashing()) d.table.RehashStep(1000);
        }
      }
    }
    server_.dispatcher().latency().MaybeAdd(
        "expire-cycle", (clock::MonotonicUs() - cycle_start) / 1000,
        server_.opts().latency_monitor_threshold.get(), now / 1000);
  }
  DefragCron();
  // A cycle that ran out of time budget goes on here, without waiting for the next command.
  if (index_ == 0 && server_.opts().maxmemory.get() > 0 && !dbs.loading() &&
      !dbs.ignore_maxmemory() && server_.dispatcher().evictor().unfinished()) {
    server_.dispatcher().evictor().Perform(clock::NowMs());
  }
  if (index_ == 0) {
    server_.EvictClientsIfNeeded(this);
    server_.migrate().Cron(clock::NowMs());
    // The replica side runs while a diskless load holds the loading flag: its timeouts apply.
    server_.replica().Cron(clock::NowMs());
    server_.debug_sessions().Reap();
    if (!dbs.loading()) {
      server_.failover().Cron(clock::NowMs());
      server_.persistence().Cron(clock::NowMs());
      server_.aof().Cron(clock::NowMs());
      server_.ReplicationCron(clock::NowMs());
    }
  }
  // Idle clients: close them after `timeout`, and free their buffers after two seconds.
  int timeout = server_.server_opts().timeout.get();
  for (auto& [id, c] : conns_) {
    if (c->replica() != nullptr &&
        c->replica()->state.load() != ReplicaLink::State::kHandshake) {
      c->TrimIdleReplicaBuffer(now);
      continue;  // replicas are judged by their acknowledgements (ReplicationCron)
    }
    if (c->session().is_master) continue;  // judged by repl-timeout (ReplicaClient::Cron)
    if (c->blocked()) {
      c->CheckBlockTimeout(now);
      continue;  // a blocked client is not idle
    }
    int64_t idle_ms = now - c->last_interaction_ms();
    if (timeout > 0 && idle_ms > static_cast<int64_t>(timeout) * 1000) {
      LOG_VERBOSE("Closing idle client");
      c->Close();
    } else if (!c->paused()) {
      c->ResizeBuffers(now, idle_ms);
      c->CheckOutputLimit();
    }
  }
  if (!paused_.empty() && !server_.IsPauseActive(now)) ResumePaused();
  if (index_ == 0) {
    // Instantaneous metrics: one sample per 100 ms, averaged over the last 16.
    auto& st = server_.stats();
    int64_t us = clock::MonotonicUs();
    st.ops.Sample(server_.dispatcher().stats().commands.load(), us);
    st.input_bytes.Sample(st.net_input_bytes.load(), us);
    st.output_bytes.Sample(st.net_output_bytes.load(), us);
    st.loop_cycles.Sample(server_.EventLoopCycles(), us);
    st.loop_busy_us.Sample(server_.EventLoopBusyUs(), us);
  }
  cron_us_.fetch_add(static_cast<uint64_t>(clock::MonotonicUs() - cron_start),
                     std::memory_order_relaxed);
}

}  // namespace carmine
