// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// LazyFreer: a background thread that destroys big values and whole detached keyspaces, so UNLINK,
// FLUSHALL ASYNC and the lazyfree-lazy-* paths return at once instead of stalling their event loop
// while millions of allocations are released. Small values are not worth a thread hop and are
// freed in place (FreeEffort decides, with Redis's threshold of 64 allocations).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/key_table.h"

namespace carmine {

// Roughly how many allocations freeing the entry's value takes (1 for strings and packed values).
size_t FreeEffort(const Entry* e);
inline constexpr size_t kLazyFreeThreshold = 64;

class LazyFreer {
 public:
  LazyFreer();
  ~LazyFreer();
  LazyFreer(const LazyFreer&) = delete;
  LazyFreer& operator=(const LazyFreer&) = delete;

  // Frees `e` here if it is small, else hands it to the thread. `bytes`, when known, is what
  // freeing it will return (pending_bytes() counts it until then).
  void Free(EntryPtr e, size_t bytes = 0);
  // Hands a whole detached table (FLUSHDB/FLUSHALL ASYNC) to the thread.
  void FreeTable(std::unique_ptr<KeyTable> t);

  // Objects queued and not freed yet (INFO lazyfree_pending_objects), and freed in the
  // background so far (lazyfreed_objects).
  uint64_t pending() const { return pending_.load(std::memory_order_relaxed); }
  size_t pending_bytes() const { return pending_bytes_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }
  // Blocks until everything queued so far is freed (tests, DEBUG).
  void Drain();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::vector<std::pair<EntryPtr, size_t>> entries_;
  std::vector<std::unique_ptr<KeyTable>> tables_;
  bool stop_ = false;
  bool busy_ = false;
  std::atomic<uint64_t> pending_{0}, freed_{0};
  std::atomic<size_t> pending_bytes_{0};
  std::thread thread_;
};

}  // namespace carmine
