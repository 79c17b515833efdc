// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Per-slot key counts and iteration, in the default layout (a slot's keys are part of a shard)
// and in the one-shard-per-slot layout Cluster mode uses, and the keyspace commands that walk
// shards working unchanged over 16384 of them.
#include <map>
#include <set>

#include "base/crc16.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

// Keys spread over a few slots, several per slot through hash tags, plus untagged ones.
std::vector<std::string> SampleKeys() {
  std::vector<std::string> keys;
  for (int t = 0; t < 5; t++) {
    for (int i = 0; i < 7 + t; i++) keys.push_back("{tag" + std::to_string(t) + "}:" + std::to_string(i));
  }
  for (int i = 0; i < 200; i++) keys.push_back("plain:" + std::to_string(i));
  return keys;
}

void CheckSlots(int shards) {
  SCOPED_TRACE("shards " + std::to_string(shards));
  TestServer server(shards);
  std::map<uint32_t, std::set<std::string>> by_slot;
  for (const std::string& k : SampleKeys()) {
    EXPECT_EQ(server.Run({"set", k, "v"}), "OK");
    by_slot[KeySlot(k)].insert(k);
  }
  DbSet& dbs = server.dbs();
  EXPECT_EQ(dbs.slot_sharded(), static_cast<uint32_t>(shards) == DbSet::kSlots);
  for (auto& [slot, want] : by_slot) {
    EXPECT_EQ(dbs.SlotKeyCount(0, slot), want.size()) << "slot " << slot;
    std::set<std::string> got;
    dbs.ForEachKeyInSlot(0, slot, [&](Entry* e) {
      got.insert(std::string(e->key()));
      return true;
    });
    EXPECT_EQ(got, want) << "slot " << slot;
    // Iteration stops when asked: the GETKEYSINSLOT count.
    size_t seen = 0;
    dbs.ForEachKeyInSlot(0, slot, [&](Entry*) { return ++seen < 2; });
    EXPECT_EQ(seen, std::min<size_t>(2, want.size()));
  }
  // A slot with no keys, and another database, count nothing.
  uint32_t empty = 0;
  while (by_slot.count(empty)) empty++;
  EXPECT_EQ(dbs.SlotKeyCount(0, empty), 0u);
  EXPECT_EQ(dbs.SlotKeyCount(1, KeySlot("{tag0}:0")), 0u);
  // Deletions and renames across slots keep the counts right.
  uint32_t s0 = KeySlot("{tag0}:0"), s1 = KeySlot("{tag1}:0");
  EXPECT_INT(server.Run({"del", "{tag0}:0", "{tag0}:1"}), 2);
  EXPECT_EQ(dbs.SlotKeyCount(0, s0), by_slot[s0].size() - 2);
  EXPECT_EQ(server.Run({"rename", "{tag0}:2", "{tag1}:moved"}), "OK");
  EXPECT_EQ(dbs.SlotKeyCount(0, s0), by_slot[s0].size() - 3);
  EXPECT_EQ(dbs.SlotKeyCount(0, s1), by_slot[s1].size() + 1);
}

TEST(SlotKeysTest, CountsAndIterationInSharedShards) { CheckSlots(4); }

TEST(SlotKeysTest, CountsAndIterationWithOneShardPerSlot) {
  CheckSlots(static_cast<int>(DbSet::kSlots));
}

// The commands that visit every shard (SCAN, KEYS, DBSIZE, RANDOMKEY, FLUSHDB, SWAPDB) behave the
// same with one shard per slot.
TEST(SlotKeysTest, KeyspaceCommandsWithOneShardPerSlot) {
  TestServer server(static_cast<int>(DbSet::kSlots));
  std::set<std::string> all;
  for (const std::string& k : SampleKeys()) {
    server.Run({"set", k, "v"});
    all.insert(k);
  }
  EXPECT_INT(server.Run({"dbsize"}), static_cast<int64_t>(all.size()));
  Reply keys = server.Run({"keys", "*"});
  EXPECT_EQ(keys.elems.size(), all.size());
  std::set<std::string> scanned;
  std::string cursor = "0";
  do {
    Reply r = server.Run({"scan", cursor, "count", "7"});
    ASSERT_EQ(r.elems.size(), 2u);
    cursor = r.elems[0].str;
    for (auto& e : r.elems[1].elems) scanned.insert(e.str);
  } while (cursor != "0");
  EXPECT_EQ(scanned, all);
  Reply random = server.Run({"randomkey"});
  EXPECT_TRUE(all.count(random.str)) << random.str;
  EXPECT_EQ(server.Run({"swapdb", "0", "1"}), "OK");
  EXPECT_INT(server.Run({"dbsize"}), 0);
  EXPECT_EQ(server.Run({"select", "1"}), "OK");
  EXPECT_INT(server.Run({"dbsize"}), static_cast<int64_t>(all.size()));
  EXPECT_EQ(server.dbs().SlotKeyCount(1, KeySlot("plain:1")), 1u);
  EXPECT_EQ(server.Run({"flushdb"}), "OK");
  EXPECT_INT(server.Run({"dbsize"}), 0);
}

}  // namespace
}  // namespace carmine::testing
