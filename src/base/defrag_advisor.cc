// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/defrag_advisor.h"

#include <cstring>

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
void* DefragAdvisor::Move(void*) { return nullptr; }

#else

namespace {

// What experimental.utilization.query answers about the slab holding a pointer.
struct SlabUtilization {
  void* slabcur = nullptr;  // the slab its bin allocates from now (nullptr: none)
  size_t nfree = 0;         // free regions in this pointer's slab
  size_t nregs = 0;         // regions per slab of this size class
  size_t slab_bytes = 0;    // the slab's size; 0 for a large (non-slab) allocation
  size_t bin_nfree = 0;     // free regions over all slabs of the bin (the class in this arena)
  size_t bin_nregs = 0;     // regions over all slabs of the bin
};

}  // namespace

DefragAdvisor::DefragAdvisor() {
  query_miblen_ = 3;
  if (mallctlnametomib("experimental.utilization.query", query_mib_, &query_miblen_) != 0) {
    query_miblen_ = 0;
  }
  lookup_miblen_ = 2;
  if (mallctlnametomib("arenas.lookup", lookup_mib_, &lookup_miblen_) != 0) lookup_miblen_ = 0;
}

bool DefragAdvisor::Supported() {
  static const bool ok = [] {
    DefragAdvisor probe;
    if (probe.query_miblen_ == 0 || probe.lookup_miblen_ == 0) return false;
    // The bin totals come from jemalloc's statistics: a build without them answers zeros.
    void* p = malloc(64);
    SlabUtilization u;
    size_t len = sizeof(u);
    bool answered = mallctlbymib(probe.query_mib_, probe.query_miblen_, &u, &len, &p,
                                 sizeof(p)) == 0 && len == sizeof(u) && u.bin_nregs > 0;
    free(p);
    return answered;
  }();
  return ok;
}

void* DefragAdvisor::Move(void* p) {
  if (p == nullptr || query_miblen_ == 0) return nullptr;
  SlabUtilization u;
  size_t len = sizeof(u);
  if (mallctlbymib(query_mib_, query_miblen_, &u, &len, &p, sizeof(p)) != 0 ||
      len != sizeof(u)) {
    misses_++;
    return nullptr;
  }
  auto* addr = static_cast<char*>(p);
  auto* cur = static_cast<char*>(u.slabcur);
  // Large allocations, full slabs and the current slab have nothing to gain.
  if (u.slab_bytes == 0 || u.nregs <= 1 || u.nfree == 0 || u.bin_nregs < u.nregs ||
      (cur != nullptr && addr >= cur && addr < cur + u.slab_bytes)) {
    misses_++;
    return nullptr;
  }
  uint64_t slabs = u.bin_nregs / u.nregs;
  uint64_t used = u.bin_nregs - u.bin_nfree;
  if (cur != nullptr && slabs > 1) {
    // Leave the current slab out of the average (it is being filled, not emptied).
    SlabUtilization c;
    len = sizeof(c);
    void* in = cur;
    if (mallctlbymib(query_mib_, query_miblen_, &c, &len, &in, sizeof(in)) == 0 &&
        len == sizeof(c) && c.nregs == u.nregs && used >= c.nregs - c.nfree) {
      used -= c.nregs - c.nfree;
      slabs--;
    }
  }
  // Move only out of a slab at most as full as the others on average (rounded up): those are
  // the ones that can empty, and a region moved out of a fuller one would just land in an
  // emptier one. Rounding up matters when every slab holds the same count but one region is
  // missing somewhere (a slab one short, a region parked in a thread cache): the exact average
  // then sits a hair under every slab and nothing would ever move.
  uint64_t in_slab = u.nregs - u.nfree;
  if ((in_slab - 1) * slabs >= used) {
    misses_++;
    return nullptr;
  }
  unsigned arena = 0;
  size_t arena_len = sizeof(arena);
  if (mallctlbymib(lookup_mib_, lookup_miblen_, &arena, &arena_len, &p, sizeof(p)) != 0) {
    misses_++;
    return nullptr;
  }
  size_t usable = sallocx(p, 0);
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
