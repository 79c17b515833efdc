// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/io_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace carmine {
namespace {

void Append(IoBuffer& b, const std::string& s) {
  b.Reserve(s.size());
  memcpy(b.write_ptr(), s.data(), s.size());
  b.Commit(s.size());
}

TEST(IoBuffer, BigReservationsAreExactSmallOnesDouble) {
  IoBuffer b;
  b.Reserve(100);
  EXPECT_EQ(b.capacity(), 16384u);
  Append(b, std::string(16000, 'a'));
  b.Reserve(1000);
  EXPECT_EQ(b.capacity(), 32768u);
  b.Reserve(1'000'000);  // the rest of a big argument: sized exactly
  EXPECT_EQ(b.capacity(), 16000u + 1'000'000u);
}

TEST(IoBuffer, ResizeKeepsUnreadDataAndFreesWhenEmpty) {
  IoBuffer b;
  Append(b, "xxxxhello");
  b.Consume(4);
  b.Reserve(100'000);
  b.Resize(0);  // never below what it holds
  EXPECT_EQ(b.capacity(), 5u);
  EXPECT_EQ(std::string(b.data(), b.size()), "hello");
  b.Resize(64);
  EXPECT_EQ(b.capacity(), 64u);
  EXPECT_EQ(b.writable(), 59u);
  EXPECT_EQ(std::string(b.data(), b.size()), "hello");
  b.Consume(5);
  b.Resize(0);
  EXPECT_EQ(b.capacity(), 0u);
  Append(b, "again");  // usable after being freed
  EXPECT_EQ(std::string(b.data(), b.size()), "again");
}

}  // namespace
}  // namespace carmine
