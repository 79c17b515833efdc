// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// What write commands hand to the propagation log (the future AOF and replication stream):
// Redis 7's rewriting rules, nothing for commands that changed nothing, DEL for expirations.
#include "test_server.h"

namespace carmine::testing {
namespace {

using V = std::vector<std::string>;

class PropagationTest : public CommandTest {
 protected:
  V Take() { return server_.TakePropagated(); }
  const int64_t now_ = 1700000000000;
};

TEST_F(PropagationTest, PlainWritesAsReceivedReadsNothing) {
  Run({"set", "k", "v"});
  Run({"get", "k"});
  Run({"mset", "a", "1", "b", "2"});
  EXPECT_EQ(Take(), (V{"0:set k v", "0:mset a 1 b 2"}));
}

TEST_F(PropagationTest, NoOpWritesAreNotPropagated) {
  Run({"set", "k", "v"});
  Take();
  Run({"set", "k", "w", "NX"});
  Run({"setnx", "k", "x"});
  Run({"del", "nokey"});
  Run({"expire", "nokey", "10"});
  Run({"persist", "k"});
  Run({"getex", "k"});
  Run({"incr", "k"});  // fails: not an integer
  EXPECT_EQ(Take(), V{});
}

TEST_F(PropagationTest, RelativeExpiryBecomesAbsolute) {
  Run({"set", "k", "v", "EX", "10"});
  Run({"setex", "s", "5", "v"});
  Run({"expire", "k", "100"});
  Run({"getex", "k", "PX", "500"});
  Run({"getex", "k", "PERSIST"});
  EXPECT_EQ(Take(), (V{"0:SET k v PXAT " + std::to_string(now_ + 10000),
                       "0:SET s v PXAT " + std::to_string(now_ + 5000),
                       "0:PEXPIREAT k " + std::to_string(now_ + 100000),
                       "0:PEXPIREAT k " + std::to_string(now_ + 500), "0:PERSIST k"}));
}

TEST_F(PropagationTest, RewritesAndDeletes) {
  Run({"incrbyfloat", "f", "1.5"});
  Run({"set", "g", "v"});
  Run({"getdel", "g"});
  Run({"set", "h", "v"});
  Run({"expire", "h", "-1"});
  EXPECT_EQ(Take(), (V{"0:SET f 1.5 KEEPTTL", "0:set g v", "0:DEL g", "0:set h v", "0:DEL h"}));
}

TEST_F(PropagationTest, CommandsRedisRewritesAsOthers) {
  Run({"getset", "k", "v"});
  Run({"geoadd", "g", "13.361389", "38.115556", "Palermo"});
  Run({"geoadd", "g", "13.361389", "38.115556", "Palermo"});  // nothing changed
  Run({"rpush", "l", "a", "b", "c"});
  Run({"rpoplpush", "l", "l2"});
  Run({"lmove", "l", "l2", "left", "right"});
  Run({"brpoplpush", "l", "l2", "0"});
  Run({"blmove", "l2", "l3", "LEFT", "RIGHT", "0"});
  Run({"blmove", "l3", "l4", "right", "left", "0"});  // directions kept as written
  EXPECT_EQ(Take(), (V{"0:SET k v", "0:zadd g 3479099956230698 Palermo", "0:rpush l a b c",
                       "0:rpoplpush l l2", "0:lmove l l2 left right", "0:RPOPLPUSH l l2",
                       "0:LMOVE l2 l3 LEFT RIGHT", "0:LMOVE l3 l4 right left"}));
}

TEST_F(PropagationTest, ExpirationsBecomeDelInTheSelectedDb) {
  Run({"select", "3"});
  Run({"set", "k", "v", "PX", "10"});
  Take();
  AdvanceTime(20);
  Run({"get", "k"});
  EXPECT_EQ(Take(), V{"3:DEL k"});
}

TEST_F(PropagationTest, FlushAndSwapAlwaysPropagate) {
  Run({"flushall"});
  Run({"flushdb"});
  Run({"swapdb", "0", "1"});
  EXPECT_EQ(Take(), (V{"0:flushall", "0:flushdb", "0:swapdb 0 1"}));
}

}  // namespace
}  // namespace carmine::testing
