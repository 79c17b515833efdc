// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplicationOptions: every replication directive of Redis 7.2, declared once here.
#pragma once

#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/config.h"

namespace carmine {

enum class DisklessLoad : int { kDisabled = 0, kOnEmptyDb = 1, kSwapDb = 2 };
enum class PropagationErrorBehavior : int { kIgnore = 0, kPanic = 1, kPanicOnReplicas = 2 };

struct ReplicationOptions {
  explicit ReplicationOptions(config::Registry& r);

  config::Registry& registry;
  static constexpr int64_t kIMax = INT_MAX;
  static constexpr int64_t kLLMax = LLONG_MAX;

  config::Custom replicaof;
  config::String masterauth{registry, "masterauth", "", config::kSensitive};
  config::String masteruser{registry, "masteruser", ""};
  config::Bool replica_serve_stale_data{registry, "replica-serve-stale-data", true, 0,
                                        {"slave-serve-stale-data"}};
  config::Bool replica_read_only{registry, "replica-read-only", true, 0, {"slave-read-only"}};
  config::Bool replica_ignore_maxmemory{registry, "replica-ignore-maxmemory", true, 0,
                                        {"slave-ignore-maxmemory"}};
  config::Bool replica_lazy_flush{registry, "replica-lazy-flush", false, 0, {"slave-lazy-flush"}};
  config::String replica_announce_ip{registry, "replica-announce-ip", "", 0, {"slave-announce-ip"}};
  config::Int<int> replica_announce_port{registry, "replica-announce-port", 0, 0, 65535, 0,
                                         {"slave-announce-port"}};
  config::Bool replica_announced{registry, "replica-announced", true};
  config::Int<int> replica_priority{registry, "replica-priority", 100, 0, kIMax, 0,
                                    {"slave-priority"}};
  config::Bool replica_ignore_disk_write_errors{registry, "replica-ignore-disk-write-errors",
                                                false};
  config::Bool repl_diskless_sync{registry, "repl-diskless-sync", true};
  config::Int<int> repl_diskless_sync_delay{registry, "repl-diskless-sync-delay", 5, 0, kIMax};
  config::Int<int> repl_diskless_sync_max_replicas{registry, "repl-diskless-sync-max-replicas", 0,
                                                   0, kIMax};
  config::Enum repl_diskless_load{registry, "repl-diskless-load", 0,
                                  {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}},
                                  config::kDenyLoading};
  config::Int<int> repl_ping_replica_period{registry, "repl-ping-replica-period", 10, 1, kIMax, 0,
                                            {"repl-ping-slave-period"}};
  config::Int<int> repl_timeout{registry, "repl-timeout", 60, 1, kIMax};
  config::Bool repl_disable_tcp_nodelay{registry, "repl-disable-tcp-nodelay", false};
  config::Int<int64_t> repl_backlog_size{registry, "repl-backlog-size", 1024 * 1024, 1, kLLMax,
                                         config::kMemory};
  config::Int<int64_t> repl_backlog_ttl{registry, "repl-backlog-ttl", 3600, 0, kLLMax};
  config::Int<int> min_replicas_to_write{registry, "min-replicas-to-write", 0, 0, kIMax, 0,
                                         {"min-slaves-to-write"}};
  config::Int<int> min_replicas_max_lag{registry, "min-replicas-max-lag", 10, 0, kIMax, 0,
                                        {"min-slaves-max-lag"}};
  config::Enum propagation_error_behavior{
      registry, "propagation-error-behavior", 0,
      {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}};

  // The master this server replicates from ("" when it is a master): set by the config file
  // and kept current by REPLICAOF (CONFIG GET and CONFIG REWRITE show it).
  std::string master_host() const {
    std::lock_guard<std::mutex> l(mu_);
    return master_host_;
  }
  int master_port() const {
    std::lock_guard<std::mutex> l(mu_);
    return master_port_;
  }
  void set_master(const std::string& host, int port) {
    std::lock_guard<std::mutex> l(mu_);
    master_host_ = host;
    master_port_ = port;
  }

 private:
  mutable std::mutex mu_;
  std::string master_host_;
  int master_port_ = 0;
};

}  // namespace carmine
