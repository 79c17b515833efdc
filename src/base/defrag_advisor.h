// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// DefragAdvisor: the allocator half of active defragmentation. After many frees (eviction,
// expiry, overwrites with other sizes) small allocations sit scattered over half-empty slabs: the
// allocator keeps whole pages for a few live regions (INFO allocator_frag_ratio above 1). Moving
// the live regions out of the emptiest slabs lets those slabs drain and their pages return.
//
// With jemalloc the advisor asks, per allocation, experimental.utilization.query: how full its
// slab is, how full its size class is in that arena's bin, and which slab the bin currently
// allocates from. Only for a region that is not in that current slab and may move does it ask a
// second time, about the current slab, to take it out of the bin's average. A region in a slab
// at most as full as that average (rounded up) is copied into a new region of
// the same arena allocated past the thread cache (so it comes from the fuller, older slabs
// jemalloc prefers, not from another thread's arena, which would copy everything across) and the
// old one is freed past the cache too (so it is not handed straight back). The current slab is
// never emptied: new regions land there, so moving out of it would only churn, and with it in
// the average a bin whose other slabs are all equally full would look above average everywhere
// and stall. Other allocators cannot answer; Supported() is false there.
//
// One advisor per thread that defragments; not thread-safe itself.
#pragma once

#include <cstddef>
#include <cstdint>

namespace carmine::mem {

class DefragAdvisor {
 public:
  DefragAdvisor();

  // Whether the linked allocator can tell where an allocation sits.
  static bool Supported();

  // If `p` (from malloc) sits in a slab emptier than its size class's average, copies its usable
  // bytes into a new block, frees `p` and returns the new block; otherwise returns nullptr and
  // `p` stays valid. The caller repoints every reference to the returned block.
  void* Move(void* p);

  // Move() for an owning pointer held in place: repoints `p` when the block moved. Returns
  // whether it did.
  template <typename T>
  bool MoveInPlace(T*& p) {
    void* moved = Move(p);
    if (moved == nullptr) return false;
    p = static_cast<T*>(moved);
    return true;
  }

  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  size_t query_mib_[4] = {};
  size_t query_miblen_ = 0;
  size_t lookup_mib_[4] = {};
  size_t lookup_miblen_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace carmine::mem
