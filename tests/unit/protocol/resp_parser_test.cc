// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include "protocol/reply_builder.h"

namespace carmine {
namespace {

using State = RespParser::State;

TEST(RespParser, MultiBulk) {
  RespParser p;
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
  ASSERT_EQ(p.Parse(in.data(), in.size(), {}), State::kOk);
  ASSERT_EQ(p.args().size(), 3u);
  EXPECT_EQ(p.args()[2], "value");
  EXPECT_EQ(p.consumed(), in.size());
}

TEST(RespParser, ByteByByteIsIncrementalAndEquivalent) {
  RespParser p;
  std::string in = "*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n";
  for (size_t n = 0; n < in.size(); n++) {
    ASSERT_EQ(p.Parse(in.data(), n, {}), State::kIncomplete) << n;
  }
  ASSERT_EQ(p.Parse(in.data(), in.size(), {}), State::kOk);
  EXPECT_EQ(p.args()[1], "hello world");
}

TEST(RespParser, BigBulkHint) {
  RespParser p;
  std::string in = "*2\r\n$3\r\nSET\r\n$1000\r\n";
  ASSERT_EQ(p.Parse(in.data(), in.size(), {}), State::kIncomplete);
  EXPECT_EQ(p.bytes_needed_hint(), 1002u);
}

TEST(RespParser, Inline) {
  RespParser p;
  std::string in = "set k \"a b\"\r\n";
  ASSERT_EQ(p.Parse(in.data(), in.size(), {}), State::kOk);
  ASSERT_EQ(p.args().size(), 3u);
  EXPECT_EQ(p.args()[2], "a b");
  std::string bad = "set k \"a b\r\n";
  ASSERT_EQ(p.Parse(bad.data(), bad.size(), {}), State::kError);
  EXPECT_EQ(p.error(), "ERR Protocol error: unbalanced quotes in request");
}

TEST(RespParser, Errors) {
  struct Case {
    std::string in, err;
  } cases[] = {
      {"*x\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\n+foo\r\n", "ERR Protocol error: expected '$', got '+'"},
      {"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$9999999999999\r\n", "ERR Protocol error: invalid bulk length"},
      {"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*" + std::string(70000, '1'), "ERR Protocol error: too big mbulk count string"},
      {std::string(70000, 'a'), "ERR Protocol error: too big inline request"},
  };
  for (auto& c : cases) {
    RespParser p;
    ASSERT_EQ(p.Parse(c.in.data(), c.in.size(), {}), State::kError) << c.in.substr(0, 20);
    EXPECT_EQ(p.error(), c.err);
  }
}

TEST(RespParser, UnauthenticatedLimits) {
  RespParser p;
  RespParser::Limits l;
  l.authenticated = false;
  std::string in = "*20\r\n";
  ASSERT_EQ(p.Parse(in.data(), in.size(), l), State::kError);
  EXPECT_EQ(p.error(), "ERR Protocol error: unauthenticated multibulk length");
}

TEST(RespParser, EmptyMultibulkIsSkipped) {
  RespParser p;
  std::string in = "*0\r\n";
  ASSERT_EQ(p.Parse(in.data(), in.size(), {}), State::kOk);
  EXPECT_TRUE(p.args().empty());
  EXPECT_EQ(p.consumed(), 4u);
}

TEST(ReplyBuilder, Resp2AndResp3Shapes) {
  std::string out;
  ReplyBuilder rb(&out);
  rb.Null();
  rb.MapLen(1);
  rb.Double(1.5);
  rb.Bool(true);
  EXPECT_EQ(out, "$-1\r\n*2\r\n$3\r\n1.5\r\n:1\r\n");
  out.clear();
  rb.SetProtocol(3);
  rb.Null();
  rb.MapLen(1);
  rb.Double(1.5);
  rb.Bool(true);
  EXPECT_EQ(out, "_\r\n%1\r\n,1.5\r\n#t\r\n");
}

TEST(ReplyBuilder, DeferredLengthAndErrors) {
  std::string out;
  ReplyBuilder rb(&out);
  size_t t = rb.DeferArray();
  rb.Int(1);
  rb.Int(2);
  rb.SetDeferredArray(t, 2);
  rb.Error("ERR bad\r\nthing");
  EXPECT_EQ(out, "*2\r\n:1\r\n:2\r\n-ERR bad  thing\r\n");
  EXPECT_EQ(rb.errors(), 1u);
  EXPECT_EQ(rb.last_error_code(), "ERR");
}

}  // namespace
}  // namespace carmine
