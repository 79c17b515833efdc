// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "test_server.h"

namespace carmine::testing {
namespace {

class ConnectionFamilyTest : public CommandTest {};

TEST_F(ConnectionFamilyTest, PingEchoSelect) {
  EXPECT_EQ(Run({"ping"}), "PONG");
  EXPECT_EQ(Run({"PING", "hi"}), "hi");
  EXPECT_ERR(Run({"ping", "a", "b"}), "ERR wrong number of arguments for 'ping' command");
  EXPECT_EQ(Run({"echo", "x"}), "x");
  EXPECT_ERR(Run({"select", "16"}), "ERR DB index is out of range");
  EXPECT_ERR(Run({"select", "-1"}), "ERR DB index is out of range");
  EXPECT_ERR(Run({"select", "a"}), "ERR value is not an integer or out of range");
}

TEST_F(ConnectionFamilyTest, UnknownCommand) {
  EXPECT_EQ(Run({"foo", "a", "b"}),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  EXPECT_EQ(Run({"foo"}), "ERR unknown command 'foo', with args beginning with: ");
}

TEST_F(ConnectionFamilyTest, AuthWithRequirepass) {
  EXPECT_ERR(Run({"auth", "x"}), "ERR AUTH <password> called without any password configured");
  EXPECT_EQ(Run({"auth", "default", "anything"}), "OK");
  ASSERT_TRUE(server_.opts().registry.SetFromCommand({{"requirepass", "secret"}}, false, false).ok());
  server_.session().authenticated = false;
  EXPECT_EQ(Run({"get", "k"}), "NOAUTH Authentication required.");
  EXPECT_EQ(Run({"unknowncmd"}), "ERR unknown command 'unknowncmd', with args beginning with: ");
  EXPECT_EQ(Run({"auth", "wrong"}),
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(Run({"auth", "bob", "secret"}),
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_ERR(Run({"hello", "3"}),
             "NOAUTH HELLO must be called with the client already authenticated");
  EXPECT_EQ(Run({"auth", "secret"}), "OK");
  EXPECT_NIL(Run({"get", "k"}));
  EXPECT_EQ(Run({"reset"}), "RESET");
  EXPECT_EQ(Run({"get", "k"}), "NOAUTH Authentication required.");
  Reply h = Run({"hello", "2", "AUTH", "default", "secret", "SETNAME", "me"});
  EXPECT_EQ(h.type, Reply::kArray);
  EXPECT_EQ(server_.session().name, "me");
}

TEST_F(ConnectionFamilyTest, HelloSwitchesProtocol) {
  Reply r = Run({"hello", "3"});
  EXPECT_EQ(r.type, Reply::kMap);
  EXPECT_EQ(server_.session().resp, 3);
  EXPECT_ERR(Run({"hello", "4"}), "NOPROTO unsupported protocol version");
  EXPECT_ERR(Run({"hello", "x"}), "ERR Protocol version is not an integer or out of range");
  EXPECT_ERR(Run({"hello", "3", "FOO"}), "ERR Syntax error in HELLO option 'FOO'");
  EXPECT_ERR(Run({"hello", "3", "SETNAME", "a b"}), "ERR Client names cannot contain spaces");
  Run({"reset"});
  EXPECT_EQ(server_.session().resp, 2);
}

TEST_F(ConnectionFamilyTest, CommandIntrospection) {
  Reply c = Run({"command", "count"});
  EXPECT_EQ(c.type, Reply::kInt);
  EXPECT_GT(c.integer, 60);
  Reply info = Run({"command", "info", "get", "nosuch"});
  ASSERT_EQ(info.elems.size(), 2u);
  EXPECT_EQ(info.elems[0].elems[0], "get");
  EXPECT_INT(info.elems[0].elems[1], 2);
  EXPECT_NIL(info.elems[1]);
  EXPECT_ARRAY(Run({"command", "getkeys", "mset", "a", "1", "b", "2"}), {"a", "b"});
  EXPECT_ERR(Run({"command", "getkeys", "ping", "x"}), "ERR The command has no key arguments");
  EXPECT_ERR(Run({"command", "getkeys", "nosuch", "x"}), "ERR Invalid command specified");
  EXPECT_ERR(Run({"command", "getkeys", "get", "a", "b"}),
             "ERR Invalid number of arguments specified for command");
  // Redis 7.2: GETKEYS takes the command alone (arity -3), then checks its arity.
  EXPECT_ERR(Run({"command", "getkeys", "get"}),
             "ERR Invalid number of arguments specified for command");
  EXPECT_ERR(Run({"command", "getkeys", "ping"}), "ERR The command has no key arguments");
  EXPECT_ERR(Run({"command", "getkeys"}),
             "ERR wrong number of arguments for 'command|getkeys' command");
  // Only the last STORE of SORT is a key.
  EXPECT_ARRAY(Run({"command", "getkeys", "sort", "abc", "store", "x", "store", "y", "store", "z"}),
               {"abc", "z"});
  Reply docs = Run({"command", "docs", "set"});
  EXPECT_EQ(docs.elems[0], "set");
  Reply list = Run({"command", "list", "filterby", "pattern", "object*"});
  EXPECT_GE(list.elems.size(), 5u);
  EXPECT_ERR(Run({"command", "foo"}), "ERR unknown subcommand 'foo'. Try COMMAND HELP.");
}

}  // namespace
}  // namespace carmine::testing

namespace carmine::testing {
namespace {

TEST(ArgDocs, NotationBecomesCommandDocsArguments) {
  TestServer server;
  Reply docs = server.Run({"command", "docs", "set"});
  ASSERT_EQ(docs.type, Reply::kArray);
  const Reply& fields = docs.elems[1];
  const Reply* args = nullptr;
  for (size_t i = 0; i + 1 < fields.elems.size(); i += 2) {
    if (fields.elems[i] == "arguments") args = &fields.elems[i + 1];
  }
  ASSERT_NE(args, nullptr);
  ASSERT_EQ(args->elems.size(), 5u);  // key value [NX|XX] [GET] [expiration]
  // The fourth argument is the optional pure token GET.
  const Reply& get = args->elems[3];
  EXPECT_EQ(get.elems[1], "get");
  EXPECT_EQ(get.elems[3], "pure-token");
  EXPECT_EQ(get.elems[4], "display_text");  // what redis-cli's hints show
  EXPECT_EQ(get.elems[5], "get");
  EXPECT_EQ(get.elems[7], "GET");
  EXPECT_EQ(get.elems[9].elems[0], "optional");
  // The expiration is a oneof whose last choice is KEEPTTL.
  const Reply& exp = args->elems[4];
  EXPECT_EQ(exp.elems[3], "oneof");
  EXPECT_NE(exp.elems[4], "display_text");  // groups have none
  EXPECT_EQ(exp.elems.back().elems.size(), 5u);
}

}  // namespace
}  // namespace carmine::testing
