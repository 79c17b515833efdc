// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/score_tree.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>

namespace carmine {
namespace {

using Model = std::set<std::pair<double, std::string>>;

void CheckAgainstModel(const ScoreTree& t, const Model& model) {
  ASSERT_EQ(t.size(), model.size());
  size_t rank = 0;
  ScoreTree::Iter it = t.Select(0);
  for (auto& [score, member] : model) {
    ASSERT_TRUE(it.valid());
    ScoreEntry e = t.Get(it);
    ASSERT_EQ(e.score, score);
    ASSERT_EQ(e.member(), member);
    if (rank % 97 == 0) {
      ASSERT_EQ(t.Rank(score, member), rank);
      ScoreEntry s = t.Get(t.Select(rank));
      ASSERT_EQ(s.member(), member);
    }
    it = t.Next(it);
    rank++;
  }
  EXPECT_FALSE(it.valid());
}

// Random inserts and erases (including many equal scores) against an ordered std::set.
TEST(ScoreTreeTest, RandomOperationsMatchModel) {
  std::mt19937_64 rng(11);
  ZTable nodes;  // owns the members, as a sorted set's table does
  ScoreTree t;
  Model model;
  for (int i = 0; i < 60000; i++) {
    std::string m = "m" + std::to_string(rng() % 8000);
    ZNode* n = nodes.Find(m);
    if (n != nullptr) {
      ASSERT_TRUE(t.Erase(n->score(), m));
      model.erase({n->score(), m});
      if (rng() % 2) {
        nodes.Remove(m);
        continue;
      }
      double s = static_cast<double>(rng() % 50);
      n->set_score(s);
      t.Insert(s, n);
      model.insert({s, m});
    } else {
      double s = static_cast<double>(rng() % 50);
      n = nodes.Insert(MakeZNode(m, s));
      t.Insert(s, n);
      model.insert({s, m});
    }
    if (i % 10000 == 0) CheckAgainstModel(t, model);
  }
  CheckAgainstModel(t, model);
  EXPECT_FALSE(t.Erase(12345, "absent"));
  // Lower bounds by score agree with the model.
  for (double s : {-1.0, 0.0, 10.0, 25.5, 49.0, 60.0}) {
    size_t expect = 0;
    for (auto& e : model) expect += e.first < s;
    EXPECT_EQ(t.LowerBound([&](const ScoreEntry& e) { return e.score >= s; }), expect);
  }
  // Backwards walk from the end.
  ScoreTree::Iter it = t.Select(t.size() - 1);
  for (auto r = model.rbegin(); r != model.rend(); ++r) {
    ASSERT_TRUE(it.valid());
    ASSERT_EQ(t.Get(it).member(), r->second);
    it = t.Prev(it);
  }
  // Erasing everything leaves an empty tree.
  for (auto& [s, m] : model) ASSERT_TRUE(t.Erase(s, m));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.Select(0).valid());
}

}  // namespace
}  // namespace carmine
