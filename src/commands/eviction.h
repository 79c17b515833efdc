// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Evictor: keeps used memory under maxmemory by removing keys the maxmemory-policy picks. The
// dispatcher asks it before every command while maxmemory is set (as Redis does); the first worker's
// cron asks it too, so a cycle cut short by its time budget (maxmemory-eviction-tenacity) carries
// on without waiting for traffic.
//
// One thread evicts at a time (a mutex); it locks one shard at a time, never while holding a
// command's locks, so it cannot deadlock with them. Victims come from an EvictionPool fed by
// sampling maxmemory-samples keys per shard visited, shards visited round-robin across databases.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "commands/latency_monitor.h"
#include "commands/options.h"
#include "commands/propagation.h"
#include "db/evict.h"

namespace carmine {

class Evictor {
 public:
  enum class Result { kOk, kRunning, kFail };
  using Probe = size_t (*)();

  Evictor(DbSet& dbs, const RuntimeOptions& opts);

  // Evicts until used memory is at most maxmemory. kFail: over the limit and nothing left to
  // evict (or noeviction): DENYOOM commands must be refused. kRunning: the time budget ran out
  // while still over; commands go ahead and eviction continues later.
  Result Perform(int64_t now_ms);

  void set_sink(PropagationSink* sink) { sink_ = sink; }
  void set_latency_monitor(LatencyMonitor* m) { latency_ = m; }
  void set_probe(Probe p) { probe_ = p; }
  // Memory maxmemory does not count (Redis's mem_not_counted_for_evict): the replication stream
  // held for replicas beyond the backlog. Set once at startup.
  void set_not_counted(std::function<size_t()> f) { not_counted_ = std::move(f); }
  size_t NotCounted() const { return not_counted_ ? not_counted_() : 0; }
  size_t UsedMemory() const { return probe_(); }

  uint64_t evicted_keys() const { return evicted_.load(std::memory_order_relaxed); }
  // Milliseconds spent over maxmemory (INFO total/current_eviction_exceeded_time).
  uint64_t exceeded_time_ms(int64_t now_ms) const;
  uint64_t current_exceeded_time_ms(int64_t now_ms) const;
  // The last pass ran out of its time budget with memory still over the limit: the cron goes on
  // with it (as Redis's eviction time proc does) instead of waiting for the next command.
  bool unfinished() const { return unfinished_.load(std::memory_order_relaxed); }
  void ResetStats() {
    evicted_.store(0, std::memory_order_relaxed);
    exceeded_total_ms_.store(0, std::memory_order_relaxed);
  }

 private:
  // Finds and removes one victim (*freed gets its bytes); false if no key qualifies.
  bool EvictOne(EvictPolicy policy, int64_t now_ms, bool lazy, size_t* freed);
  // Samples the next shard that had keys into the pool (or, for the random policies, picks a
  // victim from it into *c). Returns false after a whole tour found nothing.
  bool NextShard(EvictPolicy policy, int64_t now_ms, EvictCandidate* c);
  // Re-lists the shards that hold keys (or volatile keys).
  void RefreshTargets(EvictPolicy policy);
  void NoteOver(int64_t now_ms, bool over);

  DbSet& dbs_;
  const RuntimeOptions& opts_;
  PropagationSink* sink_ = nullptr;
  LatencyMonitor* latency_ = nullptr;
  Probe probe_;
  std::function<size_t()> not_counted_;
  std::mutex mu_;
  EvictionPool pool_;  // guarded by mu_
  // Shards that held candidates when last listed, so sampling never spends its visits on the
  // empty databases; re-listed every few thousand evictions. Guarded by mu_.
  std::vector<uint32_t> targets_;
  size_t cursor_ = 0;
  uint64_t since_refresh_ = 0;
  size_t sampled_ = 0;  // shards sampled so far for the next eviction
  EvictPolicy last_policy_ = EvictPolicy::kNoEviction;
  std::atomic<uint64_t> evicted_{0};
  std::atomic<bool> unfinished_{false};
  std::atomic<int64_t> over_since_ms_{0};  // 0 when under the limit
  std::atomic<uint64_t> exceeded_total_ms_{0};
  int64_t last_del_us_ = 0;  // slowest deletion of the current cycle; guarded by mu_
};

}  // namespace carmine
