// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/defrag.h"

#include <algorithm>
#include <thread>

#include "base/clock.h"
#include "core/chain_table.h"
#include "core/key_table.h"
#include "db/db_set.h"

namespace carmine {
namespace {

// Longest time a shard stays locked by one stretch of the walk.
constexpr int64_t kMaxLockUs = 1000;
// Buckets walked between two looks at the clock.
constexpr int kBucketsPerClockCheck = 16;
// Nodes or buckets of a big collection walked between two looks at the clock.
constexpr size_t kBigValueStep = 64;

}  // namespace

int Defragger::CpuPercent(const DefragSettings& s, double frag_pct, int64_t frag_bytes) {
  if (!s.enabled || frag_pct <= s.threshold_lower || frag_bytes <= s.ignore_bytes) return 0;
  // Linear from cycle-min at the lower threshold to cycle-max at the upper one, clamped.
  double span = std::max(1, s.threshold_upper - s.threshold_lower);
  double pct = s.cycle_min + (frag_pct - s.threshold_lower) * (s.cycle_max - s.cycle_min) / span;
  int lo = std::min(s.cycle_min, s.cycle_max), hi = std::max(s.cycle_min, s.cycle_max);
  return std::clamp(static_cast<int>(pct), lo, hi);
}

void Defragger::Start(int cpu_pct, int workers, int64_t now_ms, int64_t max_scan_fields) {
  std::lock_guard<std::mutex> g(mu_);
  if (workers_left_.load() != 0) return;
  max_scan_fields_ = max_scan_fields;
  if (static_cast<int>(walkers_.size()) != workers) {
    walkers_.clear();
    for (int i = 0; i < workers; i++) walkers_.push_back(std::make_unique<Walker>());
  }
  for (auto& w : walkers_) {
    w->db = 0;
    w->shard = 0;
    w->cursor = 0;
    w->done = false;
    w->big_key.clear();
    w->big_obj = nullptr;
    w->big_cursor = 0;
    w->scan_wrapped = false;
  }
  cycle_start_ms_ = now_ms;
  cycle_start_hits_ = hits_.load();
  workers_left_ = workers;
  running_ = std::max(1, cpu_pct);
}

void Defragger::Stop(int64_t now_ms) {
  int was = running_.exchange(0);
  if (was == 0) return;
  last_cycle_ms_ = now_ms - cycle_start_ms_.load();
  last_cycle_hits_ = hits_.load() - cycle_start_hits_.load();
  total_ms_ += last_cycle_ms_.load();
}

bool Defragger::Slice(DbSet& dbs, int worker, int hz, int64_t now_ms) {
  int cpu = running_.load();
  // A fork child shares the pages (moving would copy them); a load or an exclusive section
  // owns the keyspace. The cycle resumes afterwards.
  if (cpu != 0 && (AvoidTableResize() || dbs.loading() || dbs.exclusive())) return false;
  int64_t deadline = clock::MonotonicUs() + 1000000LL * cpu / std::max(1, hz) / 100;
  return Walk(dbs, worker, deadline, false, now_ms);
}

bool Defragger::SliceWhileLoading(DbSet& dbs, int64_t budget_us, int64_t now_ms) {
  if (running_.load() == 0 || AvoidTableResize()) return false;
  size_t workers;
  {
    std::lock_guard<std::mutex> g(mu_);
    workers = walkers_.size();
  }
  int64_t deadline = clock::MonotonicUs() + budget_us;
  for (size_t i = 0; i < workers && clock::MonotonicUs() < deadline; i++) {
    if (Walk(dbs, static_cast<int>(i), deadline, true, now_ms)) return true;
  }
  return false;
}

bool Defragger::Walk(DbSet& dbs, int worker, int64_t deadline_us, bool loading,
                     int64_t now_ms) {
  Walker* w = nullptr;
  int workers = 0;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (worker >= static_cast<int>(walkers_.size()) || walkers_[worker]->done) return false;
    w = walkers_[worker].get();
    workers = static_cast<int>(walkers_.size());
  }
  // A worker's slice that began just before a load may still be walking: the loader skips it.
  std::unique_lock<std::mutex> busy(w->busy, std::try_to_lock);
  if (!busy.owns_lock()) return false;
  {
    std::lock_guard<std::mutex> g(mu_);  // the other one may have finished it, or a new
    if (w->done) return false;           // cycle reset it, meanwhile
  }
  int cpu = running_.load();
  if (cpu != 0) {
    while (w->db < dbs.num_dbs()) {
      if (w->shard >= static_cast<uint32_t>(dbs.num_shards())) {
        w->db++;
        w->shard = 0;
        continue;
      }
      if (static_cast<int>(dbs.Index(w->db, w->shard) % workers) != worker) {
        w->shard++;
        continue;
      }
      Stretch end = WalkShard(dbs, *w, deadline_us, loading);
      if (end == Stretch::kSliceOver) break;
      if (end == Stretch::kLockHeld) {
        // The lock was released between stretches: let a client thread waiting for the shard
        // take it before this walk goes on with the rest of its slice.
        std::this_thread::yield();
        continue;
      }
      w->shard++;
      w->cursor = 0;
    }
    Account(*w);
    if (w->db < dbs.num_dbs()) return false;
  }
  // Walked everything, or the cycle was stopped: this worker is done with it.
  {
    std::lock_guard<std::mutex> g(mu_);
    w->done = true;
  }
  if (workers_left_.fetch_sub(1) != 1 || cpu == 0) return false;
  Stop(now_ms);
  return true;
}

Defragger::Stretch Defragger::WalkShard(DbSet& dbs, Walker& w, int64_t deadline_us,
                                         bool loading) {
  ShardLocks lock;
  lock.Add(dbs, w.db, w.shard);
  lock.Acquire();
  // A load that began since the slice started owns the tables now (a replica's loader inserts
  // without shard locks): stop here, the cycle resumes afterwards.
  if (!loading && (dbs.loading() || dbs.exclusive())) return Stretch::kSliceOver;
  ShardData& d = dbs.Data(w.db, w.shard);
  int64_t stop_at = std::min(deadline_us, clock::MonotonicUs() + kMaxLockUs);
  auto out_of_time = [&] {
    return clock::MonotonicUs() >= deadline_us ? Stretch::kSliceOver : Stretch::kLockHeld;
  };
  if (!w.big_key.empty()) {
    if (!StepBigValue(d, w, stop_at)) return out_of_time();
    if (w.scan_wrapped) {
      w.scan_wrapped = false;
      return Stretch::kShardDone;
    }
  }
  std::vector<Entry*> bucket;
  uint64_t key_hits = 0, key_misses = 0;
  const auto max_effort = static_cast<size_t>(max_scan_fields_.load());
  bool finished = false;
  for (int n = 0;; n++) {
    if (n == kBucketsPerClockCheck) {
      n = 0;
      if (clock::MonotonicUs() >= stop_at) break;
    }
    bucket.clear();
    w.cursor = d.table.Scan(w.cursor, [&](Entry* e) { bucket.push_back(e); });
    for (Entry* e : bucket) {
      if (w.big_key.empty() && e->value.kind() == CompactValue::Kind::kObject &&
          e->value.object()->FreeEffort() > max_effort) {
        w.big_key.assign(e->key());
        w.big_obj = e->value.object();
        w.big_cursor = 0;
      }
      bool moved = e->value.Defrag(w.advisor, max_effort) == 1;
      uintptr_t old = reinterpret_cast<uintptr_t>(e);
      // The value slot holds no pointer into the entry, so the block may move as a whole.
      if (auto* fresh = static_cast<Entry*>(w.advisor.Move(e))) {
        d.table.Relink(old, fresh);
        if (fresh->has_expire()) d.volatile_keys[fresh->vol_pos()] = fresh;
        moved = true;
      }
      (moved ? key_hits : key_misses)++;
    }
    if (!w.big_key.empty() && !StepBigValue(d, w, stop_at)) {
      w.scan_wrapped = w.cursor == 0;
      break;
    }
    if (w.cursor == 0) {
      finished = true;
      break;
    }
  }
  key_hits_ += key_hits;
  key_misses_ += key_misses;
  return finished ? Stretch::kShardDone : out_of_time();
}

bool Defragger::StepBigValue(ShardData& d, Walker& w, int64_t stop_at) {
  Entry* e = d.table.Find(w.big_key);
  bool done = e == nullptr || e->value.kind() != CompactValue::Kind::kObject ||
              e->value.object() != w.big_obj;
  size_t moved = 0;
  while (!done) {
    moved += e->value.object()->DefragStep(w.advisor, &w.big_cursor, kBigValueStep);
    done = w.big_cursor == 0;
    if (clock::MonotonicUs() >= stop_at) break;
  }
  if (moved > 0) key_hits_++;
  if (done) {
    w.big_key.clear();
    w.big_obj = nullptr;
    w.big_cursor = 0;
  }
  return done;
}

void Defragger::Account(Walker& w) {
  hits_ += w.advisor.hits() - w.hits_seen;
  misses_ += w.advisor.misses() - w.misses_seen;
  w.hits_seen = w.advisor.hits();
  w.misses_seen = w.advisor.misses();
}

int64_t Defragger::current_time_ms(int64_t now_ms) const {
  return running() != 0 ? now_ms - cycle_start_ms_.load() : 0;
}

int64_t Defragger::total_time_ms(int64_t now_ms) const {
  return total_ms_.load() + current_time_ms(now_ms);
}

void Defragger::ResetStats() {
  hits_ = 0;
  misses_ = 0;
  key_hits_ = 0;
  key_misses_ = 0;
  total_ms_ = 0;
  cycle_start_hits_ = 0;
}

}  // namespace carmine
