// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ACL: the rule parser and its descriptions (ACL LIST / GETUSER read as Redis's), and the
// permission checks through the real dispatcher.
#include "acl/selector.h"
#include "acl/user.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class AclTest : public CommandTest {
 protected:
  // ACL LIST line of `user` after applying `rules` to a fresh user.
  std::string Describe(std::vector<std::string> rules) {
    AclUser u("t", false);
    for (auto& r : rules) {
      std::string e = u.Apply(r, server_.registry(), false);
      if (!e.empty()) return "error: " + e;
    }
    return u.Describe();
  }
  // A second client, authenticated as `user` (password "pw").
  Session& Login(const std::string& user) {
    other_.id = 2;
    server_.acl().BindDefault(other_);
    EXPECT_EQ(server_.RunAs(other_, {"auth", user, "pw"}), "OK");
    return other_;
  }
  Session other_;
};

TEST_F(AclTest, CommandRulesKeepTheirOrderAndReplaceEarlierOnes) {
  EXPECT_EQ(Describe({"+get", "-get"}), "t off sanitize-payload resetchannels -@all -get");
  EXPECT_EQ(Describe({"+@read", "+get", "+@read"}),
            "t off sanitize-payload resetchannels -@all +get +@read");
  EXPECT_EQ(Describe({"+object|freq", "+object|encoding", "-object"}),
            "t off sanitize-payload resetchannels -@all -object");
  EXPECT_EQ(Describe({"+select|0", "+select|1", "+select"}),
            "t off sanitize-payload resetchannels -@all +select");
  EXPECT_EQ(Describe({"allcommands", "-get"}), "t off sanitize-payload resetchannels +@all -get");
  EXPECT_EQ(Describe({"+@all", "nocommands", "+get"}),
            "t off sanitize-payload resetchannels -@all +get");
  EXPECT_EQ(Describe({"+command|info", "+command|docs", "-command|info"}),
            "t off sanitize-payload resetchannels -@all +command|docs -command|info");
  EXPECT_EQ(Describe({"+SELECT|A", "+GET"}),
            "t off sanitize-payload resetchannels -@all +select|a +get");
}

TEST_F(AclTest, KeysChannelsPasswordsAndSelectors) {
  EXPECT_EQ(Describe({"~a", "%R~b", "%W~c", "%RW~d", "%R~a"}),
            "t off sanitize-payload ~a %R~b %W~c ~d resetchannels -@all");
  EXPECT_EQ(Describe({"~a", "allkeys"}), "t off sanitize-payload ~* resetchannels -@all");
  EXPECT_EQ(Describe({"%R~*", "~a"}), "t off sanitize-payload %R~* ~a resetchannels -@all");
  EXPECT_EQ(Describe({"&a", "&a", "&b"}), "t off sanitize-payload resetchannels &a &b -@all");
  EXPECT_EQ(Describe({"&a", "allchannels"}), "t off sanitize-payload &* -@all");
  EXPECT_EQ(Describe({"on", ">x", "nopass"}), "t on nopass sanitize-payload resetchannels -@all");
  EXPECT_EQ(Describe({"nopass", ">x"}),
            "t off sanitize-payload "
            "#2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 resetchannels "
            "-@all");
  EXPECT_EQ(Describe({"(~x +set)", "(&a)"}),
            "t off sanitize-payload resetchannels -@all (~x resetchannels -@all +set) "
            "(resetchannels &a -@all)");
  EXPECT_EQ(Describe({"(~x)", "clearselectors", "skip-sanitize-payload"}),
            "t off skip-sanitize-payload resetchannels -@all");
}

TEST_F(AclTest, BadRulesAreRefusedWithRedisReasons) {
  EXPECT_EQ(Describe({"bad"}), "error: Syntax error");
  EXPECT_EQ(Describe({"+nosuch"}), "error: Unknown command or category name in ACL");
  EXPECT_EQ(Describe({"+@nosuch"}), "error: Unknown command or category name in ACL");
  EXPECT_EQ(Describe({"-select|0"}), "error: Unknown command or category name in ACL");
  EXPECT_EQ(Describe({"+command|info|x"}),
            "error: Allowing first-arg of a subcommand is not supported");
  EXPECT_EQ(Describe({"%X~a"}), "error: Syntax error");
  EXPECT_EQ(Describe({"#abc"}),
            "error: The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters");
  EXPECT_EQ(Describe({"<nope"}),
            "error: The password you are trying to remove from the user does not exist");
  EXPECT_EQ(Describe({"~*", "~a"}).substr(0, 40), "error: Adding a pattern after the * patt");
}

TEST_F(AclTest, SetUserGetUserAndErrors) {
  EXPECT_EQ(Run({"acl", "setuser", "u", "on", ">pw", "~k*", "(", "&a", ")"}), "OK");
  EXPECT_TRUE(IsArray(Run({"acl", "users"}), {"default", "u"}));
  EXPECT_ERR(Run({"acl", "setuser", "u", "(~x"}),
             "ERR Unmatched parenthesis in acl selector starting at '(~x'.");
  EXPECT_ERR(Run({"acl", "setuser", "u", "~a", "+nosuch"}),
             "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in "
             "ACL");
  // A failed SETUSER changes nothing.
  EXPECT_TRUE(IsArray(Run({"acl", "list"}),
                      {"user default on nopass sanitize-payload ~* &* +@all",
                       "user u on sanitize-payload "
                       "#30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* "
                       "resetchannels -@all (resetchannels &a -@all)"}));
  EXPECT_ERR(Run({"acl", "setuser", "a b"}), "ERR Usernames can't contain spaces or null");
  EXPECT_NIL(Run({"acl", "getuser", "nosuch"}));
  EXPECT_ERR(Run({"acl", "deluser", "default"}), "ERR The 'default' user cannot be removed");
  EXPECT_INT(Run({"acl", "deluser", "u", "nosuch"}), 1);
}

TEST_F(AclTest, PermissionsAreCheckedBeforeCommandsRun) {
  Run({"acl", "setuser", "u", "on", ">pw", "%R~r*", "%W~w*", "~k*", "&ch*", "-@all", "+get",
       "+set", "+lmove", "+publish", "+psubscribe", "+select|0", "+multi", "+exec"});
  Session& s = Login("u");
  EXPECT_NIL(server_.RunAs(s, {"get", "r1"}));
  EXPECT_EQ(server_.RunAs(s, {"get", "w1"}), "NOPERM No permissions to access a key");
  EXPECT_EQ(server_.RunAs(s, {"set", "w1", "v"}), "OK");
  EXPECT_EQ(server_.RunAs(s, {"set", "r1", "v"}), "NOPERM No permissions to access a key");
  EXPECT_EQ(server_.RunAs(s, {"del", "k1"}),
            "NOPERM User u has no permissions to run the 'del' command");
  EXPECT_EQ(server_.RunAs(s, {"select", "0"}), "OK");
  EXPECT_EQ(server_.RunAs(s, {"select", "1"}),
            "NOPERM User u has no permissions to run the 'select' command");
  EXPECT_EQ(server_.RunAs(s, {"publish", "other", "m"}),
            "NOPERM No permissions to access a channel");
  EXPECT_INT(server_.RunAs(s, {"publish", "ch1", "m"}), 0);
  // A pattern subscription needs the same pattern, not a matching one.
  EXPECT_EQ(server_.RunAs(s, {"psubscribe", "ch1*"}), "NOPERM No permissions to access a channel");
  EXPECT_EQ(server_.acl().denied_key(), 2u);
  EXPECT_EQ(server_.acl().denied_cmd(), 2u);
  EXPECT_EQ(server_.acl().denied_channel(), 2u);
  // The refusals are in the ACL log, newest first.
  Reply log = Run({"acl", "log", "1"});
  ASSERT_EQ(log.elems.size(), 1u);
  ASSERT_EQ(log.elems[0].elems.size(), 20u);
  EXPECT_EQ(log.elems[0].elems[3], "channel");
  EXPECT_EQ(log.elems[0].elems[5], "toplevel");
  EXPECT_EQ(log.elems[0].elems[7], "ch1*");
  EXPECT_EQ(log.elems[0].elems[9], "u");
}

TEST_F(AclTest, ChangedRulesApplyToConnectedClientsAndExec) {
  Run({"acl", "setuser", "u", "on", ">pw", "~*", "+@all"});
  Session& s = Login("u");
  EXPECT_EQ(server_.RunAs(s, {"multi"}), "OK");
  EXPECT_EQ(server_.RunAs(s, {"incr", "n"}), "QUEUED");
  Run({"acl", "setuser", "u", "-incr"});
  Reply r = server_.RunAs(s, {"exec"});
  ASSERT_EQ(r.elems.size(), 1u);
  EXPECT_ERR(r.elems[0],
             "NOPERM ACLs rules changed between the moment the transaction was accumulated and "
             "the EXEC call. This command is no longer allowed for the following reason: no "
             "permission to execute the command or subcommand");
  EXPECT_EQ(server_.RunAs(s, {"incr", "n"}),
            "NOPERM User u has no permissions to run the 'incr' command");
  EXPECT_EQ(server_.RunAs(s, {"acl", "whoami"}), "u");
  // Selectors: any one that allows the whole command is enough.
  Run({"acl", "setuser", "u", "reset", "on", ">pw", "+get", "~a*", "(+set ~b*)"});
  EXPECT_NIL(server_.RunAs(s, {"get", "a1"}));
  EXPECT_EQ(server_.RunAs(s, {"set", "b1", "v"}), "OK");
  EXPECT_EQ(server_.RunAs(s, {"set", "a1", "v"}), "NOPERM No permissions to access a key");
}

TEST_F(AclTest, DryRunCatGenpass) {
  Run({"acl", "setuser", "k", "on", "nopass", "~k*", "&c*", "+@all", "-flushdb"});
  EXPECT_EQ(Run({"acl", "dryrun", "k", "get", "k1"}), "OK");
  EXPECT_EQ(Run({"acl", "dryrun", "k", "get", "x"}),
            "User k has no permissions to access the 'x' key");
  EXPECT_EQ(Run({"acl", "dryrun", "k", "flushdb"}),
            "User k has no permissions to run the 'flushdb' command");
  EXPECT_ERR(Run({"acl", "dryrun", "nosuch", "get", "x"}), "ERR User 'nosuch' not found");
  EXPECT_ERR(Run({"acl", "dryrun", "k", "nosuch"}), "ERR Command 'nosuch' not found");
  EXPECT_ERR(Run({"acl", "cat", "nosuch"}), "ERR Unknown category 'nosuch'");
  EXPECT_EQ(Run({"acl", "cat"}).elems.size(), 21u);
  EXPECT_EQ(Run({"acl", "genpass"}).str.size(), 64u);
  EXPECT_EQ(Run({"acl", "genpass", "5"}).str.size(), 2u);
  EXPECT_ERR(Run({"acl", "genpass", "0"}), "ERR ACL GENPASS argument must be the number of bits");
}

TEST_F(AclTest, AuthFailuresAreLoggedAndGrouped) {
  Run({"acl", "setuser", "u", "on", ">pw"});
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Run({"auth", "u", "bad"}),
              "WRONGPASS invalid username-password pair or user is disabled.");
  }
  Run({"acl", "setuser", "u", "off"});
  EXPECT_EQ(Run({"auth", "u", "pw"}),
            "WRONGPASS invalid username-password pair or user is disabled.");
  Reply log = Run({"acl", "log"});
  ASSERT_EQ(log.elems.size(), 1u);
  ASSERT_EQ(log.elems[0].elems.size(), 20u);
  EXPECT_INT(log.elems[0].elems[1], 4);
  EXPECT_EQ(log.elems[0].elems[3], "auth");
  EXPECT_EQ(log.elems[0].elems[7], "AUTH");
  EXPECT_EQ(log.elems[0].elems[9], "u");
  EXPECT_EQ(server_.acl().denied_auth(), 4u);
  EXPECT_EQ(Run({"acl", "log", "reset"}), "OK");
  EXPECT_EQ(Run({"acl", "log"}).elems.size(), 0u);
}

}  // namespace
}  // namespace carmine::testing
