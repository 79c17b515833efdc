// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "test_server.h"

namespace carmine::testing {
namespace {

class BitmapFamilyTest : public CommandTest {};

TEST_F(BitmapFamilyTest, SetGetBit) {
  EXPECT_INT(Run({"setbit", "b", "7", "1"}), 0);
  EXPECT_INT(Run({"setbit", "b", "7", "0"}), 1);
  EXPECT_INT(Run({"setbit", "b", "0", "1"}), 0);
  EXPECT_EQ(Run({"get", "b"}), "\x80");
  EXPECT_INT(Run({"getbit", "b", "0"}), 1);
  EXPECT_INT(Run({"getbit", "b", "100"}), 0);
  EXPECT_INT(Run({"getbit", "none", "0"}), 0);
  EXPECT_ERR(Run({"setbit", "b", "-1", "1"}), "ERR bit offset is not an integer or out of range");
  EXPECT_ERR(Run({"setbit", "b", "4294967296", "1"}),
             "ERR bit offset is not an integer or out of range");
  EXPECT_ERR(Run({"setbit", "b", "1", "2"}), "ERR bit is not an integer or out of range");
}

TEST_F(BitmapFamilyTest, BitCount) {
  Run({"set", "k", "foobar"});
  EXPECT_INT(Run({"bitcount", "k"}), 26);
  EXPECT_INT(Run({"bitcount", "k", "0", "0"}), 4);
  EXPECT_INT(Run({"bitcount", "k", "1", "1"}), 6);
  EXPECT_INT(Run({"bitcount", "k", "5", "30", "BIT"}), 17);
  EXPECT_INT(Run({"bitcount", "k", "-2", "-1"}), 7);
  EXPECT_ERR(Run({"bitcount", "k", "0"}), "ERR syntax error");
  EXPECT_ERR(Run({"bitcount", "k", "0", "1", "FOO"}), "ERR syntax error");
  EXPECT_INT(Run({"bitcount", "none"}), 0);
}

TEST_F(BitmapFamilyTest, BitPos) {
  Run({"set", "k", std::string("\xff\xf0\x00", 3)});
  EXPECT_INT(Run({"bitpos", "k", "0"}), 12);
  Run({"set", "k", std::string("\x00\xff\xf0", 3)});
  EXPECT_INT(Run({"bitpos", "k", "1", "0"}), 8);
  EXPECT_INT(Run({"bitpos", "k", "1", "2"}), 16);
  EXPECT_INT(Run({"bitpos", "k", "1", "2", "-1", "BYTE"}), 16);
  EXPECT_INT(Run({"bitpos", "k", "1", "7", "15", "BIT"}), 8);
  Run({"set", "ones", "\xff\xff"});
  EXPECT_INT(Run({"bitpos", "ones", "0"}), 16);
  EXPECT_INT(Run({"bitpos", "ones", "0", "0", "-1"}), -1);
  EXPECT_INT(Run({"bitpos", "none", "1"}), -1);
  EXPECT_INT(Run({"bitpos", "none", "0"}), 0);
  EXPECT_ERR(Run({"bitpos", "k", "2"}), "ERR The bit argument must be 1 or 0.");
}

TEST_F(BitmapFamilyTest, BitOp) {
  Run({"set", "a", "abc"});
  Run({"set", "b", "a"});
  EXPECT_INT(Run({"bitop", "AND", "d", "a", "b"}), 3);
  EXPECT_EQ(Run({"get", "d"}), std::string("a\0\0", 3));
  EXPECT_INT(Run({"bitop", "OR", "d", "a", "b"}), 3);
  EXPECT_EQ(Run({"get", "d"}), "abc");
  EXPECT_INT(Run({"bitop", "NOT", "d", "b"}), 1);
  EXPECT_EQ(Run({"get", "d"}), "\x9e");
  EXPECT_ERR(Run({"bitop", "NOT", "d", "a", "b"}),
             "ERR BITOP NOT must be called with a single source key.");
  EXPECT_ERR(Run({"bitop", "NAND", "d", "a"}), "ERR syntax error");
  EXPECT_INT(Run({"bitop", "AND", "d", "x", "y"}), 0);
  EXPECT_INT(Run({"exists", "d"}), 0);
}

TEST_F(BitmapFamilyTest, BitField) {
  Reply r = Run({"bitfield", "bf", "SET", "u8", "0", "255", "GET", "u8", "0"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_INT(r.elems[0], 0);
  EXPECT_INT(r.elems[1], 255);
  r = Run(
      {"bitfield", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_INT(r.elems[0], 1);
  EXPECT_INT(r.elems[1], 1);
  r = Run({"bitfield", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "5"});
  EXPECT_NIL(r.elems[0]);
  r = Run(
      {"bitfield", "w", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "127", "INCRBY", "i8", "0", "1"});
  EXPECT_INT(r.elems[0], 127);
  EXPECT_INT(r.elems[1], -128);
  r = Run({"bitfield", "h", "SET", "i8", "#1", "-1", "GET", "u8", "8"});
  EXPECT_INT(r.elems[0], 0);
  EXPECT_INT(r.elems[1], 255);
  EXPECT_ERR(Run({"bitfield", "k", "GET", "u64", "0"}), "ERR Invalid bitfield type.");
  EXPECT_ERR(Run({"bitfield", "k", "OVERFLOW", "MAYBE"}), "ERR Invalid OVERFLOW type specified");
  EXPECT_ERR(Run({"bitfield_ro", "k", "SET", "u8", "0", "1"}),
             "ERR BITFIELD_RO only supports the GET subcommand");
  r = Run({"bitfield_ro", "h", "GET", "i8", "8"});
  EXPECT_INT(r.elems[0], -1);
}

}  // namespace
}  // namespace carmine::testing
