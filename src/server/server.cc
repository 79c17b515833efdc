// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
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
#include "net/socket.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/process.h"

namespace carmine {

// ---- Server ------------------------------------------------------------------------------------

void Server::HoldOtherWorkers(int self, const std::function<void()>& fn) {
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    int arrived = 0;
    bool open = false;
  };
  auto gate = std::make_shared<Gate>();
  int others = 0;
  for (int i = 0; i < num_workers(); i++) {
    if (i == self) continue;
    others++;
    workers_[i]->loop().Post([gate] {
      std::unique_lock<std::mutex> l(gate->mu);
      gate->arrived++;
      gate->cv.notify_all();
      gate->cv.wait(l, [&] { return gate->open; });
    });
  }
  {
    // Wait (briefly) until the others are parked, so nothing is served once fn starts. A worker
    // that is itself holding the others (two DEBUG SLEEPs at once) never arrives: go on without
    // it rather than wait for each other.
    std::unique_lock<std::mutex> l(gate->mu);
    gate->cv.wait_for(l, std::chrono::milliseconds(200), [&] { return gate->arrived == others; });
  }
  fn();
  std::lock_guard<std::mutex> l(gate->mu);
  gate->open = true;
  gate->cv.notify_all();
}

Server::Server() {
  RegisterCoreFamilies(registry_);
  RegisterServerFamily(registry_, *this);
  RegisterConfigFamily(registry_, *this);
  RegisterClientFamily(registry_, *this);
  RegisterMemoryFamily(registry_, *this);
  RegisterPersistenceFamily(registry_, *this);
  RegisterDebugFamily(registry_, *this);
  RegisterReplicationFamily(registry_, *this);
  cluster_.Register(registry_);
  migrate_.Register(registry_);
  scripting_.Register(registry_);
  acl_.Register(registry_);
  // CONFIG SET of any TLS setting (even to the same value) builds the contexts again from the
  // files, so rotated certificates are picked up; new connections use them.
  auto tls_hook = config::Option::Hook([this]() -> std::string {
    if (!tls_opts_.enabled()) return "";
    if (std::string e = ConfigureTls(); !e.empty()) {
      LOG_WARNING("Failed to configure TLS: %s", e.c_str());
      return "Unable to update TLS configuration. Check server logs.";
    }
    return "";
  });
  TlsOptions& t = tls_opts_;
  for (config::Option* o : std::initializer_list<config::Option*>{
           &t.tls_cert_file, &t.tls_key_file, &t.tls_key_file_pass, &t.tls_client_cert_file,
           &t.tls_client_key_file, &t.tls_client_key_file_pass, &t.tls_dh_params_file,
           &t.tls_ca_cert_file, &t.tls_ca_cert_dir, &t.tls_protocols, &t.tls_ciphers,
           &t.tls_ciphersuites, &t.tls_auth_clients, &t.tls_prefer_server_ciphers,
           &t.tls_session_caching, &t.tls_session_cache_size, &t.tls_session_cache_timeout,
           &t.tls_replication, &t.tls_cluster}) {
    o->OnApply(tls_hook);
  }
  config_.AddDirective("rename-command", [this](config::Words args) -> std::string {
    if (args.size() != 2) return "Bad directive or wrong number of arguments";
    return registry_.Rename(args[0], args[1]);
  });
  config_.AddDirective("loadmodule", [](config::Words args) -> std::string {
    if (args.empty()) return "Bad directive or wrong number of arguments";
    return "Modules are not available in this server: can't load module from " + args[0];
  });
  config_.AddDirective("sentinel", [this](config::Words args) -> std::string {
    if (sentinel_ == nullptr) return "sentinel directive while not in sentinel mode";
    return sentinel_->Directive(std::vector<std::string>(args.begin(), args.end()));
  });
  // The tables are programs' data: a broken one is a bug, found at the first start.
  std::string bad = registry_.Validate();
  if (bad.empty()) bad = config_.Validate();
  if (!bad.empty()) {
    LOG_WARNING("Invalid built-in table: %s", bad.c_str());
    abort();
  }
  config_.SealDefaults();
  std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 40; i++) run_id_.push_back(kHex[rng() % 16]);
}

Server::~Server() {
  for (auto& w : workers_) w->Join();
  // Sentinel's links and the replica's link to its master live on worker 0's loop: gone before
  // the loops are.
  sentinel_.reset();
  if (replica_ != nullptr) replica_->CloseLink();
  cluster_.Stop();
  if (pipe_reader_.joinable()) pipe_reader_.join();
  for (int fd : listen_fds_) close(fd);
  if (metrics_fd_ >= 0) close(metrics_fd_);
  for (int fd : tls_fds_) close(fd);
}

uint64_t Server::EventLoopCycles() {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->loop().cycles();
  return n;
}

uint64_t Server::EventLoopBusyUs() {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->loop().busy_us();
  return n;
}

uint64_t Server::CronUs() {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->cron_us();
  return n;
}

uint64_t Server::EventLoopMaxUs() {
  uint64_t n = 0;
  for (auto& w : workers_) n = std::max(n, w->loop().max_busy_us());
  return n;
}

uint64_t Server::MaxCommandsPerCycle() {
  uint64_t n = 0;
  for (auto& w : workers_) n = std::max(n, w->max_commands_per_cycle());
  return n;
}

void RateSampler::Sample(uint64_t value, int64_t now_us) {
  std::lock_guard<std::mutex> l(mu_);
  if (last_us_ != 0 && now_us - last_us_ < 100000) return;
  if (last_us_ != 0) {
    double secs = static_cast<double>(now_us - last_us_) / 1e6;
    samples_[next_] = value >= last_value_ ? static_cast<double>(value - last_value_) / secs : 0;
    next_ = (next_ + 1) % 16;
    count_ = std::min(count_ + 1, 16);
  }
  last_value_ = value;
  last_us_ = now_us;
}

double RateSampler::rate() const {
  std::lock_guard<std::mutex> l(mu_);
  if (count_ == 0) return 0;
  double sum = 0;
  for (int i = 0; i < count_; i++) sum += samples_[i];
  return sum / count_;
}

void RateSampler::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  last_us_ = 0;
  next_ = count_ = 0;
}

std::vector<std::pair<int, std::string>> Server::ListenerLines() {
  // Numbered by kind (tcp 0, unix 1, tls 2) as Redis numbers them. A TLS listener once opened
  // stays listed, without addresses, after CONFIG SET tls-port 0, as in Redis.
  std::vector<std::pair<int, std::string>> out;
  std::lock_guard<std::mutex> l(listen_mu_);
  if (tcp_listeners_ > 0) {
    std::string line = "name=tcp";
    for (auto& a : tcp_addrs_) line += ",bind=" + a;
    out.emplace_back(0, line + ",port=" + std::to_string(bound_port_));
  }
  std::string unixsocket = server_opts_.unixsocket.get();
  if (!unixsocket.empty()) out.emplace_back(1, "name=unix,bind=" + unixsocket);
  if (tls_listed_) {
    std::string line = "name=tls";
    for (auto& a : tls_addrs_) line += ",bind=" + a;
    if (bound_tls_port_ != 0) line += ",port=" + std::to_string(bound_tls_port_);
    out.emplace_back(2, line);
  }
  return out;
}

void Server::ApplyLogLevel() { log::SetLevel(static_cast<log::Level>(server_opts_.loglevel.get())); }

void Server::ApplyEvictionSettings() {
  auto policy = static_cast<EvictPolicy>(opts_.maxmemory_policy.get());
  dbs_->set_lfu(IsLfuPolicy(policy), opts_.lfu_log_factor.get(), opts_.lfu_decay_time.get());
  dbs_->set_lazy_expire(opts_.lazyfree_lazy_expire.get());
  dbs_->set_lazy_server_del(opts_.lazyfree_lazy_server_del.get());
}

void Server::AttachConfigHooks() {
  repl_opts_.replica_read_only.OnApply(config::Option::Hook([this] {
    if (replica_ != nullptr && replica_->active()) {
      dbs_->set_replica(true, !repl_opts_.replica_read_only.get());
    }
    return std::string();
  }));
  // The backlog takes its new size at once, as Redis resizes it: a replica that reconnects
  // right after a shrink must not continue from bytes the smaller backlog would not hold.
  repl_opts_.repl_backlog_size.OnApply(config::Option::Hook([this] {
    repl_master_.backlog().set_size(static_cast<uint64_t>(repl_opts_.repl_backlog_size.get()));
    return std::string();
  }));
  using config::Option;
  // port, bind and tls-port share the hook (it runs once per CONFIG SET); each group of
  // listeners is left alone when its port and addresses did not change.
  auto rebind = Option::Hook([this] {
    if (workers_.empty()) return std::string();
    std::string e = RebindTcp();
    if (e.empty()) e = RebindTls();
    // The title names the listening address, so it follows the listeners.
    if (e.empty() && server_opts_.set_proc_title.get()) {
      process::SetTitle(*this, server_opts_.proc_title_template.get());
    }
    return e;
  });
  server_opts_.proc_title_template.OnApply(Option::Hook([this] {
    if (!server_opts_.set_proc_title.get()) return std::string();
    return process::SetTitle(*this, server_opts_.proc_title_template.get())
               ? std::string()
               : std::string("failed to set process title");
  }));
  server_opts_.port.OnApply(rebind);
  tls_opts_.tls_port.OnApply(rebind);
  server_opts_.bind.OnApply(rebind);
  server_opts_.loglevel.OnApply(Option::Hook([this] {
    ApplyLogLevel();
    return std::string();
  }));
  server_opts_.busy_poll_us.OnApply(Option::Hook([this] {
    for (auto& w : workers_) w->loop().SetBusyPollUs(server_opts_.busy_poll_us.get());
    return std::string();
  }));
  auto eviction = Option::Hook([this] {
    ApplyEvictionSettings();
    return std::string();
  });
  for (config::Option* o :
       std::initializer_list<config::Option*>{&opts_.maxmemory_policy, &opts_.lfu_log_factor,
                                             &opts_.lfu_decay_time, &opts_.lazyfree_lazy_expire,
                                             &opts_.lazyfree_lazy_server_del}) {
    o->OnApply(eviction);
  }
  opts_.tracking_table_max_keys.OnApply(Option::Hook([this] {
    dispatcher_->tracking().Trim(opts_.tracking_table_max_keys.get());
    return std::string();
  }));
  opts_.maxmemory.OnApply(Option::Hook([this] {
    // A lower limit takes effect right after the command that set it, as in Redis: its thread
    // evicts down to it (keys, and clients when maxmemory-clients is a share of it) before it
    // reads more. Not inside the command: a CONFIG SET in a transaction leaves the
    // transaction's other commands the keys they work on.
    if (workers_.empty()) return std::string();
    int w = CurrentWorker();
    Worker* target = workers_[w >= 0 && w < static_cast<int>(workers_.size()) ? w : 0].get();
    target->loop().Post([this, target] {
      if (opts_.maxmemory.get() > 0 && !dbs_->loading()) {
        dispatcher_->evictor().Perform(clock::NowMs());
      }
      EvictClientsIfNeeded(target);
    });
    return std::string();
  }));
  opts_.maxmemory_clients_option.OnApply(Option::Hook([this] {
    if (!workers_.empty()) EvictClientsIfNeeded();
    return std::string();
  }));
  opts_.notify_keyspace_events.OnApply(Option::Hook([this] {
    dbs_->set_notify_flags(opts_.notify_flags.load());
    return std::string();
  }));
  opts_.slowlog_max_len.OnApply(Option::Hook([this] {
    dispatcher_->slowlog().Trim(opts_.slowlog_max_len.get());
    return std::string();
  }));
  auto misconf = Option::Hook([this] {
    persistence_->UpdateWriteRefusal();
    return std::string();
  });
  persist_opts_.save.OnApply(misconf);
  persist_opts_.stop_writes_on_bgsave_error.OnApply(misconf);
  persist_opts_.appendonly.OnApply(Option::Hook([this] { return aof_->ApplyAppendOnly(); }));
  persist_opts_.aof_disable_auto_gc.OnApply(Option::Hook([this] {
    aof_->ApplyAutoGc();
    return std::string();
  }));
  server_opts_.jemalloc_bg_thread.OnApply(Option::Hook([this] {
    mem::SetBackgroundThread(server_opts_.jemalloc_bg_thread.get());
    return std::string();
  }));
  auto oom = Option::Hook([this] {
    return process::ApplyOomScoreAdj(server_opts_, replica_ != nullptr && replica_->active());
  });
  server_opts_.oom_score_adj.OnApply(oom);
  server_opts_.oom_score_adj_values.OnApply(oom);
  server_opts_.locale_collate.OnApply(Option::Hook([this] {
    setlocale(LC_COLLATE, server_opts_.locale_collate.get().c_str());
    return std::string();
  }));
}

void Server::OnKeyModified(int, std::string_view key) {
  TrackingRegistry& t = dispatcher_->tracking();
  if (t.active()) t.Invalidate(key, CurrentClientId());
}

void Server::OnKeyExpired(int db, std::string_view key) {
  TrackingRegistry& t = dispatcher_->tracking();
  if (t.active()) t.Invalidate(key, 0);
  if (propagation_.active()) {
    propagation_.Append(db, {dbs_->lazy_expire() ? "UNLINK" : "DEL", std::string(key)});
  }
}

void Server::OnDbChanged(int) {
  // Also with no tracking client left: the keys remembered for clients that turned tracking
  // off go too, as Redis frees its tracking table on a flush.
  dispatcher_->tracking().InvalidateAll();
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

std::string Server::RebindTcp() {
  std::lock_guard<std::mutex> l(listen_mu_);
  const int port = server_opts_.port.get();
  std::vector<int> tcp(listen_fds_.begin(), listen_fds_.begin() + tcp_listeners_);
  if (!RebindGroup(port, bound_port_, ListenerKind::kTcp, tcp, tcp_addrs_)) {
    return port != bound_port_ ? "Unable to listen on this port"
                               : "Failed to bind to specified addresses.";
  }
  listen_fds_.erase(listen_fds_.begin(), listen_fds_.begin() + tcp_listeners_);
  listen_fds_.insert(listen_fds_.begin(), tcp.begin(), tcp.end());
  tcp_listeners_ = tcp.size();
  bound_port_ = port;
  return "";
}

std::string Server::RebindTls() {
  std::lock_guard<std::mutex> l(listen_mu_);
  const int port = tls_opts_.tls_port.get();
  // A TLS port opened at run time needs the context the certificates make.
  if (port != 0 && tls_.get() == nullptr) {
    if (std::string e = ConfigureTls(); !e.empty()) {
      LOG_WARNING("Failed to configure TLS: %s", e.c_str());
      return "Unable to update TLS configuration. Check server logs.";
    }
  }
  if (!RebindGroup(port, bound_tls_port_, ListenerKind::kTls, tls_fds_, tls_addrs_)) {
    return port != bound_tls_port_ ? "Unable to listen on this port. Check server logs."
                                   : "Failed to bind to specified addresses.";
  }
  bound_tls_port_ = port;
  tls_listed_ = tls_listed_ || port != 0;
  return "";
}

bool Server::RebindGroup(int port, int bound, ListenerKind kind, std::vector<int>& fds_io,
                         std::vector<std::string>& addrs_io) {
  const bool port_changed = port != bound;
  const std::vector<std::string> bind = server_opts_.bind_addresses();
  const int backlog = server_opts_.tcp_backlog.get();
  // Addresses that stay bound on the same port keep their socket (re-binding them would fail with
  // EADDRINUSE while the old one is open); the others are opened before anything is closed, so a
  // failure leaves the current listeners untouched.
  std::vector<int> fds, fresh;
  std::vector<std::string> addrs;
  const std::vector<int> current = fds_io;
  if (port != 0) {
    for (auto& addr : bind) {
      if (!port_changed) {
        auto it = std::find(addrs_io.begin(), addrs_io.end(), addr);
        if (it != addrs_io.end()) {
          fds.push_back(current[it - addrs_io.begin()]);
          addrs.push_back(addr);
          continue;
        }
      }
      auto r = net::ListenTcp(addr, port, backlog);
      if (!r.ok()) {
        for (int fd : fresh) close(fd);
        LOG_WARNING("%s", r.status().message().c_str());
        return false;
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
  if (old.empty() && fresh.empty()) return true;  // nothing moves
  // Each worker drops the old sockets and adds the new ones on its own thread; the last worker to
  // finish closes the old sockets, so no worker can be inside accept() on a closed descriptor.
  auto remaining = std::make_shared<std::atomic<int>>(static_cast<int>(workers_.size()));
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp, old, fresh, remaining, kind] {
      for (int fd : old) wp->RemoveListener(fd);
      for (int fd : fresh) wp->AddListener(fd, kind);
      if (remaining->fetch_sub(1) == 1) {
        for (int fd : old) close(fd);
      }
    });
  }
  fds_io = fds;
  addrs_io = addrs;
  return true;
}

std::string Server::ConfigureTls() {
  std::string err;
  auto ctx = net::TlsContext::Create(tls_opts_, &err);
  if (ctx == nullptr) return err;
  tls_.set(std::move(ctx));
  return "";
}

void Server::InstallAclHooks() {
  dispatcher_->hooks().acl = [this](const CommandCheck& c, std::string* refusal) {
    return acl_.Check(c, refusal);
  };
  dispatcher_->hooks().acl_script = [this](const CommandSpec* spec, ArgList args,
                                           const Session& caller, bool log) {
    return acl_.CheckScriptCall(spec, args, caller, log);
  };
  dispatcher_->hooks().acl_reads_all_keys = [this](const CommandSpec* spec, ArgList args,
                                                   const Session& s) {
    return acl_.ReadsAllKeys(spec, args, s);
  };
  acl_.hooks.client_info = [](const Session& s) { return ClientLine(s, clock::NowMs()); };
  // Connections of a deleted user are closed; the one that deleted it after its reply.
  acl_.hooks.kill_clients = [this](const AclUserRef* user, Session* current) {
    ForEachClient([&](Connection* c, Worker* w) {
      Session& s = c->session();
      {
        std::lock_guard<std::mutex> l(s.info_mu);
        if (s.acl_user.get() != user) return;
      }
      if (&s == current) {
        s.close_after_reply = true;
        return;
      }
      s.kill_requested = 1;
      uint64_t id = s.id;
      w->loop().Post([w, id] { w->KillClient(id); });
    });
  };
  // Subscribers whose user lost a channel they listen to are closed at once (gone from CLIENT
  // LIST when ACL SETUSER returns, as in Redis).
  acl_.hooks.recheck_subscribers = [this](const AclUserRef* user, const AclUser& now) {
    ForEachClient([&](Connection* c, Worker* w) {
      Session& s = c->session();
      {
        std::lock_guard<std::mutex> l(s.info_mu);
        if (s.acl_user.get() != user || Acl::SubscriptionsAllowed(s, now)) return;
      }
      s.kill_requested = 1;
      uint64_t id = s.id;
      w->loop().Post([w, id] { w->KillClient(id); });
    });
  };
}

bool Server::protected_mode_denies(int fd) const {
  // Whatever `bind` says, as Redis 7 does: only the loopback reaches a password-less server.
  return server_opts_.protected_mode.get() && acl_.DefaultUserNoPass() &&
         !net::IsLoopbackPeer(fd);
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
  } else {
    if (until_ms > pause_until_ms_.load()) pause_until_ms_ = until_ms;
    if (all) pause_all_ = true;
  }
  dbs_->set_expire_paused_until(pause_until_ms_.load());
}

void Server::Unpause() {
  pause_until_ms_ = 0;
  pause_all_ = false;
  dbs_->set_expire_paused_until(0);
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp] { wp->ResumePaused(); });
  }
}

DefragSettings Server::defrag_settings() const {
  DefragSettings s;
  s.enabled = server_opts_.activedefrag.get();
  s.ignore_bytes = server_opts_.active_defrag_ignore_bytes.get();
  s.threshold_lower = server_opts_.active_defrag_threshold_lower.get();
  s.threshold_upper = server_opts_.active_defrag_threshold_upper.get();
  s.cycle_min = server_opts_.active_defrag_cycle_min.get();
  s.cycle_max = server_opts_.active_defrag_cycle_max.get();
  s.max_scan_fields = server_opts_.active_defrag_max_scan_fields.get();
  return s;
}

bool Server::IsPauseActive(int64_t now_ms) const {
  int64_t until = pause_until_ms_.load(std::memory_order_relaxed);
  return until != 0 && now_ms < until;
}

bool Server::IsPausedFor(uint32_t cmd_flags, int64_t now_ms) const {
  if (!IsPauseActive(now_ms)) return false;
  return pause_all_.load() || (cmd_flags & (kWrite | kMayReplicate));
}

void Server::InitData() {
  threads_ = server_opts_.threads.get();
  // io-threads N (Redis's I/O threads) means N workers when `threads` is not given.
  if (threads_ <= 0 && server_opts_.io_threads.get() > 1) threads_ = server_opts_.io_threads.get();
  if (threads_ <= 0) threads_ = static_cast<int>(std::thread::hardware_concurrency());
  if (threads_ <= 0) threads_ = 1;
  // Sentinel's state lives on one loop: the SENTINEL command runs where its timer runs.
  if (sentinel_ != nullptr) threads_ = 1;
  int shards = 1;
  if (threads_ > 1) {
    while (shards < threads_ * 8) shards <<= 1;
  }
  // Cluster mode serves database 0 only, one shard per hash slot: a slot's keys are one table.
  const bool cluster_mode = cluster_opts_.cluster_enabled.get();
  if (cluster_mode) shards = static_cast<int>(DbSet::kSlots);
  opts_.cluster_enabled.store(cluster_mode);
  // Statistics counters skip locked instructions when a single worker writes them.
  SetCountersMultiWriter(threads_ > 1);
  dbs_ = std::make_unique<DbSet>(cluster_mode ? 1 : server_opts_.databases.get(), shards,
                                 threads_ > 1);
  dbs_->set_observer(this);
  persistence_ = std::make_unique<Persistence>(*this);
  aof_ = std::make_unique<Aof>(*this, persist_opts_);
  lazy_freer_ = std::make_unique<LazyFreer>();
  dbs_->set_lazy_freer(lazy_freer_.get());
  dispatcher_ = std::make_unique<Dispatcher>(registry_, *dbs_, opts_, acl_);
  dispatcher_->set_sink(&propagation_);
  dispatcher_->hooks().flushed_all = [this] { persistence_->FlushedAll(); };
  // The stream kept only for replicas (beyond the backlog) is not evicted for, as in Redis.
  dispatcher_->evictor().set_not_counted([this]() -> size_t {
    if (!repl_master_.backlog_active()) return 0;
    const ReplBacklog& b = repl_master_.backlog();
    uint64_t held = b.held_bytes(), size = b.size();
    return (held > size ? held - size : 0) + repl_master_.ReplicaOutputBytes();
  });
  dispatcher_->set_min_replicas_to_write(&repl_opts_.min_replicas_to_write);
  replica_ = std::make_unique<ReplicaClient>(*this);
  failover_ = std::make_unique<Failover>(*this);
  dispatcher_->hooks().good_replicas = [this] {
    return repl_master_.GoodReplicas(clock::NowMs(), repl_opts_.min_replicas_max_lag.get());
  };
  dispatcher_->hooks().replicate_only = [this](int db, ArgList args) {
    if (!repl_master_.backlog_active()) return;
    repl_master_.Feed(db, std::vector<std::string>(args.begin(), args.end()));
  };
  scripting_.InstallHooks(*dispatcher_);
  InstallAclHooks();
  dispatcher_->hooks().read_only_replica = [this] {
    return replica_->active() && repl_opts_.replica_read_only.get();
  };
  dispatcher_->hooks().master_down = [this] {
    return replica_->active() && !replica_->link_up() && !repl_opts_.replica_serve_stale_data.get();
  };
  AttachConfigHooks();
  ApplyEvictionSettings();
  dbs_->set_notify_flags(opts_.notify_flags.load());
  persistence_->UpdateWriteRefusal();
  mem::SetBackgroundThread(server_opts_.jemalloc_bg_thread.get());
  process::ApplyOomScoreAdj(server_opts_, false);
  if (!server_opts_.locale_collate.empty()) {
    setlocale(LC_COLLATE, server_opts_.locale_collate.get().c_str());
  }
}

Status Server::Listen() {
  const int port = server_opts_.port.get();
  const int backlog = server_opts_.tcp_backlog.get();
  const std::vector<std::string> bind = server_opts_.bind_addresses();
  std::lock_guard<std::mutex> l(listen_mu_);
  auto failed_tcp = [&](const Status& why) {
    LOG_WARNING("%s", why.message().c_str());
    return Status::Error("Failed listening on port " + std::to_string(port) + " (tcp), aborting.");
  };
  if (port != 0) {
    for (auto& addr : bind) {
      auto r = net::ListenTcp(addr, port, backlog);
      if (!r.ok()) return failed_tcp(r.status());
      if (r.value() >= 0) {
        listen_fds_.push_back(r.value());
        tcp_addrs_.push_back(addr);
      }
    }
    // `bind ""` listens on no address (a unix socket, or TLS only), as Redis allows.
    if (listen_fds_.empty() && !bind.empty()) {
      return failed_tcp(Status::Error("No address to listen on"));
    }
  }
  bound_port_ = port;
  tcp_listeners_ = listen_fds_.size();
  const std::string unixsocket = server_opts_.unixsocket.get();
  if (!unixsocket.empty()) {
    auto r = net::ListenUnix(unixsocket, server_opts_.unixsocketperm(), backlog);
    if (!r.ok()) {
      LOG_WARNING("%s", r.status().message().c_str());
      return Status::Error("Failed opening Unix socket: " + r.status().message());
    }
    listen_fds_.push_back(r.value());
  }
  if (int tport = tls_opts_.tls_port.get(); tport != 0) {
    for (auto& addr : bind) {
      auto r = net::ListenTcp(addr, tport, backlog);
      if (!r.ok()) {
        LOG_WARNING("%s", r.status().message().c_str());
        return Status::Error("Failed listening on port " + std::to_string(tport) +
                             " (tls), aborting.");
      }
      if (r.value() >= 0) {
        tls_fds_.push_back(r.value());
        tls_addrs_.push_back(addr);
      }
    }
  }
  bound_tls_port_ = tls_opts_.tls_port.get();
  tls_listed_ = bound_tls_port_ != 0;
  if (listen_fds_.empty() && tls_fds_.empty()) {
    return Status::Error("Configured to not listen anywhere, exiting.");
  }
  if (int mport = server_opts_.metrics_port.get(); mport != 0) {
    // Prometheus scrapes over TCP on the same addresses as the client port.
    std::string addr = bind.empty() ? std::string("*") : bind.front();
    auto r = net::ListenTcp(addr, mport, backlog);
    if (!r.ok()) return r.status();
    metrics_fd_ = r.value();
  }
  return Status::Ok();
}

Status Server::Start() {
  InitData();
  start_ms_ = clock::NowMs();
  process::PrintBanner(*this);
  if (std::string e = acl_.Start(); !e.empty()) {
    for (size_t i = 0; i < e.size();) {
      size_t nl = std::min(e.find('\n', i), e.size());
      LOG_WARNING("%s", e.substr(i, nl - i).c_str());
      i = nl + 1;
    }
    return Status::Error("");
  }
  if (tls_opts_.enabled()) {
    if (std::string e = ConfigureTls(); !e.empty()) {
      LOG_WARNING("%s", e.c_str());
      return Status::Error("Failed to configure TLS. Check logs for more info.");
    }
  }
  if (Status s = Listen(); !s.ok()) return s;
  if (cluster_opts_.cluster_enabled.get()) {
    if (Status s = cluster_.Init(); !s.ok()) return s;
    dispatcher_->hooks().cluster = [this](const CommandCheck& c, std::string* refusal) {
      *refusal = cluster_.Route(c);
      return refusal->empty();
    };
    dispatcher_->hooks().cluster_publish = [this](std::string_view ch, std::string_view msg,
                                                  bool shard) {
      cluster_.PropagatePublish(ch, msg, shard);
    };
  }
  for (int i = 0; i < threads_; i++) {
    workers_.push_back(std::make_unique<Worker>(*this, i));
    workers_.back()->loop().SetBusyPollUs(server_opts_.busy_poll_us.get());
  }
  for (auto& w : workers_) {
    for (size_t i = 0; i < listen_fds_.size(); i++) {
      w->AddListener(listen_fds_[i], i >= tcp_listeners_ ? ListenerKind::kUnix : ListenerKind::kTcp);
    }
    if (metrics_fd_ >= 0) w->AddListener(metrics_fd_, ListenerKind::kMetrics);
    for (int fd : tls_fds_) w->AddListener(fd, ListenerKind::kTls);
  }
  if (sentinel_ == nullptr) LOG_NOTICE("Server initialized");
  // Clients are served while the dataset loads: commands that need it answer -LOADING, as in
  // Redis, and INFO shows the progress.
  dbs_->set_loading(true);
  loading_start_ms_.store(clock::NowMs());
  // Read before the workers run: from then on CONFIG SET port may rebind the listeners.
  const bool listening_tcp = tcp_listeners_ > 0;
  if (cluster_.enabled()) workers_[0]->loop().Post([this] { cluster_.Start(); });
  for (auto& w : workers_) w->Start();
  // With appendonly yes the AOF is the dataset, even when an RDB file exists (as in Redis).
  Status st = sentinel_ != nullptr           ? Status::Ok()
              : persist_opts_.appendonly.get() ? aof_->LoadAndOpen()
                                               : persistence_->LoadAtStartup();
  dbs_->set_loading(false);
  dbs_->stats().dirty.Sub(dbs_->stats().dirty.load());  // what was loaded is saved already
  if (!st.ok()) {
    for (auto& w : workers_) w->Join();
    return st;
  }
  stats_.startup_memory.store(mem::UsedMemory());
  if (sentinel_ != nullptr) return StartSentinel();
  cluster_host_.set_started();
  if (cluster_.enabled()) cluster_.VerifyConfigWithData();
  RestoreReplicationState();
  if (listening_tcp) LOG_NOTICE("Ready to accept connections tcp");
  if (!server_opts_.unixsocket.empty()) LOG_NOTICE("Ready to accept connections unix");
  bool listening_tls = false;
  {
    std::lock_guard<std::mutex> l(listen_mu_);  // CONFIG SET tls-port may already run
    listening_tls = !tls_fds_.empty();
  }
  if (listening_tls) LOG_NOTICE("Ready to accept connections tls");
  return Status::Ok();
}

int64_t Server::ClientMemoryLimit() const {
  int64_t limit = opts_.maxmemory_clients.load(std::memory_order_relaxed);
  if (limit < 0) limit = opts_.maxmemory.get() * -limit / 100;
  return limit;
}

int64_t Server::ClientMemoryTotal() const {
  int64_t total = 0;
  for (const auto& w : workers_) total += w->client_mem();
  return total;
}

void Server::EvictClientsIfNeeded(Worker* caller) {
  int64_t limit = ClientMemoryLimit();
  if (limit <= 0) return;
  struct Use {
    size_t bytes;
    uint64_t id;
    Worker* w;
  };
  std::vector<Use> uses;
  size_t total = 0;
  // Each client counts as of its last settled state (no command in flight), as Redis counts
  // them from its memory buckets.
  ForEachClient([&](Connection* c, Worker* w) {
    const Session& s = c->session();
    // Already on its way out (evicted or killed, its thread closes it next): neither counted
    // nor evicted twice.
    if (s.kill_requested.load(std::memory_order_relaxed)) return;
    size_t b = static_cast<size_t>(std::max<int64_t>(0, c->settled_memory()));
    total += b;
    if (!s.no_evict.load(std::memory_order_relaxed)) uses.push_back({b, s.id, w});
  });
  if (total <= static_cast<size_t>(limit)) return;
  // The biggest clients go first, until the rest is within the limit (Redis evicts from its
  // largest buckets; a total exactly at the limit is kept).
  std::sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) { return a.bytes > b.bytes; });
  for (const Use& u : uses) {
    if (total <= static_cast<size_t>(limit)) break;
    total -= u.bytes;
    Worker* w = u.w;
    uint64_t id = u.id;
    // Gone from CLIENT LIST (and from the next count) at once, as Redis frees it at once. It
    // runs nothing more: its thread looks for the kill before each command.
    {
      std::lock_guard<std::mutex> l(clients_mu_);
      auto it = clients_.find(id);
      if (it == clients_.end()) continue;  // closed meanwhile
      it->second.first->session().kill_requested = 1;
      clients_.erase(it);
      stats_.connected_clients.fetch_sub(1);
    }
    stats_.evicted_clients.fetch_add(1, std::memory_order_relaxed);
    LOG_VERBOSE("Evicting client: id=%llu (%zu bytes)", static_cast<unsigned long long>(id),
                u.bytes);
    if (w == caller) {
      // Never called from inside message delivery (PushMessage only charges memory), so the
      // caller's own clients can be closed at once.
      w->KillClient(id);
      continue;
    }
    w->loop().Post([w, id] { w->KillClient(id); });
  }
}

std::string Server::PrepareShutdown(int flags) {
  std::lock_guard<std::mutex> l(prepare_mu_);
  bool force = flags & kShutdownForce;
  // A running child would only write a file nobody waits for.
  persistence_->KillChild();
  debug_sessions_.KillAll();
  if (aof_->writing_initial()) {
    // The AOF was just turned on and holds nothing yet: exiting now would lose the dataset.
    if (!force) {
      LOG_WARNING("Writing initial AOF, can't exit.");
      LOG_WARNING("Errors trying to shut down the server. Check the logs for more information.");
      return std::string(err::kShutdownErrors);
    }
    LOG_WARNING("Writing initial AOF. Exit anyway.");
  }
  aof_->StopRewrite();
  if (aof_->enabled()) {
    LOG_NOTICE("Calling fsync() on the AOF file.");
    aof_->FlushAndSync();
  }
  bool save = sentinel_ == nullptr &&
              ((flags & kShutdownSave) ||
               (!(flags & kShutdownNoSave) && !persist_opts_.save_rules().empty()));
  if (save) {
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    ShardLocks all;
    all.AddAll(*dbs_);
    all.Acquire();
    std::string err = persistence_->SaveLocked();
    if (!err.empty()) {
      if (!force) {
        LOG_WARNING("Error trying to save the DB, can't exit.");
        LOG_WARNING("Errors trying to shut down the server. Check the logs for more information.");
        return std::string(err::kShutdownErrors);
      }
      LOG_WARNING("Error trying to save the DB. Exit anyway.");
    }
  }
  return "";
}

void Server::StopAccepting() {
  // shutdown(2), not close(2): the workers' event loops still hold the descriptors, but a
  // client connecting from now on is refused instead of accepted by a server about to exit.
  std::lock_guard<std::mutex> l(listen_mu_);
  for (int fd : listen_fds_) ::shutdown(fd, SHUT_RDWR);
}

void Server::RequestExit() {
  shutdown_.store(true);
  shutdown_cv_.notify_all();
}

int Server::WaitForShutdown() {
  // Polled with a short timeout because signal handlers may only set a flag.
  while (true) {
    {
      std::unique_lock<std::mutex> l(shutdown_mu_);
      shutdown_cv_.wait_for(l, std::chrono::milliseconds(20));
    }
    if (shutdown_.load()) break;
    if (RunClientShutdown()) break;
    // DEBUG PAUSE-CRON holds a signal's shutdown back (Redis handles it in its cron).
    if (cron_paused()) continue;
    int sig = pending_signal_.exchange(0);
    if (sig == 0) continue;
    signal_shutdown_running_.store(true);
    int flags = sig == SIGINT ? server_opts_.sigint_flags() : server_opts_.sigterm_flags();
    LOG_NOTICE("User requested shutdown...");
    if (WaitForLaggingReplicas(flags) && PrepareShutdown(flags).empty()) {
      StopAccepting();
      break;
    }
    shutdown_deadline_ms_.store(0);
    Unpause();
    bool aborted = shutdown_abort_.exchange(false);
    signal_shutdown_running_.store(false);
    if (aborted) continue;
    LOG_WARNING("%s received but errors trying to shut down the server, check the logs for more "
                "information",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
  }
  shutdown_.store(true);
  if (scripting_.engine().running_since_ms() != 0) {
    // SHUTDOWN NOSAVE while a script is busy: its worker cannot stop until the script ends, so
    // the process ends without it (main exits at once), as Redis exits from inside the script.
    aof_->Stop();
    persistence_->WaitForChild();
    return 0;
  }
  // Stop accepting, let each worker close its clients on its own thread, then stop the loops.
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop().Post([wp] { wp->CloseAll(); });
  }
  for (auto& w : workers_) w->Join();
  {
    std::lock_guard<std::mutex> l(listen_mu_);
    for (int fd : listen_fds_) close(fd);
    listen_fds_.clear();
  }
  aof_->Stop();
  persistence_->WaitForChild();
  return 0;
}

}  // namespace carmine
