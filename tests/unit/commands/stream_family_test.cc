// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <map>
#include <random>

#include "core/stream_object.h"
#include "persist/rdb_format.h"
#include "persist/rdb_value.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class StreamFamilyTest : public CommandTest {
 protected:
  std::vector<std::string> Take() { return server_.TakePropagated(); }
};

std::vector<std::string_view> Fv(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// Random appends, deletes and trims against a std::map model, walked both ways.
TEST(StreamObjectTest, RandomOperationsMatchModel) {
  for (int64_t max_entries : {100, 3, 0}) {
    std::mt19937_64 rng(static_cast<uint64_t>(max_entries + 7));
    EncodingLimits lim;
    lim.stream_node_max_entries = max_entries;
    lim.stream_node_max_bytes = max_entries == 0 ? 200 : 4096;
    StreamObject s;
    std::map<StreamID, std::vector<std::string>> model;
    StreamID next{1, 0};
    for (int i = 0; i < 4000; i++) {
      int op = static_cast<int>(rng() % 10);
      if (op < 6 || model.empty()) {
        next.ms += rng() % 3;
        next.seq = rng() % 4;
        if (next <= s.last_id) {
          next = s.last_id;
          next.Incr();
        }
        std::vector<std::string> fv = {rng() % 2 ? "f" : "g", std::to_string(rng() % 1000)};
        if (rng() % 4 == 0) fv.insert(fv.end(), {"h", std::string(rng() % 80, 'x')});
        s.Append(next, Fv(fv), lim);
        model[next] = fv;
      } else if (op < 8) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        EXPECT_TRUE(s.Delete(it->first));
        EXPECT_FALSE(s.Delete(it->first));
        model.erase(it);
      } else if (op == 8) {
        uint64_t keep = model.size() > 5 ? model.size() - rng() % 5 : model.size();
        int64_t removed = s.TrimMaxLen(keep, false, 0);
        EXPECT_EQ(static_cast<uint64_t>(removed), model.size() - keep);
        while (model.size() > keep) model.erase(model.begin());
      } else {
        // Approximate trimming removes whole nodes only: never below the threshold.
        uint64_t before = s.size();
        s.TrimMaxLen(model.size() / 2, true, 0);
        EXPECT_GE(s.size(), model.size() / 2);
        while (model.size() > s.size()) model.erase(model.begin());
        EXPECT_LE(s.size(), before);
      }
      ASSERT_EQ(s.size(), model.size());
    }
    for (bool reverse : {false, true}) {
      StreamIterator it(s, StreamID{}, StreamID::Max(), reverse);
      StreamEntry e;
      std::vector<StreamID> seen;
      while (it.Next(&e)) {
        seen.push_back(e.id);
        auto m = model.find(e.id);
        ASSERT_NE(m, model.end());
        EXPECT_EQ(std::vector<std::string>(e.fv.begin(), e.fv.end()), m->second);
      }
      if (reverse) std::reverse(seen.begin(), seen.end());
      std::vector<StreamID> want;
      for (auto& [id, v] : model) want.push_back(id);
      EXPECT_EQ(seen, want);
    }
    if (!model.empty()) {
      EXPECT_EQ(s.first_id, model.begin()->first);
    }
  }
}

TEST_F(StreamFamilyTest, AutoIdsIncreaseAndPartialIds) {
  auto a = Run({"xadd", "s", "*", "f", "v"});
  auto b = Run({"xadd", "s", "*", "f", "v"});
  ASSERT_EQ(a.type, Reply::kBulk);
  StreamID ia, ib;
  sscanf(a.str.c_str(), "%lu-%lu", &ia.ms, &ia.seq);
  sscanf(b.str.c_str(), "%lu-%lu", &ib.ms, &ib.seq);
  EXPECT_LT(ia, ib);
  EXPECT_EQ(Run({"xadd", "p", "5-*", "f", "v"}), "5-0");
  EXPECT_EQ(Run({"xadd", "p", "5-*", "f", "v"}), "5-1");
  EXPECT_ERR(Run({"xadd", "p", "4-*", "f", "v"}), "ERR The ID specified in XADD is equal");
  EXPECT_EQ(Run({"xadd", "q", "0-*", "f", "v"}), "0-1");
  EXPECT_ERR(Run({"xadd", "q", "0-0", "f", "v"}), "ERR The ID specified in XADD must be greater");
  Run({"xadd", "m", "18446744073709551615-18446744073709551615", "f", "v"});
  EXPECT_ERR(Run({"xadd", "m", "*", "f", "v"}), "ERR The stream has exhausted");
}

TEST_F(StreamFamilyTest, GroupLifecycle) {
  for (const char* id : {"1-1", "2-1", "3-1"}) Run({"xadd", "s", id, "f", "v"});
  EXPECT_EQ(Run({"xgroup", "create", "s", "g", "0"}), "OK");
  auto r = Run({"xreadgroup", "group", "g", "alice", "count", "2", "streams", "s", ">"});
  ASSERT_EQ(r.elems.size(), 1u);
  EXPECT_EQ(r.elems[0].elems[1].elems.size(), 2u);
  auto p = Run({"xpending", "s", "g"});
  EXPECT_INT(p.elems[0], 2);
  EXPECT_INT(Run({"xack", "s", "g", "1-1", "9-9"}), 1);
  // History: alice's own pending entries.
  r = Run({"xreadgroup", "group", "g", "alice", "streams", "s", "0"});
  EXPECT_EQ(r.elems[0].elems[1].elems.size(), 1u);
  AdvanceTime(100);
  r = Run({"xautoclaim", "s", "g", "bob", "50", "0", "justid"});
  EXPECT_EQ(r.elems[0], "0-0");
  EXPECT_ARRAY(r.elems[1], {"2-1"});
  EXPECT_INT(Run({"xgroup", "delconsumer", "s", "g", "bob"}), 1);
  EXPECT_INT(Run({"xgroup", "destroy", "s", "g"}), 1);
  EXPECT_ERR(Run({"xpending", "s", "g"}), "NOGROUP");
}

TEST_F(StreamFamilyTest, ReadGroupPropagatesAsClaims) {
  server_.session().resp.store(2);
  Run({"xadd", "s", "1-1", "f", "v"});
  Run({"xgroup", "create", "s", "g", "0"});
  Take();
  Run({"xreadgroup", "group", "g", "c", "streams", "s", ">"});
  auto p = Take();
  ASSERT_EQ(p.size(), 1u);  // the claim creates the consumer on the replica
  EXPECT_EQ(p[0].rfind("0:XCLAIM s g c 0 1-1 TIME ", 0), 0u) << p[0];
  Run({"xadd", "s", "2-1", "f", "v"});
  Take();
  Run({"xreadgroup", "group", "g", "c", "noack", "streams", "s", ">"});
  p = Take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "0:XGROUP SETID s g 2-1 ENTRIESREAD 2");
  // A new consumer reading with NOACK has no claims to create it on the replica.
  Run({"xadd", "s", "2-2", "f", "v"});
  Take();
  Run({"xreadgroup", "group", "g", "d", "noack", "streams", "s", ">"});
  p = Take();
  // Two effects of one command travel as a transaction, as Redis propagates them.
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], "-1:MULTI");
  EXPECT_EQ(p[1], "0:XGROUP CREATECONSUMER s g d");
  EXPECT_EQ(p[3], "-1:EXEC");
  // Nothing read: nothing propagated.
  Run({"xreadgroup", "group", "g", "e", "streams", "s", ">"});
  EXPECT_TRUE(Take().empty());
  // Approximate trimming propagates the exact result.
  Run({"xadd", "s", "maxlen", "~", "1", "3-1", "f", "v"});
  p = Take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "0:xadd s maxlen = 4 3-1 f v");
  // An automatic ID propagates as the ID chosen.
  auto id = Run({"xadd", "s", "*", "f", "v"});
  p = Take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "0:xadd s " + id.str + " f v");
}

TEST_F(StreamFamilyTest, BlockingReadInsideMultiDoesNotBlock) {
  Run({"multi"});
  Run({"xread", "block", "0", "streams", "s", "$"});
  auto r = Run({"exec"});
  ASSERT_EQ(r.elems.size(), 1u);
  EXPECT_NIL(r.elems[0]);
}

// Stream values survive DUMP/RESTORE with their groups, and corrupt payloads are refused.
TEST_F(StreamFamilyTest, DumpRestoreAndCorruption) {
  for (int i = 1; i <= 250; i++) {
    Run({"xadd", "s", std::to_string(i) + "-1", "f", std::to_string(i), "g", "x"});
  }
  Run({"xdel", "s", "7-1"});
  Run({"xgroup", "create", "s", "g", "0"});
  Run({"xreadgroup", "group", "g", "c", "count", "5", "streams", "s", ">"});
  auto dump = Run({"dump", "s"});
  ASSERT_EQ(dump.type, Reply::kBulk);
  EXPECT_EQ(Run({"restore", "t", "0", dump.str}), "OK");
  EXPECT_EQ(Run({"dump", "t"}), dump.str);
  EXPECT_INT(Run({"xlen", "t"}), 249);
  EXPECT_INT(Run({"xpending", "t", "g"}).elems[0], 5);
  // Flip bytes and cut the payload (checksums skipped so the decoder sees the damage).
  Run({"debug", "set-skip-checksum-validation", "1"});
  std::mt19937_64 rng(5);
  for (int i = 0; i < 400; i++) {
    std::string bad = dump.str;
    if (i % 2) {
      bad[rng() % (bad.size() - 10)] = static_cast<char>(rng());
    } else {
      bad = bad.substr(0, rng() % (bad.size() - 10)) + bad.substr(bad.size() - 10);
    }
    auto r = Run({"restore", "bad", "0", bad, "replace"});
    EXPECT_TRUE(r.type == Reply::kError || r == "OK");
    if (r == "OK") Run({"xinfo", "stream", "bad", "full"});
  }
}

}  // namespace
}  // namespace carmine::testing
