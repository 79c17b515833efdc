// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Pub/Sub, keyspace events and tracking through the dispatcher, with subscribers that capture
// what would be written to their connection: subscription replies, message encoding in RESP2 and
// RESP3, pattern matching, subscribed-mode rules, notify-keyspace-events flag parsing and the
// events commands report, and tracking invalidations.
#include "pubsub/pubsub.h"
#include "pubsub/tracking.h"
#include "db/notify.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

// A session whose subscriber appends delivered bytes to `inbox`.
struct Listener {
  Session session;
  std::string inbox;
  explicit Listener(uint64_t id, int resp = 2) {
    session.id = id;
    session.resp = resp;
    auto sub = std::make_shared<Subscriber>();
    sub->client_id = id;
    sub->owner = CurrentWorker();  // this thread: delivery is direct
    sub->resp = resp;
    sub->push_local = [this](std::string_view m) { inbox.append(m); };
    sub->post = [this](std::string m) { inbox.append(m); };
    session.subscriber = std::move(sub);
  }
  std::string Take() {
    std::string out;
    out.swap(inbox);
    return out;
  }
};

class PubSubTest : public CommandTest {
 protected:
  Reply As(Listener& l, std::vector<std::string> args) {
    return server_.RunAs(l.session, std::move(args));
  }
};

TEST_F(PubSubTest, ChannelAndPatternDelivery) {
  Listener a(10), b(11, 3);
  // One confirmation per channel (the helper parses one reply per command).
  Reply r = As(a, {"subscribe", "news"});
  ASSERT_EQ(r.type, Reply::kArray);
  EXPECT_EQ(r.elems[0], "subscribe");
  EXPECT_INT(r.elems[2], 1);
  EXPECT_INT(As(a, {"subscribe", "sport"}).elems[2], 2);
  As(b, {"psubscribe", "n*"});
  EXPECT_INT(Run({"publish", "news", "hi"}), 2);
  EXPECT_EQ(a.Take(), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(b.Take(), ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_INT(Run({"publish", "sport", "x"}), 1);
  EXPECT_INT(Run({"publish", "nothing", "x"}), 1);  // n* matches
  EXPECT_INT(Run({"pubsub", "numpat"}), 1);
  Reply ns = Run({"pubsub", "numsub", "news", "zzz"});
  ASSERT_EQ(ns.elems.size(), 4u);
  EXPECT_INT(ns.elems[1], 1);
  EXPECT_INT(ns.elems[3], 0);
  server_.dispatcher().ClientClosed(a.session);
  server_.dispatcher().ClientClosed(b.session);
  EXPECT_INT(Run({"publish", "news", "hi"}), 0);
}

TEST_F(PubSubTest, SubscribedModeAndReset) {
  Listener a(12);
  As(a, {"subscribe", "c"});
  EXPECT_ERR(As(a, {"get", "k"}), "ERR Can't execute 'get'");
  Reply p = As(a, {"ping", "x"});
  ASSERT_EQ(p.type, Reply::kArray);
  EXPECT_EQ(p.elems[0], "pong");
  EXPECT_EQ(As(a, {"reset"}), "RESET");
  EXPECT_NIL(As(a, {"get", "k"}));
  EXPECT_INT(Run({"publish", "c", "m"}), 0);
  Reply u = As(a, {"unsubscribe"});
  EXPECT_EQ(u.elems[1].type, Reply::kNil);
  EXPECT_INT(u.elems[2], 0);
}

TEST_F(PubSubTest, ShardChannelsAreSeparate) {
  Listener a(13);
  EXPECT_INT(As(a, {"ssubscribe", "s1"}).elems[2], 1);
  EXPECT_INT(As(a, {"ssubscribe", "s2"}).elems[2], 2);
  EXPECT_INT(Run({"spublish", "s1", "m"}), 1);
  EXPECT_INT(Run({"publish", "s1", "m"}), 0);
  EXPECT_EQ(a.Take(), "*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$1\r\nm\r\n");
  server_.dispatcher().ClientClosed(a.session);
}

TEST(NotifyFlags, ParseAndPrintAsRedis) {
  uint32_t f;
  ASSERT_TRUE(ParseNotifyFlags("KEA", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "AKE");
  ASSERT_TRUE(ParseNotifyFlags("Kgn$", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "g$nK");
  ASSERT_TRUE(ParseNotifyFlags("AKEmn", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "AKEm");  // Redis leaves 'n' out next to A
  EXPECT_TRUE(f & kNotifyNew);
  EXPECT_FALSE(ParseNotifyFlags("Kq", &f));
}

TEST_F(PubSubTest, CommandsReportRedisEvents) {
  server_.dbs().set_notify_flags(kNotifyAll | kNotifyKeyspace | kNotifyNew | kNotifyKeyMiss);
  Run({"set", "k", "v", "EX", "100"});
  Run({"get", "missing"});
  Run({"rpush", "l", "a"});
  Run({"lmove", "l", "l2", "RIGHT", "LEFT"});
  Run({"rename", "l2", "l3"});
  EXPECT_EQ(server_.TakeEvents(),
            (std::vector<std::string>{"0:new:k", "0:set:k", "0:expire:k", "0:keymiss:missing",
                                      "0:new:l", "0:rpush:l", "0:new:l2", "0:lpush:l2",
                                      "0:rpop:l", "0:del:l", "0:new:l3", "0:rename_from:l2",
                                      "0:rename_to:l3"}));
  Run({"set", "t", "1", "PX", "10"});
  server_.TakeEvents();
  AdvanceTime(20);
  Run({"get", "t"});
  EXPECT_EQ(server_.TakeEvents(), (std::vector<std::string>{"0:expired:t", "0:keymiss:t"}));
  server_.dbs().set_notify_flags(0);
  Run({"set", "quiet", "1"});
  EXPECT_TRUE(server_.TakeEvents().empty());
}

TEST(Tracking, InvalidatesReadersOnceAndHonoursNoloop) {
  TrackingRegistry reg;
  std::string inbox;
  auto sub = std::make_shared<Subscriber>();
  sub->owner = CurrentWorker();
  sub->resp = 3;
  sub->push_local = [&](std::string_view m) { inbox.append(m); };
  auto t = std::make_shared<ClientTracking>();
  t->client_id = 7;
  t->self = sub;
  t->target = sub;
  reg.Enable(t);
  reg.Remember(t, "k", 0);
  reg.Invalidate("k", 99);
  EXPECT_EQ(inbox, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  inbox.clear();
  reg.Invalidate("k", 99);  // forgotten after the first invalidation
  EXPECT_TRUE(inbox.empty());
  t->noloop = true;
  reg.Remember(t, "k", 0);
  reg.Invalidate("k", 7);  // its own write
  EXPECT_TRUE(inbox.empty());
  reg.Remember(t, "a", 2);
  reg.Remember(t, "b", 2);
  reg.Remember(t, "c", 2);  // over the limit: one key is invalidated to make room
  EXPECT_EQ(reg.tracked_keys(), 2u);
  EXPECT_NE(inbox.find("invalidate"), std::string::npos);
  inbox.clear();
  reg.InvalidateAll();
  EXPECT_EQ(inbox, ">2\r\n$10\r\ninvalidate\r\n_\r\n");
  reg.Disable(7);
  EXPECT_FALSE(reg.active());
}

}  // namespace
}  // namespace carmine::testing
