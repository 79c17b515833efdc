// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/memory_probe.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CARMINE_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CARMINE_SANITIZER_ALLOCATOR 1
#endif
#endif

#if defined(CARMINE_SANITIZER_ALLOCATOR)
// From the sanitizer runtime's public interface (GCC does not install its header).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#elif defined(CARMINE_USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

namespace carmine::mem {

#if !defined(CARMINE_SANITIZER_ALLOCATOR) && defined(CARMINE_USE_JEMALLOC)
namespace {
struct ThreadCounters {
  const uint64_t* allocated;
  const uint64_t* deallocated;
};
constexpr size_t kMaxThreads = 1024;
// Fixed slots so readers never race a vector reallocation; `used` says which are live.
ThreadCounters g_slots[kMaxThreads];
std::atomic<bool> g_used[kMaxThreads];
std::atomic<size_t> g_high{0};
std::atomic<int64_t> g_retired{0};  // net bytes of threads that ended
std::mutex g_mu;
thread_local int t_slot = -1;

uint64_t Load(const uint64_t* p) {
  return std::atomic_ref<const uint64_t>(*p).load(std::memory_order_relaxed);
}
}  // namespace

void RegisterThread() {
  if (t_slot >= 0) return;
  ThreadCounters c{};
  size_t sz = sizeof(c.allocated);
  uint64_t* a = nullptr;
  uint64_t* d = nullptr;
  if (mallctl("thread.allocatedp", &a, &sz, nullptr, 0) != 0) return;
  sz = sizeof(d);
  if (mallctl("thread.deallocatedp", &d, &sz, nullptr, 0) != 0) return;
  std::lock_guard<std::mutex> l(g_mu);
  for (size_t i = 0; i < kMaxThreads; i++) {
    if (g_used[i].load(std::memory_order_relaxed)) continue;
    g_slots[i] = {a, d};
    g_used[i].store(true, std::memory_order_release);
    if (i + 1 > g_high.load()) g_high.store(i + 1);
    t_slot = static_cast<int>(i);
    return;
  }
}

void UnregisterThread() {
  if (t_slot < 0) return;
  std::lock_guard<std::mutex> l(g_mu);
  ThreadCounters& c = g_slots[t_slot];
  g_retired.fetch_add(static_cast<int64_t>(Load(c.allocated) - Load(c.deallocated)));
  g_used[t_slot].store(false, std::memory_order_release);
  t_slot = -1;
}

size_t UsedMemory() {
  int64_t sum = g_retired.load(std::memory_order_relaxed);
  size_t high = g_high.load(std::memory_order_acquire);
  for (size_t i = 0; i < high; i++) {
    if (!g_used[i].load(std::memory_order_acquire)) continue;
    sum += static_cast<int64_t>(Load(g_slots[i].allocated) - Load(g_slots[i].deallocated));
  }
  if (sum <= 0) {
    // Nothing registered yet (or only unregistered threads allocated): ask jemalloc itself.
    uint64_t epoch = 1;
    size_t esz = sizeof(epoch);
    mallctl("epoch", &epoch, &esz, &epoch, esz);
    size_t v = 0, vsz = sizeof(v);
    mallctl("stats.allocated", &v, &vsz, nullptr, 0);
    return v;
  }
  return static_cast<size_t>(sum);
}
#else
void RegisterThread() {}
void UnregisterThread() {}
size_t UsedMemory() {
#if defined(CARMINE_SANITIZER_ALLOCATOR)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}
#endif

void SetBackgroundThread(bool on) {
#if !defined(CARMINE_SANITIZER_ALLOCATOR) && defined(CARMINE_USE_JEMALLOC)
  mallctl("background_thread", nullptr, nullptr, &on, sizeof(on));
#else
  (void)on;
#endif
}

}  // namespace carmine::mem
