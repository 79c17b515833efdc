// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#if defined(CARMINE_USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(CARMINE_USE_MIMALLOC)
#include <mimalloc.h>
#endif

namespace carmine::mem {

size_t ProcessRss() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

size_t TotalSystemMemory() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

#if defined(CARMINE_USE_JEMALLOC)
namespace {
size_t JeStat(const char* name) {
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t v = 0;
  sz = sizeof(v);
  if (mallctl(name, &v, &sz, nullptr, 0) != 0) return 0;
  return v;
}
}  // namespace
size_t Allocated() { return JeStat("stats.allocated"); }
size_t Active() { return JeStat("stats.active"); }
size_t Resident() { return JeStat("stats.resident"); }
bool Purge() {
  // MALLCTL_ARENAS_ALL (4096) purges every arena.
  return mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
}
std::string MallocStats() {
  std::string out;
  malloc_stats_print(
      [](void* opaque, const char* s) { static_cast<std::string*>(opaque)->append(s); }, &out,
      nullptr);
  return out;
}
std::string AllocatorName() {
  const char* v = nullptr;
  size_t sz = sizeof(v);
  if (mallctl("version", &v, &sz, nullptr, 0) == 0 && v != nullptr) {
    std::string s(v);
    return "jemalloc-" + s.substr(0, s.find('-'));
  }
  return "jemalloc";
}
#elif defined(CARMINE_USE_MIMALLOC)
size_t Allocated() {
  size_t elapsed, user, sys, current_rss, peak_rss, current_commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &current_rss, &peak_rss, &current_commit, &peak_commit,
                  &faults);
  return current_commit;
}
size_t Active() { return Allocated(); }
size_t Resident() { return ProcessRss(); }
bool Purge() {
  mi_collect(true);
  return true;
}
std::string MallocStats() { return "Stats not supported for the current allocator"; }
std::string AllocatorName() { return "mimalloc-" + std::to_string(mi_version()); }
#else
size_t Allocated() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}
size_t Active() { return Allocated(); }
size_t Resident() { return ProcessRss(); }
bool Purge() { return malloc_trim(0) >= 0; }
std::string MallocStats() { return "Stats not supported for the current allocator"; }
std::string AllocatorName() { return "libc"; }
#endif

}  // namespace carmine::mem
