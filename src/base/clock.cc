// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/clock.h"

#include <time.h>

#include <atomic>

namespace carmine::clock {
namespace {
std::atomic<bool> g_manual{false};
std::atomic<int64_t> g_manual_us{0};
}  // namespace

int64_t NowUs() {
  if (g_manual.load(std::memory_order_relaxed)) return g_manual_us.load();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t NowMs() { return NowUs() / 1000; }

int64_t MonotonicUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void SetManualTimeMs(int64_t ms) {
  g_manual_us.store(ms * 1000);
  g_manual.store(true);
}
void AdvanceTimeMs(int64_t ms) { g_manual_us.fetch_add(ms * 1000); }
void UseRealTime() { g_manual.store(false); }

}  // namespace carmine::clock
