// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <random>
#include <set>

#include "core/set_object.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class SetFamilyTest : public CommandTest {};

TEST_F(SetFamilyTest, EncodingsFollowRedis72) {
  Run({"sadd", "i", "1", "2", "3"});
  EXPECT_EQ(Run({"object", "encoding", "i"}), "intset");
  Run({"sadd", "i", "x"});
  EXPECT_EQ(Run({"object", "encoding", "i"}), "listpack");
  Run({"sadd", "s", "a", "b"});
  EXPECT_EQ(Run({"object", "encoding", "s"}), "listpack");
  EXPECT_ARRAY(Run({"smembers", "s"}), {"a", "b"});  // insertion order
  server_.opts().set_max_listpack_entries.set(4);
  Run({"sadd", "s", "c", "d", "e"});
  EXPECT_EQ(Run({"object", "encoding", "s"}), "hashtable");
  server_.opts().set_max_intset_entries.set(4);
  Run({"sadd", "j", "1", "2", "3", "4"});
  EXPECT_EQ(Run({"object", "encoding", "j"}), "intset");
  Run({"sadd", "j", "5"});
  EXPECT_EQ(Run({"object", "encoding", "j"}), "hashtable");
  EXPECT_INT(Run({"scard", "j"}), 5);
}

TEST_F(SetFamilyTest, AlgebraAndStore) {
  Run({"sadd", "a", "1", "2", "3", "x"});
  Run({"sadd", "b", "2", "3", "y"});
  EXPECT_INT(Run({"sinterstore", "d", "a", "b"}), 2);
  EXPECT_EQ(Run({"object", "encoding", "d"}), "intset");
  EXPECT_ARRAY(Run({"smembers", "d"}), {"2", "3"});
  EXPECT_INT(Run({"sdiffstore", "d", "a", "a"}), 0);
  EXPECT_INT(Run({"exists", "d"}), 0);
  EXPECT_INT(Run({"sintercard", "2", "a", "b", "LIMIT", "1"}), 1);
}

TEST_F(SetFamilyTest, SpopPropagatesAsSremOrDel) {
  Run({"sadd", "s", "a", "b", "c"});
  server_.TakePropagated();
  Reply one = Run({"spop", "s"});
  EXPECT_EQ(server_.TakePropagated(), std::vector<std::string>{"0:SREM s " + one.str});
  Run({"spop", "s", "10"});
  EXPECT_EQ(server_.TakePropagated(), std::vector<std::string>{"0:DEL s"});
  EXPECT_INT(Run({"exists", "s"}), 0);
}

TEST_F(SetFamilyTest, BigSetRandomOperationsMatchModel) {
  std::mt19937_64 rng(7);
  std::set<std::string> model;
  for (int i = 0; i < 20000; i++) {
    std::string m = (rng() % 2) ? std::to_string(rng() % 3000) : "m" + std::to_string(rng() % 3000);
    if (rng() % 3 == 0) {
      EXPECT_INT(Run({"srem", "s", m}), model.erase(m));
    } else {
      EXPECT_INT(Run({"sadd", "s", m}), model.insert(m).second ? 1 : 0);
    }
  }
  EXPECT_INT(Run({"scard", "s"}), static_cast<int64_t>(model.size()));
  Reply all = Run({"smembers", "s"});
  std::set<std::string> got;
  for (auto& e : all.elems) got.insert(e.str);
  EXPECT_EQ(got, model);
  Reply popped = Run({"spop", "s", "100"});
  for (auto& e : popped.elems) EXPECT_EQ(model.erase(e.str), 1u);
  EXPECT_INT(Run({"scard", "s"}), static_cast<int64_t>(model.size()));
}

TEST(IntSetTest, MatchesModelAcrossWidths) {
  std::mt19937_64 rng(3);
  IntSet s;
  std::set<int64_t> model;
  for (int i = 0; i < 5000; i++) {
    int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    if (rng() % 4 == 0 && !model.empty()) {
      v = *model.begin();
      EXPECT_TRUE(s.Erase(v));
      model.erase(v);
    } else {
      EXPECT_EQ(s.Insert(v), model.insert(v).second);
    }
  }
  ASSERT_EQ(s.size(), model.size());
  uint32_t i = 0;
  for (int64_t v : model) EXPECT_EQ(s.At(i++), v);
}

}  // namespace
}  // namespace carmine::testing
