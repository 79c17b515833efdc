// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/defrag_advisor.h"

#include <algorithm>
#include <cstring>
#include <string>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CARMINE_DEFRAG_UNSUPPORTED 1
#elif !defined(CARMINE_USE_JEMALLOC)
#define CARMINE_DEFRAG_UNSUPPORTED 1
#endif

#if !defined(CARMINE_DEFRAG_UNSUPPORTED)
#include <jemalloc/jemalloc.h>
#endif

namespace carmine::mem {

#if defined(CARMINE_DEFRAG_UNSUPPORTED)

DefragAdvisor::DefragAdvisor() = default;
bool DefragAdvisor::Supported() { return false; }
void DefragAdvisor::Refresh() {}
void* DefragAdvisor::Move(void*) { return nullptr; }
int DefragAdvisor::ClassOf(size_t) const { return -1; }

#else

namespace {

template <typename T>
bool ReadCtl(const char* name, T* out) {
  size_t sz = sizeof(T);
  return mallctl(name, out, &sz, nullptr, 0) == 0 && sz == sizeof(T);
}

}  // namespace

DefragAdvisor::DefragAdvisor() {
  unsigned nbins = 0;
  if (!ReadCtl("arenas.nbins", &nbins)) return;
  class_sizes_.resize(nbins);
  for (unsigned j = 0; j < nbins; j++) {
    std::string name = "arenas.bin." + std::to_string(j) + ".size";
    ReadCtl(name.c_str(), &class_sizes_[j]);
  }
  query_miblen_ = 3;
  if (mallctlnametomib("experimental.utilization.batch_query", query_mib_, &query_miblen_) != 0) {
    query_miblen_ = 0;
  }
  lookup_miblen_ = 2;
  if (mallctlnametomib("arenas.lookup", lookup_mib_, &lookup_miblen_) != 0) lookup_miblen_ = 0;
  // stats.arenas.<i>.bins.<j>.*: components 2 and 4 are filled in per read.
  stats_miblen_ = 6;
  size_t len = 6;
  if (mallctlnametomib("stats.arenas.0.bins.0.curregs", regs_mib_, &stats_miblen_) != 0 ||
      mallctlnametomib("stats.arenas.0.bins.0.curslabs", slabs_mib_, &len) != 0) {
    stats_miblen_ = 0;
  }
}

bool DefragAdvisor::Supported() {
  static const bool ok = [] {
    DefragAdvisor probe;
    return probe.query_miblen_ > 0 && probe.lookup_miblen_ > 0 && probe.stats_miblen_ > 0 &&
           !probe.class_sizes_.empty();
  }();
  return ok;
}

void DefragAdvisor::Refresh() {
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  unsigned narenas = 0;
  ReadCtl("arenas.narenas", &narenas);
  arenas_ = narenas;
  size_t classes = class_sizes_.size();
  occupancy_.assign(static_cast<size_t>(narenas) * classes, Occupancy{});
  if (stats_miblen_ == 0) return;
  for (unsigned a = 0; a < narenas; a++) {
    for (size_t j = 0; j < classes; j++) {
      regs_mib_[2] = slabs_mib_[2] = a;
      regs_mib_[4] = slabs_mib_[4] = j;
      Occupancy& o = occupancy_[a * classes + j];
      size_t v = 0, len = sizeof(v);
      // An arena never initialized has no statistics: it stays at zero (nothing to move).
      if (mallctlbymib(regs_mib_, stats_miblen_, &v, &len, nullptr, 0) != 0) break;
      o.curregs = v;
      len = sizeof(v);
      if (mallctlbymib(slabs_mib_, stats_miblen_, &v, &len, nullptr, 0) == 0) o.curslabs = v;
    }
  }
}

int DefragAdvisor::ClassOf(size_t usable) const {
  auto it = std::lower_bound(class_sizes_.begin(), class_sizes_.end(), usable);
  return it != class_sizes_.end() && *it == usable ? static_cast<int>(it - class_sizes_.begin())
                                                   : -1;
}

void* DefragAdvisor::Move(void* p) {
  if (p == nullptr || query_miblen_ == 0) return nullptr;
  // Per pointer: free regions in its slab, regions per slab, slab bytes.
  size_t out[3] = {0, 0, 0};
  size_t out_len = sizeof(out);
  void* in[1] = {p};
  unsigned arena = 0;
  size_t arena_len = sizeof(arena);
  if (mallctlbymib(query_mib_, query_miblen_, out, &out_len, in, sizeof(in)) != 0 ||
      mallctlbymib(lookup_mib_, lookup_miblen_, &arena, &arena_len, in, sizeof(void*)) != 0) {
    misses_++;
    return nullptr;
  }
  size_t nfree = out[0], nregs = out[1];
  size_t usable = sallocx(p, 0);
  int cls = nregs > 1 && nfree > 0 && arena < arenas_ ? ClassOf(usable) : -1;
  const Occupancy* o = cls >= 0 ? &occupancy_[arena * class_sizes_.size() + cls] : nullptr;
  // Full slabs and large allocations have nothing to gain. Otherwise move only out of a slab at
  // most as full as the class's average in its arena: those are the ones that can empty, and a
  // region moved out of a fuller one would just land in an emptier one.
  if (o == nullptr || o->curslabs == 0 ||
      static_cast<uint64_t>(nregs - nfree) * o->curslabs > o->curregs) {
    misses_++;
    return nullptr;
  }
  void* fresh = mallocx(usable, MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE);
  if (fresh == nullptr) {
    misses_++;
    return nullptr;
  }
  memcpy(fresh, p, usable);
  dallocx(p, MALLOCX_TCACHE_NONE);
  hits_++;
  return fresh;
}

#endif

}  // namespace carmine::mem
