// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// PersistOptions: the directives of RDB snapshots and the append-only file, declared once here
// (base/config.h). The RDB and AOF code in server/ reads them directly; `save` keeps its rules
// behind a mutex because they are a list.
#pragma once

#include <climits>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "base/config.h"

namespace carmine {

enum class AppendFsync : int { kAlways = 0, kEverySec = 1, kNo = 2 };

struct PersistOptions {
  explicit PersistOptions(config::Registry& r);

  using SaveRules = std::vector<std::pair<int64_t, int64_t>>;  // (seconds, changes)
  SaveRules save_rules() const {
    std::lock_guard<std::mutex> l(mu_);
    return save_rules_;
  }

  config::Registry& registry;
  static constexpr int64_t kLLMax = LLONG_MAX;
  static constexpr int64_t kIMax = INT_MAX;

  // save <seconds> <changes> ...: the built-in rules are Redis's; "" disables snapshots.
  config::Custom save;
  config::String dbfilename;
  config::Bool rdbcompression{registry, "rdbcompression", true};
  config::Bool rdbchecksum{registry, "rdbchecksum", true, config::kImmutable};
  config::Bool rdb_del_sync_files{registry, "rdb-del-sync-files", false};
  config::Bool stop_writes_on_bgsave_error{registry, "stop-writes-on-bgsave-error", true};
  // The child fsyncs the file once, when it is complete; incremental fsyncs have no effect.
  config::Bool rdb_save_incremental_fsync{registry, "rdb-save-incremental-fsync", true};
  // Test knobs: microseconds slept per key while saving (or loading); negative values count
  // in loop iterations instead, as in Redis's tests.
  config::Int<int> rdb_key_save_delay{registry, "rdb-key-save-delay", 0, INT_MIN, kIMax,
                                      config::kHidden};
  config::Int<int> key_load_delay{registry, "key-load-delay", 0, INT_MIN, kIMax, config::kHidden};
  config::Int<int> loading_process_events_interval_bytes{
      registry, "loading-process-events-interval-bytes", 2 * 1024 * 1024, 1024, kIMax,
      config::kHidden};

  config::Bool appendonly{registry, "appendonly", false, config::kDenyLoading};
  config::String appendfilename;
  config::String appenddirname;
  config::Enum appendfsync{registry, "appendfsync", static_cast<int>(AppendFsync::kEverySec),
                           {{"everysec", 1}, {"always", 0}, {"no", 2}}};
  config::Bool no_appendfsync_on_rewrite{registry, "no-appendfsync-on-rewrite", false};
  config::Int<int64_t> auto_aof_rewrite_percentage{registry, "auto-aof-rewrite-percentage", 100, 0,
                                                   kIMax};
  config::Int<int64_t> auto_aof_rewrite_min_size{registry, "auto-aof-rewrite-min-size",
                                                 64LL * 1024 * 1024, 0, kLLMax, config::kMemory};
  config::Bool aof_load_truncated{registry, "aof-load-truncated", true};
  config::Bool aof_use_rdb_preamble{registry, "aof-use-rdb-preamble", true};
  config::Bool aof_timestamp_enabled{registry, "aof-timestamp-enabled", false};
  config::Bool aof_rewrite_incremental_fsync{registry, "aof-rewrite-incremental-fsync", true};
  // Keep history files of the AOF after a rewrite instead of deleting them (a test knob).
  config::Bool aof_disable_auto_gc{registry, "aof-disable-auto-gc", false, config::kHidden};

 private:
  mutable std::mutex mu_;
  SaveRules save_rules_{{3600, 1}, {300, 100}, {60, 10000}};
  bool save_from_file_ = false;  // a `save` line was read: later lines add to it
};

}  // namespace carmine
