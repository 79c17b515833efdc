// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// LatencyHistogram buckets as two-significant-digit HDR histograms do: the printed values of INFO
// latencystats and LATENCY HISTOGRAM depend on it.
#include "base/latency_histogram.h"

#include <gtest/gtest.h>

namespace carmine {
namespace {

uint64_t Highest(uint64_t v) { return LatencyHistogram::HighestEquivalent(LatencyHistogram::IndexOf(v)); }

TEST(LatencyHistogram, BucketEdgesMatchTwoSignificantDigits) {
  EXPECT_EQ(Highest(1), 1u);
  EXPECT_EQ(Highest(255), 255u);
  EXPECT_EQ(Highest(256), 257u);
  EXPECT_EQ(Highest(1000), 1003u);       // "1.003" us
  EXPECT_EQ(Highest(2000), 2007u);       // "2.007"
  EXPECT_EQ(Highest(5000), 5023u);       // "5.023"
  EXPECT_EQ(Highest(460000), 460799u);   // "460.799"
  EXPECT_EQ(Highest(1024), 1031u);
  EXPECT_EQ(Highest(4194304), 4227071u);  // LATENCY HISTOGRAM's "4227"
  for (uint64_t v = 1; v < 2000000; v = v * 3 / 2 + 1) {
    EXPECT_GE(Highest(v), v);
    EXPECT_LE(Highest(v) - v, v / 64 + 1) << v;  // under 2% error
  }
}

TEST(LatencyHistogram, PercentilesAndSteps) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  h.Record(0);  // a 0 us command counts as 1 ns, as Redis clamps
  h.Record(1000);
  h.Record(2000);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.ValueAtPercentile(0.5), 1u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1003u);
  EXPECT_EQ(h.ValueAtPercentile(99), 2007u);
  EXPECT_EQ(h.ValueAtPercentile(100), 2007u);
  auto steps = h.PowerOfTwoSteps();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0], (std::pair<uint64_t, uint64_t>{1, 2}));
  EXPECT_EQ(steps[1], (std::pair<uint64_t, uint64_t>{2, 3}));
  h.Record(5000000000ULL);  // clamped to 1 s
  EXPECT_EQ(h.ValueAtPercentile(100), Highest(1000000000));
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_TRUE(h.PowerOfTwoSteps().empty());
}

}  // namespace
}  // namespace carmine
