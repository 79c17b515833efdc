// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Server configuration: the typed values (ServerConfig), the one declarative table of directives
// (name, kind, bounds, whether CONFIG SET may change it, how it prints), and the redis.conf
// reader. Directive names, value syntax (yes/no, 1gb, quoted strings, include) and error messages
// follow redis-server so existing config files and tooling keep working. A directive that belongs
// to a capability Carmine does not have yet is rejected like an unknown one, never silently
// ignored.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace carmine {

struct ServerConfig {
  int port = 6379;
  std::vector<std::string> bind = {"*", "-::*"};
  bool bind_explicit = false;
  bool protected_mode = true;
  std::string unixsocket;
  int unixsocketperm = 0;
  int tcp_backlog = 511;
  int timeout = 0;
  int tcp_keepalive = 300;
  bool daemonize = false;
  std::string pidfile;
  std::string loglevel = "notice";
  std::string logfile;
  int databases = 16;
  std::string requirepass;
  int maxclients = 10000;
  std::string dir;
  int hz = 10;
  bool dynamic_hz = true;
  int threads = 0;  // 0: number of CPUs
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  int active_expire_effort = 1;
  bool activerehashing = true;
  std::string enable_debug_command = "no";
  int busy_poll_us = 50;
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t hll_sparse_max_bytes = 3000;
  // client-output-buffer-limit: hard, soft, soft seconds for normal, replica, pubsub clients.
  int64_t obuf_limits[3][3] = {{0, 0, 0}, {268435456, 67108864, 60}, {33554432, 8388608, 60}};
  uint32_t notify_keyspace_events = 0;  // db/notify.h classes
  int64_t tracking_table_max_keys = 1000000;
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int maxmemory_samples = 5;
  int maxmemory_eviction_tenacity = 10;
  int64_t maxmemory_clients = 0;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  bool replica_lazy_flush = false;
  int64_t latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::string latency_tracking_info_percentiles = "50 99 99.9";
  int metrics_port = 0;  // Prometheus /metrics listener (0: only on the client port)
  // RDB snapshots. Save rules: (seconds, changes) pairs; empty means no automatic snapshots.
  // The built-in rules are Redis's.
  std::vector<std::pair<int64_t, int64_t>> save_rules = {{3600, 1}, {300, 100}, {60, 10000}};
  bool save_rules_from_file = false;  // a `save` line was read (later lines add to it)
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool rdb_del_sync_files = false;
  bool stop_writes_on_bgsave_error = true;
  // Append-only file.
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  std::string appendfsync = "everysec";
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;
  std::string config_file;  // absolute path of the file we were started with
};

// One row of the directive table.
struct ConfigOption {
  std::string name;
  std::string alias;
  bool runtime_mutable = true;
  bool multi_arg = false;  // takes several values (bind)
  // Redis refuses CONFIG SET of these unless enable-protected-configs allows it (paths the server
  // writes to); Carmine always refuses.
  bool protected_config = false;
  // Parses args into cfg. Returns "" or the reason, worded as Redis words it.
  std::function<std::string(ServerConfig&, const std::vector<std::string>&)> set;
  // The value as CONFIG GET and CONFIG REWRITE print it.
  std::function<std::string(const ServerConfig&)> get;
};

const std::vector<ConfigOption>& ConfigTable();
const ConfigOption* FindConfigOption(const std::string& name);

// Parses the text of a config file (plus command-line overrides already turned into lines).
// `origin` names the file for error messages. Errors come back in Redis's fatal-error format.
Status LoadConfigText(const std::string& text, ServerConfig* cfg, const std::string& origin,
                      int depth = 0);
// Reads argv as redis-server does: [config-file] [--name value ...]. Fills `cfg`. Sets
// *exit_now (and an exit code) for --version/--help.
Status ParseCommandLine(int argc, char** argv, ServerConfig* cfg, bool* exit_now, int* exit_code);

// Rewrites cfg.config_file keeping comments and line order: lines of known directives get the
// current value; directives not present but different from their default are appended.
Status RewriteConfigFile(const ServerConfig& cfg);

}  // namespace carmine
