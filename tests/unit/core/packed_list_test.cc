// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/packed_list.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <random>
#include <string>

namespace carmine {
namespace {

std::vector<std::string> Dump(const PackedList& l) {
  std::vector<std::string> out;
  for (uint32_t off = l.begin(); off < l.end(); off = l.Next(off)) out.push_back(l.GetString(off));
  return out;
}

TEST(PackedListTest, EncodesEveryKindAndReadsItBack) {
  PackedList l;
  std::vector<std::string> vals = {"",
                                   "0",
                                   "127",
                                   "128",
                                   "-1",
                                   "32767",
                                   "-32768",
                                   "8388607",
                                   "-8388609",
                                   "2147483648",
                                   "9223372036854775807",
                                   "-9223372036854775808",
                                   "9223372036854775808",
                                   "007",
                                   "+1",
                                   std::string(63, 'a'),
                                   std::string(64, 'b'),
                                   std::string(8191, 'c'),
                                   std::string(8192, 'd'),
                                   std::string(70000, 'e')};
  for (auto& v : vals) l.PushBack(v);
  EXPECT_EQ(l.size(), vals.size());
  EXPECT_EQ(Dump(l), vals);
  // Backwards walk visits the same elements.
  std::vector<std::string> rev;
  for (uint32_t off = l.last(); off < l.end(); off = l.Prev(off)) rev.push_back(l.GetString(off));
  EXPECT_EQ(rev, std::vector<std::string>(vals.rbegin(), vals.rend()));
  EXPECT_EQ(l.Get(l.Seek(1)).kind, PackedValue::Kind::kInt);
  EXPECT_EQ(l.Get(l.Seek(13)).kind, PackedValue::Kind::kString);  // "007" stays a string
  EXPECT_EQ(l.Find("9223372036854775807"), l.Seek(10));
  EXPECT_EQ(l.Find("nope"), l.end());
}

TEST(PackedListTest, DoublesAndFindWithStep) {
  PackedList l;
  l.PushBack("a");
  l.InsertDouble(l.end(), 1.5);
  l.PushBack("b");
  l.InsertDouble(l.end(), -2);
  EXPECT_EQ(l.Find("b", 2), l.Seek(2));
  EXPECT_EQ(l.Find("1.5", 2), l.end());  // scores are not searched with step 2 from 0
  EXPECT_DOUBLE_EQ(l.Get(l.Seek(1)).d, 1.5);
  l.ReplaceDouble(l.Seek(3), 1e300);
  EXPECT_DOUBLE_EQ(l.Get(l.Seek(3)).d, 1e300);
  // Whole numbers are stored as integers; -0 becomes 0 (as in a Redis listpack).
  l.ReplaceDouble(l.Seek(3), 42);
  EXPECT_EQ(l.Get(l.Seek(3)).kind, PackedValue::Kind::kInt);
  EXPECT_DOUBLE_EQ(l.Get(l.Seek(3)).AsDouble(), 42);
  l.ReplaceDouble(l.Seek(3), -0.0);
  EXPECT_EQ(l.Get(l.Seek(3)).kind, PackedValue::Kind::kInt);
  EXPECT_FALSE(std::signbit(l.Get(l.Seek(3)).AsDouble()));
}

// Random operations checked against a std::deque model.
TEST(PackedListTest, RandomOperationsMatchModel) {
  std::mt19937_64 rng(42);
  PackedList l;
  std::deque<std::string> model;
  auto rand_value = [&]() -> std::string {
    switch (rng() % 4) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64));
      case 1:
        return std::string(rng() % 10, 'x');
      case 2:
        return std::string(rng() % 300, 'y');
      default:
        return "v" + std::to_string(rng() % 100);
    }
  };
  for (int i = 0; i < 20000; i++) {
    int op = static_cast<int>(rng() % 5);
    if (op <= 1 || model.empty()) {
      size_t pos = model.empty() ? 0 : rng() % (model.size() + 1);
      std::string v = rand_value();
      l.Insert(pos == model.size() ? l.end() : l.Seek(static_cast<int64_t>(pos)), v);
      model.insert(model.begin() + static_cast<long>(pos), v);
    } else if (op == 2) {
      size_t pos = rng() % model.size();
      uint32_t n = static_cast<uint32_t>(1 + rng() % 3);
      l.Erase(l.Seek(static_cast<int64_t>(pos)), n);
      model.erase(model.begin() + static_cast<long>(pos),
                  model.begin() + static_cast<long>(std::min(model.size(), pos + n)));
    } else if (op == 3) {
      size_t pos = rng() % model.size();
      std::string v = rand_value();
      l.Replace(l.Seek(static_cast<int64_t>(pos)), v);
      model[pos] = v;
    } else {
      size_t pos = rng() % model.size();
      ASSERT_EQ(l.GetString(l.Seek(-static_cast<int64_t>(model.size() - pos))), model[pos]);
    }
    ASSERT_EQ(l.size(), model.size());
  }
  EXPECT_EQ(Dump(l), std::vector<std::string>(model.begin(), model.end()));
  PackedList c = l.Clone();
  EXPECT_EQ(Dump(c), Dump(l));
}

TEST(PackedListTest, ReplaceWithOwnBytes) {
  PackedList l;
  l.PushBack(std::string(100, 'a'));
  l.PushBack("short");
  PackedValue v = l.Get(l.begin());
  l.Replace(l.Seek(1), v.str);  // source bytes live inside the block being resized
  EXPECT_EQ(l.GetString(l.Seek(1)), std::string(100, 'a'));
  l.Insert(l.begin(), l.Get(l.Seek(1)).str);
  EXPECT_EQ(l.GetString(l.begin()), std::string(100, 'a'));
}

}  // namespace
}  // namespace carmine
