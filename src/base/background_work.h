// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// BackgroundWork: marks that a background thread (the lazy-free thread) is using a core right now.
// Event loops stop busy-polling meanwhile: on a host with few cores a spinning loop would take the
// very core the background work needs, and every client would wait behind both.
#pragma once

#include <atomic>

namespace carmine {

namespace background_internal {
inline std::atomic<int> g_active{0};
}  // namespace background_internal

inline bool BackgroundWorkActive() {
  return background_internal::g_active.load(std::memory_order_relaxed) > 0;
}

class BackgroundWork {
 public:
  BackgroundWork() { background_internal::g_active.fetch_add(1, std::memory_order_relaxed); }
  ~BackgroundWork() { background_internal::g_active.fetch_sub(1, std::memory_order_relaxed); }
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;
};

}  // namespace carmine
