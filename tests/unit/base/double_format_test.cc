// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Expected texts are what redis-server 7.2.4 prints for the same scores (ZADD then ZSCORE).
#include "base/double_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace carmine {
namespace {

TEST(DoubleFormat, MatchesRedis72) {
  struct Case {
    double v;
    const char* text;
  } cases[] = {
      {0.1, "0.1"},
      {-0.0, "-0"},
      {0.0, "0"},
      {3.0, "3"},
      {1e20, "1e+20"},
      {1.5e-7, "1.5e-7"},
      {1e-6, "0.000001"},
      {1.5e-6, "1.5e-6"},
      {1.5e-5, "0.000015"},
      {1.2345678901234567e-3, "0.0012345678901234567"},
      {1.2345678901234567e4, "1.2345678901234567e+4"},
      {1.2345678901234567e10, "12345678901.234568"},
      {1.2345678901234567e17, "123456789012345664"},  // a whole number: plain digits
      {1.5e18, "1500000000000000000"},
      {9.999e18, "9.999e+18"},                         // past 2^62: Grisu2 digits
      {1.2345678901234567e19, "12345678901234567000"},
      {1e23, "99999999999999990000000"},               // Grisu2 is not always shortest
      {1.2345678901234567e24, "1.2345678901234568e+24"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-1.5e-12, "-1.5e-12"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
  };
  for (auto& c : cases) EXPECT_EQ(FormatDouble(c.v), c.text) << c.v;
}

TEST(DoubleFormat, DigitsFormWithoutIntegerRule) {
  char buf[32];
  EXPECT_EQ(std::string(buf, FormatDoubleDigits(100000000.0, buf)), "1e+8");
  EXPECT_EQ(std::string(buf, FormatDoubleDigits(3.0, buf)), "3");
  EXPECT_EQ(std::string(buf, FormatDoubleDigits(0.25, buf)), "0.25");
}

}  // namespace
}  // namespace carmine
