// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace carmine {

int LatencyHistogram::IndexOf(uint64_t v) {
  if (v < kLinear) return static_cast<int>(v);
  int k = 63 - std::countl_zero(v);  // v in [2^k, 2^(k+1))
  uint64_t sub = v >> (k - 7);       // 128..255
  return kLinear + (k - 8) * kSubBuckets + static_cast<int>(sub - kSubBuckets);
}

uint64_t LatencyHistogram::HighestEquivalent(int index) {
  if (index < kLinear) return static_cast<uint64_t>(index);
  int k = (index - kLinear) / kSubBuckets + 8;
  uint64_t sub = static_cast<uint64_t>((index - kLinear) % kSubBuckets) + kSubBuckets;
  uint64_t width = 1ULL << (k - 7);
  return sub * width + width - 1;
}

void LatencyHistogram::Record(uint64_t ns) {
  ns = std::clamp<uint64_t>(ns, 1, kMaxValue);
  Counter* b = buckets_.load(std::memory_order_acquire);
  if (b == nullptr) {
    std::call_once(once_, [this] {
      storage_ = std::make_unique<Counter[]>(kBuckets);
      buckets_.store(storage_.get(), std::memory_order_release);
    });
    b = buckets_.load(std::memory_order_acquire);
  }
  b[IndexOf(ns)].Add();
  total_.Add();
}

uint64_t LatencyHistogram::ValueAtPercentile(double p) const {
  Counter* b = buckets_.load(std::memory_order_acquire);
  uint64_t total = total_.load();
  if (b == nullptr || total == 0) return 0;
  p = std::min(p, 100.0);
  uint64_t want = std::max<uint64_t>(1, static_cast<uint64_t>(p / 100.0 * total + 0.5));
  uint64_t seen = 0;
  int last = 0;
  for (int i = 0; i < kBuckets; i++) {
    uint64_t c = b[i].load();
    if (c == 0) continue;
    seen += c;
    last = i;
    if (seen >= want) return HighestEquivalent(i);
  }
  return HighestEquivalent(last);
}

std::vector<std::pair<uint64_t, uint64_t>> LatencyHistogram::PowerOfTwoSteps() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  Counter* b = buckets_.load(std::memory_order_acquire);
  if (b == nullptr) return out;
  uint64_t cumulative = 0, step = 1024;
  int i = 0;
  while (i < kBuckets) {
    uint64_t in_step = 0;
    int top = IndexOf(std::min(step, kMaxValue * 2));
    for (; i <= top && i < kBuckets; i++) in_step += b[i].load();
    cumulative += in_step;
    if (in_step > 0) out.emplace_back(HighestEquivalent(top) / 1000, cumulative);
    if (cumulative >= total_.load() || step > kMaxValue) break;
    step *= 2;
  }
  return out;
}

void LatencyHistogram::Reset() {
  Counter* b = buckets_.load(std::memory_order_acquire);
  if (b != nullptr) {
    for (int i = 0; i < kBuckets; i++) b[i].Reset();
  }
  total_.Reset();
}

}  // namespace carmine
