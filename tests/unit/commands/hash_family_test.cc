// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <map>
#include <set>

#include "test_server.h"

namespace carmine::testing {
namespace {

class HashFamilyTest : public CommandTest {};

TEST_F(HashFamilyTest, BasicOperations) {
  EXPECT_INT(Run({"hset", "h", "a", "1", "b", "2"}), 2);
  EXPECT_INT(Run({"hset", "h", "a", "3"}), 0);
  EXPECT_EQ(Run({"hget", "h", "a"}), "3");
  EXPECT_NIL(Run({"hget", "h", "zz"}));
  EXPECT_ARRAY(Run({"hgetall", "h"}), {"a", "3", "b", "2"});
  EXPECT_EQ(Run({"object", "encoding", "h"}), "listpack");
  EXPECT_INT(Run({"hdel", "h", "a", "b"}), 2);
  EXPECT_INT(Run({"exists", "h"}), 0);  // empty hashes are deleted
  EXPECT_ERR(Run({"hset", "h", "a"}), "ERR wrong number of arguments for 'hset' command");
  Run({"set", "s", "x"});
  EXPECT_ERR(Run({"hget", "s", "a"}), "WRONGTYPE");
}

// Past the thresholds the hash becomes a table; every field stays reachable.
TEST_F(HashFamilyTest, ConvertsToTableAndKeepsEveryField) {
  server_.opts().hash_max_listpack_entries.set(16);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; i++) {
    std::string f = "f" + std::to_string(i), v = std::to_string(i * 7);
    Run({"hset", "h", f, v});
    model[f] = v;
    if (i == 15) {
      EXPECT_EQ(Run({"object", "encoding", "h"}), "listpack");
    }
    if (i == 16) {
      EXPECT_EQ(Run({"object", "encoding", "h"}), "hashtable");
    }
  }
  for (int i = 0; i < 2000; i += 3) {
    Run({"hdel", "h", "f" + std::to_string(i)});
    model.erase("f" + std::to_string(i));
  }
  EXPECT_INT(Run({"hlen", "h"}), static_cast<int64_t>(model.size()));
  Reply all = Run({"hgetall", "h"});
  ASSERT_EQ(all.elems.size(), model.size() * 2);
  for (size_t i = 0; i < all.elems.size(); i += 2) {
    EXPECT_EQ(model[all.elems[i].str], all.elems[i + 1].str);
  }
  // HSCAN returns every field at least once.
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    Reply r = Run({"hscan", "h", cursor, "COUNT", "50"});
    cursor = r.elems[0].str;
    for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) seen.insert(r.elems[1].elems[i].str);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), model.size());
}

TEST_F(HashFamilyTest, LongValueConvertsAtOnce) {
  server_.opts().hash_max_listpack_value.set(8);
  Run({"hset", "h", "a", "12345678"});
  EXPECT_EQ(Run({"object", "encoding", "h"}), "listpack");
  Run({"hset", "h", "b", "123456789"});
  EXPECT_EQ(Run({"object", "encoding", "h"}), "hashtable");
  EXPECT_EQ(Run({"hget", "h", "a"}), "12345678");
}

TEST_F(HashFamilyTest, IncrementsAndPropagation) {
  EXPECT_INT(Run({"hincrby", "h", "n", "5"}), 5);
  EXPECT_ERR(Run({"hincrby", "h", "n", "9223372036854775807"}), "ERR increment or decrement");
  EXPECT_EQ(Run({"hincrbyfloat", "h", "f", "1.5"}), "1.5");
  server_.TakePropagated();
  EXPECT_EQ(Run({"hincrbyfloat", "h", "f", "0.25"}), "1.75");
  EXPECT_EQ(server_.TakePropagated(), std::vector<std::string>{"0:HSET h f 1.75"});
}

TEST_F(HashFamilyTest, RandFieldDistinctAndRepeated) {
  for (int i = 0; i < 100; i++) Run({"hset", "h", "f" + std::to_string(i), "v"});
  for (int count : {5, 50, 99}) {
    Reply r = Run({"hrandfield", "h", std::to_string(count)});
    std::set<std::string> uniq;
    for (auto& e : r.elems) uniq.insert(e.str);
    EXPECT_EQ(uniq.size(), static_cast<size_t>(count));
  }
  EXPECT_EQ(Run({"hrandfield", "h", "-500"}).elems.size(), 500u);
  EXPECT_EQ(Run({"hrandfield", "h", "3", "withvalues"}).elems.size(), 6u);
}

}  // namespace
}  // namespace carmine::testing
