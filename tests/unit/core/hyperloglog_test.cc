// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/hyperloglog.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace carmine::hll {
namespace {

TEST(HyperLogLogTest, NewSketchIsSparseAndEmpty) {
  std::string h = Create();
  EXPECT_TRUE(IsValid(h));
  EXPECT_FALSE(IsDense(h));
  EXPECT_EQ(h.size(), kHeaderSize + 2);  // one XZERO run covering every register
  uint64_t card;
  bool updated;
  InvalidateCache(&h);
  ASSERT_TRUE(Count(&h, &card, &updated));
  EXPECT_EQ(card, 0u);
  EXPECT_TRUE(updated);
}

TEST(HyperLogLogTest, EstimatesWithinTwoPercentAndPromotes) {
  std::string h = Create();
  const int n = 100000;
  for (int i = 0; i < n; i++) ASSERT_GE(Add(&h, "element:" + std::to_string(i), 3000), 0);
  EXPECT_TRUE(IsDense(h));
  EXPECT_EQ(h.size(), kDenseSize);
  uint64_t card;
  bool updated;
  ASSERT_TRUE(Count(&h, &card, &updated));
  EXPECT_LT(std::fabs(static_cast<double>(card) - n) / n, 0.02) << card;
  // The cache answers the second time without recomputing.
  ASSERT_TRUE(Count(&h, &card, &updated));
  EXPECT_FALSE(updated);
}

TEST(HyperLogLogTest, SparseMergeMatchesDenseMerge) {
  std::string a = Create(), b = Create();
  for (int i = 0; i < 500; i++) Add(&a, "a" + std::to_string(i), 3000);
  for (int i = 0; i < 500; i++) Add(&b, "b" + std::to_string(i), 3000);
  EXPECT_FALSE(IsDense(a));
  std::vector<uint8_t> max(kRegisters, 0);
  ASSERT_TRUE(MergeInto(a, max.data()));
  ASSERT_TRUE(MergeInto(b, max.data()));
  std::string d = a;
  ASSERT_TRUE(ToDense(&d));
  ASSERT_TRUE(MergeInto(d, max.data()));  // merging the same registers again changes nothing
  uint64_t both = CountRegisters(max.data());
  EXPECT_LT(std::fabs(static_cast<double>(both) - 1000) / 1000, 0.03) << both;
  // Corrupt sparse data is detected, never read past its end.
  std::string bad = a.substr(0, a.size() - 1);
  std::vector<uint8_t> scratch(kRegisters, 0);
  EXPECT_FALSE(MergeInto(bad, scratch.data()) && ToDense(&bad));
}

}  // namespace
}  // namespace carmine::hll
