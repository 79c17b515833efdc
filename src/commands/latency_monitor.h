// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The latency monitor behind LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR: for each event class
// ("command", "fast-command", "expire-cycle", "eviction-cycle", "eviction-del"), the last 160
// samples at or above latency-monitor-threshold milliseconds, one per second (a second's worst),
// and the all-time maximum. Recorded from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace carmine {

struct LatencySample {
  int64_t time = 0;     // unix seconds
  int64_t latency = 0;  // milliseconds
};

struct LatencySeries {
  std::string event;
  std::vector<LatencySample> samples;  // oldest first
  int64_t max = 0;
};

class LatencyMonitor {
 public:
  static constexpr size_t kHistory = 160;

  // Adds a sample when the monitor is on (threshold_ms > 0) and latency_ms reaches it.
  void MaybeAdd(std::string_view event, int64_t latency_ms, int64_t threshold_ms,
                int64_t now_sec) {
    if (threshold_ms > 0 && latency_ms >= threshold_ms) Add(event, latency_ms, now_sec);
  }
  void Add(std::string_view event, int64_t latency_ms, int64_t now_sec);

  std::vector<LatencySeries> All();
  // False if the event has no samples.
  bool Get(std::string_view event, LatencySeries* out);
  // Resets the named events (all when empty); returns how many existed.
  size_t Reset(const std::vector<std::string>& events);

 private:
  std::mutex mu_;
  std::map<std::string, LatencySeries, std::less<>> series_;
};

// LATENCY GRAPH's text: a header with the high, low and all-time high, then one column per
// sample, scaled between the low and the high, with each sample's age under it.
std::string LatencyGraph(const LatencySeries& s, int64_t now_sec);
// LATENCY DOCTOR's report: per event, how many spikes, their average and worst, and advice that
// follows from the configuration.
std::string LatencyDoctor(const std::vector<LatencySeries>& all, int64_t threshold_ms,
                          int64_t slowlog_us);

}  // namespace carmine
