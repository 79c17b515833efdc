// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// INFO: the sections and field names Redis 7 prints, so redis-cli --stat, exporters and
// dashboards parse our output unchanged. Values are live readings; fields for capabilities that
// are not built yet report their idle state (no replicas, no persistence in progress).
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/clock.h"
#include "base/strutil.h"
#include "base/version.h"
#include "db/db.h"
#include "server/fork_child.h"
#include "server/connection.h"
#include "server/memory.h"
#include "server/memory_report.h"
#include "server/server.h"

namespace carmine {
namespace {

std::string Human(double bytes) {
  const char* units = "BKMGTPE";
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    u++;
  }
  char buf[32];
  if (u == 0) {
    snprintf(buf, sizeof(buf), "%.0fB", bytes);
  } else {
    snprintf(buf, sizeof(buf), "%.2f%c", bytes, units[u]);
  }
  return buf;
}

class Writer {
 public:
  void Section(const char* name) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += name;
    out_ += "\r\n";
  }
  template <typename T>
  void Field(const char* name, const T& v) {
    out_ += name;
    out_ += ':';
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, const char*>) {
      out_ += v;
    } else if constexpr (std::is_floating_point_v<T>) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(v));
      out_ += buf;
    } else {
      out_ += std::to_string(v);
    }
    out_ += "\r\n";
  }
  void Line(const std::string& l) { out_ += l + "\r\n"; }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void ServerSection(Server& s, Writer& w) {
  const ServerOptions& cfg = s.server_opts();
  struct utsname un;
  uname(&un);
  int64_t now_us = clock::NowUs();
  int64_t uptime = (clock::NowMs() - s.start_time_ms()) / 1000;
  w.Section("Server");
  w.Field("redis_version", std::string(version::kRedis));
  w.Field("carmine_version", std::string(version::kCarmine));
  w.Field("redis_git_sha1", std::string("00000000"));
  w.Field("redis_git_dirty", 0);
  w.Field("redis_build_id", std::string("carmine"));
  w.Field("redis_mode", std::string(s.sentinel() != nullptr ? "sentinel"
                                    : s.opts().cluster_enabled ? "cluster"
                                                               : "standalone"));
  w.Field("os", std::string(un.sysname) + " " + un.release + " " + un.machine);
  w.Field("arch_bits", 64);
  w.Field("monotonic_clock", std::string("POSIX clock_gettime"));
  w.Field("multiplexing_api", std::string("epoll"));
  w.Field("atomicvar_api", std::string("c11-builtin"));
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", cfg.supervised.Get());
  w.Field("run_id", s.run_id());
  w.Field("tcp_port", cfg.port.get());
  w.Field("server_time_usec", now_us);
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", cfg.hz());
  w.Field("configured_hz", cfg.hz());
  w.Field("lru_clock", static_cast<int64_t>(Db::LruClock(clock::NowMs())));
  w.Field("executable", s.executable());
  w.Field("config_file", s.config_file());
  w.Field("io_threads_active", 0);
  for (const auto& [index, line] : s.ListenerLines()) {
    w.Field(("listener" + std::to_string(index)).c_str(), line);
  }
  // Only while a shutdown waits for lagging replicas, as Redis prints it.
  if (int64_t deadline = s.shutdown_deadline_ms(); deadline > 0) {
    w.Field("shutdown_in_milliseconds", std::max<int64_t>(0, deadline - clock::NowMs()));
  }
  w.Field("threads", s.threads());
  w.Field("shards_per_db", s.dbs().num_shards());
}

void ClientsSection(Server& s, Writer& w) {
  w.Section("Clients");
  size_t max_in = 0, max_out = 0;
  s.ForEachClient([&](Connection* c, Worker*) {
    const Session& ss = c->session();
    max_in = std::max(max_in, ss.qbuf.load(std::memory_order_relaxed) +
                                  ss.qbuf_free.load(std::memory_order_relaxed));
    max_out = std::max(max_out, ss.obuf.load(std::memory_order_relaxed));
  });
  // Replicas are not counted here (connected_slaves counts them), as in Redis.
  int64_t clients = static_cast<int64_t>(s.stats().connected_clients.load()) -
                    static_cast<int64_t>(s.repl_master().num_replicas());
  w.Field("connected_clients", std::max<int64_t>(0, clients));
  w.Field("cluster_connections", static_cast<int64_t>(s.cluster().ConnectionCount()));
  w.Field("maxclients", s.server_opts().maxclients.get());
  w.Field("client_recent_max_input_buffer", max_in);
  w.Field("client_recent_max_output_buffer", max_out);
  BlockingRegistry& blocking = s.dispatcher().blocking();
  w.Field("blocked_clients",
          static_cast<int64_t>(blocking.size() + s.num_waiters() + s.num_shutdown_waiters()) +
              s.stats().paused_clients.load());
  w.Field("tracking_clients", s.dispatcher().tracking().num_clients());
  w.Field("clients_in_timeout_table", blocking.TimeoutCount());
  w.Field("total_blocking_keys", blocking.KeyCount());
  w.Field("total_blocking_keys_on_nokey", blocking.KeyCountOnNoKey());
}

void MemorySection(Server& s, Writer& w) {
  MemoryReport m = BuildMemoryReport(s);
  const RuntimeOptions& cfg = s.opts();
  size_t total = mem::TotalSystemMemory();
  auto perc = [](double v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%.2f%%", v);
    return std::string(buf);
  };
  w.Section("Memory");
  w.Field("used_memory", m.used);
  w.Field("used_memory_human", Human(m.used));
  w.Field("used_memory_rss", m.rss);
  w.Field("used_memory_rss_human", Human(m.rss));
  w.Field("used_memory_peak", m.peak);
  w.Field("used_memory_peak_human", Human(m.peak));
  w.Field("used_memory_peak_perc", perc(m.peak_perc()));
  w.Field("used_memory_overhead", m.overhead);
  w.Field("used_memory_startup", m.startup);
  w.Field("used_memory_dataset", m.dataset);
  w.Field("used_memory_dataset_perc", perc(m.dataset_perc()));
  w.Field("allocator_allocated", m.allocator_allocated);
  w.Field("allocator_active", m.allocator_active);
  w.Field("allocator_resident", m.allocator_resident);
  w.Field("total_system_memory", total);
  w.Field("total_system_memory_human", Human(total));
  // Functions are not built yet: their fields read as an idle function VM would.
  const int64_t lua = s.scripting().used_memory_lua();
  const int64_t scripts = static_cast<int64_t>(s.scripting().engine().script_bytes());
  w.Field("used_memory_lua", lua);
  w.Field("used_memory_vm_eval", lua);
  w.Field("used_memory_lua_human", Human(static_cast<double>(lua)));
  w.Field("used_memory_scripts_eval", scripts);
  w.Field("number_of_cached_scripts", s.scripting().cached_scripts());
  w.Field("number_of_functions", 0);
  w.Field("number_of_libraries", 0);
  w.Field("used_memory_vm_functions", 32768);
  w.Field("used_memory_vm_total", lua + 32768);
  w.Field("used_memory_vm_total_human", Human(static_cast<double>(lua + 32768)));
  w.Field("used_memory_functions", 0);
  w.Field("used_memory_scripts", scripts);
  w.Field("used_memory_scripts_human", Human(static_cast<double>(scripts)));
  w.Field("maxmemory", cfg.maxmemory.get());
  w.Field("maxmemory_human", Human(static_cast<double>(cfg.maxmemory.get())));
  w.Field("maxmemory_policy", cfg.maxmemory_policy.Get());
  w.Field("allocator_frag_ratio", m.allocator_frag_ratio());
  w.Field("allocator_frag_bytes",
          static_cast<int64_t>(m.allocator_active) - static_cast<int64_t>(m.allocator_allocated));
  w.Field("allocator_rss_ratio", m.allocator_rss_ratio());
  w.Field("allocator_rss_bytes",
          static_cast<int64_t>(m.allocator_resident) - static_cast<int64_t>(m.allocator_active));
  w.Field("rss_overhead_ratio", m.rss_overhead_ratio());
  w.Field("rss_overhead_bytes",
          static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.allocator_resident));
  w.Field("mem_fragmentation_ratio", m.frag_ratio());
  w.Field("mem_fragmentation_bytes", m.frag_bytes());
  const ReplBacklog& backlog = s.repl_master().backlog();
  bool repl = s.repl_master().backlog_active();
  int64_t held = repl ? static_cast<int64_t>(backlog.held_bytes()) : 0;
  int64_t window = repl ? static_cast<int64_t>(std::min(backlog.held_bytes(), backlog.size())) : 0;
  int64_t replica_out = static_cast<int64_t>(s.repl_master().ReplicaOutputBytes());
  w.Field("mem_not_counted_for_evict", held - window + replica_out);
  w.Field("mem_replication_backlog", window);
  w.Field("mem_total_replication_buffers", held);
  w.Field("mem_clients_slaves", m.clients_replicas);
  w.Field("mem_clients_normal", m.clients_normal);
  w.Field("mem_cluster_links", 0);
  w.Field("mem_aof_buffer", s.aof().GetInfo(clock::NowMs()).buffer_length);
  w.Field("mem_allocator", mem::AllocatorName());
  w.Field("active_defrag_running", s.defrag().running());
  w.Field("lazyfree_pending_objects", s.lazy_freer().pending());
  w.Field("lazyfreed_objects", s.lazy_freer().freed());
}

void PersistenceSection(Server& s, Writer& w) {
  w.Section("Persistence");
  bool loading = s.dbs().loading();
  w.Field("loading", loading ? 1 : 0);
  w.Field("async_loading", s.dbs().async_loading() ? 1 : 0);
  // The running child's reports (a BGSAVE's or an AOF rewrite's; one at a time).
  ForkChild::Progress child = s.aof().child_running() ? s.aof().child_progress()
                                                      : s.persistence().child_progress();
  w.Field("current_cow_peak", child.cow_peak);
  w.Field("current_cow_size", child.cow);
  w.Field("current_cow_size_age",
          child.cow_updated_ms ? (clock::NowMs() - child.cow_updated_ms) / 1000 : 0);
  w.Field("current_fork_perc",
          child.keys_total ? 100.0 * static_cast<double>(child.keys_processed) /
                                 static_cast<double>(child.keys_total)
                           : 0.0);
  w.Field("current_save_keys_processed", child.keys_processed);
  w.Field("current_save_keys_total", child.keys_total);
  if (loading) {
    int64_t start = s.loading_start_ms();
    w.Field("loading_start_time", start / 1000);
    int64_t total = s.loading_total_bytes.load(), done = s.loading_loaded_bytes.load();
    int64_t elapsed = std::max<int64_t>(1, clock::NowMs() - start);
    w.Field("loading_total_bytes", total);
    w.Field("loading_rdb_used_mem", 0);
    w.Field("loading_loaded_bytes", done);
    w.Field("loading_loaded_perc", total > 0 ? 100.0 * static_cast<double>(done) / total : 0.0);
    // Redis's estimate: the remaining bytes at the speed so far (1 before anything is known).
    w.Field("loading_eta_seconds",
            done > 0 ? (total - done) * elapsed / done / 1000 : static_cast<int64_t>(1));
  }
  Persistence& p = s.persistence();
  w.Field("rdb_changes_since_last_save", s.dbs().stats().dirty.load());
  w.Field("rdb_bgsave_in_progress", p.bgsave_in_progress() ? 1 : 0);
  w.Field("rdb_last_save_time", p.lastsave());
  w.Field("rdb_last_bgsave_status", std::string(p.last_bgsave_ok() ? "ok" : "err"));
  w.Field("rdb_last_bgsave_time_sec", p.last_bgsave_seconds());
  w.Field("rdb_current_bgsave_time_sec", p.current_bgsave_seconds(clock::NowMs()));
  w.Field("rdb_saves", p.saves());
  w.Field("rdb_last_cow_size", p.last_cow_bytes());
  // The loader fills these in as it goes; they are read once it is done.
  w.Field("rdb_last_load_keys_expired", loading ? 0 : p.load_stats().keys_expired);
  w.Field("rdb_last_load_keys_loaded", loading ? 0 : p.load_stats().keys_loaded);
  Aof::Info a = s.aof().GetInfo(clock::NowMs());
  w.Field("aof_enabled", a.enabled ? 1 : 0);
  w.Field("aof_rewrite_in_progress", a.rewrite_in_progress ? 1 : 0);
  w.Field("aof_rewrite_scheduled", a.rewrite_scheduled ? 1 : 0);
  w.Field("aof_last_rewrite_time_sec", a.last_rewrite_sec);
  w.Field("aof_current_rewrite_time_sec", a.current_rewrite_sec);
  w.Field("aof_last_bgrewrite_status", std::string(a.last_rewrite_ok ? "ok" : "err"));
  w.Field("aof_rewrites", a.rewrites);
  w.Field("aof_rewrites_consecutive_failures", a.consecutive_failures);
  w.Field("aof_last_write_status", std::string(a.last_write_ok ? "ok" : "err"));
  w.Field("aof_last_cow_size", a.last_cow_bytes);
  w.Field("module_fork_in_progress", 0);
  w.Field("module_fork_last_cow_size", 0);
  if (a.enabled) {
    w.Field("aof_current_size", a.current_size);
    w.Field("aof_base_size", a.base_size);
    w.Field("aof_pending_rewrite", a.rewrite_scheduled ? 1 : 0);
    w.Field("aof_buffer_length", a.buffer_length);
    w.Field("aof_pending_bio_fsync", a.pending_fsync);
    w.Field("aof_delayed_fsync", a.delayed_fsync);
  }
}

// Every command and subcommand, by full name ("config|get").
std::vector<const CommandSpec*> CommandsByName(Server& s) {
  std::vector<const CommandSpec*> all;
  for (auto& [n, c] : s.registry().all()) {
    all.push_back(c.get());
    for (auto& [sn, sub] : c->subcommands) all.push_back(sub.get());
  }
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->full_name < b->full_name; });
  return all;
}

void StatsSection(Server& s, Writer& w) {
  auto& st = s.stats();
  auto& ds = s.dbs().stats();
  auto& dp = s.dispatcher().stats();
  w.Section("Stats");
  w.Field("total_connections_received", st.connections_received.load());
  w.Field("total_commands_processed", dp.commands.load());
  w.Field("instantaneous_ops_per_sec", static_cast<int64_t>(st.ops.rate()));
  w.Field("total_net_input_bytes", st.net_input_bytes.load());
  w.Field("total_net_output_bytes", st.net_output_bytes.load());
  w.Field("total_net_repl_input_bytes", 0);
  w.Field("total_net_repl_output_bytes", 0);
  w.Field("instantaneous_input_kbps", st.input_bytes.rate() / 1024);
  w.Field("instantaneous_output_kbps", st.output_bytes.rate() / 1024);
  w.Field("instantaneous_input_repl_kbps", 0.0);
  w.Field("instantaneous_output_repl_kbps", 0.0);
  w.Field("rejected_connections", st.rejected_connections.load());
  w.Field("sync_full", s.stats().sync_full.load());
  w.Field("sync_partial_ok", s.stats().sync_partial_ok.load());
  w.Field("sync_partial_err", s.stats().sync_partial_err.load());
  w.Field("expired_keys", ds.expired_keys.load());
  w.Field("expired_stale_perc", ds.expired_stale.load() * 100);
  w.Field("expired_time_cap_reached_count", ds.expired_time_cap_reached.load());
  w.Field("expire_cycle_cpu_milliseconds", ds.expire_cycle_cpu_us.load() / 1000);
  Evictor& ev = s.dispatcher().evictor();
  int64_t now = clock::NowMs();
  w.Field("evicted_keys", ev.evicted_keys());
  w.Field("evicted_clients", st.evicted_clients.load());
  w.Field("total_eviction_exceeded_time", ev.exceeded_time_ms(now));
  w.Field("current_eviction_exceeded_time", ev.current_exceeded_time_ms(now));
  w.Field("keyspace_hits", ds.keyspace_hits.load());
  w.Field("keyspace_misses", ds.keyspace_misses.load());
  PubSubRegistry& ps = s.dispatcher().pubsub();
  w.Field("pubsub_channels", ps.NumChannels(SubKind::kChannel));
  w.Field("pubsub_patterns", ps.NumPatterns());
  w.Field("pubsubshard_channels", ps.NumChannels(SubKind::kShard));
  w.Field("latest_fork_usec", ForkChild::latest_fork_us());
  w.Field("total_forks", ForkChild::total_forks());
  w.Field("migrate_cached_sockets", static_cast<int64_t>(s.migrate().cached()));
  w.Field("slave_expires_tracked_keys", 0);
  const Defragger& df = s.defrag();
  w.Field("active_defrag_hits", df.hits());
  w.Field("active_defrag_misses", df.misses());
  w.Field("active_defrag_key_hits", df.key_hits());
  w.Field("active_defrag_key_misses", df.key_misses());
  w.Field("total_active_defrag_time", df.total_time_ms(clock::NowMs()));
  w.Field("current_active_defrag_time", df.current_time_ms(clock::NowMs()));
  TrackingRegistry& tr = s.dispatcher().tracking();
  w.Field("tracking_total_keys", tr.tracked_keys());
  w.Field("tracking_total_items", tr.tracked_items());
  w.Field("tracking_total_prefixes", tr.num_prefixes());
  w.Field("unexpected_error_replies", dp.unexpected_error_replies.load());
  w.Field("total_error_replies", dp.error_replies.load());
  w.Field("dump_payload_sanitizations", 0);
  w.Field("total_reads_processed", st.reads_processed.load());
  w.Field("total_writes_processed", st.writes_processed.load());
  w.Field("io_threaded_reads_processed", 0);
  w.Field("io_threaded_writes_processed", 0);
  w.Field("reply_buffer_shrinks", st.reply_buffer_shrinks.load());
  w.Field("reply_buffer_expands", st.reply_buffer_expands.load());
  w.Field("client_query_buffer_limit_disconnections", st.query_limit_disconnections.load());
  w.Field("client_output_buffer_limit_disconnections", st.output_limit_disconnections.load());
  uint64_t cmd_us = 0;
  for (auto* c : CommandsByName(s)) cmd_us += c->stats->usec.load();
  w.Field("eventloop_cycles", s.EventLoopCycles());
  w.Field("eventloop_duration_sum", s.EventLoopBusyUs());
  w.Field("eventloop_duration_cmd_sum", cmd_us);
  // Per worker, so an idle server shows about `hz` cycles a second whatever its thread count.
  double cycles = st.loop_cycles.rate();
  w.Field("instantaneous_eventloop_cycles_per_sec",
          static_cast<int64_t>(cycles / std::max(1, s.num_workers())));
  w.Field("instantaneous_eventloop_duration_usec",
          static_cast<int64_t>(cycles > 0 ? st.loop_busy_us.rate() / cycles : 0));
  const Acl& acl = s.acl();
  w.Field("acl_access_denied_auth", acl.denied_auth());
  w.Field("acl_access_denied_cmd", acl.denied_cmd());
  w.Field("acl_access_denied_key", acl.denied_key());
  w.Field("acl_access_denied_channel", acl.denied_channel());
}

void ReplicationSection(Server& s, Writer& w) {
  ReplicationMaster& m = s.repl_master();
  auto replicas = m.Replicas();
  w.Section("Replication");
  int64_t now = clock::NowMs();
  ReplicaClient& rc = s.replica();
  if (rc.active()) {
    ReplicaClient::Report st = rc.report();
    w.Field("role", std::string("slave"));
    w.Field("master_host", st.host);
    w.Field("master_port", static_cast<int64_t>(st.port));
    bool up = st.state == ReplicaClient::State::kConnected;
    w.Field("master_link_status", std::string(up ? "up" : "down"));
    w.Field("master_last_io_seconds_ago",
            up && st.last_io_ms > 0 ? (now - st.last_io_ms) / 1000 : static_cast<int64_t>(-1));
    bool syncing = st.state == ReplicaClient::State::kTransfer;
    w.Field("master_sync_in_progress", syncing ? 1 : 0);
    int64_t off = st.has_history ? static_cast<int64_t>(m.offset()) : 1;
    w.Field("slave_read_repl_offset", off + (up ? static_cast<int64_t>(rc.unapplied()) : 0));
    w.Field("slave_repl_offset", off);
    if (syncing) {
      char perc[32];
      double p = st.transfer_size > 0
                     ? static_cast<double>(st.transfer_read) / st.transfer_size * 100
                     : 0.0;
      snprintf(perc, sizeof(perc), "%.2f", p);
      w.Field("master_sync_total_bytes", st.transfer_size);
      w.Field("master_sync_read_bytes", st.transfer_read);
      w.Field("master_sync_left_bytes", st.transfer_size - st.transfer_read);
      w.Field("master_sync_perc", std::string(perc));
      w.Field("master_sync_last_io_seconds_ago", (now - st.transfer_last_io_ms) / 1000);
    }
    if (!up) {
      w.Field("master_link_down_since_seconds",
              st.down_since_ms > 0 ? (now - st.down_since_ms) / 1000 : static_cast<int64_t>(-1));
    }
    w.Field("slave_priority", static_cast<int64_t>(s.repl_opts().replica_priority.get()));
    w.Field("slave_read_only", s.repl_opts().replica_read_only.get() ? 1 : 0);
    w.Field("replica_announced", s.repl_opts().replica_announced.get() ? 1 : 0);
  } else {
    w.Field("role", std::string("master"));
  }
  w.Field("connected_slaves", static_cast<int64_t>(replicas.size()));
  if (int min = s.repl_opts().min_replicas_to_write.get();
      min > 0 && s.repl_opts().min_replicas_max_lag.get() > 0) {
    w.Field("min_slaves_good_slaves",
            static_cast<int64_t>(m.GoodReplicas(now, s.repl_opts().min_replicas_max_lag.get())));
  }
  int i = 0;
  for (const auto& r : replicas) {
    ReplicaLink::State st = r->state.load();
    int64_t lag = st == ReplicaLink::State::kOnline ? (now - r->ack_ms.load()) / 1000 : 0;
    w.Line("slave" + std::to_string(i++) + ":" +
            "ip=" + r->ip + ",port=" + std::to_string(r->listening_port.load()) +
                ",state=" + ReplicaLink::StateName(st) +
                ",offset=" + std::to_string(r->ack_offset.load()) + ",lag=" + std::to_string(lag));
  }
  w.Field("master_failover_state", std::string(Failover::StateName(s.failover().state())));
  w.Field("master_replid", m.replid());
  w.Field("master_replid2", m.replid2());
  w.Field("master_repl_offset", static_cast<int64_t>(m.offset()));
  w.Field("second_repl_offset", m.second_offset());
  bool active = m.backlog_active();
  w.Field("repl_backlog_active", active ? 1 : 0);
  w.Field("repl_backlog_size", static_cast<int64_t>(s.repl_opts().repl_backlog_size.get()));
  w.Field("repl_backlog_first_byte_offset",
          active ? static_cast<int64_t>(m.backlog().first_offset()) : 0);
  w.Field("repl_backlog_histlen", active ? static_cast<int64_t>(m.backlog().histlen()) : 0);
}

void CpuSection(Server&, Writer& w) {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  char buf[64];
  w.Section("CPU");
  auto f = [&](const char* n, double v) {
    snprintf(buf, sizeof(buf), "%.6f", v);
    w.Field(n, std::string(buf));
  };
  f("used_cpu_sys", secs(self.ru_stime));
  f("used_cpu_user", secs(self.ru_utime));
  f("used_cpu_sys_children", secs(children.ru_stime));
  f("used_cpu_user_children", secs(children.ru_utime));
  // The thread answering INFO: the closest thing to Redis's main thread among equal workers.
  struct rusage thread;
  getrusage(RUSAGE_THREAD, &thread);
  f("used_cpu_sys_main_thread", secs(thread.ru_stime));
  f("used_cpu_user_main_thread", secs(thread.ru_utime));
}


void CommandStatsSection(Server& s, Writer& w) {
  w.Section("Commandstats");
  for (auto* c : CommandsByName(s)) {
    auto& st = *c->stats;
    uint64_t calls = st.calls.load(), rejected = st.rejected.load(), failed = st.failed.load();
    if (calls == 0 && rejected == 0 && failed == 0) continue;
    uint64_t usec = st.usec.load();
    char buf[256];
    snprintf(
        buf, sizeof(buf),
        "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
        c->full_name.c_str(), static_cast<unsigned long long>(calls),
        static_cast<unsigned long long>(usec), calls ? static_cast<double>(usec) / calls : 0.0,
        static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(failed));
    w.Line(buf);
  }
}

// latency_percentiles_usec_<cmd>:p50=..,p99=..,p99.9=.. for latency-tracking-info-percentiles.
void LatencyStatsSection(Server& s, Writer& w) {
  w.Section("Latencystats");
  std::vector<double> pct;
  std::vector<std::string> names;
  std::vector<std::string> words;
  SplitArgs(s.opts().latency_tracking_info_percentiles.Get(), &words);
  for (auto& p : words) {
    pct.push_back(strtod(p.c_str(), nullptr));
    names.push_back("p" + p);
  }
  for (auto* c : CommandsByName(s)) {
    const LatencyHistogram& h = c->stats->histogram;
    if (h.count() == 0) continue;
    std::string line = "latency_percentiles_usec_" + c->full_name + ":";
    for (size_t i = 0; i < pct.size(); i++) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%s%s=%.3f", i ? "," : "", names[i].c_str(),
               static_cast<double>(h.ValueAtPercentile(pct[i])) / 1000.0);
      line += buf;
    }
    w.Line(line);
  }
}

void ErrorStatsSection(Server& s, Writer& w) {
  w.Section("Errorstats");
  auto& dp = s.dispatcher().stats();
  std::lock_guard<std::mutex> l(dp.mu);
  for (auto& [code, n] : dp.errors_by_code)
    w.Line("errorstat_" + code + ":count=" + std::to_string(n));
}

void KeyspaceSection(Server& s, Writer& w) {
  w.Section("Keyspace");
  DbSet& dbs = s.dbs();
  // The loader fills the tables without their locks (nobody else may touch them yet).
  if (dbs.loading()) return;
  int64_t now = clock::NowMs();
  for (int db = 0; db < dbs.num_dbs(); db++) {
    // One shard lock at a time: INFO gives a statistic, not a snapshot of the whole database.
    size_t keys = 0, expires = 0;
    long double ttl_sum = 0;
    size_t ttl_n = 0;
    VisitShardsLocked(dbs, db, [&](uint32_t, ShardData& d) {
      keys += d.table.size();
      expires += d.volatile_keys.size();
      for (size_t i = 0; i < std::min<size_t>(d.volatile_keys.size(), 16); i++) {
        int64_t t = d.volatile_keys[i]->expire_at() - now;
        if (t > 0) {
          ttl_sum += t;
          ttl_n++;
        }
      }
    });
    if (keys == 0) continue;
    int64_t avg = ttl_n ? static_cast<int64_t>(ttl_sum / ttl_n) : 0;
    w.Line("db" + std::to_string(db) + ":keys=" + std::to_string(keys) +
           ",expires=" + std::to_string(expires) + ",avg_ttl=" + std::to_string(avg));
  }
}

}  // namespace

std::string BuildInfo(Server& s, const std::vector<std::string>& requested) {
  static const std::vector<std::string> kDefault = {
      "server", "clients", "memory",     "persistence", "stats",   "replication",
      "cpu",    "modules", "errorstats", "cluster",     "keyspace"};
  std::set<std::string> want;
  if (requested.empty()) {
    want.insert(kDefault.begin(), kDefault.end());
  }
  for (auto& r : requested) {
    std::string l = ToLower(r);
    if (l == "default") {
      want.insert(kDefault.begin(), kDefault.end());
    } else if (l == "all" || l == "everything") {
      want.insert(kDefault.begin(), kDefault.end());
      want.insert("commandstats");
      want.insert("latencystats");
    } else {
      want.insert(l);
    }
  }
  Writer w;
  if (s.sentinel() != nullptr) {
    // Sentinel has no dataset: its INFO has these sections only.
    if (requested.empty()) want = {"server", "clients", "stats", "cpu", "sentinel"};
    for (auto& r : requested) {
      std::string l = ToLower(r);
      if (l == "default" || l == "all" || l == "everything") want.insert("sentinel");
    }
    for (const char* gone : {"memory", "persistence", "replication", "keyspace", "cluster",
                             "modules", "debug"}) {
      want.erase(gone);
    }
  }
  if (want.count("server")) ServerSection(s, w);
  if (want.count("clients")) ClientsSection(s, w);
  if (want.count("memory")) MemorySection(s, w);
  if (want.count("persistence")) PersistenceSection(s, w);
  if (want.count("stats")) StatsSection(s, w);
  if (want.count("replication")) ReplicationSection(s, w);
  if (want.count("cpu")) CpuSection(s, w);
  if (want.count("modules")) w.Section("Modules");
  if (want.count("commandstats")) CommandStatsSection(s, w);
  if (want.count("errorstats")) ErrorStatsSection(s, w);
  if (want.count("latencystats")) LatencyStatsSection(s, w);
  if (want.count("cluster")) {
    w.Section("Cluster");
    w.Field("cluster_enabled", s.cluster().enabled() ? 1 : 0);
  }
  if (want.count("keyspace")) KeyspaceSection(s, w);
  if (want.count("sentinel") && s.sentinel() != nullptr) {
    if (!w.str().empty()) w.str() += "\r\n";
    w.str() += s.sentinel()->InfoSection();
  }
  if (want.count("debug")) {
    // Only when asked for by name, as in Redis.
    w.Section("Debug");
    w.Field("eventloop_duration_aof_sum", s.aof().flush_us());
    w.Field("eventloop_duration_cron_sum", s.CronUs());
    w.Field("eventloop_duration_max", s.EventLoopMaxUs());
    w.Field("eventloop_cmd_per_cycle_max", s.MaxCommandsPerCycle());
  }
  return w.str();
}

}  // namespace carmine
