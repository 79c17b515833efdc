// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The injectable clock. Everything that compares against a deadline (expiry, timeouts) reads the
// time through here so tests can move time forward instead of sleeping. Production code uses the
// real clock; tests call SetManualTimeMs() and AdvanceTimeMs().
#pragma once

#include <cstdint>

namespace carmine::clock {

// Wall-clock milliseconds / microseconds since the Unix epoch (or the manual time in tests).
int64_t NowMs();
int64_t NowUs();
// Monotonic microseconds, never manual: for measuring durations (latency, cron pacing).
int64_t MonotonicUs();

// Switch to manual time starting at `ms`. Not thread-safe against concurrent readers by design:
// only single-threaded tests use it.
void SetManualTimeMs(int64_t ms);
void AdvanceTimeMs(int64_t ms);
void UseRealTime();

}  // namespace carmine::clock
