// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/eviction.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/memory_probe.h"
#include "db/db.h"
#include "db/lazyfree.h"
#include "pubsub/pubsub.h"

namespace carmine {
namespace {
// maxmemory-eviction-tenacity: 0..10 scale the budget linearly (50 us per step, 500 us at the
// default 10), 11..99 grow it by 15% per step, 100 means no limit. Same curve as Redis.
int64_t TimeBudgetUs(int tenacity) {
  if (tenacity <= 10) return 50LL * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return INT64_MAX;
}
}  // namespace

Evictor::Evictor(DbSet& dbs, const RuntimeOptions& opts)
    : dbs_(dbs), opts_(opts), probe_(&mem::UsedMemory) {}

void Evictor::NoteOver(int64_t now_ms, bool over) {
  int64_t since = over_since_ms_.load(std::memory_order_relaxed);
  if (over && since == 0) {
    over_since_ms_.store(now_ms, std::memory_order_relaxed);
  } else if (!over && since != 0) {
    exceeded_total_ms_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(now_ms - since, 0)),
                                 std::memory_order_relaxed);
    over_since_ms_.store(0, std::memory_order_relaxed);
  }
}

uint64_t Evictor::current_exceeded_time_ms(int64_t now_ms) const {
  int64_t since = over_since_ms_.load(std::memory_order_relaxed);
  return since == 0 ? 0 : static_cast<uint64_t>(std::max<int64_t>(now_ms - since, 0));
}

uint64_t Evictor::exceeded_time_ms(int64_t now_ms) const {
  return exceeded_total_ms_.load(std::memory_order_relaxed) + current_exceeded_time_ms(now_ms);
}

void Evictor::RefreshTargets(EvictPolicy policy) {
  targets_.clear();
  cursor_ = 0;
  since_refresh_ = 0;
  bool vol = IsVolatilePolicy(policy);
  for (int db = 0; db < dbs_.num_dbs(); db++) {
    VisitShardsLocked(dbs_, db, [&](uint32_t sh, ShardData& d) {
      if (vol ? !d.volatile_keys.empty() : d.table.size() > 0) targets_.push_back(dbs_.Index(db, sh));
    });
  }
}

bool Evictor::NextShard(EvictPolicy policy, int64_t now_ms, EvictCandidate* c) {
  const bool random = policy == EvictPolicy::kAllKeysRandom ||
                      policy == EvictPolicy::kVolatileRandom;
  const int samples = opts_.maxmemory_samples.get();
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 || targets_.empty() || since_refresh_ >= 4096) RefreshTargets(policy);
    for (size_t tried = 0; tried < targets_.size(); tried++) {
      uint32_t idx = targets_[cursor_++ % targets_.size()];
      int db = static_cast<int>(idx / dbs_.num_shards());
      uint32_t shard = idx % dbs_.num_shards();
      ShardLocks lock;
      lock.Add(dbs_, db, shard);
      lock.Acquire();
      if (random) {
        Entry* e = RandomVictim(dbs_.Data(db, shard), policy);
        if (e == nullptr) continue;
        *c = EvictCandidate{0, db, shard, std::string(e->key())};
        return true;
      }
      // maxmemory-samples keys per eviction in all, spread over several shards so the sample
      // is drawn from the whole keyspace as Redis draws it from the whole db.
      size_t visit = std::min<size_t>(targets_.size(), static_cast<size_t>(samples));
      int per_shard = static_cast<int>((static_cast<size_t>(samples) + visit - 1) / visit);
      pool_.Sample(dbs_, db, shard, policy, per_shard, now_ms);
      if (++sampled_ < visit) continue;
      sampled_ = 0;
      if (pool_.size() > 0) return true;
    }
  }
  return pool_.size() > 0;
}

bool Evictor::EvictOne(EvictPolicy policy, int64_t now_ms, bool lazy, size_t* freed) {
  const bool random = policy == EvictPolicy::kAllKeysRandom ||
                      policy == EvictPolicy::kVolatileRandom;
  // Stale candidates (deleted, or their TTL removed, since sampled) are skipped; each retry
  // samples one more shard, so this ends once the pool and the shards have nothing left.
  for (int attempt = 0; attempt < 64; attempt++) {
    EvictCandidate c;
    if (!NextShard(policy, now_ms, &c)) return false;
    if (!random && !pool_.PopBest(&c)) continue;
    ShardLocks lock;
    lock.Add(dbs_, c.db, c.shard);
    lock.Acquire();
    Entry* e = dbs_.Data(c.db, c.shard).table.Find(c.key);
    if (e == nullptr || (IsVolatilePolicy(policy) && !e->has_expire())) continue;
    // Each deletion is timed only while the latency monitor is on (a clock read per key costs).
    bool timed = opts_.latency_monitor_threshold.get() > 0;
    int64_t t0 = timed ? clock::MonotonicUs() : 0;
    Db db(dbs_, c.db, now_ms, false);
    // Freed is measured around the removal only (see Db::Evict), as Redis measures it; what was
    // handed to the lazy-free thread counts as freed.
    LazyFreer* freer = dbs_.lazy_freer();
    auto level = [&]() -> int64_t {
      return static_cast<int64_t>(probe_()) -
             static_cast<int64_t>(freer != nullptr ? freer->pending_bytes() : 0);
    };
    int64_t before = level();
    if (!db.Evict(c.key, lazy, [&] {
          int64_t after = level();
          *freed = before > after ? static_cast<size_t>(before - after) : 0;
        })) {
      continue;  // it had expired: removed as such, try again
    }
    if (sink_ != nullptr && sink_->active()) {
      sink_->Append(c.db, {lazy ? "UNLINK" : "DEL", c.key});
    }
    if (timed) last_del_us_ = std::max(last_del_us_, clock::MonotonicUs() - t0);
    evicted_.fetch_add(1, std::memory_order_relaxed);
    since_refresh_++;
    return true;
  }
  return false;
}

Evictor::Result Evictor::Perform(int64_t now_ms) {
  int64_t max = opts_.maxmemory.get();
  if (max <= 0) return Result::kOk;
  size_t used_now = probe_(), excluded = NotCounted();
  if ((used_now > excluded ? used_now - excluded : 0) <= static_cast<size_t>(max)) {
    NoteOver(now_ms, false);
    return Result::kOk;
  }
  auto policy = static_cast<EvictPolicy>(opts_.maxmemory_policy.get());
  NoteOver(now_ms, true);
  if (policy == EvictPolicy::kNoEviction) return Result::kFail;

  std::lock_guard<std::mutex> l(mu_);
  if (policy != last_policy_) {
    // Candidates scored, and shards listed, under another policy mean nothing under this one.
    pool_.Clear();
    targets_.clear();
    last_policy_ = policy;
  }
  const bool lazy = opts_.lazyfree_lazy_eviction.get();
  const int64_t budget =
      TimeBudgetUs(opts_.maxmemory_eviction_tenacity.get());
  const int64_t start = clock::MonotonicUs();
  last_del_us_ = 0;
  Result result = Result::kOk;
  LazyFreer* freer = dbs_.lazy_freer();
  // Values already handed to the lazy-free thread count as freed, and messages on their way to a
  // subscriber's thread are not counted (see g_pushes_in_flight).
  auto over = [&]() -> size_t {
    size_t used = probe_();
    size_t pending = freer != nullptr ? freer->pending_bytes() : 0;
    pending += static_cast<size_t>(std::max<int64_t>(0, g_pushes_in_flight.load()));
    pending += NotCounted();
    used = used > pending ? used - pending : 0;
    return used > static_cast<size_t>(max) ? used - static_cast<size_t>(max) : 0;
  };
  // As in Redis, the goal is what was over the limit when eviction started, counted in the
  // evicted keys' own bytes: memory that grows meanwhile (invalidation messages to clients that
  // track the evicted keys) waits for the next round instead of feeding this one.
  size_t to_free = over(), freed = 0;
  for (uint64_t n = 0; freed < to_free; n++) {
    size_t bytes = 0;
    if (!EvictOne(policy, now_ms, lazy, &bytes)) {
      result = Result::kFail;
      break;
    }
    freed += bytes;
    if ((n & 15) == 15) {
      // Other threads free memory too (and the lazy-free thread): stop once under the limit.
      if (over() == 0) break;
      if (clock::MonotonicUs() - start > budget) {
        result = Result::kRunning;
        break;
      }
    }
  }
  if (result == Result::kFail) {
    // Nothing left to pick, but values queued for the lazy-free thread may still bring memory
    // under the limit within the budget.
    LazyFreer* f = freer;
    while (f != nullptr && f->pending() > 0 && clock::MonotonicUs() - start < budget) {
      if (probe_() <= static_cast<size_t>(max)) {
        result = Result::kOk;
        break;
      }
      std::this_thread::yield();
    }
  }
  if (int64_t thr = opts_.latency_monitor_threshold.get();
      latency_ != nullptr && thr > 0) {
    latency_->MaybeAdd("eviction-cycle", (clock::MonotonicUs() - start) / 1000, thr, now_ms / 1000);
    latency_->MaybeAdd("eviction-del", last_del_us_ / 1000, thr, now_ms / 1000);
  }
  if (result == Result::kOk) NoteOver(now_ms, false);
  unfinished_.store(result == Result::kRunning, std::memory_order_relaxed);
  return result;
}

}  // namespace carmine
