// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <set>

#include "test_server.h"

namespace carmine::testing {
namespace {

class KeysFamilyTest : public CommandTest {};

TEST_F(KeysFamilyTest, DelExistsType) {
  Run({"mset", "a", "1", "b", "2"});
  EXPECT_INT(Run({"exists", "a", "a", "b", "c"}), 3);
  EXPECT_INT(Run({"del", "a", "c"}), 1);
  EXPECT_INT(Run({"unlink", "b"}), 1);
  EXPECT_EQ(Run({"type", "a"}), "none");
  Run({"set", "s", "x"});
  EXPECT_EQ(Run({"type", "s"}), "string");
}

TEST_F(KeysFamilyTest, Rename) {
  EXPECT_ERR(Run({"rename", "nope", "x"}), "ERR no such key");
  Run({"set", "a", "1", "EX", "100"});
  EXPECT_EQ(Run({"rename", "a", "b"}), "OK");
  EXPECT_EQ(Run({"get", "b"}), "1");
  EXPECT_INT(Run({"ttl", "b"}), 100);
  EXPECT_INT(Run({"exists", "a"}), 0);
  Run({"set", "c", "3"});
  EXPECT_INT(Run({"renamenx", "b", "c"}), 0);
  EXPECT_INT(Run({"renamenx", "b", "d"}), 1);
  EXPECT_EQ(Run({"rename", "d", "d"}), "OK");
  EXPECT_INT(Run({"renamenx", "d", "d"}), 0);
  Run({"set", "e", "5", "EX", "10"});
  EXPECT_EQ(Run({"rename", "c", "e"}), "OK");
  EXPECT_INT(Run({"ttl", "e"}), -1);
}

TEST_F(KeysFamilyTest, MoveCopySwapDb) {
  Run({"set", "k", "v"});
  EXPECT_INT(Run({"move", "k", "1"}), 1);
  EXPECT_INT(Run({"exists", "k"}), 0);
  EXPECT_ERR(Run({"move", "k", "0"}), "ERR source and destination objects are the same");
  EXPECT_ERR(Run({"move", "k", "99"}), "ERR DB index is out of range");
  EXPECT_ERR(Run({"move", "k", "x"}), "ERR value is not an integer or out of range");
  EXPECT_EQ(Run({"select", "1"}), "OK");
  EXPECT_EQ(Run({"get", "k"}), "v");
  EXPECT_INT(Run({"copy", "k", "k2"}), 1);
  EXPECT_INT(Run({"copy", "k", "k2"}), 0);
  Run({"set", "k", "changed"});
  EXPECT_INT(Run({"copy", "k", "k2", "REPLACE"}), 1);
  EXPECT_EQ(Run({"get", "k2"}), "changed");
  EXPECT_INT(Run({"copy", "k", "k", "DB", "0"}), 1);
  EXPECT_ERR(Run({"copy", "k", "k"}), "ERR source and destination objects are the same");
  EXPECT_ERR(Run({"copy", "k", "z", "FOO"}), "ERR syntax error");
  EXPECT_EQ(Run({"swapdb", "0", "1"}), "OK");
  EXPECT_INT(Run({"exists", "k", "k2"}), 1);
  EXPECT_ERR(Run({"swapdb", "x", "1"}), "ERR invalid first DB index");
  EXPECT_ERR(Run({"swapdb", "0", "y"}), "ERR invalid second DB index");
  EXPECT_ERR(Run({"swapdb", "0", "16"}), "ERR DB index is out of range");
}

TEST_F(KeysFamilyTest, ExpireOptions) {
  Run({"set", "k", "v"});
  EXPECT_INT(Run({"expire", "k", "100", "XX"}), 0);
  EXPECT_INT(Run({"expire", "k", "100", "GT"}), 0);
  EXPECT_INT(Run({"expire", "k", "100", "NX"}), 1);
  EXPECT_INT(Run({"expire", "k", "200", "NX"}), 0);
  EXPECT_INT(Run({"expire", "k", "50", "GT"}), 0);
  EXPECT_INT(Run({"expire", "k", "200", "GT"}), 1);
  EXPECT_INT(Run({"expire", "k", "300", "LT"}), 0);
  EXPECT_INT(Run({"expire", "k", "30", "LT"}), 1);
  EXPECT_INT(Run({"ttl", "k"}), 30);
  EXPECT_ERR(Run({"expire", "k", "1", "NX", "XX"}),
             "ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_ERR(Run({"expire", "k", "1", "GT", "LT"}),
             "ERR GT and LT options at the same time are not compatible");
  EXPECT_ERR(Run({"expire", "k", "1", "FOO"}), "ERR Unsupported option FOO");
  EXPECT_ERR(Run({"expire", "k", "x"}), "ERR value is not an integer or out of range");
  EXPECT_ERR(Run({"expire", "k", "9223372036854775807"}),
             "ERR invalid expire time in 'expire' command");
  EXPECT_INT(Run({"persist", "k"}), 1);
  EXPECT_INT(Run({"persist", "k"}), 0);
  EXPECT_INT(Run({"ttl", "k"}), -1);
  EXPECT_INT(Run({"ttl", "none"}), -2);
  EXPECT_INT(Run({"expire", "none", "10"}), 0);
}

TEST_F(KeysFamilyTest, ExpireTimesAndPastDeadlines) {
  int64_t now = 1700000000000;
  Run({"set", "k", "v"});
  EXPECT_INT(Run({"pexpireat", "k", std::to_string(now + 5000)}), 1);
  EXPECT_INT(Run({"pexpiretime", "k"}), now + 5000);
  EXPECT_INT(Run({"expiretime", "k"}), (now + 5000 + 500) / 1000);
  EXPECT_INT(Run({"expireat", "k", "1"}), 1);  // in the past: deleted at once
  EXPECT_INT(Run({"exists", "k"}), 0);
  Run({"set", "k", "v"});
  EXPECT_INT(Run({"pexpire", "k", "-1"}), 1);
  EXPECT_INT(Run({"exists", "k"}), 0);
  EXPECT_INT(Run({"expiretime", "nokey"}), -2);
}

TEST_F(KeysFamilyTest, ActiveExpireRemovesUntouchedKeys) {
  for (int i = 0; i < 100; i++) Run({"set", "k" + std::to_string(i), "v", "PX", "10"});
  Run({"set", "keep", "v"});
  AdvanceTime(20);
  size_t removed = 0;
  for (int s = 0; s < server_.dbs().num_shards(); s++) {
    removed += ActiveExpireShard(server_.dbs(), 0, s, 1700000000000 + 20 + 1000000, 1000000, 1);
  }
  EXPECT_EQ(removed, 100u);
  EXPECT_INT(Run({"dbsize"}), 1);
}

TEST_F(KeysFamilyTest, KeysScanRandom) {
  for (int i = 0; i < 200; i++) Run({"set", "user:" + std::to_string(i), "v"});
  Run({"set", "other", "v"});
  Reply r = Run({"keys", "user:1?"});
  EXPECT_EQ(r.elems.size(), 10u);
  EXPECT_EQ(Run({"keys", "*"}).elems.size(), 201u);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply s = Run({"scan", cursor, "MATCH", "user:*", "COUNT", "20"});
    ASSERT_EQ(s.type, Reply::kArray);
    cursor = s.elems[0].str;
    for (auto& k : s.elems[1].elems) seen.insert(k.str);
    calls++;
  } while (cursor != "0" && calls < 1000);
  EXPECT_EQ(seen.size(), 200u);
  Reply t = Run({"scan", "0", "TYPE", "list", "COUNT", "1000"});
  EXPECT_EQ(t.elems[1].elems.size(), 0u);
  EXPECT_ERR(Run({"scan", "x"}), "ERR invalid cursor");
  EXPECT_ERR(Run({"scan", "0", "COUNT", "0"}), "ERR syntax error");
  EXPECT_ERR(Run({"scan", "0", "FOO", "1"}), "ERR syntax error");
  Reply rk = Run({"randomkey"});
  EXPECT_EQ(rk.type, Reply::kBulk);
  Run({"flushdb"});
  EXPECT_NIL(Run({"randomkey"}));
}

TEST_F(KeysFamilyTest, TouchObjectIdle) {
  Run({"set", "k", "v"});
  AdvanceTime(5000);
  EXPECT_INT(Run({"object", "idletime", "k"}), 5);
  EXPECT_INT(Run({"touch", "k", "nokey"}), 1);
  EXPECT_INT(Run({"object", "idletime", "k"}), 0);
  EXPECT_NIL(Run({"object", "encoding", "nokey"}));
  EXPECT_ERR(Run({"object", "freq", "k"}), "ERR An LFU maxmemory policy is not selected");
  EXPECT_ERR(Run({"object", "foo", "k"}), "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
  EXPECT_ERR(Run({"object"}), "ERR wrong number of arguments for 'object' command");
  EXPECT_ERR(Run({"object", "encoding"}),
             "ERR wrong number of arguments for 'object|encoding' command");
  server_.session().no_touch = true;
  AdvanceTime(3000);
  Run({"get", "k"});
  EXPECT_INT(Run({"object", "idletime", "k"}), 3);
}

TEST_F(KeysFamilyTest, FlushAndDbSize) {
  Run({"mset", "a", "1", "b", "2"});
  Run({"select", "2"});
  Run({"set", "c", "3"});
  EXPECT_INT(Run({"dbsize"}), 1);
  EXPECT_EQ(Run({"flushdb", "ASYNC"}), "OK");
  EXPECT_INT(Run({"dbsize"}), 0);
  Run({"select", "0"});
  EXPECT_INT(Run({"dbsize"}), 2);
  EXPECT_ERR(Run({"flushall", "LATER"}), "ERR syntax error");
  EXPECT_EQ(Run({"flushall"}), "OK");
  EXPECT_INT(Run({"dbsize"}), 0);
}

}  // namespace
}  // namespace carmine::testing
