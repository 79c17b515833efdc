// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// LatencyHistogram: a log-linear histogram of nanosecond latencies with two significant digits,
// bucketed exactly as HDR histograms with that precision are, so INFO latencystats percentiles and
// LATENCY HISTOGRAM buckets print the same numbers Redis prints for the same latencies (a 5 us
// call reads "5.023"). Values below 256 ns have buckets of 1 ns; above, each power of two is split
// into 128 buckets. Range 1 ns .. 2^30 ns (values are clamped into it).
//
// Counts are Counters: one writer thread costs no locked instruction. The bucket array is
// allocated on the first Record, so commands nobody calls cost one pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "base/counter.h"

namespace carmine {

class LatencyHistogram {
 public:
  static constexpr int kLinear = 256;
  static constexpr int kSubBuckets = 128;
  static constexpr int kMaxExp = 30;
  static constexpr int kBuckets = kLinear + (kMaxExp - 8) * kSubBuckets;
  static constexpr uint64_t kMaxValue = 1000000000;  // 1 s, as Redis caps

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  void Record(uint64_t ns);
  uint64_t count() const { return total_.load(); }
  // The highest value equivalent to the sample at percentile p (0..100), 0 if empty.
  uint64_t ValueAtPercentile(double p) const;
  // Cumulative counts at power-of-two steps from 1024 ns, for the steps that gained samples:
  // (step's highest equivalent value in microseconds, samples up to it).
  std::vector<std::pair<uint64_t, uint64_t>> PowerOfTwoSteps() const;
  void Reset();

  static int IndexOf(uint64_t v);
  static uint64_t HighestEquivalent(int index);

 private:
  std::once_flag once_;
  std::unique_ptr<Counter[]> storage_;      // set once, by whichever thread records first
  std::atomic<Counter*> buckets_{nullptr};  // storage_ published for lock-free readers
  Counter total_;
};

}  // namespace carmine
