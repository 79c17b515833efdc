// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Counter: a statistics counter that is cheap when only one thread writes it. With several worker
// threads it is a relaxed atomic add; with one (the common benchmarked setup, `threads 1`) it is a
// plain load/add/store, avoiding a locked instruction on every request. SetMultiWriter() is called
// once at startup, before any worker runs, and never changes afterwards.
#pragma once

#include <atomic>
#include <cstdint>

namespace carmine {

namespace counter_internal {
inline std::atomic<bool> g_multi_writer{true};
}  // namespace counter_internal

inline void SetCountersMultiWriter(bool multi) { counter_internal::g_multi_writer.store(multi); }

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Add(uint64_t n = 1) {
    if (counter_internal::g_multi_writer.load(std::memory_order_relaxed)) {
      v_.fetch_add(n, std::memory_order_relaxed);
    } else {
      v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  }
  uint64_t load() const { return v_.load(std::memory_order_relaxed); }
  operator uint64_t() const { return load(); }  // NOLINT: reads like a number in INFO code
  void Reset() { v_.store(0, std::memory_order_relaxed); }
  // Takes back what an earlier reading saw (the changes a snapshot saved); never below zero.
  void Sub(uint64_t n) {
    uint64_t cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur > n ? cur - n : 0, std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<uint64_t> v_{0};
};

}  // namespace carmine
