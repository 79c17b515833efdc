// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/chain_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

namespace carmine {
namespace {

struct TestNode {
  TestNode* next = nullptr;
  std::string k;
  std::string_view key() const { return k; }
};
struct TestNodeDeleter {
  void operator()(TestNode* n) const { std::default_delete<TestNode>()(n); }
};
using Table = ChainTable<TestNode, TestNodeDeleter>;

void Fill(Table& t, int n) {
  for (int i = 0; i < n; i++) {
    Table::Ptr node(std::make_unique<TestNode>().release());
    node->k = "m:" + std::to_string(i);
    t.Insert(std::move(node));
  }
}

TEST(ChainTable, RandomReadsFinishAShrink) {
  Table t;
  Fill(t, 100000);
  while (t.rehashing()) t.Find("m:0");
  for (int i = 500; i < 100000; i++) t.Remove("m:" + std::to_string(i));
  t.MaybeShrink();
  ASSERT_TRUE(t.rehashing());
  std::mt19937_64 rng(1);
  // Only random reads from now on (SRANDMEMBER): they must complete the rehash.
  for (int i = 0; i < 1'000'000 && t.rehashing(); i++) ASSERT_NE(t.Random(rng), nullptr);
  EXPECT_FALSE(t.rehashing());
  EXPECT_EQ(t.size(), 500u);
  EXPECT_LE(t.bucket_count(), 1024u);
  for (int i = 0; i < 500; i++) EXPECT_NE(t.Find("m:" + std::to_string(i)), nullptr);
}

}  // namespace
}  // namespace carmine
