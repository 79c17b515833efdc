// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/key_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace carmine {
namespace {

std::string Key(int i) { return "key:" + std::to_string(i); }

TEST(KeyTable, InsertFindRemove) {
  KeyTable t;
  for (int i = 0; i < 10000; i++) t.Insert(MakeEntry(Key(i)));
  EXPECT_EQ(t.size(), 10000u);
  for (int i = 0; i < 10000; i++) ASSERT_NE(t.Find(Key(i)), nullptr) << i;
  EXPECT_EQ(t.Find("nope"), nullptr);
  for (int i = 0; i < 10000; i += 2) ASSERT_NE(t.Remove(Key(i)), nullptr);
  EXPECT_EQ(t.size(), 5000u);
  EXPECT_EQ(t.Find(Key(0)), nullptr);
  EXPECT_NE(t.Find(Key(1)), nullptr);
}

TEST(KeyTable, GrowsIncrementally) {
  KeyTable t;
  bool saw_rehash = false;
  for (int i = 0; i < 5000; i++) {
    t.Insert(MakeEntry(Key(i)));
    saw_rehash |= t.rehashing();
    // Every key stays reachable in the middle of a rehash.
    if (t.rehashing()) {
      ASSERT_NE(t.Find(Key(i / 2)), nullptr);
    }
  }
  EXPECT_TRUE(saw_rehash);
}

// A full scan returns every key that was present for the whole scan, even while the table grows
// or shrinks between calls.
TEST(KeyTable, ScanGuaranteeUnderResize) {
  for (int mode = 0; mode < 2; mode++) {
    KeyTable t;
    const int base = mode == 0 ? 100 : 20000;
    for (int i = 0; i < base; i++) t.Insert(MakeEntry(Key(i)));
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int extra = base;
    int removed = 0;
    do {
      cursor = t.Scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
      if (mode == 0) {
        // grow (bounded, so the scan can finish)
        for (int j = 0; j < 20 && extra < 20000; j++) t.Insert(MakeEntry(Key(extra++)));
      } else {
        // shrink: remove keys that are not part of the stable set (the upper half)
        for (int j = 0; j < 400 && removed < base / 2; j++, removed++)
          t.Remove(Key(base - 1 - removed));
        t.MaybeShrink();
      }
    } while (cursor != 0);
    int stable = mode == 0 ? base : base / 2;
    for (int i = 0; i < stable; i++) ASSERT_TRUE(seen.count(Key(i))) << "missed " << Key(i);
  }
}

TEST(KeyTable, RandomReturnsMembers) {
  KeyTable t;
  std::mt19937_64 rng(1);
  EXPECT_EQ(t.Random(rng), nullptr);
  for (int i = 0; i < 100; i++) t.Insert(MakeEntry(Key(i)));
  std::set<std::string> got;
  for (int i = 0; i < 2000; i++) got.insert(std::string(t.Random(rng)->key()));
  EXPECT_GT(got.size(), 90u);
}

TEST(CompactValue, Encodings) {
  CompactValue v;
  v.SetString("12345");
  EXPECT_TRUE(v.is_int());
  std::string scratch;
  EXPECT_EQ(v.GetString(&scratch), "12345");
  v.SetString("012");
  EXPECT_FALSE(v.is_int());
  EXPECT_EQ(v.kind(), CompactValue::Kind::kInline);
  std::string big(100, 'x');
  v.SetString(big);
  EXPECT_EQ(v.kind(), CompactValue::Kind::kHeap);
  EXPECT_EQ(v.GetString(&scratch), big);
  char* p = v.MutableString(110);
  EXPECT_EQ(p[105], 0);
  EXPECT_EQ(v.StringLength(), 110u);
  CompactValue c;
  v.Clone(&c);
  EXPECT_EQ(c.GetString(&scratch).substr(0, 100), big);
  EXPECT_EQ(sizeof(CompactValue), 16u);
  for (int64_t n : {int64_t{0}, int64_t{7}, int64_t{-7}, int64_t{1000}, INT64_MAX, INT64_MIN}) {
    CompactValue iv;
    iv.SetInt(n);
    EXPECT_EQ(iv.StringLength(), std::to_string(n).size()) << n;
  }
}

}  // namespace
}  // namespace carmine
