// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// RuntimeOptions: the directives command execution owns (encoding thresholds, memory limit and
// eviction, slow log, latency, tracking, keyspace events, output limits, protected commands),
// each declared once here with its name, bounds and default (base/config.h), and the
// process-wide switches commands read that are state rather than configuration (MISCONF, DEBUG
// SET-ACTIVE-EXPIRE). Handlers and the dispatcher read the members directly: one relaxed atomic
// load each.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "core/encoding_limits.h"

namespace carmine {

// client-output-buffer-limit classes and one class's limits (bytes, bytes, seconds; 0 = none).
enum class ClientClass : uint8_t { kNormal = 0, kReplica = 1, kPubSub = 2 };
struct OutputLimit {
  int64_t hard = 0, soft = 0, soft_seconds = 0;
};

// enable-debug-command, enable-module-command, enable-protected-configs.
enum class EnableMode : int { kNo = 0, kYes = 1, kLocal = 2 };

struct RuntimeOptions {
  explicit RuntimeOptions(config::Registry& r);

  // A value a handler or a test sets by its text, as CONFIG SET would ("" or the reason).
  std::string SetForTest(std::string_view name, const std::string& value);

  config::Registry& registry;
  using I64 = config::Int<int64_t>;
  using Int = config::Int<int>;
  static constexpr int64_t kLLMax = LLONG_MAX;
  static constexpr int64_t kIMax = INT_MAX;
  static constexpr int64_t kMb = 1024 * 1024;

  I64 proto_max_bulk_len{registry, "proto-max-bulk-len", 512 * kMb, kMb, kLLMax,
                         config::kMemory};
  Int active_expire_effort{registry, "active-expire-effort", 1, 1, 10};
  config::Bool activerehashing{registry, "activerehashing", true};
  // Who may run commands flagged `protected` (DEBUG, MODULE) and CONFIG SET protected configs.
  config::Enum enable_debug_command{registry, "enable-debug-command", 0, EnableNames(),
                                    config::kImmutable};
  config::Enum enable_module_command{registry, "enable-module-command", 0, EnableNames(),
                                     config::kImmutable};
  config::Enum enable_protected_configs{registry, "enable-protected-configs", 0, EnableNames(),
                                        config::kImmutable | config::kProtected};

  // Compact-encoding thresholds (the ziplist names are Redis's older aliases).
  I64 hash_max_listpack_entries{registry, "hash-max-listpack-entries", 512, 0, kLLMax, 0,
                                {"hash-max-ziplist-entries"}};
  I64 hash_max_listpack_value{registry, "hash-max-listpack-value", 64, 0, kLLMax, config::kMemory,
                              {"hash-max-ziplist-value"}};
  I64 set_max_intset_entries{registry, "set-max-intset-entries", 512, 0, kLLMax};
  I64 set_max_listpack_entries{registry, "set-max-listpack-entries", 128, 0, kLLMax};
  I64 set_max_listpack_value{registry, "set-max-listpack-value", 64, 0, kLLMax};
  I64 zset_max_listpack_entries{registry, "zset-max-listpack-entries", 128, 0, kLLMax, 0,
                                {"zset-max-ziplist-entries"}};
  I64 zset_max_listpack_value{registry, "zset-max-listpack-value", 64, 0, kLLMax, config::kMemory,
                              {"zset-max-ziplist-value"}};
  Int list_max_listpack_size{registry, "list-max-listpack-size", -2, INT_MIN, kIMax, 0,
                             {"list-max-ziplist-size"}};
  Int list_compress_depth{registry, "list-compress-depth", 0, 0, kIMax};
  I64 hll_sparse_max_bytes{registry, "hll-sparse-max-bytes", 3000, 0, kLLMax, config::kMemory};
  // Streams (not built yet): accepted and kept for the stream type.
  I64 stream_node_max_bytes{registry, "stream-node-max-bytes", 4096, 0, kLLMax, config::kMemory};
  I64 stream_node_max_entries{registry, "stream-node-max-entries", 100, 0, kLLMax};
  // RESTORE payload checks. Carmine always validates a payload completely before using it, so
  // every value behaves as `yes`.
  config::Enum sanitize_dump_payload{registry, "sanitize-dump-payload", 0,
                                     {{"no", 0}, {"yes", 1}, {"clients", 2}}};

  I64 tracking_table_max_keys{registry, "tracking-table-max-keys", 1000000, 0, kLLMax};
  I64 slowlog_log_slower_than{registry, "slowlog-log-slower-than", 10000, -1, kLLMax};
  I64 slowlog_max_len{registry, "slowlog-max-len", 128, 0, kLLMax};
  I64 latency_monitor_threshold{registry, "latency-monitor-threshold", 0, 0, kLLMax};
  config::Bool latency_tracking{registry, "latency-tracking", true};
  config::Custom latency_tracking_info_percentiles;
  config::Custom notify_keyspace_events;
  config::Custom client_output_buffer_limit;

  // Memory limit and eviction (db/evict.h for the policy values).
  I64 maxmemory{registry, "maxmemory", 0, 0, kLLMax, config::kMemory};
  config::Enum maxmemory_policy;
  Int maxmemory_samples{registry, "maxmemory-samples", 5, 1, kIMax};
  Int maxmemory_eviction_tenacity{registry, "maxmemory-eviction-tenacity", 10, 0, 100};
  config::Custom maxmemory_clients_option;
  Int lfu_log_factor{registry, "lfu-log-factor", 10, 0, kIMax};
  Int lfu_decay_time{registry, "lfu-decay-time", 1, 0, kIMax};
  config::Bool lazyfree_lazy_eviction{registry, "lazyfree-lazy-eviction", false};
  config::Bool lazyfree_lazy_expire{registry, "lazyfree-lazy-expire", false};
  config::Bool lazyfree_lazy_server_del{registry, "lazyfree-lazy-server-del", false};
  config::Bool lazyfree_lazy_user_del{registry, "lazyfree-lazy-user-del", false};
  config::Bool lazyfree_lazy_user_flush{registry, "lazyfree-lazy-user-flush", false};

  // Values of the custom directives above, read on hot paths.
  std::atomic<uint32_t> notify_flags{0};
  // maxmemory-clients: bytes, or -percent of maxmemory; 0: no limit.
  std::atomic<int64_t> maxmemory_clients{0};
  std::atomic<int64_t> obuf_limits[3][3] = {{0, 0, 0}, {268435456, 67108864, 60},
                                            {33554432, 8388608, 60}};
  OutputLimit output_limit(ClientClass c) const {
    auto& l = obuf_limits[static_cast<int>(c)];
    return {l[0].load(std::memory_order_relaxed), l[1].load(std::memory_order_relaxed),
            l[2].load(std::memory_order_relaxed)};
  }
  std::vector<double> percentiles() const {
    std::lock_guard<std::mutex> l(mu_);
    return percentiles_;
  }

  EncodingLimits limits() const {
    EncodingLimits l;
    l.hash_max_listpack_entries = hash_max_listpack_entries.get();
    l.hash_max_listpack_value = hash_max_listpack_value.get();
    l.set_max_intset_entries = set_max_intset_entries.get();
    l.set_max_listpack_entries = set_max_listpack_entries.get();
    l.set_max_listpack_value = set_max_listpack_value.get();
    l.zset_max_listpack_entries = zset_max_listpack_entries.get();
    l.zset_max_listpack_value = zset_max_listpack_value.get();
    l.list_max_listpack_size = list_max_listpack_size.get();
    l.list_compress_depth = list_compress_depth.get();
    l.list_packed_threshold = list_packed_threshold.load(std::memory_order_relaxed);
    l.stream_node_max_entries = stream_node_max_entries.get();
    l.stream_node_max_bytes = stream_node_max_bytes.get();
    return l;
  }

  // State commands read (not configuration).
  std::atomic<bool> active_expire{true};  // DEBUG SET-ACTIVE-EXPIRE
  std::atomic<int64_t> list_packed_threshold{1LL << 30};  // DEBUG QUICKLIST-PACKED-THRESHOLD
  std::atomic<bool> cluster_enabled{false};
  // The last background save failed while save rules and stop-writes-on-bgsave-error are on:
  // writes (and PING) are refused with MISCONF until a save succeeds.
  std::atomic<bool> refuse_writes_misconf{false};
  // Set (to errno) while the AOF cannot be written: writes get MISCONF until a retry succeeds.
  std::atomic<int> aof_write_errno{0};

 private:
  static config::Enum::Names EnableNames() { return {{"no", 0}, {"yes", 1}, {"local", 2}}; }
  mutable std::mutex mu_;
  std::vector<double> percentiles_{50, 99, 99.9};
};

}  // namespace carmine
