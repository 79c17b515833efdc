// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "sentinel/sentinel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace carmine::sentinel {
namespace {

struct Recorder {
  std::vector<std::pair<std::string, std::string>> events;
  int rewrites = 0;
  Sentinel::Hooks Hooks() {
    Sentinel::Hooks h;
    h.publish = [this](std::string_view c, std::string_view m) {
      events.emplace_back(std::string(c), std::string(m));
    };
    h.rewrite_config = [this] {
      rewrites++;
      return Status::Ok();
    };
    h.port = [] { return 26379; };
    return h;
  }
  bool Has(const std::string& type, const std::string& msg) const {
    for (auto& e : events) {
      if (e.first == type && e.second == msg) return true;
    }
    return false;
  }
};

std::vector<std::string> W(std::initializer_list<const char*> l) {
  return std::vector<std::string>(l.begin(), l.end());
}

const std::string kId(40, 'a');
const std::string kOther(40, 'b');

TEST(Sentinel, ConfigLinesRoundTrip) {
  Recorder r;
  Sentinel s(r.Hooks());
  EXPECT_EQ(s.Directive(W({"myid", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})), "");
  EXPECT_EQ(s.Directive(W({"monitor", "mymaster", "10.0.0.1", "6380", "2"})), "");
  EXPECT_EQ(s.Directive(W({"down-after-milliseconds", "mymaster", "5000"})), "");
  EXPECT_EQ(s.Directive(W({"failover-timeout", "mymaster", "60000"})), "");
  EXPECT_EQ(s.Directive(W({"parallel-syncs", "mymaster", "2"})), "");
  EXPECT_EQ(s.Directive(W({"auth-pass", "mymaster", "secret"})), "");
  EXPECT_EQ(s.Directive(W({"config-epoch", "mymaster", "3"})), "");
  EXPECT_EQ(s.Directive(W({"leader-epoch", "mymaster", "4"})), "");
  EXPECT_EQ(s.Directive(W({"known-slave", "mymaster", "10.0.0.2", "6380"})), "");
  EXPECT_EQ(s.Directive(W({"known-replica", "mymaster", "10.0.0.3", "6380"})), "");
  EXPECT_EQ(s.Directive(W({"known-sentinel", "mymaster", "10.0.0.9", "26379",
                           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})),
            "");
  EXPECT_EQ(s.Directive(W({"current-epoch", "5"})), "");
  std::vector<std::string> want = {
      "sentinel myid " + kId,
      "sentinel monitor mymaster 10.0.0.1 6380 2",
      "sentinel down-after-milliseconds mymaster 5000",
      "sentinel failover-timeout mymaster 60000",
      "sentinel parallel-syncs mymaster 2",
      "sentinel auth-pass mymaster secret",
      "sentinel config-epoch mymaster 3",
      "sentinel leader-epoch mymaster 4",
      "sentinel known-replica mymaster 10.0.0.2 6380",
      "sentinel known-replica mymaster 10.0.0.3 6380",
      "sentinel known-sentinel mymaster 10.0.0.9 26379 " + kOther,
      "sentinel current-epoch 5"};
  EXPECT_EQ(s.ConfigLines(), want);
  // Errors read as Redis's config errors.
  EXPECT_EQ(s.Directive(W({"down-after-milliseconds", "nope", "5000"})),
            "No such master with specified name.");
  EXPECT_EQ(s.Directive(W({"monitor", "x", "10.0.0.1", "abc", "2"})), "Invalid port number");
  EXPECT_EQ(s.Directive(W({"monitor", "x", "10.0.0.1", "1", "0"})),
            "Quorum must be 1 or greater.");
  EXPECT_EQ(s.Directive(W({"bogus"})), "Unrecognized sentinel configuration statement.");
}

TEST(Sentinel, VotesOncePerEpochAndFollowsNewerEpochs) {
  Recorder r;
  Sentinel s(r.Hooks());
  ASSERT_EQ(s.Directive(W({"monitor", "m", "10.0.0.1", "6379", "2"})), "");
  bool down;
  std::string leader;
  uint64_t epoch;
  s.IsMasterDownByAddr("10.0.0.1", 6379, 1, kId, &down, &leader, &epoch);
  EXPECT_FALSE(down);  // this Sentinel does not see it down
  EXPECT_EQ(leader, kId);
  EXPECT_EQ(epoch, 1u);
  EXPECT_EQ(s.current_epoch(), 1u);
  // Another candidate in the same epoch gets the vote already given.
  s.IsMasterDownByAddr("10.0.0.1", 6379, 1, kOther, &down, &leader, &epoch);
  EXPECT_EQ(leader, kId);
  // A newer epoch: a new vote.
  s.IsMasterDownByAddr("10.0.0.1", 6379, 2, kOther, &down, &leader, &epoch);
  EXPECT_EQ(leader, kOther);
  EXPECT_EQ(epoch, 2u);
  EXPECT_TRUE(r.Has("+vote-for-leader", kOther + " 2"));
  EXPECT_TRUE(r.Has("+new-epoch", "2"));
  // "*" only asks whether it is down; unknown addresses get no vote.
  s.IsMasterDownByAddr("10.0.0.1", 6379, 3, "*", &down, &leader, &epoch);
  EXPECT_EQ(leader, "*");
  s.IsMasterDownByAddr("10.9.9.9", 1, 9, kId, &down, &leader, &epoch);
  EXPECT_EQ(leader, "*");
  EXPECT_EQ(epoch, 0u);
}

TEST(Sentinel, HellosAddSentinelsAndCarryNewerConfigurations) {
  Recorder r;
  Sentinel s(r.Hooks());
  ASSERT_EQ(s.Directive(W({"myid", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})), "");
  ASSERT_EQ(s.Directive(W({"monitor", "m", "10.0.0.1", "6379", "2"})), "");
  s.ProcessHello("10.0.0.7,26380," + kOther + ",0,m,10.0.0.1,6379,0");
  Instance* m = s.FindMaster("m");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->sentinels.size(), 1u);
  EXPECT_EQ(m->sentinels.begin()->second->port, 26380);
  EXPECT_TRUE(r.Has("+sentinel", "sentinel " + kOther + " 10.0.0.7 26380 @ m 10.0.0.1 6379"));
  // Malformed and self-sent hellos are ignored.
  s.ProcessHello("garbage");
  s.ProcessHello("10.0.0.8,26381," + kId + ",0,m,10.0.0.1,6379,0");
  EXPECT_EQ(m->sentinels.size(), 1u);
  // A newer configuration epoch with another address: the master moved.
  s.ProcessHello("10.0.0.7,26380," + kOther + ",4,m,10.0.0.2,6390,4");
  EXPECT_EQ(s.current_epoch(), 4u);
  EXPECT_EQ(m->ip, "10.0.0.2");
  EXPECT_EQ(m->port, 6390);
  EXPECT_EQ(m->config_epoch, 4u);
  EXPECT_TRUE(r.Has("+switch-master", "m 10.0.0.1 6379 10.0.0.2 6390"));
  ASSERT_EQ(m->slaves.count("10.0.0.1:6379"), 1u);  // the old master is listed as a replica
  // An older epoch changes nothing.
  s.ProcessHello("10.0.0.7,26380," + kOther + ",4,m,10.0.0.3,1,2");
  EXPECT_EQ(m->ip, "10.0.0.2");
  EXPECT_GT(r.rewrites, 0);
}

TEST(Sentinel, QuorumCheckAndInfoSection) {
  Recorder r;
  Sentinel s(r.Hooks());
  ASSERT_EQ(s.Directive(W({"monitor", "m", "10.0.0.1", "6379", "2"})), "");
  Instance* m = s.FindMaster("m");
  EXPECT_EQ(s.CheckQuorum(*m),
            "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified "
            "quorum for this master");
  s.ProcessHello("10.0.0.7,26380," + kOther + ",0,m,10.0.0.1,6379,0");
  EXPECT_EQ(s.CheckQuorum(*m),
            "+OK 2 usable Sentinels. Quorum and failover authorization can be reached");
  EXPECT_EQ(s.InfoSection(),
            "# Sentinel\r\nsentinel_masters:1\r\nsentinel_tilt:0\r\n"
            "sentinel_tilt_since_seconds:-1\r\nsentinel_running_scripts:0\r\n"
            "sentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:0\r\n"
            "master0:name=m,status=ok,address=10.0.0.1:6379,slaves=0,sentinels=2\r\n");
  EXPECT_EQ(s.Reset("m*"), 1);
  EXPECT_TRUE(m->sentinels.empty());
}

}  // namespace
}  // namespace carmine::sentinel
