// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// RuntimeOptions: the configuration values command handlers read, kept up to date by the config
// registry's apply hooks in server/. Atomics so CONFIG SET on one thread is seen by all; strings
// are guarded by a mutex and read rarely (AUTH).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/encoding_limits.h"

namespace carmine {

// client-output-buffer-limit classes and one class's limits (bytes, bytes, seconds; 0 = none).
enum class ClientClass : uint8_t { kNormal = 0, kReplica = 1, kPubSub = 2 };
struct OutputLimit {
  int64_t hard = 0, soft = 0, soft_seconds = 0;
};

struct RuntimeOptions {
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int> databases{16};
  std::atomic<bool> active_expire{true};
  std::atomic<int> active_expire_effort{1};
  std::atomic<bool> cluster_enabled{false};
  // enable-debug-command: 0 no, 1 yes, 2 local (loopback and unix socket clients only).
  std::atomic<int> enable_debug_command{0};
  // Compact-encoding thresholds (core/encoding_limits.h), one atomic each.
  std::atomic<int64_t> hash_max_listpack_entries{512};
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> set_max_listpack_entries{128};
  std::atomic<int64_t> set_max_listpack_value{64};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
  std::atomic<int64_t> list_max_listpack_size{-2};
  std::atomic<int64_t> list_compress_depth{0};

  std::atomic<int64_t> hll_sparse_max_bytes{3000};
  std::atomic<int64_t> tracking_table_max_keys{1000000};
  std::atomic<int64_t> slowlog_log_slower_than{10000};  // microseconds; negative: off
  std::atomic<int64_t> slowlog_max_len{128};

  // Memory limit and eviction (db/evict.h for the policy values).
  std::atomic<int64_t> maxmemory{0};  // bytes; 0: no limit
  std::atomic<int64_t> maxmemory_clients{0};  // bytes, or -percent of maxmemory; 0: no limit
  std::atomic<int> maxmemory_policy{7};  // EvictPolicy::kNoEviction
  std::atomic<int> maxmemory_samples{5};
  std::atomic<int> maxmemory_eviction_tenacity{10};
  std::atomic<bool> lazyfree_lazy_eviction{false};
  std::atomic<bool> lazyfree_lazy_user_del{false};
  std::atomic<bool> lazyfree_lazy_user_flush{false};
  std::atomic<bool> lazyfree_lazy_server_del{false};
  // LATENCY: events slower than this many milliseconds are recorded (0: off).
  std::atomic<int64_t> latency_monitor_threshold{0};
  // The last background save failed while save rules and stop-writes-on-bgsave-error are on:
  // writes (and PING) are refused with MISCONF until a save succeeds.
  std::atomic<bool> refuse_writes_misconf{false};
  // Set (to errno) while the AOF cannot be written: writes get MISCONF until a retry succeeds.
  std::atomic<int> aof_write_errno{0};
  // Per-command latency histograms for INFO latencystats and LATENCY HISTOGRAM.
  std::atomic<bool> latency_tracking{true};

  std::atomic<int64_t> obuf_limits[3][3] = {{0, 0, 0}, {268435456, 67108864, 60},
                                            {33554432, 8388608, 60}};
  OutputLimit output_limit(ClientClass c) const {
    auto& l = obuf_limits[static_cast<int>(c)];
    return {l[0].load(std::memory_order_relaxed), l[1].load(std::memory_order_relaxed),
            l[2].load(std::memory_order_relaxed)};
  }

  EncodingLimits limits() const {
    EncodingLimits l;
    l.hash_max_listpack_entries = hash_max_listpack_entries.load(std::memory_order_relaxed);
    l.hash_max_listpack_value = hash_max_listpack_value.load(std::memory_order_relaxed);
    l.set_max_intset_entries = set_max_intset_entries.load(std::memory_order_relaxed);
    l.set_max_listpack_entries = set_max_listpack_entries.load(std::memory_order_relaxed);
    l.set_max_listpack_value = set_max_listpack_value.load(std::memory_order_relaxed);
    l.zset_max_listpack_entries = zset_max_listpack_entries.load(std::memory_order_relaxed);
    l.zset_max_listpack_value = zset_max_listpack_value.load(std::memory_order_relaxed);
    l.list_max_listpack_size = list_max_listpack_size.load(std::memory_order_relaxed);
    l.list_compress_depth = list_compress_depth.load(std::memory_order_relaxed);
    return l;
  }

  void set_requirepass(const std::string& p) {
    std::lock_guard<std::mutex> l(mu_);
    requirepass_ = p;
  }
  std::string requirepass() const {
    std::lock_guard<std::mutex> l(mu_);
    return requirepass_;
  }

 private:
  mutable std::mutex mu_;
  std::string requirepass_;
};

}  // namespace carmine
