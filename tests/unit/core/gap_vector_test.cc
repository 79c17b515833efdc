// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/gap_vector.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>

namespace carmine {
namespace {

// Move-only elements, as list nodes are; a default one is an empty slot.
using Item = std::unique_ptr<int>;

void ExpectSame(const GapVector<Item>& v, const std::deque<int>& model) {
  ASSERT_EQ(v.size(), model.size());
  size_t i = 0;
  for (const Item& it : v) EXPECT_EQ(*it, model[i++]);
}

TEST(GapVectorTest, FrontAndBackMatchADeque) {
  std::mt19937 rng(7);
  GapVector<Item> v;
  std::deque<int> model;
  for (int step = 0; step < 200000; step++) {
    int op = static_cast<int>(rng() % 6);
    if (op <= 1 || model.empty()) {
      v.emplace_front();
      v.front() = std::make_unique<int>(step);
      model.push_front(step);
    } else if (op == 2) {
      v.push_back(std::make_unique<int>(step));
      model.push_back(step);
    } else if (op == 3) {
      v.pop_front();
      model.pop_front();
    } else if (op == 4) {
      v.pop_back();
      model.pop_back();
    } else {
      size_t n = std::min<size_t>(model.size(), rng() % 4);
      v.erase_front(n);
      model.erase(model.begin(), model.begin() + static_cast<long>(n));
    }
    if (step % 10000 == 0) ExpectSame(v, model);
    ASSERT_EQ(v.size(), model.size());
    if (!model.empty()) {
      ASSERT_EQ(*v[0], model.front());
      ASSERT_EQ(*v.back(), model.back());
    }
  }
  ExpectSame(v, model);
}

// A queue (push at the back, pop at the front) keeps its gap bounded by its size.
TEST(GapVectorTest, QueueGapStaysBounded) {
  GapVector<Item> v;
  for (int i = 0; i < 100; i++) v.push_back(std::make_unique<int>(i));
  for (int i = 100; i < 1000000; i++) {
    v.push_back(std::make_unique<int>(i));
    EXPECT_EQ(*v.front(), i - 100);
    v.pop_front();
  }
  EXPECT_EQ(v.size(), 100u);
  EXPECT_LE(v.capacity(), 1024u);
  // Pushing at the front of a long one opens a gap once, not on every push.
  GapVector<Item> w;
  for (int i = 0; i < 100000; i++) {
    w.emplace_front();
    w.front() = std::make_unique<int>(i);
  }
  EXPECT_EQ(*w[0], 99999);
  EXPECT_EQ(*w.back(), 0);
  EXPECT_LE(w.capacity(), 400000u);
  w.shrink_to_fit();
  EXPECT_EQ(*w[0], 99999);
  EXPECT_EQ(w.size(), 100000u);
}

}  // namespace
}  // namespace carmine
