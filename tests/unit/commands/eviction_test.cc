// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// maxmemory through the dispatcher, with a memory probe that counts keys (1000 "bytes" each) so
// the limit is exact: each policy's victims, OOM refusals (and EXECABORT), propagation of
// evictions as DEL, the "evicted" event, OBJECT FREQ/IDLETIME per policy, and the LFU counter.
#include <random>

#include "db/evict.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

DbSet* g_dbs = nullptr;
size_t KeysTimes1000() {
  size_t n = 0;
  for (int db = 0; db < g_dbs->num_dbs(); db++) n += g_dbs->KeyCount(db);
  return n * 1000;
}

class EvictionTest : public CommandTest {
 protected:
  void SetUp() override {
    g_dbs = &server_.dbs();
    server_.dispatcher().evictor().set_probe(&KeysTimes1000);
    server_.opts().maxmemory.set(10 * 1000);  // ten keys
  }
  void Policy(EvictPolicy p) {
    server_.opts().maxmemory_policy.set(static_cast<int>(p));
    server_.dbs().set_lfu(IsLfuPolicy(p), 10, 1);
  }
  int64_t Exists(const std::string& k) { return Run({"exists", k}).integer; }
};

TEST_F(EvictionTest, NoEvictionRefusesDenyOomCommands) {
  Policy(EvictPolicy::kNoEviction);
  for (int i = 0; i < 11; i++) EXPECT_EQ(Run({"set", "k" + std::to_string(i), "v"}), "OK");
  // Over the limit now: writes that may grow memory are refused, the rest runs.
  EXPECT_ERR(Run({"set", "x", "v"}), "OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_EQ(Run({"get", "k1"}), "v");
  EXPECT_INT(Run({"del", "k1"}), 1);
  EXPECT_INT(Run({"del", "k2"}), 1);
  EXPECT_EQ(Run({"set", "x", "v"}), "OK");
  EXPECT_EQ(server_.dispatcher().evictor().evicted_keys(), 0u);
}

TEST_F(EvictionTest, TransactionsOverTheLimit) {
  Policy(EvictPolicy::kNoEviction);
  EXPECT_EQ(Run({"multi"}), "OK");
  EXPECT_EQ(Run({"set", "a", "1"}), "QUEUED");
  for (int i = 0; i < 11; i++) {
    server_.dbs().Data(0, server_.dbs().ShardOf("f" + std::to_string(i)))
        .table.Insert(MakeEntry("f" + std::to_string(i)));
  }
  // Over the limit: queueing is refused, and EXEC with a DENYOOM command aborts.
  EXPECT_ERR(Run({"get", "a"}), "OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_ERR(Run({"exec"}),
             "EXECABORT Transaction discarded because of: OOM command not allowed when used "
             "memory > 'maxmemory'.");
  EXPECT_ERR(Run({"exec"}), "ERR EXEC without MULTI");
}

TEST_F(EvictionTest, AllKeysLruEvictsTheIdlest) {
  Policy(EvictPolicy::kAllKeysLru);
  server_.opts().maxmemory_samples.set(64);
  for (int i = 0; i < 10; i++) Run({"set", "old" + std::to_string(i), "v"});
  TestServer::AdvanceTime(5000);
  for (int i = 0; i < 5; i++) Run({"get", "old" + std::to_string(i)});
  for (int i = 0; i < 5; i++) Run({"set", "new" + std::to_string(i), "v"});
  // The five untouched old keys went; the touched ones and the new ones stay.
  for (int i = 0; i < 5; i++) EXPECT_EQ(Exists("old" + std::to_string(i)), 1) << i;
  for (int i = 5; i < 10; i++) EXPECT_EQ(Exists("old" + std::to_string(i)), 0) << i;
  EXPECT_EQ(server_.dispatcher().evictor().evicted_keys(), 5u);
}

TEST_F(EvictionTest, AllKeysLfuEvictsTheLeastUsed) {
  Policy(EvictPolicy::kAllKeysLfu);
  server_.opts().maxmemory_samples.set(64);
  for (int i = 0; i < 10; i++) Run({"set", "k" + std::to_string(i), "v"});
  for (int n = 0; n < 20; n++) {
    for (int i = 0; i < 5; i++) Run({"get", "k" + std::to_string(i)});
  }
  EXPECT_GT(Run({"object", "freq", "k0"}).integer, 5);
  EXPECT_INT(Run({"object", "freq", "k9"}), 5);
  EXPECT_ERR(Run({"object", "idletime", "k0"}),
             "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
             "when switching between policies at runtime LRU and LFU data will take some time to "
             "adjust.");
  for (int i = 0; i < 4; i++) Run({"set", "x" + std::to_string(i), "v"});
  for (int i = 0; i < 5; i++) EXPECT_EQ(Exists("k" + std::to_string(i)), 1) << i;
}

TEST_F(EvictionTest, VolatilePoliciesOnlyTakeKeysWithTtl) {
  for (auto p : {EvictPolicy::kVolatileLru, EvictPolicy::kVolatileLfu,
                 EvictPolicy::kVolatileRandom, EvictPolicy::kVolatileTtl}) {
    Run({"flushall"});
    Policy(p);
    for (int i = 0; i < 5; i++) Run({"set", "keep" + std::to_string(i), "v"});
    for (int i = 0; i < 5; i++) Run({"set", "tmp" + std::to_string(i), "v", "EX", "100"});
    // Eviction runs before each command: the limit is passed by one key, then a volatile key
    // goes each time, until none is left and writes are refused.
    int ok = 0;
    for (int i = 0; i < 10; i++) {
      Reply r = Run({"set", "more" + std::to_string(i), "v"});
      if (r.type == Reply::kError) {
        EXPECT_EQ(r, "OOM command not allowed when used memory > 'maxmemory'.");
        break;
      }
      ok++;
    }
    EXPECT_EQ(ok, 6);
    for (int i = 0; i < 5; i++) EXPECT_EQ(Exists("keep" + std::to_string(i)), 1);
    for (int i = 0; i < 5; i++) EXPECT_EQ(Exists("tmp" + std::to_string(i)), 0);
  }
}

TEST_F(EvictionTest, VolatileTtlTakesTheNearestDeadline) {
  Policy(EvictPolicy::kVolatileTtl);
  server_.opts().maxmemory_samples.set(64);
  for (int i = 0; i < 10; i++) {
    Run({"set", "k" + std::to_string(i), "v", "EX", std::to_string(100 + i * 100)});
  }
  Run({"set", "x", "v"});
  Run({"set", "y", "v"});
  Run({"ping"});
  EXPECT_EQ(Exists("k0"), 0);
  EXPECT_EQ(Exists("k1"), 0);
  for (int i = 2; i < 10; i++) EXPECT_EQ(Exists("k" + std::to_string(i)), 1) << i;
}

TEST_F(EvictionTest, EvictionIsPropagatedAndNotified) {
  Policy(EvictPolicy::kAllKeysRandom);
  server_.dbs().set_notify_flags(kNotifyEvicted | kNotifyKeyspace | kNotifyKeyevent);
  for (int i = 0; i < 10; i++) Run({"set", "k" + std::to_string(i), "v"});
  server_.TakePropagated();
  server_.TakeEvents();
  Run({"set", "x", "v"});
  Run({"ping"});  // over the limit by one key: this evicts it
  auto prop = server_.TakePropagated();
  ASSERT_EQ(prop.size(), 2u);
  EXPECT_EQ(prop[0], "0:set x v");
  EXPECT_EQ(prop[1].substr(0, 6), "0:DEL ");
  auto ev = server_.TakeEvents();
  ASSERT_FALSE(ev.empty());
  EXPECT_NE(ev.back().find(":evicted:"), std::string::npos);
  EXPECT_EQ(server_.dispatcher().evictor().evicted_keys(), 1u);
}

TEST(LfuCounter, LogarithmicGrowthAndDecay) {
  SmallRng rng(1);
  int64_t now = 1000LL * 60 * 60 * 24;
  uint32_t f = lfu::Initial(now);
  EXPECT_EQ(f & 0xFF, lfu::kInitCounter);
  for (int i = 0; i < 1000; i++) f = lfu::Touched(f, now, 10, 1, rng);
  uint32_t c = f & 0xFF;
  // 1000 hits with lfu-log-factor 10 land in the low tens, far from saturating at 255.
  EXPECT_GT(c, 10u);
  EXPECT_LT(c, 40u);
  // One step of decay per elapsed minute with lfu-decay-time 1.
  EXPECT_EQ(lfu::Decayed(f, now + 3 * 60000, 1), c - 3);
  EXPECT_EQ(lfu::Decayed(f, now + 3 * 60000, 0), c);
  EXPECT_EQ(lfu::Decayed(f, now + 1000LL * 60000, 1), 0u);
}

TEST(EvictionPool, KeepsTheBestCandidates) {
  DbSet dbs(1, 1, false);
  EvictionPool pool;
  Db db(dbs, 0, 100000000);
  for (int i = 0; i < 100; i++) {
    Entry* e = db.Add("k" + std::to_string(i));
    e->lru = Db::LruClock(100000000 - i * 1000);  // k99 idle the longest
  }
  pool.Sample(dbs, 0, 0, EvictPolicy::kAllKeysLru, 100, 100000000);
  EXPECT_EQ(pool.size(), EvictionPool::kSize);
  EvictCandidate c;
  ASSERT_TRUE(pool.PopBest(&c));
  EXPECT_EQ(c.score, 99u);
  ASSERT_TRUE(pool.PopBest(&c));
  EXPECT_LE(c.score, 99u);
}

}  // namespace
}  // namespace carmine::testing
