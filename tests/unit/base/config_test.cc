// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The typed options and the registry: parsing and its error texts (Redis's), aliases, multi-word
// values, CONFIG SET's all-or-nothing rule with apply hooks, CONFIG GET matching, and CONFIG
// REWRITE keeping the file's layout.
#include "base/config.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "protocol/errors.h"

namespace carmine::config {
namespace {

// CONFIG SET's reply text, as a client sees it.
std::string SetReply(Registry& reg, const std::vector<std::pair<std::string, std::string>>& pairs,
                     bool allow_protected, bool loading) {
  return err::ConfigSetReply(reg.SetFromCommand(pairs, allow_protected, loading));
}

struct TestOptions {
  Registry reg;
  Int<int> port{reg, "port", 6379, 0, 65535};
  Int<int64_t> maxmemory{reg, "maxmemory", 0, 0, LLONG_MAX, kMemory};
  Bool lazy{reg, "replica-lazy-flush", false, 0, {"slave-lazy-flush"}};
  Enum policy{reg, "appendfsync", 1, {{"everysec", 1}, {"always", 0}, {"no", 2}}};
  String pass{reg, "requirepass", "", kSensitive};
  String dbfilename{reg, "dbfilename", "dump.rdb", kProtected, {},
                    [](const std::string& v) -> std::string {
                      return v.find('/') != std::string::npos ? "can't be a path" : "";
                    }};
  Bool daemonize{reg, "daemonize", false, kImmutable};
  Bool appendonly{reg, "appendonly", false, kDenyLoading};
  Int<int> hidden{reg, "key-load-delay", 0, INT_MIN, INT_MAX, kHidden};
  std::vector<std::string> words;
  Custom list{reg, "bind", kMultiArg,
              [this](Words w, Source) -> std::string {
                words.assign(w.begin(), w.end());
                return "";
              },
              [this] {
                std::string s;
                for (auto& x : words) s += (s.empty() ? "" : " ") + x;
                return s;
              }};
  TestOptions() { reg.SealDefaults(); }
};

TEST(Config, TypedParsingAndErrors) {
  TestOptions o;
  ASSERT_TRUE(
      o.reg.Load("port 7000\nmaxmemory 1gb\nslave-lazy-flush yes\nappendfsync ALWAYS\n", "").ok());
  EXPECT_EQ(o.port.get(), 7000);
  EXPECT_EQ(o.maxmemory.get(), 1024LL * 1024 * 1024);
  EXPECT_TRUE(o.lazy.get());
  EXPECT_EQ(o.policy.Get(), "always");

  auto err = [&](const std::string& line) { return o.reg.Load(line, "").message(); };
  EXPECT_NE(err("port abc").find("argument couldn't be parsed into an integer"), std::string::npos);
  EXPECT_NE(err("port 70000").find("argument must be between 0 and 65535 inclusive"),
            std::string::npos);
  EXPECT_NE(err("maxmemory -1").find("argument must be a memory value"), std::string::npos);
  EXPECT_NE(err("appendfsync sometimes")
                .find("argument(s) must be one of the following: everysec, always, no"),
            std::string::npos);
  EXPECT_NE(err("replica-lazy-flush maybe").find("argument must be 'yes' or 'no'"),
            std::string::npos);
  EXPECT_NE(err("port 1 2").find("wrong number of arguments"), std::string::npos);
  EXPECT_NE(err("nosuch 1").find("Bad directive or wrong number of arguments"), std::string::npos);
}

TEST(Config, FatalErrorBlockCountsLines) {
  TestOptions o;
  Status s = o.reg.Load("# comment\n\nport 1\n  port \"x\"\n", "");
  EXPECT_EQ(s.message(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\nReading the configuration file, at "
            "line 4\n>>> 'port \"x\"'\nargument couldn't be parsed into an integer");
}

TEST(Config, MultiArgTakesWordsOrOneQuotedValue) {
  TestOptions o;
  ASSERT_TRUE(o.reg.Load("bind 127.0.0.1 -::1", "").ok());
  EXPECT_EQ(o.list.Get(), "127.0.0.1 -::1");
  ASSERT_TRUE(o.reg.Load("bind \"10.0.0.1 10.0.0.2\"", "").ok());
  EXPECT_EQ(o.words.size(), 2u);
  EXPECT_EQ(SetReply(o.reg, {{"bind", "a b c"}}, false, false), "");
  EXPECT_EQ(o.words.size(), 3u);
}

TEST(Config, SetIsAllOrNothing) {
  TestOptions o;
  EXPECT_EQ(SetReply(o.reg, {{"port", "7000"}, {"maxmemory", "bad"}}, false, false),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(o.port.get(), 6379);  // restored
  EXPECT_EQ(SetReply(o.reg, {{"daemonize", "yes"}}, false, false),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(SetReply(o.reg, {{"dbfilename", "x"}}, false, false),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
  EXPECT_EQ(SetReply(o.reg, {{"dbfilename", "x"}}, true, false), "");
  EXPECT_EQ(SetReply(o.reg, {{"port", "1"}, {"port", "2"}}, false, false),
            "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter");
  EXPECT_EQ(SetReply(o.reg, {{"nosuch", "1"}}, false, false),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
}

TEST(Config, DenyLoadingRefusesTheWholeSetWhileLoading) {
  TestOptions o;
  const bool loading = true;
  EXPECT_EQ(SetReply(o.reg, {{"port", "7000"}, {"appendonly", "yes"}}, false, loading),
            "LOADING Redis is loading the dataset in memory");
  EXPECT_EQ(o.port.get(), 6379);
  EXPECT_FALSE(o.appendonly.get());
  // Options without the flag may change while loading; checks before it still come first.
  EXPECT_EQ(SetReply(o.reg, {{"port", "7000"}}, false, loading), "");
  EXPECT_EQ(SetReply(o.reg, {{"dbfilename", "x"}, {"appendonly", "yes"}}, false, loading),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
  EXPECT_EQ(SetReply(o.reg, {{"appendonly", "yes"}}, false, false), "");
}

TEST(Config, FailingHookRestoresEveryValue) {
  TestOptions o;
  int runs = 0;
  auto shared = Option::Hook([&] {
    runs++;
    return o.port.get() == 9999 ? std::string("Unable to listen on this port") : std::string();
  });
  o.port.OnApply(shared);
  o.maxmemory.OnApply(shared);
  EXPECT_EQ(SetReply(o.reg, {{"maxmemory", "100"}, {"port", "9999"}}, false, false),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - Unable to listen "
            "on this port");
  EXPECT_EQ(o.port.get(), 6379);
  EXPECT_EQ(o.maxmemory.get(), 0);
  EXPECT_EQ(runs, 2);  // once with the new values, once after restoring them
}

TEST(Config, GetMatchesAliasesAndHidesHidden) {
  TestOptions o;
  std::string_view all[] = {"*"};
  auto got = o.reg.Match(all);
  bool has_alias = false, has_hidden = false;
  for (auto& [k, v] : got) {
    has_alias |= k == "slave-lazy-flush";
    has_hidden |= k == "key-load-delay";
  }
  EXPECT_TRUE(has_alias);
  EXPECT_FALSE(has_hidden);
  std::string_view exact[] = {"KEY-LOAD-DELAY"};
  EXPECT_EQ(o.reg.Match(exact).size(), 1u);
}

TEST(Config, RewriteKeepsLayoutAndAppendsChanges) {
  TestOptions o;
  std::string path = ::testing::TempDir() + "/carmine_config_rewrite.conf";
  {
    std::ofstream f(path);
    f << "# my settings\nport 7000\ninclude /etc/other.conf\nport 7001\nmaxmemory 1mb\n";
  }
  ASSERT_TRUE(o.reg.Load("port 7002\nmaxmemory 2gb\nrequirepass \"a b\"\n", "").ok());
  ASSERT_TRUE(o.reg.Rewrite(path).ok());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(),
            "# my settings\nport 7002\ninclude /etc/other.conf\nmaxmemory 2gb\n"
            "# Generated by CONFIG REWRITE\nrequirepass \"a b\"\n");
  std::remove(path.c_str());
}

TEST(Config, RegeneratedDirectiveReplacesItsLinesInPlace) {
  TestOptions o;
  o.reg.AddDirective("sentinel", [](Words) -> std::string { return ""; });
  std::vector<std::string> now = {"sentinel myid abc", "sentinel monitor m 10.0.0.2 6379 2",
                                  "sentinel known-replica m 10.0.0.1 6379",
                                  "sentinel current-epoch 1"};
  o.reg.SetRewriter("sentinel", [&] { return now; });
  std::string path = ::testing::TempDir() + "/carmine_config_regen.conf";
  {
    std::ofstream f(path);
    f << "port 7000\nsentinel monitor m 10.0.0.1 6379 2\n# note\n"
         "sentinel known-slave m 10.0.0.9 6379\nsentinel known-slave m 10.0.0.8 6379\n";
  }
  ASSERT_TRUE(o.reg.Rewrite(path).ok());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  // The monitor line keeps its place, the old known-slave lines become the one known-replica,
  // the rest is appended.
  EXPECT_EQ(ss.str(),
            "port 6379\nsentinel monitor m 10.0.0.2 6379 2\n# note\n"
            "sentinel known-replica m 10.0.0.1 6379\n# Generated by CONFIG REWRITE\n"
            "sentinel myid abc\nsentinel current-epoch 1\n");
  std::remove(path.c_str());
}

TEST(Config, DirectivesAndDuplicates) {
  TestOptions o;
  std::vector<std::string> seen;
  o.reg.AddDirective("rename-command", [&](Words args) -> std::string {
    seen.assign(args.begin(), args.end());
    return args.size() == 2 ? "" : "Bad directive or wrong number of arguments";
  });
  ASSERT_TRUE(o.reg.Load("rename-command FLUSHALL \"\"", "").ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"FLUSHALL", ""}));
  EXPECT_EQ(o.reg.Validate(), "");
  Int<int> dup{o.reg, "slave-lazy-flush", 0, 0, 1};
  EXPECT_NE(o.reg.Validate(), "");
}

}  // namespace
}  // namespace carmine::config
