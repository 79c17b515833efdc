// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ClusterOptions: every cluster directive of Redis 7.2, declared once here.
#pragma once

#include <climits>
#include <cstdint>

#include "base/config.h"

namespace carmine {

enum class EndpointType : int { kIp = 0, kHostname = 1, kUnknown = 2 };

struct ClusterOptions {
  explicit ClusterOptions(config::Registry& r) : registry(r) {}

  config::Registry& registry;
  static constexpr int64_t kIMax = INT_MAX;
  static constexpr int64_t kLLMax = LLONG_MAX;

  config::Bool cluster_enabled{registry, "cluster-enabled", false, config::kImmutable};
  config::String cluster_config_file{registry, "cluster-config-file", "nodes.conf",
                                     config::kImmutable};
  config::Int<int> cluster_port{registry, "cluster-port", 0, 0, 65535, config::kImmutable};
  config::Int<int64_t> cluster_node_timeout{registry, "cluster-node-timeout", 15000, 0, kLLMax};
  config::Int<int64_t> cluster_ping_interval{registry, "cluster-ping-interval", 0, 0, kLLMax,
                                             config::kHidden};
  config::String cluster_announce_ip{registry, "cluster-announce-ip", ""};
  config::String cluster_announce_hostname{registry, "cluster-announce-hostname", ""};
  config::String cluster_announce_human_nodename{registry, "cluster-announce-human-nodename", ""};
  config::Int<int> cluster_announce_port{registry, "cluster-announce-port", 0, 0, 65535};
  config::Int<int> cluster_announce_bus_port{registry, "cluster-announce-bus-port", 0, 0, 65535};
  config::Int<int> cluster_announce_tls_port{registry, "cluster-announce-tls-port", 0, 0, 65535};
  config::Enum cluster_preferred_endpoint_type{
      registry, "cluster-preferred-endpoint-type", 0,
      {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}};
  config::Bool cluster_require_full_coverage{registry, "cluster-require-full-coverage", true};
  config::Bool cluster_allow_reads_when_down{registry, "cluster-allow-reads-when-down", false};
  config::Bool cluster_allow_pubsubshard_when_down{registry, "cluster-allow-pubsubshard-when-down",
                                                   true};
  config::Int<int> cluster_replica_validity_factor{registry, "cluster-replica-validity-factor", 10,
                                                   0, kIMax, 0,
                                                   {"cluster-slave-validity-factor"}};
  config::Int<int> cluster_migration_barrier{registry, "cluster-migration-barrier", 1, 0, kIMax};
  config::Bool cluster_allow_replica_migration{registry, "cluster-allow-replica-migration", true};
  config::Bool cluster_replica_no_failover{registry, "cluster-replica-no-failover", false, 0,
                                           {"cluster-slave-no-failover"}};
  config::Int<int64_t> cluster_link_sendbuf_limit{registry, "cluster-link-sendbuf-limit", 0, 0,
                                                  kLLMax, config::kMemory};
};

}  // namespace carmine
