// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// SLOWLOG and MONITOR through the dispatcher: threshold and max length, newest-first order,
// argument shortening and password redaction as Redis does them, commands that are never logged,
// and the monitor line format.
#include "commands/monitor.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class SlowlogTest : public CommandTest {
 protected:
  void SetUp() override { server_.opts().slowlog_log_slower_than.set(0); }
};

TEST_F(SlowlogTest, LogsNewestFirstAndTrims) {
  Run({"slowlog", "reset"});
  Run({"set", "a", "1"});
  Run({"get", "a"});
  Reply r = Run({"slowlog", "get", "2"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_ARRAY(r.elems[0].elems[3], {"get", "a"});
  EXPECT_ARRAY(r.elems[1].elems[3], {"set", "a", "1"});
  EXPECT_GT(r.elems[0].elems[0].integer, r.elems[1].elems[0].integer);
  EXPECT_INT(Run({"slowlog", "len"}), 4);  // reset, set, get, and the GET above
  server_.opts().slowlog_max_len.set(2);
  Run({"ping"});
  EXPECT_INT(Run({"slowlog", "len"}), 2);
  EXPECT_ERR(Run({"slowlog", "get", "-2"}), "ERR count should be greater than or equal to -1");
}

TEST_F(SlowlogTest, ShortensAndRedacts) {
  Run({"slowlog", "reset"});
  std::vector<std::string> many = {"mset"};
  for (int i = 0; i < 40; i++) {
    many.push_back("k" + std::to_string(i));
    many.push_back(i == 0 ? std::string(200, 'v') : "v");
  }
  Run(many);
  Run({"auth", "user", "secret"});
  Run({"hello", "2", "auth", "default", "secret", "setname", "app"});
  Reply r = Run({"slowlog", "get", "3"});
  ASSERT_EQ(r.elems.size(), 3u);
  EXPECT_ARRAY(r.elems[0].elems[3], {"hello", "2", "auth", "(redacted)", "(redacted)",
                                     "setname", "app"});
  EXPECT_ARRAY(r.elems[1].elems[3], {"auth", "(redacted)", "(redacted)"});
  const Reply& args = r.elems[2].elems[3];
  ASSERT_EQ(args.elems.size(), 32u);
  EXPECT_EQ(args.elems[2], std::string(128, 'v') + "... (72 more bytes)");
  EXPECT_EQ(args.elems[31], "... (50 more arguments)");
}

TEST_F(SlowlogTest, ThresholdAndSkippedCommands) {
  server_.opts().slowlog_log_slower_than.set(-1);
  Run({"slowlog", "reset"});
  Run({"set", "a", "1"});
  EXPECT_INT(Run({"slowlog", "len"}), 0);
  server_.opts().slowlog_log_slower_than.set(0);
  Run({"slowlog", "reset"});
  Run({"multi"});
  Run({"incr", "n"});
  Run({"exec"});  // EXEC itself is never logged; the commands it ran are
  Reply r = Run({"slowlog", "get"});
  for (auto& e : r.elems) EXPECT_NE(e.elems[3].elems[0].str, "exec");
  EXPECT_ARRAY(r.elems[0].elems[3], {"incr", "n"});
}

TEST_F(SlowlogTest, MonitorLines) {
  Session mon;
  mon.id = 50;
  std::string inbox;
  auto sub = std::make_shared<Subscriber>();
  sub->owner = CurrentWorker();
  sub->push_local = [&](std::string_view m) { inbox.append(m); };
  mon.subscriber = sub;
  EXPECT_EQ(server_.RunAs(mon, {"monitor"}), "OK");
  server_.session().addr = "127.0.0.1:5000";
  Run({"set", "k", "a\"b\n"});
  Run({"config", "get", "x"});  // admin commands are not shown
  Run({"auth", "pw"});
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < inbox.size();) {
    size_t end = inbox.find("\r\n", pos);
    std::string line = inbox.substr(pos, end - pos);
    lines.push_back(line.substr(line.find(' ') + 1));  // drop the timestamp
    pos = end + 2;
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"[0 127.0.0.1:5000] \"set\" \"k\" \"a\\\"b\\n\"",
                                             "[0 127.0.0.1:5000] \"auth\" \"(redacted)\""}));
  EXPECT_ERR(server_.RunAs(mon, {"get", "k"}), "ERR Replica can't interact with the keyspace");
  server_.dispatcher().ClientClosed(mon);
  EXPECT_FALSE(server_.dispatcher().monitors().active());
}

}  // namespace
}  // namespace carmine::testing
