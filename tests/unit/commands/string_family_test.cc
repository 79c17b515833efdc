// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "test_server.h"

namespace carmine::testing {
namespace {

class StringFamilyTest : public CommandTest {};

TEST_F(StringFamilyTest, SetGet) {
  EXPECT_EQ(Run({"set", "k", "v"}), "OK");
  EXPECT_EQ(Run({"get", "k"}), "v");
  EXPECT_NIL(Run({"get", "missing"}));
  EXPECT_ERR(Run({"get"}), "ERR wrong number of arguments for 'get' command");
  EXPECT_ERR(Run({"set", "k"}), "ERR wrong number of arguments for 'set' command");
}

TEST_F(StringFamilyTest, SetOptions) {
  EXPECT_NIL(Run({"set", "k", "v", "XX"}));
  EXPECT_EQ(Run({"set", "k", "v", "NX"}), "OK");
  EXPECT_NIL(Run({"set", "k", "w", "NX"}));
  EXPECT_EQ(Run({"set", "k", "w", "XX", "GET"}), "v");
  EXPECT_EQ(Run({"get", "k"}), "w");
  EXPECT_ERR(Run({"set", "k", "v", "NX", "XX"}), "ERR syntax error");
  EXPECT_ERR(Run({"set", "k", "v", "EX", "10", "PX", "100"}), "ERR syntax error");
  EXPECT_ERR(Run({"set", "k", "v", "KEEPTTL", "EX", "10"}), "ERR syntax error");
  EXPECT_ERR(Run({"set", "k", "v", "EX"}), "ERR syntax error");
  EXPECT_ERR(Run({"set", "k", "v", "EX", "0"}), "ERR invalid expire time in 'set' command");
  EXPECT_ERR(Run({"set", "k", "v", "EX", "-1"}), "ERR invalid expire time in 'set' command");
  EXPECT_ERR(Run({"set", "k", "v", "EX", "x"}), "ERR value is not an integer or out of range");
  EXPECT_ERR(Run({"set", "k", "v", "EX", "9223372036854775"}),
             "ERR invalid expire time in 'set' command");
  EXPECT_NIL(Run({"set", "new", "v", "GET"}));
}

TEST_F(StringFamilyTest, ExpiryIsLazyAndExact) {
  EXPECT_EQ(Run({"set", "k", "v", "PX", "100"}), "OK");
  EXPECT_INT(Run({"pttl", "k"}), 100);
  AdvanceTime(99);
  EXPECT_EQ(Run({"get", "k"}), "v");
  AdvanceTime(1);
  EXPECT_NIL(Run({"get", "k"}));
  EXPECT_INT(Run({"exists", "k"}), 0);
  EXPECT_EQ(server_.dbs().stats().expired_keys.load(), 1u);
}

TEST_F(StringFamilyTest, KeepTtlAndOverwriteClearsTtl) {
  Run({"set", "k", "v", "EX", "100"});
  Run({"set", "k", "w", "KEEPTTL"});
  EXPECT_INT(Run({"ttl", "k"}), 100);
  Run({"set", "k", "x"});
  EXPECT_INT(Run({"ttl", "k"}), -1);
}

TEST_F(StringFamilyTest, SetExAndPSetEx) {
  EXPECT_EQ(Run({"setex", "k", "10", "v"}), "OK");
  EXPECT_INT(Run({"ttl", "k"}), 10);
  EXPECT_EQ(Run({"psetex", "k", "1500", "v"}), "OK");
  EXPECT_INT(Run({"pttl", "k"}), 1500);
  EXPECT_ERR(Run({"setex", "k", "0", "v"}), "ERR invalid expire time in 'setex' command");
  EXPECT_ERR(Run({"psetex", "k", "-5", "v"}), "ERR invalid expire time in 'psetex' command");
}

TEST_F(StringFamilyTest, GetExGetDelGetSet) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"getex", "k", "EX", "50"}), "v");
  EXPECT_INT(Run({"ttl", "k"}), 50);
  EXPECT_EQ(Run({"getex", "k", "PERSIST"}), "v");
  EXPECT_INT(Run({"ttl", "k"}), -1);
  EXPECT_ERR(Run({"getex", "k", "EX", "1", "PX", "1"}), "ERR syntax error");
  EXPECT_ERR(Run({"getex", "k", "NX"}), "ERR syntax error");
  EXPECT_EQ(Run({"getset", "k", "w"}), "v");
  EXPECT_EQ(Run({"getdel", "k"}), "w");
  EXPECT_NIL(Run({"getdel", "k"}));
  EXPECT_NIL(Run({"getset", "k", "z"}));
}

TEST_F(StringFamilyTest, MultiKey) {
  EXPECT_EQ(Run({"mset", "a", "1", "b", "2"}), "OK");
  EXPECT_ARRAY(Run({"mget", "a", "b", "c"}), {"1", "2", "(nil)"});
  EXPECT_INT(Run({"msetnx", "c", "3", "a", "x"}), 0);
  EXPECT_NIL(Run({"get", "c"}));
  EXPECT_INT(Run({"msetnx", "c", "3", "d", "4"}), 1);
  EXPECT_ERR(Run({"mset", "a", "1", "b"}), "ERR wrong number of arguments for 'mset' command");
  EXPECT_INT(Run({"setnx", "a", "z"}), 0);
  EXPECT_INT(Run({"setnx", "z", "z"}), 1);
}

TEST_F(StringFamilyTest, Counters) {
  EXPECT_INT(Run({"incr", "n"}), 1);
  EXPECT_INT(Run({"incrby", "n", "10"}), 11);
  EXPECT_INT(Run({"decr", "n"}), 10);
  EXPECT_INT(Run({"decrby", "n", "20"}), -10);
  Run({"set", "s", "abc"});
  EXPECT_ERR(Run({"incr", "s"}), "ERR value is not an integer or out of range");
  Run({"set", "max", "9223372036854775807"});
  EXPECT_ERR(Run({"incr", "max"}), "ERR increment or decrement would overflow");
  EXPECT_ERR(Run({"incrby", "n", "1.5"}), "ERR value is not an integer or out of range");
  EXPECT_ERR(Run({"decrby", "n", "-9223372036854775808"}), "ERR decrement would overflow");
  Run({"set", "sp", " 1"});
  EXPECT_ERR(Run({"incr", "sp"}), "ERR value is not an integer or out of range");
}

TEST_F(StringFamilyTest, IncrByFloat) {
  EXPECT_EQ(Run({"incrbyfloat", "f", "10.5"}), "10.5");
  EXPECT_EQ(Run({"incrbyfloat", "f", "0.1"}), "10.6");
  EXPECT_EQ(Run({"incrbyfloat", "f", "-10.6"}), "0");
  EXPECT_EQ(Run({"incrbyfloat", "f", "5.0e3"}), "5000");
  EXPECT_ERR(Run({"incrbyfloat", "f", "abc"}), "ERR value is not a valid float");
  Run({"set", "big", "1.7e308"});
  EXPECT_ERR(Run({"incrbyfloat", "f", "inf"}), "ERR increment would produce NaN or Infinity");
  EXPECT_EQ(Run({"object", "encoding", "f"}), "embstr");
}

TEST_F(StringFamilyTest, AppendStrlenRanges) {
  EXPECT_INT(Run({"append", "k", "hello"}), 5);
  EXPECT_INT(Run({"append", "k", " world"}), 11);
  EXPECT_INT(Run({"strlen", "k"}), 11);
  EXPECT_INT(Run({"strlen", "nokey"}), 0);
  EXPECT_EQ(Run({"getrange", "k", "0", "4"}), "hello");
  EXPECT_EQ(Run({"getrange", "k", "-5", "-1"}), "world");
  EXPECT_EQ(Run({"getrange", "k", "5", "1"}), "");
  EXPECT_EQ(Run({"getrange", "k", "-1", "-5"}), "");
  EXPECT_EQ(Run({"getrange", "k", "0", "100"}), "hello world");
  EXPECT_EQ(Run({"substr", "k", "6", "-1"}), "world");
  EXPECT_EQ(Run({"getrange", "nokey", "0", "-1"}), "");
  EXPECT_INT(Run({"setrange", "k", "6", "WORLD"}), 11);
  EXPECT_EQ(Run({"get", "k"}), "hello WORLD");
  EXPECT_INT(Run({"setrange", "pad", "3", "x"}), 4);
  EXPECT_EQ(Run({"get", "pad"}), std::string("\0\0\0x", 4));
  EXPECT_ERR(Run({"setrange", "k", "-1", "x"}), "ERR offset is out of range");
  EXPECT_INT(Run({"setrange", "empty", "5", ""}), 0);
  EXPECT_INT(Run({"exists", "empty"}), 0);
  EXPECT_ERR(Run({"setrange", "k", "536870912", "x"}),
             "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(Run({"object", "encoding", "k"}), "raw");
}

TEST_F(StringFamilyTest, Encodings) {
  Run({"set", "i", "12345"});
  EXPECT_EQ(Run({"object", "encoding", "i"}), "int");
  Run({"set", "e", "hello"});
  EXPECT_EQ(Run({"object", "encoding", "e"}), "embstr");
  Run({"set", "r", std::string(45, 'x')});
  EXPECT_EQ(Run({"object", "encoding", "r"}), "raw");
  Run({"append", "e", "x"});
  EXPECT_EQ(Run({"object", "encoding", "e"}), "raw");
  EXPECT_INT(Run({"object", "refcount", "i"}), 1);
  Run({"set", "small", "5"});
  EXPECT_INT(Run({"object", "refcount", "small"}), 2147483647);
}

TEST_F(StringFamilyTest, Lcs) {
  Run({"mset", "a", "ohmytext", "b", "mynewtext"});
  EXPECT_EQ(Run({"lcs", "a", "b"}), "mytext");
  EXPECT_INT(Run({"lcs", "a", "b", "LEN"}), 6);
  Reply r = Run({"lcs", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"});
  ASSERT_EQ(r.type, Reply::kArray);
  ASSERT_EQ(r.elems.size(), 4u);
  EXPECT_EQ(r.elems[0], "matches");
  ASSERT_EQ(r.elems[1].elems.size(), 1u);
  EXPECT_INT(r.elems[1].elems[0].elems[0].elems[0], 4);
  EXPECT_INT(r.elems[1].elems[0].elems[0].elems[1], 7);
  EXPECT_INT(r.elems[1].elems[0].elems[2], 4);
  EXPECT_INT(r.elems[3], 6);
  EXPECT_ERR(Run({"lcs", "a", "b", "LEN", "IDX"}), "ERR If you want both the length and indexes");
}

TEST_F(StringFamilyTest, WrongType) {
  // Insert a non-string value directly: the string family must refuse it everywhere.
  struct Fake : DataObject {
    ObjType type() const override { return ObjType::kList; }
    const char* encoding_name() const override { return "quicklist"; }
    std::unique_ptr<DataObject> Clone() const override { return std::make_unique<Fake>(); }
    size_t MemoryUsage() const override { return 0; }
    size_t FreeEffort() const override { return 1; }
  };
  Db db(server_.dbs(), 0, 0);
  ShardLocks l;
  db.Add("l")->value.SetObject(std::make_unique<Fake>());
  for (auto cmd : std::vector<std::vector<std::string>>{{"get", "l"},
                                                        {"incr", "l"},
                                                        {"append", "l", "x"},
                                                        {"getrange", "l", "0", "1"},
                                                        {"setrange", "l", "0", "x"},
                                                        {"strlen", "l"},
                                                        {"getdel", "l"},
                                                        {"getex", "l"},
                                                        {"incrbyfloat", "l", "1"},
                                                        {"set", "l", "v", "GET"},
                                                        {"getset", "l", "v"},
                                                        {"setbit", "l", "1", "1"},
                                                        {"getbit", "l", "1"},
                                                        {"bitcount", "l"},
                                                        {"bitpos", "l", "1"},
                                                        {"bitfield", "l", "GET", "u8", "0"}}) {
    EXPECT_ERR(Run(cmd), "WRONGTYPE Operation against a key holding the wrong kind of value")
        << cmd[0];
  }
  EXPECT_ARRAY(Run({"mget", "l"}), {"(nil)"});
  EXPECT_EQ(Run({"type", "l"}), "list");
  EXPECT_EQ(Run({"set", "l", "v"}), "OK");  // SET overwrites any type
}

TEST_F(StringFamilyTest, Resp3) {
  server_.session().resp = 3;
  EXPECT_EQ(server_.raw().size(), 0u);
  Run({"get", "missing"});
  EXPECT_EQ(server_.raw(), "_\r\n");
}

}  // namespace
}  // namespace carmine::testing
