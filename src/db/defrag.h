// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Active defragmentation of the keyspace (activedefrag yes). A cycle starts when the allocator
// reports enough fragmentation (checked once a second by the first worker, thresholds from the
// active-defrag-* directives, as Redis decides) and walks every shard's table once: each key's
// entry block and the block its value owns directly (a long string, a small collection) are
// offered to mem::DefragAdvisor, which moves those sitting in emptier-than-average slabs, and so
// are the inner blocks of collections of up to active-defrag-max-scan-fields elements (list
// nodes, hash and set nodes). A bigger collection is walked in steps of a few dozen nodes or
// buckets, the shard's lock released between stretches, and resumed by key, as Redis walks its
// big keys. A moved
// entry is relinked in its bucket chain and in the shard's volatile-key vector, the only places
// that hold entry addresses between commands.
//
// Each worker walks the shards it owns (the same split as active expiry), under each shard's
// lock, for a CPU share of every cron tick between active-defrag-cycle-min and -max percent,
// releasing the lock at least every millisecond so commands on that shard wait little. Sorted
// sets' skiplists and streams are not moved yet.
//
// Like Redis, nothing runs while a fork child shares the memory (a move would copy the page).
// While an AOF is replayed the workers' slices wait and the replaying thread walks instead,
// between commands, as Redis defragments from its loading loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/defrag_advisor.h"

namespace carmine {

class DataObject;
class DbSet;
struct ShardData;

struct DefragSettings {
  bool enabled = false;
  int64_t ignore_bytes = 0;
  int threshold_lower = 10, threshold_upper = 100;
  int cycle_min = 1, cycle_max = 25;
  int64_t max_scan_fields = 1000;  // a bigger collection keeps its inner blocks in place
};

class Defragger {
 public:
  // The CPU percent a cycle would use at `frag_pct` percent fragmentation with `frag_bytes`
  // bytes lost to it, or 0 if that does not justify a cycle.
  static int CpuPercent(const DefragSettings& s, double frag_pct, int64_t frag_bytes);

  // Starts a cycle over `workers` workers' shards at `cpu_pct` percent of each cron tick,
  // moving the inner blocks of collections of at most `max_scan_fields` elements.
  void Start(int cpu_pct, int workers, int64_t now_ms, int64_t max_scan_fields = 1000);
  // One worker's share of a cron tick: walks its shards for its time budget (`hz` ticks a
  // second). Returns true when this call finished the whole cycle (every worker done).
  bool Slice(DbSet& dbs, int worker, int hz, int64_t now_ms);
  // The thread replaying an AOF between two commands (the workers' slices stand still while a
  // dataset loads): walks every worker's share in turn for `budget_us`. Only for a loader that
  // holds no shard lock between commands. Returns true when this call finished the cycle.
  bool SliceWhileLoading(DbSet& dbs, int64_t budget_us, int64_t now_ms);
  // Abandons a running cycle (activedefrag turned off).
  void Stop(int64_t now_ms);

  int running() const { return running_.load(std::memory_order_relaxed); }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  uint64_t key_hits() const { return key_hits_.load(std::memory_order_relaxed); }
  uint64_t key_misses() const { return key_misses_.load(std::memory_order_relaxed); }
  // Milliseconds spent in finished cycles, and in the running one so far.
  int64_t total_time_ms(int64_t now_ms) const;
  int64_t current_time_ms(int64_t now_ms) const;
  void ResetStats();
  // The last finished cycle: its length and how many blocks it moved.
  int64_t last_cycle_ms() const { return last_cycle_ms_.load(std::memory_order_relaxed); }
  uint64_t last_cycle_hits() const { return last_cycle_hits_.load(std::memory_order_relaxed); }

 private:
  struct Walker {
    std::mutex busy;  // held while walking: a worker's slice or the loader, never both
    int db = 0;
    uint32_t shard = 0;  // the next shard to visit, among all shards of `db`
    uint64_t cursor = 0;
    bool done = false;
    // A collection too big for one step (over active-defrag-max-scan-fields elements), walked in
    // steps across slices: its key, its object (a value stored under the key since is not
    // resumed), where its walk resumes, and whether the shard's scan had already wrapped.
    std::string big_key;
    const DataObject* big_obj = nullptr;
    uint64_t big_cursor = 0;
    bool scan_wrapped = false;
    mem::DefragAdvisor advisor;
    uint64_t hits_seen = 0, misses_seen = 0;  // advisor counts already added to the totals
  };
  // Walks worker `worker`'s shards until `deadline_us`; true when this finished the cycle.
  // `loading`: called by the loader, which owns the keyspace while the workers' slices wait.
  bool Walk(DbSet& dbs, int worker, int64_t deadline_us, bool loading, int64_t now_ms);
  // How a stretch of one shard's walk ended.
  enum class Stretch {
    kShardDone,  // the cursor wrapped: on to the next shard
    kLockHeld,   // held the shard lock as long as one stretch may; the slice has time left
    kSliceOver,  // the slice's time is up, or a load or exclusive section began meanwhile
  };
  // Walks buckets of one shard, holding its lock for at most one stretch (kMaxLockUs).
  Stretch WalkShard(DbSet& dbs, Walker& w, int64_t deadline_us, bool loading);
  void Account(Walker& w);
  // Steps through the pending big collection of `w` in shard `d` until it is done (true) or
  // `stop_at` passes (false). A key deleted or overwritten meanwhile counts as done.
  bool StepBigValue(ShardData& d, Walker& w, int64_t stop_at);

  std::mutex mu_;  // guards walkers_ (its size) and the start/finish transitions
  std::vector<std::unique_ptr<Walker>> walkers_;
  std::atomic<int> workers_left_{0};
  std::atomic<int> running_{0};
  std::atomic<int64_t> max_scan_fields_{1000};
  std::atomic<int64_t> cycle_start_ms_{0};
  std::atomic<int64_t> total_ms_{0};
  std::atomic<int64_t> last_cycle_ms_{0};
  std::atomic<uint64_t> last_cycle_hits_{0}, cycle_start_hits_{0};
  std::atomic<uint64_t> hits_{0}, misses_{0}, key_hits_{0}, key_misses_{0};
};

}  // namespace carmine
