// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Active defragmentation through the real keyspace: a fragmented dataset (two keys of three
// deleted) walked by the defragmenter keeps every key, value and TTL, and the moved entries stay
// reachable from their bucket chains and from the volatile-key vector. While a dataset loads the
// workers' slices wait and the loading thread walks instead.
#include "db/defrag.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/zset_object.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

// One whole cycle by a single worker at 75%; true if it finished.
bool RunCycle(Defragger& defrag, DbSet& dbs, int64_t max_scan_fields) {
  defrag.Start(75, 1, clock::NowMs(), max_scan_fields);
  for (int i = 0; i < 100000; i++) {
    if (defrag.Slice(dbs, 0, 10, clock::NowMs())) return true;
  }
  return false;
}

// Whether the sorted set at `key` (db 0) has an order index that holds together.
bool ZSetIndexIntact(TestServer& server, const std::string& key) {
  Entry* e = server.dbs().Data(0, server.dbs().ShardOf(key)).table.Find(key);
  if (e == nullptr || e->value.kind() != CompactValue::Kind::kObject) return false;
  auto* z = dynamic_cast<const ZSetObject*>(e->value.object());
  return z != nullptr && z->CheckIndex();
}

TEST(DefragTest, CpuShareFollowsThresholds) {
  DefragSettings s;
  s.enabled = true;
  s.ignore_bytes = 1000;
  s.threshold_lower = 10;
  s.threshold_upper = 100;
  s.cycle_min = 1;
  s.cycle_max = 25;
  EXPECT_EQ(Defragger::CpuPercent(s, 9, 1 << 20), 0);     // under the lower threshold
  EXPECT_EQ(Defragger::CpuPercent(s, 50, 999), 0);        // too few bytes to bother
  EXPECT_EQ(Defragger::CpuPercent(s, 11, 1 << 20), 1);    // just over: the minimum share
  EXPECT_EQ(Defragger::CpuPercent(s, 55, 1 << 20), 13);   // halfway: halfway
  EXPECT_EQ(Defragger::CpuPercent(s, 400, 1 << 20), 25);  // far over: capped at the maximum
  s.enabled = false;
  EXPECT_EQ(Defragger::CpuPercent(s, 400, 1 << 20), 0);
}

TEST(DefragTest, MovedKeysKeepValuesAndExpiries) {
  TestServer server(4);
  constexpr int kKeys = 30000;
  std::string long_value(40, 'v');
  for (int i = 0; i < kKeys; i++) {
    std::string k = "key:" + std::to_string(i);
    if (i % 5 == 0) {
      EXPECT_INT(server.Run({"hset", k, "f", long_value + k}), 1);  // a packed small hash
    } else {
      EXPECT_EQ(server.Run({"set", k, long_value + k}), "OK");
    }
    if (i % 2 == 0) {
      EXPECT_INT(server.Run({"pexpire", k, "100000000"}), 1);
    }
  }
  for (int i = 0; i < kKeys; i++) {
    if (i % 3 != 0) {
      EXPECT_INT(server.Run({"del", "key:" + std::to_string(i)}), 1);
    }
  }

  Defragger defrag;
  defrag.Start(75, 1, clock::NowMs());
  EXPECT_EQ(defrag.running(), 75);
  bool finished = false;
  for (int i = 0; i < 100000 && !finished; i++) {
    finished = defrag.Slice(server.dbs(), 0, 10, clock::NowMs());
  }
  ASSERT_TRUE(finished);
  EXPECT_EQ(defrag.running(), 0);
  // Every surviving key was looked at once.
  EXPECT_EQ(defrag.key_hits() + defrag.key_misses(), static_cast<uint64_t>(kKeys / 3));
  if (mem::DefragAdvisor::Supported()) {
    EXPECT_GT(defrag.hits(), 0u);
    EXPECT_GT(defrag.key_hits(), 0u);
  } else {
    EXPECT_EQ(defrag.hits(), 0u);
  }

  for (int i = 0; i < kKeys; i += 3) {
    std::string k = "key:" + std::to_string(i);
    if (i % 5 == 0) {
      EXPECT_EQ(server.Run({"hget", k, "f"}), long_value + k);
    } else {
      EXPECT_EQ(server.Run({"get", k}), long_value + k);
    }
    int64_t ttl = server.Run({"pttl", k}).integer;
    if (i % 2 == 0) {
      EXPECT_GT(ttl, 0) << k;
    } else {
      EXPECT_EQ(ttl, -1) << k;
    }
  }
  // The volatile-key vector points at the live entries, each knowing its position.
  DbSet& dbs = server.dbs();
  size_t volatile_keys = 0;
  for (int sh = 0; sh < dbs.num_shards(); sh++) {
    ShardData& d = dbs.Data(0, static_cast<uint32_t>(sh));
    for (size_t pos = 0; pos < d.volatile_keys.size(); pos++) {
      Entry* e = d.volatile_keys[pos];
      EXPECT_EQ(e->vol_pos(), pos);
      EXPECT_EQ(d.table.Find(e->key()), e);
    }
    volatile_keys += d.volatile_keys.size();
  }
  EXPECT_EQ(volatile_keys, static_cast<size_t>((kKeys + 5) / 6));
  EXPECT_INT(server.Run({"dbsize"}), kKeys / 3);
}

TEST(DefragTest, ListNodesMoveAndKeepTheirElements) {
  TestServer server(4);
  server.opts().list_max_listpack_size.set(4);
  server.opts().list_compress_depth.set(1);
  constexpr int kLists = 3000, kItems = 24;  // 6 nodes each: 4 of them compressed
  auto item = [](int l, int j) { return std::string(60, 'a' + j % 26) + std::to_string(l); };
  for (int l = 0; l < kLists; l++) {
    for (int j = 0; j < kItems; j++) server.Run({"rpush", "list:" + std::to_string(l), item(l, j)});
  }
  for (int l = 0; l < kLists; l++) {
    if (l % 3 != 0) {
      EXPECT_INT(server.Run({"del", "list:" + std::to_string(l)}), 1);
    }
  }
  Defragger defrag;
  ASSERT_TRUE(RunCycle(defrag, server.dbs(), 1000));
  if (mem::DefragAdvisor::Supported()) {
    EXPECT_GT(defrag.key_hits(), 0u);
    // More blocks moved than there are keys: list nodes moved too.
    EXPECT_GT(defrag.hits(), static_cast<uint64_t>(kLists / 3)) << defrag.hits();
  }
  for (int l = 0; l < kLists; l += 3) {
    std::string k = "list:" + std::to_string(l);
    Reply r = server.Run({"lrange", k, "0", "-1"});
    ASSERT_EQ(r.elems.size(), static_cast<size_t>(kItems)) << k;
    for (int j = 0; j < kItems; j++) EXPECT_EQ(r.elems[j].str, item(l, j)) << k;
    EXPECT_EQ(server.Run({"rpop", k}), item(l, kItems - 1));
    EXPECT_EQ(server.Run({"lpop", k}), item(l, 0));
    EXPECT_EQ(server.Run({"lindex", k, "11"}), item(l, 12));
  }
}

TEST(DefragTest, HashAndSetNodesMoveAndKeepTheirMembers) {
  TestServer server(4);
  server.opts().hash_max_listpack_entries.set(128);
  constexpr int kKeys = 1500, kFields = 200;  // over the packed limits: hashtable and hashtable
  auto field = [](int k, int j) { return "field-" + std::to_string(j) + "-" + std::to_string(k); };
  for (int k = 0; k < kKeys; k++) {
    std::vector<std::string> hset = {"hset", "h:" + std::to_string(k)};
    std::vector<std::string> sadd = {"sadd", "s:" + std::to_string(k)};
    std::vector<std::string> ints = {"sadd", "i:" + std::to_string(k)};
    for (int j = 0; j < kFields; j++) {
      hset.push_back(field(k, j));
      hset.push_back(std::string(20, 'v') + std::to_string(j));
      sadd.push_back(field(k, j));
      ints.push_back(std::to_string(j * 1000 + k));
    }
    server.Run(hset);
    server.Run(sadd);
    server.Run(ints);
  }
  for (int k = 0; k < kKeys; k++) {
    if (k % 3 == 0) continue;
    std::string n = std::to_string(k);
    EXPECT_INT(server.Run({"del", "h:" + n, "s:" + n, "i:" + n}), 3);
  }
  EXPECT_EQ(server.Run({"object", "encoding", "h:0"}), "hashtable");
  EXPECT_EQ(server.Run({"object", "encoding", "s:0"}), "hashtable");
  EXPECT_EQ(server.Run({"object", "encoding", "i:0"}), "intset");
  Defragger defrag;
  ASSERT_TRUE(RunCycle(defrag, server.dbs(), 1000));
  // Far more blocks moved than there are keys: the nodes of both kinds moved.
  if (mem::DefragAdvisor::Supported()) {
    EXPECT_GT(defrag.hits(), 10u * kKeys) << defrag.hits();
  }
  for (int k = 0; k < kKeys; k += 3) {
    std::string n = std::to_string(k);
    EXPECT_INT(server.Run({"hlen", "h:" + n}), kFields);
    EXPECT_INT(server.Run({"scard", "s:" + n}), kFields);
    EXPECT_INT(server.Run({"scard", "i:" + n}), kFields);
    for (int j = 0; j < kFields; j += 7) {
      EXPECT_EQ(server.Run({"hget", "h:" + n, field(k, j)}), std::string(20, 'v') + std::to_string(j));
      EXPECT_INT(server.Run({"sismember", "s:" + n, field(k, j)}), 1);
      EXPECT_INT(server.Run({"sismember", "i:" + n, std::to_string(j * 1000 + k)}), 1);
    }
    // Deleting through the relinked chains finds every node.
    EXPECT_INT(server.Run({"hdel", "h:" + n, field(k, 0), field(k, 199)}), 2);
    EXPECT_INT(server.Run({"srem", "s:" + n, field(k, 0), field(k, 199)}), 2);
  }
}

TEST(DefragTest, SortedSetsMoveWholeOrInStepsAndKeepTheirOrder) {
  // A big sorted set's member nodes are shared by its table and its order index (leaf entries
  // and the separators above them); its index nodes link to each other. Moved whole (under
  // active-defrag-max-scan-fields) or in steps, every member keeps its score, rank and order.
  TestServer server(2);
  constexpr int kKeys = 300, kMembers = 400;
  auto member = [](int k, int j) { return "member-" + std::to_string(j) + "-" + std::to_string(k); };
  auto score = [](int j) { return std::to_string(j / 3); };  // ties ordered by member
  for (int k = 0; k < kKeys; k++) {
    for (const char* prefix : {"z:", "junk:"}) {
      std::vector<std::string> zadd = {"zadd", prefix + std::to_string(k)};
      for (int j = 0; j < kMembers; j++) {
        zadd.push_back(score(j));
        zadd.push_back(member(k, j));
      }
      server.Run(zadd);
    }
    std::vector<std::string> small = {"zadd", "small:" + std::to_string(k)};
    for (int j = 0; j < 10; j++) {
      small.push_back(score(j));
      small.push_back(member(k, j));
    }
    server.Run(small);
    EXPECT_INT(server.Run({"zadd", "small-junk:" + std::to_string(k), "1", "x"}), 1);
  }
  // One set deep enough for separators of separators (three levels): its nodes are
  // interleaved with another's, deleted below.
  constexpr int kDeep = 20000;
  for (int j = 0; j < kDeep; j += 500) {
    for (const char* key : {"deep", "deep-junk"}) {
      std::vector<std::string> zadd = {"zadd", key};
      for (int i = j; i < j + 500; i++) {
        zadd.push_back(score(i));
        zadd.push_back(member(0, i));
      }
      server.Run(zadd);
    }
  }
  EXPECT_INT(server.Run({"del", "deep-junk"}), 1);
  // Fills the blocks a move freed with other members, so a reference left to one reads junk.
  auto reuse_freed = [&] {
    for (int j = 0; j < 2 * kDeep; j += 500) {
      std::vector<std::string> zadd = {"zadd", "fill"};
      for (int i = j; i < j + 500; i++) {
        zadd.push_back("0");
        zadd.push_back(member(9, i));
      }
      server.Run(zadd);
    }
  };
  auto expect_deep_intact = [&] {
    EXPECT_TRUE(ZSetIndexIntact(server, "deep"));
    for (int k = 0; k < kKeys; k += 7) EXPECT_TRUE(ZSetIndexIntact(server, "z:" + std::to_string(k))) << k;
    std::vector<std::pair<int, std::string>> want;
    for (int i = 0; i < kDeep; i++) want.emplace_back(i / 3, member(0, i));
    std::sort(want.begin(), want.end());
    for (size_t i = 0; i < want.size(); i += 97) {
      EXPECT_INT(server.Run({"zrank", "deep", want[i].second}), static_cast<int64_t>(i));
      EXPECT_EQ(server.Run({"zscore", "deep", want[i].second}), std::to_string(want[i].first));
    }
    Reply all = server.Run({"zrange", "deep", "0", "-1"});
    ASSERT_EQ(all.elems.size(), want.size());
    for (size_t i = 0; i < want.size(); i++) EXPECT_EQ(all.elems[i], want[i].second);
    EXPECT_INT(server.Run({"del", "fill"}), 1);
  };
  EXPECT_EQ(server.Run({"object", "encoding", "z:0"}), "skiplist");
  EXPECT_EQ(server.Run({"object", "encoding", "small:0"}), "listpack");
  auto expect_intact = [&](int removed) {
    for (int k = 0; k < kKeys; k += 7) {
      std::string key = "z:" + std::to_string(k);
      std::vector<std::pair<int, std::string>> want;
      for (int j = removed; j < kMembers; j++) want.emplace_back(j / 3, member(k, j));
      std::sort(want.begin(), want.end());
      Reply all = server.Run({"zrange", key, "0", "-1", "withscores"});
      ASSERT_EQ(all.elems.size(), 2 * want.size()) << key;
      for (size_t i = 0; i < want.size(); i++) {
        EXPECT_EQ(all.elems[2 * i], want[i].second);
        EXPECT_EQ(all.elems[2 * i + 1], std::to_string(want[i].first));
      }
      for (size_t i = 0; i < want.size(); i += 37) {
        EXPECT_INT(server.Run({"zrank", key, want[i].second}), static_cast<int64_t>(i));
      }
      EXPECT_INT(server.Run({"zcard", "small:" + std::to_string(k)}), 10);
    }
  };
  for (int k = 0; k < kKeys; k++) {
    std::string n = std::to_string(k);
    EXPECT_INT(server.Run({"del", "junk:" + n, "small-junk:" + n}), 2);
  }
  Defragger defrag;
  ASSERT_TRUE(RunCycle(defrag, server.dbs(), 1000));  // whole
  if (mem::DefragAdvisor::Supported()) {
    EXPECT_GT(defrag.hits(), 50u * kKeys) << defrag.hits();
  }
  reuse_freed();
  expect_intact(0);
  expect_deep_intact();
  // Removing through the repointed index: the first members head leaves and separators.
  for (int k = 0; k < kKeys; k++) {
    EXPECT_INT(server.Run({"zrem", "z:" + std::to_string(k), member(k, 0), member(k, 1)}), 2);
  }
  ASSERT_TRUE(RunCycle(defrag, server.dbs(), 50));  // in steps of 64 buckets, then leaves
  reuse_freed();
  expect_intact(2);
  expect_deep_intact();
  for (int k = 0; k < kKeys; k += 7) {
    std::string key = "z:" + std::to_string(k);
    EXPECT_INT(server.Run({"zadd", key, "-1", "first"}), 1);
    EXPECT_INT(server.Run({"zrank", key, "first"}), 0);
    EXPECT_INT(server.Run({"zrem", key, "first", member(k, kMembers - 1)}), 2);
  }
}

TEST(DefragTest, SortedSetChangedBetweenStepsStaysIntact) {
  // Members added, removed and rescored between two steps shift the ranks the index walk resumes
  // from: nodes may be offered twice or skipped, but the set stays whole and ordered.
  TestServer server(1);
  constexpr int kMembers = 30000;
  std::map<std::string, int64_t> model;
  auto add = [&](const std::string& key, const std::string& m, int64_t score) {
    server.Run({"zadd", key, std::to_string(score), m});
    if (key == "z") model[m] = score;
  };
  for (int j = 0; j < kMembers; j++) {
    add("z", "m" + std::to_string(j), j % 1000);
    add("junk", "m" + std::to_string(j), j % 1000);
  }
  EXPECT_INT(server.Run({"del", "junk"}), 1);
  std::mt19937 rng(7);
  Defragger defrag;
  defrag.Start(75, 1, clock::NowMs(), 100);
  int slices = 0;
  bool done = false;
  while (!done && slices < 100000) {
    done = defrag.Slice(server.dbs(), 0, 20000, clock::NowMs());  // 37 us slices: many steps
    slices++;
    for (int i = 0; i < 20; i++) {
      std::string m = "m" + std::to_string(rng() % (2 * kMembers));
      switch (rng() % 3) {
        case 0:
          add("z", m, static_cast<int64_t>(rng() % 1000));
          break;
        case 1:
          server.Run({"zrem", "z", m});
          model.erase(m);
          break;
        default:
          if (model.count(m) != 0) add("z", m, model[m] + 500);
      }
    }
  }
  ASSERT_TRUE(done);
  EXPECT_GT(slices, 10);
  EXPECT_TRUE(ZSetIndexIntact(server, "z"));
  std::vector<std::pair<int64_t, std::string>> want;
  for (const auto& [m, score] : model) want.emplace_back(score, m);
  std::sort(want.begin(), want.end());
  Reply all = server.Run({"zrange", "z", "0", "-1", "withscores"});
  ASSERT_EQ(all.elems.size(), 2 * want.size());
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_EQ(all.elems[2 * i], want[i].second);
    EXPECT_EQ(all.elems[2 * i + 1], std::to_string(want[i].first));
  }
}

TEST(DefragTest, BigCollectionsMoveInStepsAcrossSlices) {
  // Collections over active-defrag-max-scan-fields are walked a few dozen nodes at a time and
  // resumed by key in later slices; one deleted and one overwritten between slices are let go.
  TestServer server(2);
  constexpr int kKeys = 6, kFields = 6000;
  auto field = [](int k, int j) { return "member-" + std::to_string(j) + "-" + std::to_string(k); };
  for (int j = 0; j < kFields; j += 100) {
    for (int k = 0; k < kKeys; k++) {
      std::vector<std::string> hset = {"hset", "h:" + std::to_string(k)};
      std::vector<std::string> sadd = {"sadd", "s:" + std::to_string(k)};
      std::vector<std::string> rpush = {"rpush", "l:" + std::to_string(k)};
      std::vector<std::string> junk = {"sadd", "junk:" + std::to_string(k)};
      for (int i = j; i < j + 100; i++) {
        hset.push_back(field(k, i));
        hset.push_back(std::string(24, 'v'));
        sadd.push_back(field(k, i));
        junk.push_back(field(k, i));
        rpush.push_back(field(k, i) + std::string(40, 'x'));
      }
      server.Run(hset);
      server.Run(sadd);
      server.Run(rpush);
      server.Run(junk);
    }
  }
  for (int k = 0; k < kKeys; k++) EXPECT_INT(server.Run({"del", "junk:" + std::to_string(k)}), 1);
  Defragger defrag;
  defrag.Start(75, 1, clock::NowMs(), 100);
  int slices = 0;
  bool done = false;
  while (!done && slices < 1000000) {
    done = defrag.Slice(server.dbs(), 0, 1000, clock::NowMs());  // 750 us slices
    if (++slices == 2) {
      EXPECT_INT(server.Run({"del", "h:5"}), 1);
      EXPECT_EQ(server.Run({"set", "s:5", "now a string"}), "OK");
    }
    if (slices == 3 || slices == 4) {  // grows the tables mid-walk: a resize starts a rehash
      for (int k = 0; k < kKeys - 1; k++) {
        std::vector<std::string> hset = {"hset", "h:" + std::to_string(k)};
        for (int i = 0; i < 3000; i++) {
          hset.push_back("extra-" + std::to_string(slices) + "-" + std::to_string(i));
          hset.push_back("e");
        }
        server.Run(hset);
      }
    }
  }
  ASSERT_TRUE(done);
  EXPECT_GT(slices, 2);
  // Far more blocks moved than there are keys: the big collections' nodes moved.
  if (mem::DefragAdvisor::Supported()) {
    EXPECT_GT(defrag.hits(), 20u * kKeys) << defrag.hits();
  }
  for (int k = 0; k < kKeys - 1; k++) {
    std::string n = std::to_string(k);
    EXPECT_INT(server.Run({"hlen", "h:" + n}), kFields + 6000);
    EXPECT_EQ(server.Run({"hget", "h:" + n, "extra-4-2999"}), "e");
    EXPECT_INT(server.Run({"scard", "s:" + n}), kFields);
    EXPECT_INT(server.Run({"llen", "l:" + n}), kFields);
    for (int j = 0; j < kFields; j += 37) {
      EXPECT_EQ(server.Run({"hget", "h:" + n, field(k, j)}), std::string(24, 'v'));
      EXPECT_INT(server.Run({"sismember", "s:" + n, field(k, j)}), 1);
      EXPECT_EQ(server.Run({"lindex", "l:" + n, std::to_string(j)}), field(k, j) + std::string(40, 'x'));
    }
    EXPECT_INT(server.Run({"hdel", "h:" + n, field(k, 0), field(k, kFields - 1)}), 2);
    EXPECT_INT(server.Run({"srem", "s:" + n, field(k, 0), field(k, kFields - 1)}), 2);
  }
  EXPECT_EQ(server.Run({"get", "s:5"}), "now a string");
}

TEST(DefragTest, OneSliceUsesItsWholeBudgetOnABigShard) {
  // A shard's lock is held for one short stretch at a time, but the slice goes on with the
  // next stretch while its budget lasts: a worker defragments for its CPU share of each tick
  // (active-defrag-cycle-min/max), not for one stretch per tick.
  TestServer server(1);
  constexpr int kKeys = 200000;
  for (int i = 0; i < kKeys; i += 1000) {
    std::vector<std::string> mset = {"mset"};
    for (int j = i; j < i + 1000; j++) {
      mset.push_back("key:" + std::to_string(j));
      mset.push_back(std::string(100, 'v'));
    }
    server.Run(mset);
  }
  Defragger defrag;
  defrag.Start(75, 1, clock::NowMs(), 1000);
  int64_t start = clock::MonotonicUs();
  int slices = 0;
  bool done = false;
  // hz 1 at 75%: a 750 ms slice, far longer than walking 200,000 keys takes.
  while (!done && slices < 100000) {
    done = defrag.Slice(server.dbs(), 0, 1, clock::NowMs());
    slices++;
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(slices, 1) << (clock::MonotonicUs() - start) << " us";
}

TEST(DefragTest, StopEndsTheCycle) {
  TestServer server(2);
  for (int i = 0; i < 100; i++) server.Run({"set", "k" + std::to_string(i), std::string(30, 'x')});
  Defragger defrag;
  defrag.Start(10, 2, clock::NowMs());
  defrag.Stop(clock::NowMs());
  EXPECT_EQ(defrag.running(), 0);
  // Both workers acknowledge the stop; neither finishes a cycle, and a new one can start.
  EXPECT_FALSE(defrag.Slice(server.dbs(), 0, 10, clock::NowMs()));
  EXPECT_FALSE(defrag.Slice(server.dbs(), 1, 10, clock::NowMs()));
  defrag.Start(10, 2, clock::NowMs());
  EXPECT_EQ(defrag.running(), 10);
}

TEST(DefragTest, WhileLoadingTheLoaderWalksEveryWorkersShare) {
  TestServer server(4);
  for (int i = 0; i < 3000; i++) {
    server.Run({"set", "k" + std::to_string(i), std::string(30, 'x')});
  }
  DbSet& dbs = server.dbs();
  Defragger defrag;
  defrag.Start(50, 2, clock::NowMs());
  dbs.set_loading(true);
  // The workers' slices leave the keyspace to the load...
  EXPECT_FALSE(defrag.Slice(dbs, 0, 10, clock::NowMs()));
  EXPECT_FALSE(defrag.Slice(dbs, 1, 10, clock::NowMs()));
  EXPECT_EQ(defrag.key_hits() + defrag.key_misses(), 0u);
  // ...and the loading thread walks both shares, then the cycle is over.
  bool finished = false;
  for (int i = 0; i < 100000 && !finished; i++) {
    finished = defrag.SliceWhileLoading(dbs, 1000, clock::NowMs());
  }
  dbs.set_loading(false);
  ASSERT_TRUE(finished);
  EXPECT_EQ(defrag.running(), 0);
  EXPECT_EQ(defrag.key_hits() + defrag.key_misses(), 3000u);
  EXPECT_FALSE(defrag.SliceWhileLoading(dbs, 1000, clock::NowMs()));  // no cycle: nothing to do
  for (int i = 0; i < 3000; i += 7) {
    EXPECT_EQ(server.Run({"get", "k" + std::to_string(i)}), std::string(30, 'x'));
  }
}

}  // namespace
}  // namespace carmine::testing
