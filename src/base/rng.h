// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// SmallRng: an 8-byte pseudo-random generator (the SplitMix64 sequence) for sampling keys and
// LFU increments. One lives in every keyspace shard; with one shard per hash slot (16384 per
// database, the Cluster layout) a std::mt19937_64 (2.5 KB of state) would cost 40 MB per database,
// and sampling needs speed and spread, not cryptographic or long-period quality.
#pragma once

#include <cstdint>
#include <limits>

namespace carmine {

class SmallRng {
 public:
  using result_type = uint64_t;
  explicit SmallRng(uint64_t seed = 0x9e3779b97f4a7c15ULL) : state_(seed) {}
  void seed(uint64_t s) { state_ = s; }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace carmine
