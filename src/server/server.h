// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Server and Worker: the process wiring. The Server owns the command registry, the databases, the
// configuration and the registry of all connections; each Worker runs one EventLoop thread that
// accepts from the shared listening sockets (EPOLLEXCLUSIVE spreads accepts across workers) and
// owns the connections it accepted. Each worker's periodic cron (hz) runs active expiry and
// incremental rehashing for the shards it is responsible for (shard index mod worker count), closes
// idle clients, and resumes clients parked by CLIENT PAUSE.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "acl/acl.h"
#include "base/config.h"
#include "base/counter.h"
#include "base/status.h"
#include "cluster/cluster.h"
#include "cluster/options.h"
#include "commands/context.h"
#include "cluster/migrate.h"
#include "commands/dispatcher.h"
#include "commands/options.h"
#include "commands/registry.h"
#include "db/db_set.h"
#include "db/defrag.h"
#include "db/lazyfree.h"
#include "net/event_loop.h"
#include "net/tls.h"
#include "net/tls_options.h"
#include "persist/options.h"
#include "replication/master.h"
#include "replication/options.h"
#include "sentinel/sentinel.h"
#include "scripting/options.h"
#include "scripting/scripting.h"
#include "server/aof.h"
#include "server/cluster_host.h"
#include "server/persistence.h"
#include "server/propagation_log.h"
#include "server/reply_buffer.h"
#include "server/failover.h"
#include "server/replica.h"
#include "server/server_options.h"

namespace carmine {

class Connection;
class Server;
struct Session;

// Memory one client holds in buffers (query, output, the running command, a MULTI queue) plus a
// fixed share for the connection itself: CLIENT LIST tot-mem and maxmemory-clients.
inline size_t ClientMemory(const Session& s) {
  // Buffers count by their allocation, not their content: a command in flight or a reply that
  // fits the reply buffer costs nothing more; output that grew the buffer past it does.
  return s.qbuf_alloc.load(std::memory_order_relaxed) +
         std::max(s.out_alloc.load(std::memory_order_relaxed),
                  s.rbs.load(std::memory_order_relaxed)) +
         s.argv_mem.load(std::memory_order_relaxed) + s.multi_mem.load(std::memory_order_relaxed) +
         s.state_mem.load(std::memory_order_relaxed) + 1024;
}

// What a listening socket accepts: clients over TCP or a unix socket, or Prometheus scrapes on
// metrics-port.
enum class ListenerKind : uint8_t { kTcp, kUnix, kMetrics, kTls };

// An "instantaneous" INFO figure: the rate of a growing counter over the last 16 samples taken
// every 100 ms, as Redis computes instantaneous_ops_per_sec.
class RateSampler {
 public:
  // Records the counter's value at `now_us` (at most one sample per 100 ms).
  void Sample(uint64_t value, int64_t now_us);
  double rate() const;  // per second
  void Reset();

 private:
  mutable std::mutex mu_;
  uint64_t last_value_ = 0;
  int64_t last_us_ = 0;
  double samples_[16] = {};
  int next_ = 0, count_ = 0;
};

// Server-wide counters for INFO stats.
struct ServerStats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  Counter net_input_bytes, net_output_bytes, reads_processed, writes_processed;
  std::atomic<int64_t> connected_clients{0};
  std::atomic<int64_t> paused_clients{0};  // held by CLIENT PAUSE (INFO counts them as blocked)
  std::atomic<uint64_t> output_limit_disconnections{0};
  std::atomic<uint64_t> query_limit_disconnections{0};
  std::atomic<uint64_t> evicted_clients{0};
  std::atomic<uint64_t> reply_buffer_shrinks{0}, reply_buffer_expands{0};
  // Instantaneous metrics, sampled by worker 0's cron. Event-loop figures are per worker.
  RateSampler ops, input_bytes, output_bytes, loop_cycles, loop_busy_us;
  std::atomic<size_t> peak_memory{0};
  std::atomic<size_t> startup_memory{0};  // used memory once the server is ready to serve
  std::atomic<uint64_t> sync_full{0}, sync_partial_ok{0}, sync_partial_err{0};
};

class Worker {
 public:
  Worker(Server& server, int index);
  ~Worker();

  Server& server() { return server_; }
  EventLoop& loop() { return loop_; }
  int index() const { return index_; }

  void Start();
  void Join();
  void AddListener(int fd, ListenerKind kind);
  // Stops accepting on `fd` (runs on this worker's thread).
  void RemoveListener(int fd);
  // Called by Connection when it should be destroyed at the end of this iteration.
  void ScheduleClose(Connection* c);
  void ParkPaused(Connection* c) { paused_.push_back(c); }
  void AddPendingFlush(Connection* c) { pending_flush_.push_back(c); }
  // Called from inside `running`'s command (a script past busy-reply-threshold): reads and
  // answers the thread's other clients once, as Redis does while a script is busy. Nothing else
  // runs (no timers, tasks, replication links) and no connection is freed meanwhile.
  void ProcessWhileBusy(Connection* running);
  // A command ran on this worker (INFO DEBUG eventloop_cmd_per_cycle_max).
  void CountCommand() { cycle_commands_++; }
  uint64_t cron_us() const { return cron_us_.load(std::memory_order_relaxed); }
  // Memory held by this worker's clients (ClientMemory summed), kept up to date by them.
  int64_t client_mem() const { return client_mem_.load(std::memory_order_relaxed); }
  void AddClientMem(int64_t delta) {
    client_mem_.store(client_mem_.load(std::memory_order_relaxed) + delta,
                      std::memory_order_relaxed);  // written by this worker's thread only
  }
  uint64_t max_commands_per_cycle() const { return cmd_per_cycle_max_.load(); }
  // Closes the connection with this id if this worker owns it (runs on this worker's thread).
  void KillClient(uint64_t id);
  // The connection with this id if this worker owns it (this worker's thread only).
  Connection* Find(uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }
  // Makes the connected socket to this server's master a client of this worker: the master
  // client (server/replica.h), `leftover` its first input, `db` its selected database.
  Connection* AdoptMaster(std::unique_ptr<net::Transport> t, uint64_t id, std::string_view leftover,
                          int db);
  // Runs fn on this worker's thread with the connection `id`, if it still exists then.
  void PostToClient(uint64_t id, std::function<void(Connection&)> fn);
  // Hands a blocked client its reply (runs on this worker's thread).
  void DeliverUnblocked(uint64_t id, std::string reply);
  // Hands a client a pub/sub message or invalidation (runs on this worker's thread).
  void DeliverPush(uint64_t id, std::string_view msg);
  void ResumePaused();
  // Closes every connection (shutdown).
  void CloseAll();

 private:
  class Listener;
  void Accept(int fd, ListenerKind kind);
  void Cron();
  // Active defragmentation's share of a cron tick (see db/defrag.h).
  void DefragCron();
  void ReapClosed();
  void BeforeSleep();

  Server& server_;
  int index_;
  EventLoop loop_;
  std::thread thread_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::vector<Connection*> to_close_;
  std::vector<Connection*> paused_;
  std::vector<Connection*> pending_flush_;
  bool in_busy_poll_ = false;  // inside ProcessWhileBusy
  uint64_t cron_runs_ = 0;
  int64_t defrag_checked_ms_ = 0;  // when worker 0 last weighed the fragmentation
  uint64_t cycle_commands_ = 0;
  std::atomic<uint64_t> cron_us_{0}, cmd_per_cycle_max_{0};
  std::atomic<int64_t> client_mem_{0};
};

class Server : public KeyspaceObserver {
 public:
  // Declares every directive and registers every command family; nothing runs yet.
  Server();
  ~Server() override;

  // Reads argv as redis-server does: [config-file] [--name value ...] [-] (server/config.cc).
  // Sets *exit_now (with an exit code) for --version and --help.
  Status Configure(int argc, char** argv, bool* exit_now, int* exit_code);
  // Builds the keyspace and the modules from the configuration, binds listeners, starts the
  // workers and loads the dataset. Errors are fatal for startup.
  Status Start();
  // Blocks until the server is to exit (SHUTDOWN, or a signal whose shutdown succeeded), then
  // closes the clients and stops the workers. Returns the process exit code.
  int WaitForShutdown();
  // Signal handlers call this: only an atomic store. The main thread then runs the shutdown
  // sequence with the flags of shutdown-on-sigterm / shutdown-on-sigint.
  void RequestShutdownFromSignal(int sig) { pending_signal_.store(sig); }
  // A signal's shutdown is pending or running (a second SIGINT then exits at once).
  bool signal_shutdown_active() const {
    return pending_signal_.load() != 0 || signal_shutdown_running_.load();
  }
  // SHUTDOWN ABORT: cancels a pending signal's shutdown, or the wait for lagging replicas of a
  // running one (its clients get the error). False when no shutdown is in progress.
  bool AbortShutdown();
  // A SHUTDOWN from a client is waiting for lagging replicas (another one joins it).
  bool client_shutdown_waiting();
  // Clients blocked in SHUTDOWN (INFO blocked_clients).
  size_t num_shutdown_waiters();
  // The process is about to exit: the listening sockets refuse new connections from now on.
  void StopAccepting();
  // The shutdown sequence before the process may exit (ShutdownFlag bits): stops children,
  // flushes the AOF, saves the final snapshot when asked (kShutdownSave) or when save rules are
  // set (unless kShutdownNoSave). Returns "" when the server may exit; with kShutdownForce, errors
  // are logged and ignored. Takes every shard lock while it saves.
  std::string PrepareShutdown(int flags);
  // Lets WaitForShutdown return (after PrepareShutdown succeeded).
  void RequestExit();
  // SHUTDOWN from a client while replicas lag: the main thread waits for them (workers keep
  // serving their acknowledgements), then shuts down; `b` gets the error if that fails.
  void RequestShutdownFromClient(int flags, std::shared_ptr<BlockedClient> b);
  // The main thread's handling of a client's SHUTDOWN request; true when the server may exit.
  bool RunClientShutdown();
  // A master with replicas that have not acknowledged everything: writes pause and the main
  // thread waits up to shutdown-timeout for them (unless `flags` has kShutdownNow), logging
  // how many are in sync, as Redis does before it exits.
  // False when SHUTDOWN ABORT ended the wait.
  bool WaitForLaggingReplicas(int flags);
  bool ReplicasLagging();
  // INFO shutdown_in_milliseconds while that wait runs (0: no wait).
  int64_t shutdown_deadline_ms() const { return shutdown_deadline_ms_.load(); }
  bool shutting_down() const { return shutdown_.load(); }

  // Shared state for workers, connections and server families.
  CommandRegistry& registry() { return registry_; }
  Dispatcher& dispatcher() { return *dispatcher_; }
  DbSet& dbs() { return *dbs_; }
  LazyFreer& lazy_freer() { return *lazy_freer_; }
  Persistence& persistence() { return *persistence_; }
  // SCRIPT DEBUG YES's forked sessions.
  DebugSessions& debug_sessions() { return debug_sessions_; }
  MigrateClient& migrate() { return migrate_; }
  Defragger& defrag() { return defrag_; }
  const Defragger& defrag() const { return defrag_; }
  // The active-defrag-* directives as the defragmenter reads them.
  DefragSettings defrag_settings() const;
  // Between two commands of an AOF being replayed: the defrag work the workers' crons would do
  // (they stand still while a dataset loads), and the while-blocked-cron latency event.
  void DefragWhileLoading();
  Scripting& scripting() { return scripting_; }
  // The function libraries of a loaded RDB image replace the loaded ones (a failure is logged).
  void LoadRdbFunctions(const rdb::LoadStats& stats);
  Aof& aof() { return *aof_; }
  bool cron_paused() const { return cron_paused_.load(std::memory_order_relaxed); }
  void set_cron_paused(bool v) { cron_paused_.store(v); }
  RuntimeOptions& opts() { return opts_; }
  ServerOptions& server_opts() { return server_opts_; }
  PersistOptions& persist_opts() { return persist_opts_; }
  ReplicationOptions& repl_opts() { return repl_opts_; }
  TlsOptions& tls_opts() { return tls_opts_; }
  // The TLS context in force (null while TLS is off).
  std::shared_ptr<net::TlsContext> tls() const { return tls_.get(); }
  ClusterOptions& cluster_opts() { return cluster_opts_; }
  // Cluster mode's runtime (its commands exist in every mode; they refuse unless enabled).
  Cluster& cluster() { return cluster_; }
  Acl& acl() { return acl_; }
  config::Registry& config() { return config_; }
  // The configuration file's absolute path ("" when started without one).
  const std::string& config_file() const { return config_file_; }
  // Worker threads (known once Start() ran).
  int threads() const { return threads_; }
  ServerStats& stats() { return stats_; }
  ReplyBufferPolicy& reply_buffer_policy() { return reply_buffer_policy_; }
  int num_workers() const { return static_cast<int>(workers_.size()); }
  Worker& worker(int i) { return *workers_[i]; }

  int hz() const { return server_opts_.hz(); }
  // INFO: event-loop iterations and their working time, summed over the workers; the
  // listener<N> lines ("name=tcp,bind=*,port=6379").
  uint64_t EventLoopCycles();
  uint64_t EventLoopBusyUs();
  // INFO DEBUG: time in the crons, the longest iteration, most commands in one iteration.
  uint64_t CronUs();
  uint64_t EventLoopMaxUs();
  uint64_t MaxCommandsPerCycle();
  // INFO server's listener<N> lines: (N, text).
  std::vector<std::pair<int, std::string>> ListenerLines();
  bool protected_mode_denies(int fd) const;

  // Client registry (CLIENT LIST/KILL/INFO). Visit holds the registry lock.
  uint64_t NextClientId() { return next_client_id_.fetch_add(1); }
  void RegisterClient(Connection* c, Worker* w);
  void UnregisterClient(Connection* c);
  template <typename Fn>
  void ForEachClient(Fn fn) {
    std::lock_guard<std::mutex> l(clients_mu_);
    for (auto& [id, entry] : clients_) fn(entry.first, entry.second);
  }

  // CLIENT PAUSE state.
  // Runs `fn` on worker `self` while every other worker waits, so the whole server stops as
  // Redis's single thread does (DEBUG SLEEP simulates a server that does not answer).
  void HoldOtherWorkers(int self, const std::function<void()>& fn);
  void Pause(int64_t until_ms, bool all);
  void Unpause();
  // True if a CLIENT PAUSE is in force at now_ms.
  bool IsPauseActive(int64_t now_ms) const;
  // True if a command with these flags must wait now.
  bool IsPausedFor(uint32_t cmd_flags, int64_t now_ms) const;

  int64_t start_time_ms() const { return start_ms_; }
  int64_t loading_start_ms() const { return loading_start_ms_.load(); }
  // Loading progress for INFO: bytes of the files being loaded, and how far the loader is.
  std::atomic<int64_t> loading_total_bytes{0}, loading_loaded_bytes{0};
  const std::string& run_id() const { return run_id_; }
  const std::string& executable() const { return executable_; }
  void set_executable(std::string e) { executable_ = std::move(e); }

  PropagationLog& propagation() { return propagation_; }

  // Replication, master side (server/replication_family.cc).
  ReplicationMaster& repl_master() { return repl_master_; }
  // SYNC/PSYNC from the client `c` (on its own thread): a partial resync from the backlog, or a
  // full one from the next snapshot. `psync` false for SYNC.
  void StartReplicaSync(Connection& c, CommandContext& ctx, bool psync, std::string_view replid,
                        int64_t offset);
  // A replica's connection went away.
  void ReplicaGone(const ReplicaLink& r);
  // WAIT: `b` waits until `num` replicas acknowledged `offset` (or its deadline passes; the
  // worker's cron times it out). WAITAOF (`numlocal` >= 0): until `numlocal` local AOF (0 or 1)
  // and `num` replicas' AOFs are fsynced up to `offset`. WakeWaiters runs after each
  // acknowledgement and each move of the local AOF's fsynced offset.
  void AddWaiter(std::shared_ptr<BlockedClient> b, uint64_t offset, int num, int numlocal = -1);
  void WakeWaiters();
  // WAITAOF's reply for `offset` as things stand: [local fsynced (0/1), replicas fsynced].
  std::string WaitAofReply(uint64_t offset);
  // The AOF's fsynced offset moved (any thread): waiters are checked, and a replica tells its
  // master.
  void AofFsyncedMoved();
  // The AOF was turned off: WAITAOF waiters that need the local copy get Redis's error.
  void AofTurnedOff();
  // This server became a replica: WAIT/WAITAOF waiters are unblocked with -UNBLOCKED.
  void UnblockWaitersOnRoleChange();
  // Clients in WAIT now (INFO blocked_clients).
  size_t num_waiters();
  // Collects the diskless sync's child once its output ended, retrying a few times shortly
  // (worker 0's thread).
  void CollectSnapshotChild(int tries);
  // Closes every replica's connection (this server's history changed: they must ask again).
  void DisconnectReplicas();
  // Makes the backlog keep the stream (the first replica, or a replica's first sync, which
  // logs nothing: its ids are its master's).
  void ActivateReplicationBacklog(bool quiet = false);
  // repl-backlog-ttl passed with no replica attached (a master only): the backlog is freed.
  void FreeReplicationBacklog(int64_t ttl);
  // The replica side: this server's own master (server/replica.h).
  ReplicaClient& replica() { return *replica_; }
  Failover& failover() { return *failover_; }
  // Sentinel mode (--sentinel, or started as carmine-sentinel/redis-sentinel): the Sentinel
  // this process runs; nullptr for a data server.
  sentinel::Sentinel* sentinel() { return sentinel_.get(); }
  // Switches to sentinel mode before the config is read: Sentinel's command table, its
  // default port, one worker.
  void EnableSentinelMode();
  // The replication fields a snapshot records (RDB aux repl-stream-db, repl-id, repl-offset):
  // set for a master that has a backlog and for a replica, as Redis records them.
  void FillReplicationSaveInfo(rdb::SaveOptions* o);
  // The first worker's cron: starts the snapshot replicas wait for, pings replicas, drops the
  // ones that stopped acknowledging or fell further behind than their output limit.
  void ReplicationCron(int64_t now_ms);
  // A fork child started or ended: tables avoid resizing while one runs (copy-on-write).
  void ChildChanged() { g_avoid_table_resize.store(ChildRunning()); }
  bool ChildRunning() const { return persistence_->bgsave_in_progress() || aof_->child_running(); }

  // KeyspaceObserver: client-side caching invalidation, keyspace events, and propagating
  // expirations as DEL. (WATCH is handled inside db/.)
  void OnKeyModified(int db, std::string_view key) override;
  void OnKeyExpired(int db, std::string_view key) override;
  void OnDbChanged(int db) override;
  void OnEvent(int db, uint32_t type, std::string_view event, std::string_view key) override;

  // maxmemory-clients: closes the biggest clients (not CLIENT NO-EVICT ones) while all client
  // buffers together are over the limit (run by the first worker's cron).
  // maxmemory-clients: when the clients together hold more, the biggest ones are closed until the
  // rest fits. `caller` closes its own victims at once; other workers' are closed by them next
  // (and leave CLIENT LIST at once).
  void EvictClientsIfNeeded(Worker* caller = nullptr);
  // The limit in bytes (0: none), and what all clients hold now.
  int64_t ClientMemoryLimit() const;
  int64_t ClientMemoryTotal() const;

 private:
  // Attaches the apply hooks of directives whose change must reach a running module.
  void AttachConfigHooks();
  // Opens TCP listeners for the configured bind/port; on success swaps them into every worker
  // and closes the old ones. Returns "" or the reason.
  std::string RebindTcp();
  // The same for the TLS listeners (CONFIG SET tls-port / bind), building the TLS context when
  // the port opens at run time.
  std::string RebindTls();
  // Moves one group of listeners to `port` on the bind addresses (kept sockets stay, new ones
  // are opened before old ones close); false, with the group untouched, if a bind fails.
  bool RebindGroup(int port, int bound, ListenerKind kind, std::vector<int>& fds,
                   std::vector<std::string>& addrs);
  void ApplyLogLevel();
  void ApplyEvictionSettings();
  // Start()'s steps: the keyspace and modules, then the listening sockets.
  void InitData();
  // The ACL check and what the ACL module needs from the server (client lines, closing clients).
  void InstallAclHooks();
  Status Listen();
  // Sentinel mode's last startup step: checks the config file, then starts monitoring.
  Status StartSentinel();

  // Declared first: every option below registers itself here.
  config::Registry config_;
  ServerOptions server_opts_{config_};
  RuntimeOptions opts_{config_};
  PersistOptions persist_opts_{config_};
  Acl acl_{config_, registry_};
  ReplicationOptions repl_opts_{config_};
  ClusterOptions cluster_opts_{config_};
  ServerClusterHost cluster_host_{*this};
  Cluster cluster_{cluster_opts_, cluster_host_};
  TlsOptions tls_opts_{config_};
  ScriptingOptions script_opts_{config_};
  Scripting scripting_{script_opts_};
  std::string config_file_;
  int threads_ = 1;
  CommandRegistry registry_;
  std::unique_ptr<LazyFreer> lazy_freer_;  // outlives dbs_: a flush may still be queued
  std::unique_ptr<DbSet> dbs_;
  std::unique_ptr<Dispatcher> dispatcher_;
  PropagationLog propagation_;
  ReplicationMaster repl_master_{1024 * 1024};
  std::unique_ptr<ReplicaClient> replica_;
  std::unique_ptr<Failover> failover_;
  std::unique_ptr<sentinel::Sentinel> sentinel_;
  std::thread pipe_reader_;  // copies a diskless sync's image from the child to its stream
  struct Waiter {
    std::shared_ptr<BlockedClient> b;
    uint64_t offset;
    int num;
    int numlocal;  // -1: WAIT
  };
  std::mutex waiters_mu_;
  std::vector<Waiter> waiters_;
  std::atomic<size_t> num_waiters_{0};
  std::atomic<int64_t> last_replica_ping_ms_{0};
  int repl_consumer_id_ = 0;  // the backlog's propagation consumer (repl_mu_)
  int64_t no_replicas_since_ms_ = 0;  // repl-backlog-ttl (cron only)
  int64_t last_replica_newline_ms_ = 0;  // cron only
  // One replication snapshot decision at a time (PSYNC handlers on any thread, and the cron),
  // and the backlog activated once.
  std::mutex repl_mu_;
  // After the startup load: a snapshot that recorded its place in a replication stream gives
  // back the replication id and offset (replicas, and this server as a replica, may continue
  // with a partial resync); `replicaof` from the config starts the replica side.
  void RestoreReplicationState();
  // Starts the snapshot for replicas waiting for one, if no child runs.
  void TryStartReplicationSnapshot();
  ServerStats stats_;
  ReplyBufferPolicy reply_buffer_policy_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex listen_mu_;
  std::vector<int> listen_fds_;         // guarded by listen_mu_ after Start()
  size_t tcp_listeners_ = 0;            // the first tcp_listeners_ entries of listen_fds_ are TCP
  std::vector<std::string> tcp_addrs_;  // bind address of each TCP listener, same order
  int bound_port_ = 0;                  // the port the TCP listeners use
  int metrics_fd_ = -1;                 // metrics-port listener
  std::vector<int> tls_fds_;            // tls-port listeners
  std::vector<std::string> tls_addrs_;  // their bind addresses, same order
  int bound_tls_port_ = 0;
  bool tls_listed_ = false;  // INFO lists the TLS listener (opened at some point)
  net::TlsState tls_;
  // Builds the TLS context from the tls-* options (startup, CONFIG SET). "" or the reason.
  std::string ConfigureTls();

  std::mutex clients_mu_;
  std::map<uint64_t, std::pair<Connection*, Worker*>> clients_;
  std::atomic<uint64_t> next_client_id_{1};

  std::atomic<int64_t> pause_until_ms_{0};
  std::atomic<bool> pause_all_{false};
  std::atomic<bool> cron_paused_{false};

  std::atomic<bool> shutdown_{false};
  std::atomic<int> pending_signal_{0};
  std::mutex client_shutdown_mu_;
  int client_shutdown_flags_ = -1;  // -1: none requested
  std::vector<std::shared_ptr<BlockedClient>> client_shutdown_;  // waiting for the outcome
  std::atomic<bool> shutdown_abort_{false};
  std::atomic<bool> signal_shutdown_running_{false};
  std::atomic<int64_t> shutdown_deadline_ms_{0};
  std::mutex prepare_mu_;  // one shutdown sequence at a time
  std::unique_ptr<Persistence> persistence_;
  DebugSessions debug_sessions_;
  Defragger defrag_;
  int64_t loading_cron_ms_ = 0, loading_defrag_checked_ms_ = 0;  // DefragWhileLoading's clock
  MigrateClient migrate_{[this] { return server_opts_.bind_source_addr.get(); }};
  std::unique_ptr<Aof> aof_;
  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  int64_t start_ms_ = 0;
  std::atomic<int64_t> loading_start_ms_{0};
  std::string run_id_;
  std::string executable_;
};

// The families that need the whole process, their handlers bound to the Server:
// INFO, TIME, DEBUG, SHUTDOWN (server_family.cc), CONFIG (config_family.cc), CLIENT
// (client_family.cc), MEMORY (memory_family.cc), SAVE, BGSAVE, LASTSAVE (persistence.cc).
void RegisterServerFamily(CommandRegistry& r, Server& s);
void RegisterConfigFamily(CommandRegistry& r, Server& s);
void RegisterClientFamily(CommandRegistry& r, Server& s);
void RegisterMemoryFamily(CommandRegistry& r, Server& s);
void RegisterPersistenceFamily(CommandRegistry& r, Server& s);
void RegisterDebugFamily(CommandRegistry& r, Server& s);
void RegisterReplicationFamily(CommandRegistry& r, Server& s);
// One CLIENT LIST line (client_family.cc); logs name clients with it too.
std::string ClientLine(const Session& s, int64_t now_ms);
// Builds the INFO text for the requested sections (see server_family.cc).
std::string BuildInfo(Server& server, const std::vector<std::string>& sections);

}  // namespace carmine
