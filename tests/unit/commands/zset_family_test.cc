// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <map>
#include <random>
#include <set>

#include "test_server.h"

namespace carmine::testing {
namespace {

class ZSetFamilyTest : public CommandTest {};

TEST_F(ZSetFamilyTest, ScoresFormattedAsRedis) {
  Run({"zadd", "z", "0.1", "a", "1e20", "b", "3", "c", "inf", "d"});
  EXPECT_EQ(Run({"zscore", "z", "a"}), "0.1");
  EXPECT_EQ(Run({"zscore", "z", "b"}), "1e+20");
  EXPECT_EQ(Run({"zscore", "z", "c"}), "3");
  EXPECT_EQ(Run({"zscore", "z", "d"}), "inf");
  EXPECT_ERR(Run({"zadd", "z", "INCR", "-inf", "d"}), "ERR resulting score is not a number (NaN)");
}

TEST_F(ZSetFamilyTest, RankWithScore) {
  Run({"zadd", "z", "1", "a", "2", "b"});
  Reply r = Run({"zrank", "z", "b", "WITHSCORE"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_EQ(r.elems[0].integer, 1);
  EXPECT_EQ(r.elems[1].str, "2");
  Reply rev = Run({"zrevrank", "z", "b", "WITHSCORE"});
  EXPECT_EQ(rev.elems[0].integer, 0);
  EXPECT_EQ(Run({"zrank", "z", "nope", "WITHSCORE"}).type, Reply::kNil);
}

// A big sorted set (B+tree encoding) agrees with an ordered model on ranks and ranges.
TEST_F(ZSetFamilyTest, BigSetMatchesModel) {
  std::mt19937_64 rng(5);
  std::map<std::string, double> scores;
  for (int i = 0; i < 5000; i++) {
    std::string m = "m" + std::to_string(rng() % 3000);
    double s = static_cast<double>(rng() % 200) / 4;
    if (rng() % 5 == 0) {
      Run({"zrem", "z", m});
      scores.erase(m);
    } else {
      Run({"zadd", "z", std::to_string(s), m});
      scores[m] = s;
    }
  }
  EXPECT_EQ(Run({"object", "encoding", "z"}), "skiplist");
  std::set<std::pair<double, std::string>> order;
  for (auto& [m, s] : scores) order.insert({s, m});
  EXPECT_INT(Run({"zcard", "z"}), static_cast<int64_t>(order.size()));
  Reply all = Run({"zrange", "z", "0", "-1"});
  ASSERT_EQ(all.elems.size(), order.size());
  size_t i = 0;
  for (auto& [s, m] : order) {
    ASSERT_EQ(all.elems[i].str, m);
    if (i % 101 == 0) {
      EXPECT_INT(Run({"zrank", "z", m}), static_cast<int64_t>(i));
    }
    i++;
  }
  int64_t in_range = 0;
  for (auto& [s, m] : order) in_range += s >= 10 && s < 20;
  EXPECT_INT(Run({"zcount", "z", "10", "(20"}), in_range);
  EXPECT_INT(Run({"zremrangebyscore", "z", "10", "(20"}), in_range);
  EXPECT_INT(Run({"zcard", "z"}), static_cast<int64_t>(order.size()) - in_range);
  Reply top = Run({"zrevrange", "z", "0", "2"});
  ASSERT_EQ(top.elems.size(), 3u);
  EXPECT_EQ(top.elems[0].str, order.rbegin()->second);
}

TEST_F(ZSetFamilyTest, EncodingThresholds) {
  server_.opts().zset_max_listpack_entries.set(3);
  Run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"object", "encoding", "z"}), "listpack");
  Run({"zadd", "z", "4", "d"});
  EXPECT_EQ(Run({"object", "encoding", "z"}), "skiplist");
  Run({"zrangestore", "small", "z", "0", "1"});
  EXPECT_EQ(Run({"object", "encoding", "small"}), "listpack");
}

}  // namespace
}  // namespace carmine::testing
