// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Multi-key atomicity under the sharded locking scheme, exercised in-process with several threads
// dispatching through one Dispatcher: MSET groups are never observed half-written by MGET, RENAME
// never shows a key in both or neither place, and counters lose no increments.
#include <atomic>
#include <thread>

#include "test_server.h"

namespace carmine::testing {
namespace {

// Several threads dispatch through one in-process server, each as its own client.
class Harness {
 public:
  Reply Run(Session& s, std::vector<std::string> args) { return server_.RunAs(s, std::move(args)); }

 private:
  TestServer server_{32, true};
};

TEST(Concurrency, MsetGroupsAreAtomic) {
  Harness h;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  // Keys chosen to land on different shards (different slots).
  std::vector<std::string> keys = {"alpha", "beta", "gamma", "delta", "epsilon"};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; w++) {
    threads.emplace_back([&, w] {
      Session s;
      for (int i = 0; i < 3000; i++) {
        std::string v = std::to_string(w * 100000 + i);
        std::vector<std::string> cmd = {"mset"};
        for (auto& k : keys) {
          cmd.push_back(k);
          cmd.push_back(v);
        }
        h.Run(s, cmd);
      }
    });
  }
  for (int r = 0; r < 2; r++) {
    threads.emplace_back([&] {
      Session s;
      while (!stop.load()) {
        std::vector<std::string> cmd = {"mget"};
        cmd.insert(cmd.end(), keys.begin(), keys.end());
        Reply rep = h.Run(s, cmd);
        reads++;
        for (auto& e : rep.elems) {
          if (e.type != rep.elems[0].type || e.str != rep.elems[0].str) {
            torn++;
            break;
          }
        }
      }
    });
  }
  for (int i = 0; i < 3; i++) threads[i].join();
  stop = true;
  for (size_t i = 3; i < threads.size(); i++) threads[i].join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

TEST(Concurrency, IncrLosesNothingAndRenameIsAtomic) {
  Harness h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      Session s;
      for (int i = 0; i < 5000; i++) h.Run(s, {"incr", "counter"});
    });
  }
  std::atomic<int> bad{0};
  {
    Session s;
    h.Run(s, {"set", "left", "x"});
  }
  threads.emplace_back([&] {
    Session s;
    for (int i = 0; i < 3000; i++) {
      h.Run(s, {"rename", "left", "right"});
      h.Run(s, {"rename", "right", "left"});
    }
  });
  threads.emplace_back([&] {
    Session s;
    for (int i = 0; i < 3000; i++) {
      Reply r = h.Run(s, {"exists", "left", "right"});
      if (r.integer != 1) bad++;
    }
  });
  for (auto& t : threads) t.join();
  Session s;
  EXPECT_EQ(h.Run(s, {"get", "counter"}), "20000");
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace carmine::testing
