// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The reply reader: every RESP2 and RESP3 type, replies split at every byte, and hostile input
// (bad lengths, lengths over the limits, deep nesting) refused with a reason.
#include "protocol/reply_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/reply_builder.h"
#include "protocol/request.h"

namespace carmine {
namespace {

using T = RespValue::Type;

RespValue ParseAll(std::string_view in, size_t* consumed = nullptr) {
  ReplyReader r;
  RespValue v;
  EXPECT_EQ(r.Parse(in, &v), ReplyReader::State::kOk) << in << " " << r.error();
  if (consumed != nullptr) *consumed = r.consumed();
  return v;
}

TEST(ReplyReader, Resp2Types) {
  EXPECT_EQ(ParseAll("+OK\r\n").str, "OK");
  RespValue e = ParseAll("-ERR no such key\r\n");
  EXPECT_TRUE(e.is_error());
  EXPECT_EQ(e.str, "ERR no such key");
  EXPECT_EQ(ParseAll(":-42\r\n").integer, -42);
  EXPECT_EQ(ParseAll("$5\r\na\r\nbc\r\n").str, "a\r\nbc");
  EXPECT_EQ(ParseAll("$0\r\n\r\n").str, "");
  EXPECT_EQ(ParseAll("$-1\r\n").type, T::kNull);
  EXPECT_EQ(ParseAll("*-1\r\n").type, T::kNull);
  RespValue a = ParseAll("*3\r\n:1\r\n*1\r\n+x\r\n$-1\r\n");
  ASSERT_EQ(a.type, T::kArray);
  ASSERT_EQ(a.elems.size(), 3u);
  EXPECT_EQ(a.elems[1].elems[0].str, "x");
  EXPECT_EQ(a.elems[2].type, T::kNull);
}

TEST(ReplyReader, Resp3Types) {
  RespValue m = ParseAll("%2\r\n+a\r\n:1\r\n+b\r\n#f\r\n");
  ASSERT_EQ(m.type, T::kMap);
  ASSERT_EQ(m.elems.size(), 4u);
  EXPECT_EQ(m.elems[3].type, T::kBool);
  EXPECT_EQ(m.elems[3].integer, 0);
  EXPECT_EQ(ParseAll("~1\r\n_\r\n").elems[0].type, T::kNull);
  EXPECT_EQ(ParseAll(">2\r\n+message\r\n+x\r\n").type, T::kPush);
  EXPECT_EQ(ParseAll(",3.14\r\n").str, "3.14");
  EXPECT_EQ(ParseAll("(123456789012345678901234567890\r\n").type, T::kBigNumber);
  RespValue v = ParseAll("=8\r\ntxt:abcd\r\n");
  EXPECT_EQ(v.format, "txt");
  EXPECT_EQ(v.str, "abcd");
  RespValue be = ParseAll("!7\r\nERR x y\r\n");
  EXPECT_TRUE(be.is_error());
  EXPECT_EQ(be.str, "ERR x y");
  // Attributes are read past: the value after them is the reply.
  size_t used;
  RespValue after = ParseAll("|1\r\n+ttl\r\n:3\r\n+real\r\n+next\r\n", &used);
  EXPECT_EQ(after.str, "real");
  EXPECT_EQ(used, std::string("|1\r\n+ttl\r\n:3\r\n+real\r\n").size());
}

TEST(ReplyReader, EveryPrefixIsIncompleteAndTheWholeParses) {
  // What our own reply builder writes, the reader reads back.
  std::string out;
  ReplyBuilder rb(&out);
  rb.SetProtocol(3);
  rb.MapLen(2);
  rb.Bulk("key");
  rb.ArrayLen(2);
  rb.Int(7);
  rb.Null();
  rb.Simple("s");
  rb.Double(1.5);
  for (size_t cut = 0; cut < out.size(); cut++) {
    ReplyReader r;
    RespValue v;
    EXPECT_EQ(r.Parse(std::string_view(out).substr(0, cut), &v), ReplyReader::State::kIncomplete)
        << cut;
    EXPECT_GT(r.needed(), cut);
  }
  RespValue v = ParseAll(out);
  ASSERT_EQ(v.elems.size(), 4u);
  EXPECT_EQ(v.elems[1].elems[0].integer, 7);
  EXPECT_EQ(v.elems[3].type, T::kDouble);
}

TEST(ReplyReader, NeededSkipsRescansOfALargeBulk) {
  std::string big = "$100000\r\n" + std::string(100000, 'x') + "\r\n";
  ReplyReader r;
  RespValue v;
  EXPECT_EQ(r.Parse(std::string_view(big).substr(0, 20), &v), ReplyReader::State::kIncomplete);
  EXPECT_EQ(r.needed(), big.size());
  EXPECT_EQ(r.Parse(std::string_view(big).substr(0, 5000), &v), ReplyReader::State::kIncomplete);
  EXPECT_EQ(r.Parse(big, &v), ReplyReader::State::kOk);
  EXPECT_EQ(v.str.size(), 100000u);
}

TEST(ReplyReader, HostileInputIsRefused) {
  auto fails = [](std::string_view in, ReplyReader::Limits lim = {}) {
    ReplyReader r(lim);
    RespValue v;
    bool failed = r.Parse(in, &v) == ReplyReader::State::kError;
    if (failed) {
      EXPECT_EQ(r.error().rfind("Protocol error: ", 0), 0u);
    }
    return failed;
  };
  EXPECT_TRUE(fails("?what\r\n"));
  EXPECT_TRUE(fails(":12a\r\n"));
  EXPECT_TRUE(fails("$-2\r\n"));
  EXPECT_TRUE(fails("$abc\r\n"));
  EXPECT_TRUE(fails("$3\r\nabcXY"));
  EXPECT_TRUE(fails("+OK\rX"));
  EXPECT_TRUE(fails("#x\r\n"));
  EXPECT_TRUE(fails("%-1\r\n"));
  EXPECT_TRUE(fails("=2\r\nab\r\n"));
  ReplyReader::Limits small;
  small.max_bulk = 10;
  small.max_elements = 4;
  small.max_depth = 3;
  EXPECT_TRUE(fails("$11\r\n", small));   // over max_bulk before any body arrives
  EXPECT_TRUE(fails("*5\r\n", small));     // over max_elements before any element arrives
  EXPECT_TRUE(fails("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", small));  // deeper than max_depth
  EXPECT_FALSE(fails("*1\r\n*1\r\n*1\r\n:1\r\n", small));
  // A line with no end in sight is refused once it is longer than any real header.
  EXPECT_TRUE(fails("+" + std::string(70000, 'a')));
  // A huge declared count allocates nothing up front.
  ReplyReader r;
  RespValue v;
  EXPECT_EQ(r.Parse("*4000000000\r\n:1\r\n", &v), ReplyReader::State::kIncomplete);
}

TEST(ReplyReader, RequestsRoundTrip) {
  std::string req;
  protocol::AppendRequest(&req, {"SET", "k", std::string_view("a\0b", 3)});
  EXPECT_EQ(req, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n", 29));
  RespValue v = ParseAll(req);
  ASSERT_EQ(v.elems.size(), 3u);
  EXPECT_EQ(v.elems[2].str, std::string("a\0b", 3));
}

TEST(FirstErrorText, TakesTheFirstErrorWithoutRedisPrefix) {
  EXPECT_EQ(FirstErrorText("+OK\r\n-ERR value is not an integer\r\n-WRONGTYPE x\r\n"),
            "value is not an integer");
  EXPECT_EQ(FirstErrorText("-WRONGTYPE Operation against a key\r\n"),
            "WRONGTYPE Operation against a key");
  EXPECT_EQ(FirstErrorText(":1\r\n"), "");
}

}  // namespace
}  // namespace carmine
