// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MemoryReport: one reading of where memory goes, shared by INFO memory, MEMORY STATS, MEMORY
// DOCTOR and the Prometheus endpoint so they never disagree. "Overhead" is what Redis calls it:
// memory that is not keys and values (the allocation at startup, client buffers, the keyspace
// tables' bucket arrays and per-entry headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace carmine {

class Server;

struct MemoryReport {
  size_t used = 0, peak = 0, startup = 0, rss = 0;
  size_t clients_normal = 0, clients_replicas = 0;
  size_t overhead = 0, dataset = 0;
  size_t keys = 0;
  size_t allocator_allocated = 0, allocator_active = 0, allocator_resident = 0;
  struct DbOverhead {
    int db;
    size_t main, expires;
  };
  std::vector<DbOverhead> dbs;  // databases that have keys

  double dataset_perc() const;
  double peak_perc() const { return peak ? 100.0 * used / peak : 100.0; }
  double frag_ratio() const { return used ? static_cast<double>(rss) / used : 0; }
  int64_t frag_bytes() const { return static_cast<int64_t>(rss) - static_cast<int64_t>(used); }
  double allocator_frag_ratio() const;
  double allocator_rss_ratio() const;
  double rss_overhead_ratio() const;
};

// Takes each shard lock in turn (callers hold none).
MemoryReport BuildMemoryReport(Server& s);
// Records used memory into the peak (cron and INFO); returns the peak.
size_t UpdateMemoryPeak(Server& s, size_t used);

}  // namespace carmine
