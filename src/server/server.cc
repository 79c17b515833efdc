// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory_probe.h"
#include "base/strutil.h"
#include "commands/families.h"
#include "net/socket.h"
#include "protocol/errors.h"
#include "server/connection.h"

namespace carmine {

// ---- Worker ------------------------------------------------------------------------------------

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
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
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
      net::SetKeepAlive(fd, server_.ConfigSnapshot().tcp_keepalive);
    }
    if (server_.stats().connected_clients.load() >= server_.maxclients()) {
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
    auto conn = std::make_unique<Connection>(*this, fd, id, is_unix);
    Connection* c = conn.get();
    if (kind == ListenerKind::kMetrics) c->set_metrics_only();
    conns_[id] = std::move(conn);
    server_.RegisterClient(c, this);
    loop_.Add(fd, EPOLLIN, c);
    LOG_VERBOSE("Accepted %s", c->session().addr.c_str());
  }
}

void Worker::ScheduleClose(Connection* c) { to_close_.push_back(c); }

void Worker::BeforeSleep() {
  // Replies go out only after the commands they acknowledge are in the AOF.
  server_.aof().BeforeReply();
  if (!pending_flush_.empty()) {
    std::vector<Connection*> list;
    list.swap(pending_flush_);
    for (Connection* c : list) c->FlushPending();
  }
  ReapClosed();
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

void Worker::Cron() {
  cron_runs_++;
  int64_t now = loop_.now_ms();
  DbSet& dbs = server_.dbs();
  int nworkers = server_.num_workers();
  int hz = server_.hz();
  // Active expiry: Redis spends up to 25% of each cron period; split across workers.
  if (server_.opts().active_expire.load(std::memory_order_relaxed) && !dbs.loading()) {
    int64_t budget_us = 1000000LL * 25 / hz / 100;
    int effort = server_.opts().active_expire_effort.load(std::memory_order_relaxed);
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
        server_.opts().latency_monitor_threshold.load(std::memory_order_relaxed), now / 1000);
  }
  // A cycle that ran out of time budget goes on here, without waiting for the next command.
  if (index_ == 0 && server_.opts().maxmemory.load(std::memory_order_relaxed) > 0 &&
      !dbs.loading()) {
    server_.dispatcher().evictor().Perform(clock::NowMs());
  }
  if (index_ == 0) {
    server_.EvictClientsIfNeeded();
    if (!dbs.loading()) {
      server_.persistence().Cron(clock::NowMs());
      server_.aof().Cron(clock::NowMs());
    }
  }
  // Idle clients: close them after `timeout`, and free their buffers after two seconds.
  int timeout = server_.timeout_sec();
  for (auto& [id, c] : conns_) {
    if (c->blocked()) {
      c->CheckBlockTimeout(now);
      continue;  // a blocked client is not idle
    }
    int64_t idle_ms = now - c->last_interaction_ms();
    if (timeout > 0 && idle_ms > static_cast<int64_t>(timeout) * 1000) {
      LOG_VERBOSE("Closing idle client");
      c->Close();
    } else if (idle_ms > 2000 && !c->paused()) {
      c->ReleaseIdleBuffers();
    }
  }
  if (!paused_.empty() && !server_.IsPauseActive(now)) ResumePaused();
  if (index_ == 0) {
    // Instantaneous metrics over roughly the last second of samples.
    static thread_local uint64_t last_cmds = 0, last_in = 0, last_out = 0;
    static thread_local int64_t last_us = 0;
    int64_t us = clock::MonotonicUs();
    if (us - last_us >= 1000000) {
      auto& st = server_.stats();
      uint64_t cmds = server_.dispatcher().stats().commands.load();
      uint64_t in = st.net_input_bytes.load(), out = st.net_output_bytes.load();
      double secs = last_us == 0 ? 1.0 : (us - last_us) / 1e6;
      if (last_us != 0) {
        st.ops_per_sec = (cmds - last_cmds) / secs;
        st.input_kbps = (in - last_in) / secs / 1024;
        st.output_kbps = (out - last_out) / secs / 1024;
      }
      last_cmds = cmds;
      last_in = in;
      last_out = out;
      last_us = us;
    }
  }
}

// ---- Server ------------------------------------------------------------------------------------

Server::Server(ServerConfig cfg) : config_(std::move(cfg)) {
  if (config_.threads <= 0) config_.threads = static_cast<int>(std::thread::hardware_concurrency());
  if (config_.threads <= 0) config_.threads = 1;
  int shards = 1;
  if (config_.threads > 1) {
    while (shards < config_.threads * 8) shards <<= 1;
  }
  // Statistics counters skip locked instructions when a single worker writes them.
  SetCountersMultiWriter(config_.threads > 1);
  dbs_ = std::make_unique<DbSet>(config_.databases, shards, config_.threads > 1);
  dbs_->set_observer(this);
  persistence_ = std::make_unique<Persistence>(*this);
  aof_ = std::make_unique<Aof>(*this);
  lazy_freer_ = std::make_unique<LazyFreer>();
  dbs_->set_lazy_freer(lazy_freer_.get());
  RegisterCoreFamilies(registry_);
  RegisterServerFamily(registry_);
  RegisterMemoryFamily(registry_);
  RegisterPersistenceFamily(registry_);
  dispatcher_ = std::make_unique<Dispatcher>(registry_, *dbs_, opts_, this);
  dispatcher_->set_sink(&propagation_);
  ApplyRuntime(config_);
  std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 40; i++) run_id_.push_back(kHex[rng() % 16]);
}

Server::~Server() {
  for (auto& w : workers_) w->Join();
  for (int fd : listen_fds_) close(fd);
  if (metrics_fd_ >= 0) close(metrics_fd_);
}

void Server::ApplyRuntime(const ServerConfig& c) {
  if (aof_) aof_->Configure(c);
  opts_.proto_max_bulk_len = c.proto_max_bulk_len;
  opts_.databases = c.databases;
  opts_.active_expire_effort = c.active_expire_effort;
  opts_.hash_max_listpack_entries = c.hash_max_listpack_entries;
  opts_.hash_max_listpack_value = c.hash_max_listpack_value;
  opts_.set_max_intset_entries = c.set_max_intset_entries;
  opts_.set_max_listpack_entries = c.set_max_listpack_entries;
  opts_.set_max_listpack_value = c.set_max_listpack_value;
  opts_.zset_max_listpack_entries = c.zset_max_listpack_entries;
  opts_.zset_max_listpack_value = c.zset_max_listpack_value;
  opts_.list_max_listpack_size = c.list_max_listpack_size;
  opts_.list_compress_depth = c.list_compress_depth;
  opts_.hll_sparse_max_bytes = c.hll_sparse_max_bytes;
  opts_.tracking_table_max_keys = c.tracking_table_max_keys;
  opts_.slowlog_log_slower_than = c.slowlog_log_slower_than;
  opts_.slowlog_max_len = c.slowlog_max_len;
  EvictPolicy policy = EvictPolicy::kNoEviction;
  ParseEvictPolicy(c.maxmemory_policy, &policy);
  opts_.maxmemory = c.maxmemory;
  opts_.maxmemory_clients = c.maxmemory_clients;
  opts_.maxmemory_policy = static_cast<int>(policy);
  opts_.maxmemory_samples = c.maxmemory_samples;
  opts_.maxmemory_eviction_tenacity = c.maxmemory_eviction_tenacity;
  opts_.lazyfree_lazy_eviction = c.lazyfree_lazy_eviction;
  opts_.lazyfree_lazy_user_del = c.lazyfree_lazy_user_del;
  opts_.lazyfree_lazy_user_flush = c.lazyfree_lazy_user_flush;
  opts_.lazyfree_lazy_server_del = c.lazyfree_lazy_server_del;
  opts_.latency_monitor_threshold = c.latency_monitor_threshold;
  opts_.latency_tracking = c.latency_tracking;
  opts_.refuse_writes_misconf = persistence_ && !persistence_->last_bgsave_ok() &&
                                c.stop_writes_on_bgsave_error && !c.save_rules.empty();
  if (dbs_) {
    dbs_->set_lfu(IsLfuPolicy(policy), c.lfu_log_factor, c.lfu_decay_time);
    dbs_->set_lazy_expire(c.lazyfree_lazy_expire);
    dbs_->set_lazy_server_del(c.lazyfree_lazy_server_del);
  }
  if (dispatcher_) dispatcher_->slowlog().Trim(c.slowlog_max_len);
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 3; j++) opts_.obuf_limits[i][j] = c.obuf_limits[i][j];
  }
  if (dbs_) dbs_->set_notify_flags(c.notify_keyspace_events);
  opts_.enable_debug_command =
      c.enable_debug_command == "yes" ? 1 : (c.enable_debug_command == "local" ? 2 : 0);
  opts_.set_requirepass(c.requirepass);
  hz_ = c.hz;
  timeout_ = c.timeout;
  maxclients_ = c.maxclients;
  qbuf_limit_ = c.client_query_buffer_limit;
  protected_mode_ = c.protected_mode && !c.bind_explicit;
  for (auto& w : workers_) w->loop().SetBusyPollUs(c.busy_poll_us);
  log::Level lvl;
  if (log::ParseLevel(c.loglevel, &lvl)) log::SetLevel(lvl);
}

void Server::OnKeyModified(int, std::string_view key) {
  TrackingRegistry& t = dispatcher_->tracking();
  if (t.active()) t.Invalidate(key, CurrentClientId());
}

void Server::OnKeyExpired(int db, std::string_view key) {
  TrackingRegistry& t = dispatcher_->tracking();
  if (t.active()) t.Invalidate(key, 0);
  if (propagation_.active()) propagation_.Append(db, {"DEL", std::string(key)});
}

void Server::OnDbChanged(int) {
  TrackingRegistry& t = dispatcher_->tracking();
  if (t.active()) t.InvalidateAll();
}

void Server::OnEvent(int db, uint32_t, std::string_view event, std::string_view key) {
  PubSubRegistry& ps = dispatcher_->pubsub();
  if (ps.empty()) return;
  uint32_t flags = dbs_->notify_flags();
  std::string channel;
  channel.reserve(24 + std::max(key.size(), event.size()));
  if (flags & kNotifyKeyspace) {
    channel.append("__keyspace@").append(std::to_string(db)).append("__:").append(key);
    ps.Publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    channel.assign("__keyevent@").append(std::to_string(db)).append("__:").append(event);
    ps.Publish(channel, key);
  }
}

ServerConfig Server::ConfigSnapshot() const {
  std::lock_guard<std::mutex> l(config_mu_);
  return config_;
}

std::string Server::ConfigSet(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& pairs) {
  std::unique_lock<std::mutex> l(config_mu_);
  ServerConfig next = config_;
  std::vector<std::string> seen;
  for (auto& pair : pairs) {
    const std::string& name = pair.first;
    const std::vector<std::string>& args = pair.second;
    const ConfigOption* opt = FindConfigOption(name);
    auto fail = [&](const std::string& why) {
      return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why;
    };
    if (opt == nullptr)
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'";
    if (std::find(seen.begin(), seen.end(), opt->name) != seen.end())
      return fail("duplicate parameter");
    seen.push_back(opt->name);
    if (opt->protected_config) return fail("can't set protected config");
    if (!opt->runtime_mutable) return fail("can't set immutable config");
    std::vector<std::string> values = args;
    if (opt->multi_arg) {
      std::vector<std::string> split;
      SplitArgs(args[0], &split);
      if (split.empty()) split.emplace_back();  // "" means "no value", e.g. save ""
      values = split;
    }
    std::string e = opt->set(next, values);
    if (!e.empty()) return fail(e);
  }
  bool port_changed = next.port != config_.port;
  if ((port_changed || next.bind != config_.bind) && !workers_.empty()) {
    std::string e = RebindTcp(next, port_changed);
    if (!e.empty()) {
      return "ERR CONFIG SET failed (possibly related to argument '" +
             std::string(port_changed ? "port" : "bind") + "') - " + e;
    }
  }
  bool aof_on = next.appendonly && !config_.appendonly;
  bool aof_off = !next.appendonly && config_.appendonly;
  if ((aof_on || aof_off) && dbs_->loading()) {
    // The loader owns the dataset (and the AOF it opens when done) until loading ends.
    return "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn "
           "the AOF on or off while loading the dataset.";
  }
  config_ = next;
  ApplyRuntime(config_);
  l.unlock();
  // Outside the config lock: turning the AOF on takes every shard lock, and commands holding
  // shard locks may read the configuration.
  if (aof_off && !workers_.empty()) aof_->Disable();
  if (aof_on && !workers_.empty()) {
    std::string e = aof_->Enable();
    if (!e.empty()) {
      std::lock_guard<std::mutex> relock(config_mu_);
      config_.appendonly = false;
      return "ERR CONFIG SET failed (possibly related to argument 'appendonly') - " + e;
    }
  }
  return "";
}

std::string Server::RebindTcp(const ServerConfig& cfg, bool port_changed) {
  // Addresses that stay bound on the same port keep their socket (re-binding them would fail with
  // EADDRINUSE while the old one is open); the others are opened before anything is closed, so a
  // failure leaves the current listeners untouched.
  std::vector<int> fds, fresh;
  std::vector<std::string> addrs;
  std::vector<int> current(listen_fds_.begin(), listen_fds_.begin() + tcp_listeners_);
  if (cfg.port != 0) {
    for (auto& addr : cfg.bind) {
      if (!port_changed) {
        auto it = std::find(tcp_addrs_.begin(), tcp_addrs_.end(), addr);
        if (it != tcp_addrs_.end()) {
          fds.push_back(current[it - tcp_addrs_.begin()]);
          addrs.push_back(addr);
          continue;
        }
      }
      auto r = net::ListenTcp(addr, cfg.port, cfg.tcp_backlog);
      if (!r.ok()) {
        for (int fd : fresh) close(fd);
        LOG_WARNING("%s", r.status().message().c_str());
        return port_changed ? "Unable to listen on this port"
                            : "Failed to bind to specified addresses.";
      }
      if (r.value() >= 0) {
        fds.push_back(r.value());
        fresh.push_back(r.value());
        addrs.push_back(addr);
      }
    }
  }
  std::vector<int> old;
  for (int fd : current) {
    if (std::find(fds.begin(), fds.end(), fd) == fds.end()) old.push_back(fd);
  }
  // Each worker drops the old sockets and adds the new ones on its own thread; the last worker to
  // finish closes the old sockets, so no worker can be inside accept() on a closed descriptor.
  auto remaining = std::make_shared<std::atomic<int>>(static_cast<int>(workers_.size()));
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp, old, fresh, remaining] {
      for (int fd : old) wp->RemoveListener(fd);
      for (int fd : fresh) wp->AddListener(fd, ListenerKind::kTcp);
      if (remaining->fetch_sub(1) == 1) {
        for (int fd : old) close(fd);
      }
    });
  }
  listen_fds_.erase(listen_fds_.begin(), listen_fds_.begin() + tcp_listeners_);
  listen_fds_.insert(listen_fds_.begin(), fds.begin(), fds.end());
  tcp_listeners_ = fds.size();
  tcp_addrs_ = addrs;
  return "";
}

bool Server::protected_mode_denies(int fd) const {
  return protected_mode_.load() && opts_.requirepass().empty() && !net::IsLoopbackPeer(fd);
}

void Server::RegisterClient(Connection* c, Worker* w) {
  std::lock_guard<std::mutex> l(clients_mu_);
  clients_[c->session().id] = {c, w};
  stats_.connected_clients.fetch_add(1);
}

void Server::UnregisterClient(Connection* c) {
  std::lock_guard<std::mutex> l(clients_mu_);
  if (clients_.erase(c->session().id) > 0) stats_.connected_clients.fetch_sub(1);
}

void Server::Pause(int64_t until_ms, bool all) {
  // A new pause never shortens or weakens one in force, as Redis; an expired one is replaced.
  if (!IsPauseActive(clock::NowMs())) {
    pause_all_ = all;
    pause_until_ms_ = until_ms;
    return;
  }
  if (until_ms > pause_until_ms_.load()) pause_until_ms_ = until_ms;
  if (all) pause_all_ = true;
}

void Server::Unpause() {
  pause_until_ms_ = 0;
  pause_all_ = false;
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp] { wp->ResumePaused(); });
  }
}

bool Server::IsPauseActive(int64_t now_ms) const {
  int64_t until = pause_until_ms_.load(std::memory_order_relaxed);
  return until != 0 && now_ms < until;
}

bool Server::IsPausedFor(uint32_t cmd_flags, int64_t now_ms) const {
  if (!IsPauseActive(now_ms)) return false;
  return pause_all_.load() || (cmd_flags & (kWrite | kMayReplicate));
}

Status Server::Start() {
  ServerConfig cfg = ConfigSnapshot();
  start_ms_ = clock::NowMs();
  if (cfg.port != 0) {
    for (auto& addr : cfg.bind) {
      auto r = net::ListenTcp(addr, cfg.port, cfg.tcp_backlog);
      if (!r.ok()) return r.status();
      if (r.value() >= 0) {
        listen_fds_.push_back(r.value());
        tcp_addrs_.push_back(addr);
      }
    }
    if (listen_fds_.empty())
      return Status::Error("Failed listening on port " + std::to_string(cfg.port) +
                           " (tcp), aborting.");
  }
  size_t tcp_count = listen_fds_.size();
  tcp_listeners_ = tcp_count;
  if (!cfg.unixsocket.empty()) {
    auto r = net::ListenUnix(cfg.unixsocket, cfg.unixsocketperm, cfg.tcp_backlog);
    if (!r.ok()) return r.status();
    listen_fds_.push_back(r.value());
  }
  if (cfg.metrics_port != 0) {
    // Prometheus scrapes over TCP on the same addresses as the client port.
    std::string addr = cfg.bind.empty() ? std::string("*") : cfg.bind.front();
    auto r = net::ListenTcp(addr, cfg.metrics_port, cfg.tcp_backlog);
    if (!r.ok()) return r.status();
    metrics_fd_ = r.value();
  }
  for (int i = 0; i < cfg.threads; i++) {
    workers_.push_back(std::make_unique<Worker>(*this, i));
    workers_.back()->loop().SetBusyPollUs(cfg.busy_poll_us);
  }
  for (auto& w : workers_) {
    for (size_t i = 0; i < listen_fds_.size(); i++) {
      w->AddListener(listen_fds_[i], i >= tcp_count ? ListenerKind::kUnix : ListenerKind::kTcp);
    }
    if (metrics_fd_ >= 0) w->AddListener(metrics_fd_, ListenerKind::kMetrics);
  }
  // Clients are served while the dataset loads: commands that need it answer -LOADING, as in
  // Redis, and INFO shows the progress.
  dbs_->set_loading(true);
  loading_start_ms_.store(clock::NowMs());
  for (auto& w : workers_) w->Start();
  // With appendonly yes the AOF is the dataset, even when an RDB file exists (as in Redis).
  Status st = cfg.appendonly ? aof_->LoadAndOpen() : persistence_->LoadAtStartup();
  dbs_->set_loading(false);
  dbs_->stats().dirty.Sub(dbs_->stats().dirty.load());  // what was loaded is saved already
  if (!st.ok()) {
    for (auto& w : workers_) w->Join();
    return st;
  }
  stats_.startup_memory.store(mem::UsedMemory());
  if (cfg.port != 0) LOG_NOTICE("Ready to accept connections tcp");
  if (!cfg.unixsocket.empty()) LOG_NOTICE("Ready to accept connections unix");
  return Status::Ok();
}

size_t ClientMemory(const Session& s) {
  return s.qbuf.load(std::memory_order_relaxed) + s.qbuf_free.load(std::memory_order_relaxed) +
         s.obuf.load(std::memory_order_relaxed) + s.argv_mem.load(std::memory_order_relaxed) +
         s.multi_mem.load(std::memory_order_relaxed) + 1024;
}

void Server::EvictClientsIfNeeded() {
  int64_t limit = opts_.maxmemory_clients.load(std::memory_order_relaxed);
  if (limit < 0) limit = opts_.maxmemory.load(std::memory_order_relaxed) * -limit / 100;
  if (limit <= 0) return;
  struct Use {
    size_t bytes;
    uint64_t id;
    Worker* w;
  };
  std::vector<Use> uses;
  size_t total = 0;
  ForEachClient([&](Connection* c, Worker* w) {
    const Session& s = c->session();
    size_t b = ClientMemory(s);
    total += b;
    if (!s.no_evict.load(std::memory_order_relaxed)) uses.push_back({b, s.id, w});
  });
  if (total <= static_cast<size_t>(limit)) return;
  // The biggest clients go first, until the rest fits (Redis evicts from its largest buckets).
  std::sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) { return a.bytes > b.bytes; });
  for (const Use& u : uses) {
    if (total <= static_cast<size_t>(limit)) break;
    total -= u.bytes;
    stats_.evicted_clients.fetch_add(1, std::memory_order_relaxed);
    LOG_VERBOSE("Evicting client: id=%llu (%zu bytes)", static_cast<unsigned long long>(u.id),
                u.bytes);
    Worker* w = u.w;
    uint64_t id = u.id;
    w->loop().Post([w, id] { w->KillClient(id); });
  }
}

void Server::RequestShutdown(int save) {
  shutdown_save_.store(save);
  shutdown_.store(true);
  shutdown_cv_.notify_all();
}

void Server::WaitForShutdown() {
  {
    // Polled with a short timeout because signal handlers may only set the flag.
    std::unique_lock<std::mutex> l(shutdown_mu_);
    while (!shutdown_.load()) shutdown_cv_.wait_for(l, std::chrono::milliseconds(50));
  }
  // Stop accepting, let each worker close its clients on its own thread, then stop the loops.
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp] { wp->CloseAll(); });
  }
  for (auto& w : workers_) w->Join();
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
  // Nothing runs commands any more: the final snapshot needs no locks. A rewrite in progress is
  // abandoned (the current files are complete); what was appended reaches the disk.
  aof_->Stop();
  persistence_->WaitForChild();
  int save = shutdown_save_.load();
  if (save > 0 || (save == 0 && !ConfigSnapshot().save_rules.empty())) {
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    std::string err = persistence_->SaveLocked();
    if (!err.empty()) LOG_WARNING("Error trying to save the DB, can't exit.");
  }
}

}  // namespace carmine
