// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/strutil.h"

#include <gtest/gtest.h>

#include "base/crc16.h"

namespace carmine {
namespace {

TEST(ParseInt64, AcceptsOnlyCanonicalIntegers) {
  int64_t v;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "9223372036854775808",
                          "-9223372036854775809", "abc", "1e3"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(ParseLongDouble, RedisRules) {
  long double v;
  EXPECT_TRUE(ParseLongDouble("1.5", &v));
  EXPECT_TRUE(ParseLongDouble("-inf", &v));
  EXPECT_TRUE(ParseLongDouble("1e3", &v));
  EXPECT_FALSE(ParseLongDouble(" 1", &v));
  EXPECT_FALSE(ParseLongDouble("nan", &v));
  EXPECT_FALSE(ParseLongDouble("1x", &v));
  EXPECT_FALSE(ParseLongDouble("", &v));
}

TEST(LongDoubleToHuman, TrimsZeros) {
  EXPECT_EQ(LongDoubleToHuman(10.5L), "10.5");
  EXPECT_EQ(LongDoubleToHuman(3.0L), "3");
  EXPECT_EQ(LongDoubleToHuman(-0.0L), "0");
  EXPECT_EQ(LongDoubleToHuman(5.0e3L), "5000");
}

TEST(GlobMatch, Patterns) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("PORT", "port", true));
  EXPECT_FALSE(GlobMatch("PORT", "port", false));
  // Pathological patterns terminate.
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*b", std::string(60, 'a')));
}

TEST(SplitArgs, QuotesAndEscapes) {
  std::vector<std::string> v;
  ASSERT_TRUE(SplitArgs("set \"a b\" 'c d' \"\\x41\\n\"", &v));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1], "a b");
  EXPECT_EQ(v[2], "c d");
  EXPECT_EQ(v[3], "A\n");
  v.clear();
  EXPECT_FALSE(SplitArgs("set \"unterminated", &v));
  v.clear();
  EXPECT_FALSE(SplitArgs("set \"a\"b", &v));
}

TEST(ParseMemory, Units) {
  int64_t v;
  EXPECT_TRUE(ParseMemory("1gb", &v));
  EXPECT_EQ(v, 1LL << 30);
  EXPECT_TRUE(ParseMemory("1k", &v));
  EXPECT_EQ(v, 1000);
  EXPECT_TRUE(ParseMemory("100MB", &v));
  EXPECT_EQ(v, 100LL << 20);
  EXPECT_FALSE(ParseMemory("12xb", &v));
}

TEST(KeySlot, MatchesClusterSpec) {
  EXPECT_EQ(KeySlot("foo"), 12182u);
  EXPECT_EQ(KeySlot("bar"), 5061u);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot("foo{}{bar}"));
  EXPECT_EQ(KeySlot("{}foo"), Crc16("{}foo") & 16383);
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
}

}  // namespace
}  // namespace carmine
