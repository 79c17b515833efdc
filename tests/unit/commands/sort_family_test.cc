// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "test_server.h"

namespace carmine::testing {
namespace {

class SortFamilyTest : public CommandTest {};

TEST_F(SortFamilyTest, ByHashFieldGetAndStore) {
  Run({"rpush", "ids", "3", "1", "2"});
  for (const char* id : {"1", "2", "3"}) {
    Run({"hset", std::string("user:") + id, "name", std::string("n") + id, "age",
         std::to_string(40 - std::stoi(id))});
  }
  EXPECT_ARRAY(Run({"sort", "ids", "BY", "user:*->age", "GET", "user:*->name"}),
               {"n3", "n2", "n1"});
  EXPECT_INT(Run({"sort", "ids", "DESC", "GET", "#", "GET", "user:*->name", "STORE", "out"}), 6);
  EXPECT_ARRAY(Run({"lrange", "out", "0", "-1"}), {"3", "n3", "2", "n2", "1", "n1"});
  Run({"rpush", "bad", "1", "x"});
  EXPECT_ERR(Run({"sort", "bad"}), "ERR One or more scores can't be converted into double");
  EXPECT_ERR(Run({"sort_ro", "ids", "STORE", "x"}), "ERR syntax error");
}

TEST_F(SortFamilyTest, SortingASortedSetConvertsItLikeRedis) {
  Run({"zadd", "z", "1", "a", "2", "b"});
  EXPECT_EQ(Run({"object", "encoding", "z"}), "listpack");
  EXPECT_ARRAY(Run({"sort", "z", "BY", "nosort", "DESC"}), {"b", "a"});
  EXPECT_EQ(Run({"object", "encoding", "z"}), "skiplist");
}

}  // namespace
}  // namespace carmine::testing
