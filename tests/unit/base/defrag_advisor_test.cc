// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/defrag_advisor.h"

#include <gtest/gtest.h>

#include <vector>

#if defined(CARMINE_USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

namespace carmine {
namespace {

#if defined(CARMINE_USE_JEMALLOC)

// The slab a block sits in and the slab its bin allocates from, as jemalloc reports them.
struct SlabInfo {
  void* slabcur = nullptr;
  size_t nfree = 0, nregs = 0, slab_bytes = 0, bin_nfree = 0, bin_nregs = 0;
};

SlabInfo Query(void* p) {
  SlabInfo s;
  size_t len = sizeof(s);
  EXPECT_EQ(mallctl("experimental.utilization.query", &s, &len, &p, sizeof(p)), 0);
  return s;
}

// Slabs of one size class in an arena of their own, so nothing else shares the bin: `slabs`
// slabs filled in order, then every other block freed (each slab half full, as after deleting
// every other key).
class EvenSlabs {
 public:
  explicit EvenSlabs(int slabs) {
    size_t len = sizeof(arena_);
    EXPECT_EQ(mallctl("arenas.create", &arena_, &len, nullptr, 0), 0);
    void* first = Alloc();
    nregs_ = Query(first).nregs;
    blocks_.push_back(first);
    while (blocks_.size() < nregs_ * slabs) blocks_.push_back(Alloc());
    for (size_t i = 1; i < blocks_.size(); i += 2) Free(i);
  }
  ~EvenSlabs() {
    for (size_t i = 0; i < blocks_.size(); i++) Free(i);
  }

  size_t nregs() const { return nregs_; }
  void* block(size_t slab, size_t i) const { return blocks_[slab * nregs_ + i]; }
  bool InCurrentSlab(void* p) const {
    SlabInfo s = Query(p);
    auto* c = static_cast<char*>(s.slabcur);
    return c != nullptr && p >= c && static_cast<char*>(p) < c + s.slab_bytes;
  }
  // Frees the i-th block of `slab` (an even i is still live).
  void FreeIn(size_t slab, size_t i) { Free(slab * nregs_ + i); }
  // Records where block (slab, i) went after the advisor moved it.
  void Moved(size_t slab, size_t i, void* to) { blocks_[slab * nregs_ + i] = to; }

 private:
  static constexpr size_t kSize = 48;
  void* Alloc() { return mallocx(kSize, MALLOCX_ARENA(arena_) | MALLOCX_TCACHE_NONE); }
  void Free(size_t i) {
    if (blocks_[i] != nullptr) dallocx(blocks_[i], MALLOCX_TCACHE_NONE);
    blocks_[i] = nullptr;
  }

  unsigned arena_ = 0;
  size_t nregs_ = 0;
  std::vector<void*> blocks_;
};

// Picks a live block of `slab` outside the bin's current slab.
void* LiveBlockOutsideCurrent(const EvenSlabs& s, size_t slab) {
  void* p = s.block(slab, 0);
  return s.InCurrentSlab(p) ? nullptr : p;
}

TEST(DefragAdvisorTest, EvenSlabsMoveWhenOneRegionIsMissingElsewhere) {
  if (!mem::DefragAdvisor::Supported()) GTEST_SKIP() << "the allocator cannot tell";
  // Every slab half full except one, a single region short: the exact average sits just under
  // every other slab. The advisor must still move out of them, or defragmentation stalls there
  // (Redis's "Active defrag edge case").
  EvenSlabs s(8);
  s.FreeIn(3, 0);
  ASSERT_EQ(s.block(3, 0), nullptr);
  void* p = LiveBlockOutsideCurrent(s, 5);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(Query(p).nregs - Query(p).nfree, s.nregs() / 2);
  mem::DefragAdvisor advisor;
  void* moved = advisor.Move(p);
  EXPECT_NE(moved, nullptr);
  if (moved != nullptr) s.Moved(5, 0, moved);
  EXPECT_EQ(advisor.hits(), moved != nullptr ? 1u : 0u);
}

TEST(DefragAdvisorTest, SlabFullerThanAverageStays) {
  if (!mem::DefragAdvisor::Supported()) GTEST_SKIP() << "the allocator cannot tell";
  // Four slabs nearly emptied pull the average well under a half-full slab: moving out of that
  // one would only fill an emptier slab.
  EvenSlabs s(8);
  for (size_t slab = 1; slab <= 4; slab++) {
    for (size_t i = 2; i < s.nregs(); i += 2) s.FreeIn(slab, i);
  }
  void* p = LiveBlockOutsideCurrent(s, 6);
  ASSERT_NE(p, nullptr);
  mem::DefragAdvisor advisor;
  EXPECT_EQ(advisor.Move(p), nullptr);
  EXPECT_EQ(advisor.misses(), 1u);
  // A block of a nearly empty slab does move.
  void* q = LiveBlockOutsideCurrent(s, 2);
  ASSERT_NE(q, nullptr);
  void* moved = advisor.Move(q);
  EXPECT_NE(moved, nullptr);
  if (moved != nullptr) s.Moved(2, 0, moved);
}

#endif

}  // namespace
}  // namespace carmine
