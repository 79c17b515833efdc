// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/evict.h"

#include <algorithm>

#include "base/strutil.h"
#include "db/db.h"

namespace carmine {

const std::vector<std::string>& EvictPolicyNames() {
  static const std::vector<std::string> names = {
      "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
      "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
  return names;
}

bool ParseEvictPolicy(std::string_view name, EvictPolicy* out) {
  const auto& names = EvictPolicyNames();
  for (size_t i = 0; i < names.size(); i++) {
    if (EqualsIgnoreCase(names[i], name)) {
      *out = static_cast<EvictPolicy>(i);
      return true;
    }
  }
  return false;
}

namespace lfu {
uint32_t Decayed(uint32_t field, int64_t now_ms, int64_t decay_minutes) {
  uint32_t then = field >> 8;
  uint32_t counter = field & 0xFF;
  if (decay_minutes <= 0) return counter;
  uint32_t now = Minutes(now_ms);
  uint32_t elapsed = now >= then ? now - then : 65535 - then + now;  // 16-bit minute clock wraps
  uint64_t periods = elapsed / static_cast<uint64_t>(decay_minutes);
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

uint32_t Touched(uint32_t field, int64_t now_ms, int64_t log_factor, int64_t decay_minutes,
                 SmallRng& rng) {
  uint32_t counter = Decayed(field, now_ms, decay_minutes);
  if (counter < 255) {
    double base = counter > kInitCounter ? counter - kInitCounter : 0;
    double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
    double r = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    if (r < p) counter++;
  }
  return (Minutes(now_ms) << 8) | counter;
}
}  // namespace lfu

void EvictionPool::Insert(uint64_t score, int db, uint32_t shard, std::string_view key) {
  size_t worst = 0;
  if (pool_.size() == kSize) {
    for (size_t i = 1; i < pool_.size(); i++) {
      if (pool_[i].score < pool_[worst].score) worst = i;
    }
    if (score <= pool_[worst].score) return;  // worse than every candidate held
  }
  for (auto& c : pool_) {
    if (c.db == db && c.key == key) return;  // already a candidate
  }
  if (pool_.size() < kSize) {
    pool_.push_back(EvictCandidate{score, db, shard, std::string(key)});
    return;
  }
  EvictCandidate& slot = pool_[worst];
  slot.score = score;
  slot.db = db;
  slot.shard = shard;
  slot.key.assign(key);
}

void EvictionPool::Sample(DbSet& set, int db, uint32_t shard, EvictPolicy policy, int samples,
                          int64_t now_ms) {
  ShardData& d = set.Data(db, shard);
  bool vol = IsVolatilePolicy(policy);
  if (vol ? d.volatile_keys.empty() : d.table.size() == 0) return;
  Db view(set, db, now_ms, false);
  auto consider = [&](Entry* e) {
    uint64_t score;
    switch (policy) {
      case EvictPolicy::kAllKeysLfu:
      case EvictPolicy::kVolatileLfu:
        score = 255 - lfu::Decayed(e->lru, now_ms, set.lfu_decay_time());
        break;
      case EvictPolicy::kVolatileTtl:
        // Sooner deadline, better victim.
        score = UINT64_MAX - static_cast<uint64_t>(std::max<int64_t>(e->expire_at(), 0));
        break;
      default:
        score = view.IdleSeconds(e);
        break;
    }
    Insert(score, db, shard, e->key());
  };
  if (vol) {
    for (int i = 0; i < samples; i++) consider(d.volatile_keys[d.rng() % d.volatile_keys.size()]);
  } else {
    d.table.SampleRun(d.rng, static_cast<size_t>(samples), consider);
  }
}

bool EvictionPool::PopBest(EvictCandidate* out) {
  if (pool_.empty()) return false;
  size_t best = 0;
  for (size_t i = 1; i < pool_.size(); i++) {
    if (pool_[i].score > pool_[best].score) best = i;
  }
  *out = std::move(pool_[best]);
  if (best + 1 != pool_.size()) pool_[best] = std::move(pool_.back());
  pool_.pop_back();
  return true;
}

Entry* RandomVictim(ShardData& d, EvictPolicy policy) {
  if (IsVolatilePolicy(policy)) {
    if (d.volatile_keys.empty()) return nullptr;
    return d.volatile_keys[d.rng() % d.volatile_keys.size()];
  }
  return d.table.Random(d.rng);
}

}  // namespace carmine
