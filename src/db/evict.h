// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Eviction building blocks: the maxmemory-policy values, the LFU counter kept in an entry's 24-bit
// lru field (16 bits of minutes since the counter last decayed, 8 bits of logarithmic counter, as
// Redis keeps it), and the candidate pool that approximates LRU/LFU/TTL order by sampling.
//
// The pool keeps the best few candidates seen across calls, so a sample of 5 keys per step still
// converges on good victims over successive evictions. Candidates are remembered by name, never
// by pointer: between sampling and eviction the shard lock is released, and the key may be gone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/db_set.h"

namespace carmine {

// In the order Redis lists them in its CONFIG SET error.
enum class EvictPolicy : uint8_t {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kNoEviction,
};

// The maxmemory-policy names, in EvictPolicy order.
const std::vector<std::string>& EvictPolicyNames();
bool ParseEvictPolicy(std::string_view name, EvictPolicy* out);
inline bool IsLfuPolicy(EvictPolicy p) {
  return p == EvictPolicy::kAllKeysLfu || p == EvictPolicy::kVolatileLfu;
}
// Policies that need each key's own access time, which a shared object cannot carry: under them
// (with a maxmemory set) Redis stops sharing small integers.
inline bool TracksAccessPolicy(EvictPolicy p) {
  return IsLfuPolicy(p) || p == EvictPolicy::kAllKeysLru || p == EvictPolicy::kVolatileLru;
}
inline bool IsVolatilePolicy(EvictPolicy p) {
  return p == EvictPolicy::kVolatileLru || p == EvictPolicy::kVolatileLfu ||
         p == EvictPolicy::kVolatileRandom || p == EvictPolicy::kVolatileTtl;
}

namespace lfu {
inline constexpr uint32_t kInitCounter = 5;
inline uint32_t Minutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xFFFF; }
// The value a new key starts with.
inline uint32_t Initial(int64_t now_ms) { return (Minutes(now_ms) << 8) | kInitCounter; }
// The counter after decaying one step per `decay_minutes` elapsed since it was last touched.
uint32_t Decayed(uint32_t field, int64_t now_ms, int64_t decay_minutes);
// The field after one access: decay, then a logarithmic increment (more likely when low).
uint32_t Touched(uint32_t field, int64_t now_ms, int64_t log_factor, int64_t decay_minutes,
                 SmallRng& rng);
}  // namespace lfu

struct EvictCandidate {
  uint64_t score = 0;  // higher is a better victim
  int db = 0;
  uint32_t shard = 0;
  std::string key;
};

class EvictionPool {
 public:
  static constexpr size_t kSize = 16;
  // Samples up to `samples` keys of one shard (the volatile ones only for volatile policies) and
  // keeps the best victims. Caller holds the shard lock.
  void Sample(DbSet& set, int db, uint32_t shard, EvictPolicy policy, int samples, int64_t now_ms);
  // Removes and returns the best candidate; false if the pool is empty.
  bool PopBest(EvictCandidate* out);
  void Clear() { pool_.clear(); }
  size_t size() const { return pool_.size(); }

 private:
  void Insert(uint64_t score, int db, uint32_t shard, std::string_view key);
  // Unordered: with 16 entries a linear scan for the worst or best beats keeping them sorted
  // (no strings shifted on every insert); a replaced slot reuses its string's buffer.
  std::vector<EvictCandidate> pool_;
};

// A uniformly random victim of one shard for the random policies; null if none. Caller holds the
// shard lock.
Entry* RandomVictim(ShardData& d, EvictPolicy policy);

}  // namespace carmine
