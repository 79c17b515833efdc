// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MULTI/EXEC/DISCARD/WATCH through the dispatcher: queueing and queue-time errors, run-time
// errors inside EXEC, WATCH invalidation by other sessions (writes, expiry, FLUSHDB, SWAPDB,
// RENAME), propagation of a transaction as one MULTI ... EXEC block, and EXEC atomicity against
// readers on other threads.
#include <atomic>
#include <thread>

#include "test_server.h"

namespace carmine::testing {
namespace {

class MultiTest : public CommandTest {
 protected:
  Reply Other(std::vector<std::string> args) { return server_.RunAs(other_, std::move(args)); }
  Session other_;
};

TEST_F(MultiTest, QueuesAndExecutes) {
  EXPECT_EQ(Run({"multi"}), "OK");
  EXPECT_EQ(Run({"set", "a", "1"}), "QUEUED");
  EXPECT_EQ(Run({"incr", "a"}), "QUEUED");
  EXPECT_EQ(Run({"lpush", "a", "x"}), "QUEUED");
  Reply r = Run({"exec"});
  ASSERT_EQ(r.type, Reply::kArray);
  ASSERT_EQ(r.elems.size(), 3u);
  EXPECT_EQ(r.elems[0], "OK");
  EXPECT_INT(r.elems[1], 2);
  EXPECT_ERR(r.elems[2], "WRONGTYPE");
  EXPECT_EQ(Run({"get", "a"}), "2");
}

TEST_F(MultiTest, QueueTimeErrorsAbort) {
  Run({"multi"});
  EXPECT_ERR(Run({"nosuch"}), "ERR unknown command");
  EXPECT_ERR(Run({"get"}), "ERR wrong number of arguments for 'get'");
  EXPECT_EQ(Run({"set", "a", "1"}), "QUEUED");
  EXPECT_ERR(Run({"exec"}), "EXECABORT Transaction discarded because of previous errors.");
  EXPECT_NIL(Run({"get", "a"}));
  EXPECT_ERR(Run({"exec"}), "ERR EXEC without MULTI");
}

TEST_F(MultiTest, NestingDiscardAndWatchInside) {
  Run({"multi"});
  EXPECT_ERR(Run({"multi"}), "ERR MULTI calls can not be nested");
  EXPECT_ERR(Run({"watch", "k"}), "ERR WATCH inside MULTI is not allowed");
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"discard"}), "OK");
  EXPECT_NIL(Run({"get", "k"}));
  EXPECT_ERR(Run({"discard"}), "ERR DISCARD without MULTI");
}

TEST_F(MultiTest, WatchFailsOnOtherClientsWrite) {
  Run({"set", "k", "1"});
  Run({"watch", "k"});
  Other({"incr", "k"});
  Run({"multi"});
  Run({"set", "k", "mine"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kNil);
  EXPECT_EQ(Run({"get", "k"}), "2");
  // The WATCH is gone after EXEC: the next transaction succeeds.
  Run({"multi"});
  Run({"set", "k", "mine"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kArray);
}

TEST_F(MultiTest, WatchIgnoresUnrelatedKeysAndUnwatch) {
  Run({"set", "k", "1"});
  Run({"watch", "k"});
  Other({"set", "other", "1"});
  Run({"multi"});
  Run({"get", "k"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kArray);
  Run({"watch", "k"});
  EXPECT_EQ(Run({"unwatch"}), "OK");
  Other({"set", "k", "2"});
  Run({"multi"});
  Run({"get", "k"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kArray);
}

TEST_F(MultiTest, WatchSeesExpiryFlushSwapAndRename) {
  Run({"set", "k", "1", "PX", "100"});
  Run({"watch", "k"});
  AdvanceTime(200);  // expires without anybody touching it
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kNil);

  Run({"set", "k", "1"});
  Run({"watch", "k"});
  Other({"flushdb"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kNil);

  Run({"watch", "k"});  // k is absent in db 0 and db 1 now
  Other({"select", "1"});
  Other({"set", "k", "in-db1"});
  Other({"swapdb", "0", "1"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kNil);

  Run({"flushall"});
  Run({"set", "src", "x"});
  Run({"watch", "dst"});
  Other({"select", "0"});
  Other({"rename", "src", "dst"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kNil);
}

TEST_F(MultiTest, FlushOfAbsentWatchedKeyDoesNotFail) {
  Run({"watch", "absent"});
  Other({"flushdb"});
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kArray);
}

TEST_F(MultiTest, PropagatedAsOneBlock) {
  server_.TakePropagated();
  Run({"multi"});
  Run({"set", "a", "1"});
  Run({"get", "a"});
  Run({"incr", "a"});
  Run({"exec"});
  EXPECT_EQ(server_.TakePropagated(),
            (std::vector<std::string>{"-1:MULTI", "0:set a 1", "0:incr a", "-1:EXEC"}));
  // A single write travels alone.
  Run({"multi"});
  Run({"set", "b", "1"});
  Run({"get", "b"});
  Run({"exec"});
  EXPECT_EQ(server_.TakePropagated(), (std::vector<std::string>{"0:set b 1"}));
}

TEST_F(MultiTest, ResetEndsTransactionAndWatches) {
  Run({"set", "k", "1"});
  Run({"watch", "k"});
  Run({"multi"});
  Run({"set", "k", "queued"});
  EXPECT_EQ(Run({"reset"}), "RESET");
  EXPECT_ERR(Run({"exec"}), "ERR EXEC without MULTI");
  EXPECT_EQ(Run({"get", "k"}), "1");
  Other({"set", "k", "2"});  // the WATCH is gone: this does not fail the next transaction
  Run({"multi"});
  Run({"get", "k"});
  EXPECT_EQ(Run({"exec"}).type, Reply::kArray);
}

TEST_F(MultiTest, BlockingCommandsDoNotBlockInside) {
  Run({"multi"});
  Run({"blpop", "nolist", "0"});
  Run({"set", "x", "1"});
  Reply r = Run({"exec"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_EQ(r.elems[0].type, Reply::kNil);
}

TEST(MultiConcurrency, ExecIsAtomicForOtherThreads) {
  TestServer server(32, true);
  Session init;
  std::vector<std::string> keys = {"alpha", "beta", "gamma", "delta"};
  for (auto& k : keys) server.RunAs(init, {"set", k, "100"});
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; w++) {
    threads.emplace_back([&, w] {
      Session s;
      for (int i = 0; i < 2000; i++) {
        const std::string& from = keys[(i + w) % 4];
        const std::string& to = keys[(i + w + 1) % 4];
        server.RunAs(s, {"multi"});
        server.RunAs(s, {"decr", from});
        server.RunAs(s, {"incr", to});
        server.RunAs(s, {"exec"});
      }
    });
  }
  threads.emplace_back([&] {
    Session s;
    while (!stop.load()) {
      std::vector<std::string> cmd = {"mget"};
      cmd.insert(cmd.end(), keys.begin(), keys.end());
      Reply r = server.RunAs(s, cmd);
      int64_t total = 0;
      for (auto& e : r.elems) total += std::stoll(e.str);
      if (total != 400) torn++;
    }
  });
  threads[0].join();
  threads[1].join();
  stop = true;
  threads[2].join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace carmine::testing
