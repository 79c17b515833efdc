// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/metrics.h"

#include <cstdio>
#include <map>
#include <vector>

#include "base/strutil.h"
#include "server/server.h"

namespace carmine {
namespace {

enum class Kind { kGauge, kCounter };

// INFO field -> metric, as redis_exporter names them.
struct FieldMetric {
  const char* field;
  const char* metric;
  Kind kind;
  const char* help;
};

constexpr FieldMetric kFieldMetrics[] = {
    {"uptime_in_seconds", "redis_uptime_in_seconds", Kind::kGauge, "Seconds since start"},
    {"connected_clients", "redis_connected_clients", Kind::kGauge, "Connected clients"},
    {"blocked_clients", "redis_blocked_clients", Kind::kGauge, "Clients blocked on a key"},
    {"tracking_clients", "redis_tracking_clients", Kind::kGauge, "Clients with tracking on"},
    {"maxclients", "redis_config_maxclients", Kind::kGauge, "maxclients"},
    {"client_recent_max_input_buffer", "redis_client_recent_max_input_buffer_bytes", Kind::kGauge,
     "Largest client query buffer"},
    {"client_recent_max_output_buffer", "redis_client_recent_max_output_buffer_bytes",
     Kind::kGauge, "Largest client output buffer"},
    {"used_memory", "redis_memory_used_bytes", Kind::kGauge, "Allocated bytes"},
    {"used_memory_rss", "redis_memory_used_rss_bytes", Kind::kGauge, "Resident set size"},
    {"used_memory_peak", "redis_memory_used_peak_bytes", Kind::kGauge, "Peak allocated bytes"},
    {"used_memory_overhead", "redis_memory_used_overhead_bytes", Kind::kGauge,
     "Allocated bytes that are not keys and values"},
    {"used_memory_startup", "redis_memory_used_startup_bytes", Kind::kGauge,
     "Allocated bytes at startup"},
    {"used_memory_dataset", "redis_memory_used_dataset_bytes", Kind::kGauge,
     "Allocated bytes of keys and values"},
    {"used_memory_lua", "redis_memory_used_lua_bytes", Kind::kGauge, "Scripting engine memory"},
    {"used_memory_scripts", "redis_memory_used_scripts_bytes", Kind::kGauge, "Cached scripts"},
    {"maxmemory", "redis_memory_max_bytes", Kind::kGauge, "maxmemory"},
    {"total_system_memory", "redis_total_system_memory_bytes", Kind::kGauge, "Host memory"},
    {"mem_fragmentation_ratio", "redis_mem_fragmentation_ratio", Kind::kGauge, "RSS / used"},
    {"mem_fragmentation_bytes", "redis_mem_fragmentation_bytes", Kind::kGauge, "RSS - used"},
    {"allocator_allocated", "redis_allocator_allocated_bytes", Kind::kGauge, "Allocator: allocated"},
    {"allocator_active", "redis_allocator_active_bytes", Kind::kGauge, "Allocator: active"},
    {"allocator_resident", "redis_allocator_resident_bytes", Kind::kGauge, "Allocator: resident"},
    {"mem_clients_normal", "redis_mem_clients_normal", Kind::kGauge, "Client buffers"},
    {"mem_clients_slaves", "redis_mem_clients_slaves", Kind::kGauge, "Replica buffers"},
    {"lazyfree_pending_objects", "redis_lazyfree_pending_objects", Kind::kGauge,
     "Values waiting to be freed in the background"},
    {"lazyfreed_objects", "redis_lazyfreed_objects", Kind::kGauge,
     "Values freed in the background"},
    {"loading", "redis_loading_dump_file", Kind::kGauge, "Loading a dump"},
    {"rdb_changes_since_last_save", "redis_rdb_changes_since_last_save", Kind::kGauge,
     "Changes since the last save"},
    {"rdb_bgsave_in_progress", "redis_rdb_bgsave_in_progress", Kind::kGauge, "BGSAVE running"},
    {"rdb_last_save_time", "redis_rdb_last_save_timestamp_seconds", Kind::kGauge,
     "Time of the last save"},
    {"aof_enabled", "redis_aof_enabled", Kind::kGauge, "AOF on"},
    {"aof_rewrite_in_progress", "redis_aof_rewrite_in_progress", Kind::kGauge, "AOF rewrite running"},
    {"total_connections_received", "redis_connections_received_total", Kind::kCounter,
     "Connections accepted"},
    {"total_commands_processed", "redis_commands_processed_total", Kind::kCounter,
     "Commands processed"},
    {"instantaneous_ops_per_sec", "redis_instantaneous_ops_per_sec", Kind::kGauge,
     "Commands per second"},
    {"total_net_input_bytes", "redis_net_input_bytes_total", Kind::kCounter, "Bytes read"},
    {"total_net_output_bytes", "redis_net_output_bytes_total", Kind::kCounter, "Bytes written"},
    {"instantaneous_input_kbps", "redis_instantaneous_input_kbps", Kind::kGauge, "Input KB/s"},
    {"instantaneous_output_kbps", "redis_instantaneous_output_kbps", Kind::kGauge, "Output KB/s"},
    {"rejected_connections", "redis_rejected_connections_total", Kind::kCounter,
     "Connections refused (maxclients)"},
    {"expired_keys", "redis_expired_keys_total", Kind::kCounter, "Keys removed by expiry"},
    {"evicted_keys", "redis_evicted_keys_total", Kind::kCounter, "Keys removed by maxmemory"},
    {"evicted_clients", "redis_evicted_clients_total", Kind::kCounter,
     "Clients closed by maxmemory-clients"},
    {"total_eviction_exceeded_time", "redis_eviction_exceeded_time_ms_total", Kind::kCounter,
     "Milliseconds spent over maxmemory"},
    {"keyspace_hits", "redis_keyspace_hits_total", Kind::kCounter, "Lookups that found the key"},
    {"keyspace_misses", "redis_keyspace_misses_total", Kind::kCounter,
     "Lookups that missed the key"},
    {"pubsub_channels", "redis_pubsub_channels", Kind::kGauge, "Channels with subscribers"},
    {"pubsub_patterns", "redis_pubsub_patterns", Kind::kGauge, "Pattern subscriptions"},
    {"pubsubshard_channels", "redis_pubsubshard_channels", Kind::kGauge,
     "Shard channels with subscribers"},
    {"total_error_replies", "redis_total_error_replies", Kind::kCounter, "Error replies sent"},
    {"total_reads_processed", "redis_total_reads_processed", Kind::kCounter, "Socket reads"},
    {"total_writes_processed", "redis_total_writes_processed", Kind::kCounter, "Socket writes"},
    {"client_query_buffer_limit_disconnections", "redis_client_query_buffer_limit_disconnections_total",
     Kind::kCounter, "Clients closed for their query buffer"},
    {"client_output_buffer_limit_disconnections",
     "redis_client_output_buffer_limit_disconnections_total", Kind::kCounter,
     "Clients closed for their output buffer"},
    {"tracking_total_keys", "redis_tracking_total_keys", Kind::kGauge, "Keys tracked"},
    {"connected_slaves", "redis_connected_slaves", Kind::kGauge, "Connected replicas"},
    {"master_repl_offset", "redis_master_repl_offset", Kind::kGauge, "Replication offset"},
    {"second_repl_offset", "redis_second_repl_offset", Kind::kGauge,
     "Offset up to which the previous replication id is valid"},
    {"repl_backlog_size", "redis_replication_backlog_bytes", Kind::kGauge,
     "repl-backlog-size"},
    {"repl_backlog_active", "redis_repl_backlog_is_active", Kind::kGauge,
     "The replication backlog exists"},
    {"repl_backlog_first_byte_offset", "redis_repl_backlog_first_byte_offset", Kind::kGauge,
     "Oldest offset in the replication backlog"},
    {"repl_backlog_histlen", "redis_repl_backlog_history_bytes", Kind::kGauge,
     "Bytes in the replication backlog"},
    {"master_link_down_since_seconds", "redis_master_link_down_since_seconds", Kind::kGauge,
     "Seconds since the link to the master went down"},
    {"sync_full", "redis_replica_resyncs_full", Kind::kCounter, "Full resyncs served"},
    {"cluster_enabled", "redis_cluster_enabled", Kind::kGauge, "Cluster mode is on"},
    {"cluster_connections", "redis_cluster_connections", Kind::kGauge, "Cluster bus links"},
    {"cluster_slots_assigned", "redis_cluster_slots_assigned", Kind::kGauge, "Slots with an owner"},
    {"cluster_slots_ok", "redis_cluster_slots_ok", Kind::kGauge, "Slots whose owner is up"},
    {"cluster_slots_pfail", "redis_cluster_slots_pfail", Kind::kGauge,
     "Slots whose owner may be failing"},
    {"cluster_slots_fail", "redis_cluster_slots_fail", Kind::kGauge, "Slots whose owner failed"},
    {"cluster_known_nodes", "redis_cluster_known_nodes", Kind::kGauge, "Nodes known"},
    {"cluster_size", "redis_cluster_size", Kind::kGauge, "Masters serving slots"},
    {"cluster_current_epoch", "redis_cluster_current_epoch", Kind::kGauge, "Current epoch"},
    {"cluster_my_epoch", "redis_cluster_my_epoch", Kind::kGauge, "This node's config epoch"},
    {"cluster_stats_messages_sent", "redis_cluster_messages_sent_total", Kind::kCounter,
     "Bus messages sent"},
    {"cluster_stats_messages_received", "redis_cluster_messages_received_total", Kind::kCounter,
     "Bus messages received"},
    {"sync_partial_ok", "redis_replica_partial_resync_accepted", Kind::kCounter,
     "Partial resyncs accepted"},
    {"sync_partial_err", "redis_replica_partial_resync_denied", Kind::kCounter,
     "Partial resyncs denied"},
    {"used_cpu_sys", "redis_cpu_sys_seconds_total", Kind::kCounter, "System CPU"},
    {"used_cpu_user", "redis_cpu_user_seconds_total", Kind::kCounter, "User CPU"},
    {"used_cpu_sys_children", "redis_cpu_sys_children_seconds_total", Kind::kCounter,
     "System CPU of children"},
    {"used_cpu_user_children", "redis_cpu_user_children_seconds_total", Kind::kCounter,
     "User CPU of children"},
};

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Exposition {
 public:
  void Family(const std::string& name, Kind kind, std::string_view help) {
    out_ += "# HELP " + name + " " + std::string(help) + "\n";
    out_ += "# TYPE " + name + (kind == Kind::kCounter ? " counter\n" : " gauge\n");
  }
  void Sample(const std::string& name, const std::string& labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " ";
    out_ += value;
    out_ += "\n";
  }
  void Sample(const std::string& name, const std::string& labels, double v) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", v);
    Sample(name, labels, std::string_view(buf));
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Splits "a=1,b=2" into its pairs.
std::map<std::string, std::string> Pairs(std::string_view v) {
  std::map<std::string, std::string> out;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string_view p = v.substr(start, comma == std::string_view::npos ? v.npos : comma - start);
    size_t eq = p.find('=');
    if (eq != std::string_view::npos) out[std::string(p.substr(0, eq))] = std::string(p.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string PrometheusText(Server& s) {
  std::string info = BuildInfo(s, {"everything"});
  // Cluster mode: CLUSTER INFO's fields too, as redis_exporter reads them.
  if (s.cluster().enabled()) info += s.cluster().InfoText();
  std::map<std::string, std::string> fields;
  std::vector<std::pair<std::string, std::string>> cmdstats, errstats, latstats, keyspace;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find("\r\n", pos);
    if (eol == std::string::npos) eol = info.size();
    std::string_view line(info.data() + pos, eol - pos);
    pos = eol + 2;
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string k(line.substr(0, colon)), v(line.substr(colon + 1));
    if (k.rfind("cmdstat_", 0) == 0) {
      cmdstats.emplace_back(k.substr(8), v);
    } else if (k.rfind("errorstat_", 0) == 0) {
      errstats.emplace_back(k.substr(10), v);
    } else if (k.rfind("latency_percentiles_usec_", 0) == 0) {
      latstats.emplace_back(k.substr(25), v);
    } else if (k.size() > 2 && k.rfind("db", 0) == 0 && isdigit(static_cast<unsigned char>(k[2]))) {
      keyspace.emplace_back(k, v);
    } else {
      fields[k] = v;
    }
  }

  Exposition e;
  e.Family("redis_up", Kind::kGauge, "Information about the Redis instance");
  e.Sample("redis_up", "", std::string_view("1"));
  e.Family("redis_instance_info", Kind::kGauge, "Information about the Redis instance");
  std::string labels;
  for (const char* f : {"maxmemory_policy", "os", "process_id", "redis_build_id", "redis_mode",
                        "redis_version", "role", "run_id", "tcp_port"}) {
    if (!labels.empty()) labels += ",";
    labels += std::string(f) + "=\"" + EscapeLabel(fields[f]) + "\"";
  }
  e.Sample("redis_instance_info", labels, std::string_view("1"));
  for (const FieldMetric& m : kFieldMetrics) {
    auto it = fields.find(m.field);
    if (it == fields.end()) continue;
    e.Family(m.metric, m.kind, m.help);
    e.Sample(m.metric, "", strtod(it->second.c_str(), nullptr));
  }
  // Replication, labelled as redis_exporter labels it: a replica's view of its master, and a
  // master's replicas (from the slaveN lines).
  if (fields["role"] == "slave") {
    std::string master = "master_host=\"" + EscapeLabel(fields["master_host"]) +
                         "\",master_port=\"" + EscapeLabel(fields["master_port"]) + "\"";
    e.Family("redis_master_link_up", Kind::kGauge, "The link to the master is up");
    e.Sample("redis_master_link_up", master, fields["master_link_status"] == "up" ? 1.0 : 0.0);
    for (const char* f : {"master_last_io_seconds_ago", "master_sync_in_progress",
                          "slave_repl_offset"}) {
      std::string metric = std::string("redis_") + f;
      e.Family(metric, Kind::kGauge, f);
      e.Sample(metric, master, strtod(fields[f].c_str(), nullptr));
    }
    e.Family("redis_slave_info", Kind::kGauge, "Information about the replica");
    e.Sample("redis_slave_info",
             master + ",read_only=\"" + EscapeLabel(fields["slave_read_only"]) + "\"",
             std::string_view("1"));
  }
  std::vector<std::map<std::string, std::string>> replicas;
  for (int i = 0;; i++) {
    auto it = fields.find("slave" + std::to_string(i));
    if (it == fields.end()) break;
    replicas.push_back(Pairs(it->second));
  }
  if (!replicas.empty()) {
    for (const char* metric : {"redis_connected_slave_offset_bytes", "redis_connected_slave_lag_seconds"}) {
      bool offset = std::string_view(metric).ends_with("bytes");
      e.Family(metric, Kind::kGauge, offset ? "Offset a replica acknowledged"
                                            : "Seconds since a replica's last acknowledgement");
      for (auto& r : replicas) {
        e.Sample(metric,
                 "slave_ip=\"" + EscapeLabel(r["ip"]) + "\",slave_port=\"" + EscapeLabel(r["port"]) +
                     "\",slave_state=\"" + EscapeLabel(r["state"]) + "\"",
                 strtod(r[offset ? "offset" : "lag"].c_str(), nullptr));
      }
    }
  }
  // Sentinel mode: the Sentinel section, as redis_exporter exposes it.
  if (fields["redis_mode"] == "sentinel") {
    for (const char* f : {"sentinel_masters", "sentinel_tilt", "sentinel_running_scripts",
                          "sentinel_scripts_queue_length", "sentinel_simulate_failure_flags"}) {
      std::string metric = std::string("redis_") + f;
      e.Family(metric, Kind::kGauge, f);
      e.Sample(metric, "", strtod(fields[f].c_str(), nullptr));
    }
    std::vector<std::map<std::string, std::string>> masters;
    for (int i = 0;; i++) {
      auto it = fields.find("master" + std::to_string(i));
      if (it == fields.end()) break;
      masters.push_back(Pairs(it->second));
    }
    e.Family("redis_sentinel_master_status", Kind::kGauge,
             "Master status on Sentinel (1: ok, 0: sdown or odown)");
    for (auto& m : masters) {
      e.Sample("redis_sentinel_master_status",
               "master_address=\"" + EscapeLabel(m["address"]) + "\",master_name=\"" +
                   EscapeLabel(m["name"]) + "\",master_status=\"" + EscapeLabel(m["status"]) + "\"",
               m["status"] == "ok" ? 1.0 : 0.0);
    }
    for (const char* what : {"slaves", "sentinels"}) {
      std::string metric = std::string("redis_sentinel_master_") + what;
      e.Family(metric, Kind::kGauge, what);
      for (auto& m : masters) {
        e.Sample(metric,
                 "master_address=\"" + EscapeLabel(m["address"]) + "\",master_name=\"" +
                     EscapeLabel(m["name"]) + "\"",
                 strtod(m[what].c_str(), nullptr));
      }
    }
  }
  if (fields.count("cluster_state") > 0) {
    e.Family("redis_cluster_state", Kind::kGauge, "The cluster is ok (1) or down (0)");
    e.Sample("redis_cluster_state", "", fields["cluster_state"] == "ok" ? 1.0 : 0.0);
  }
  e.Family("redis_rdb_last_bgsave_status", Kind::kGauge, "Last BGSAVE succeeded");
  e.Sample("redis_rdb_last_bgsave_status", "", fields["rdb_last_bgsave_status"] == "ok" ? 1.0 : 0.0);

  // One family per field of a "k=v,k=v" INFO line kind (keyspace dbN, cmdstat_<cmd>), labelled
  // with the line's name.
  auto per_line = [&](const std::vector<std::pair<std::string, std::string>>& lines,
                      const char* label, const char* metric, Kind kind, const char* help,
                      const char* field, double scale) {
    e.Family(metric, kind, help);
    for (auto& [name, v] : lines) {
      e.Sample(metric, std::string(label) + "=\"" + EscapeLabel(name) + "\"",
               strtod(Pairs(v)[field].c_str(), nullptr) * scale);
    }
  };
  per_line(keyspace, "db", "redis_db_keys", Kind::kGauge, "Keys per database", "keys", 1);
  per_line(keyspace, "db", "redis_db_keys_expiring", Kind::kGauge, "Keys with a TTL per database",
           "expires", 1);
  per_line(keyspace, "db", "redis_db_avg_ttl_seconds", Kind::kGauge, "Average TTL per database",
           "avg_ttl", 1e-3);
  per_line(cmdstats, "cmd", "redis_commands_total", Kind::kCounter, "Calls per command", "calls", 1);
  per_line(cmdstats, "cmd", "redis_commands_duration_seconds_total", Kind::kCounter,
           "Time spent per command", "usec", 1e-6);
  per_line(cmdstats, "cmd", "redis_commands_rejected_calls_total", Kind::kCounter,
           "Rejected calls per command", "rejected_calls", 1);
  per_line(cmdstats, "cmd", "redis_commands_failed_calls_total", Kind::kCounter,
           "Failed calls per command", "failed_calls", 1);
  e.Family("redis_latency_percentiles_usec", Kind::kGauge, "Latency percentiles per command");
  for (auto& [cmd, v] : latstats) {
    for (auto& [p, val] : Pairs(v)) {
      double q = strtod(p.c_str() + 1, nullptr) / 100;
      char qs[32];
      snprintf(qs, sizeof(qs), "%g", q);
      e.Sample("redis_latency_percentiles_usec",
               "cmd=\"" + EscapeLabel(cmd) + "\",quantile=\"" + qs + "\"",
               strtod(val.c_str(), nullptr));
    }
  }
  per_line(errstats, "err", "redis_errors_total", Kind::kCounter, "Error replies per error prefix",
           "count", 1);

  e.Family("redis_slowlog_length", Kind::kGauge, "Entries in the slow log");
  e.Sample("redis_slowlog_length", "", static_cast<double>(s.dispatcher().slowlog().Len()));
  e.Family("redis_slowlog_last_id", Kind::kGauge, "Last id of the slow log");
  e.Sample("redis_slowlog_last_id", "", static_cast<double>(s.dispatcher().slowlog().LastId()));
  e.Family("redis_latency_spike_last", Kind::kGauge, "When the latest spike of each event happened");
  auto events = s.dispatcher().latency().All();
  for (auto& ev : events) {
    if (ev.samples.empty()) continue;
    e.Sample("redis_latency_spike_last", "event_name=\"" + EscapeLabel(ev.event) + "\"",
             static_cast<double>(ev.samples.back().time));
  }
  e.Family("redis_latency_spike_duration_seconds", Kind::kGauge, "Length of the latest spike");
  for (auto& ev : events) {
    if (ev.samples.empty()) continue;
    e.Sample("redis_latency_spike_duration_seconds", "event_name=\"" + EscapeLabel(ev.event) + "\"",
             static_cast<double>(ev.samples.back().latency) / 1000);
  }
  return std::move(e.str());
}

namespace {
std::string Response(int code, std::string_view reason, std::string_view body,
                     std::string_view extra_headers = "") {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  r += code == 200 ? "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                   : "Content-Type: text/plain; charset=utf-8\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += extra_headers;
  r += "Connection: close\r\n\r\n";
  r += body;
  return r;
}
}  // namespace

std::string HttpResponse(Server& s, std::string_view head) {
  HttpRequest req = ParseHttpHead(head);
  // The same rule as the client port: unless the default user is open, the credentials of an
  // enabled user (or the default user's password under any name, as scrapers send it) come along.
  if (!s.acl().DefaultOpen() &&
      (!req.password || !s.acl().CheckCredentials(req.user.value_or(""), *req.password))) {
    return Response(401, "Unauthorized", "authentication required\n",
                    "WWW-Authenticate: Basic realm=\"carmine\"\r\n");
  }
  if (req.path != "/metrics") return Response(404, "Not Found", "not found: try /metrics\n");
  return Response(200, "OK", PrometheusText(s));
}

}  // namespace carmine
