// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace carmine {

// How the cron sizes each client's reply buffer (DEBUG REPLYBUFFER). A buffer shrinks toward
// the most it held recently and doubles while replies fill it; that peak is forgotten every
// peak_reset_ms (negative: never). Tests that measure client memory switch resizing off.
struct ReplyBufferPolicy {
  static constexpr int64_t kDefaultPeakResetMs = 5000;
  static constexpr size_t kMinBytes = 1024;
  static constexpr size_t kMaxBytes = 16 * 1024;  // also a new client's size
  std::atomic<int64_t> peak_reset_ms{kDefaultPeakResetMs};
  std::atomic<bool> resizing{true};
};

}  // namespace carmine
