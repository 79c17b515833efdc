// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The cluster bus format (field offsets fixed by the protocol, every message type round-trips,
// malformed messages are refused without reading past them) and nodes.conf (written as Redis
// writes it, and read back, including a file a redis-server node wrote).
#include <gtest/gtest.h>

#include <sstream>

#include "cluster/bus.h"
#include "cluster/state.h"

namespace carmine::cluster {
namespace {

Message Sample(uint16_t type) {
  Message m;
  m.type = type;
  m.port = 7000;
  m.cport = 17000;
  m.pport = 0;
  m.current_epoch = 12;
  m.config_epoch = 7;
  m.offset = 123456789;
  m.sender = std::string(40, 'a');
  m.slots.set(0);
  m.slots.set(5460);
  m.slots.set(16383);
  m.master = type == kAuthRequest ? std::string(40, 'b') : "";
  m.ip = "127.0.0.1";
  m.flags = kMaster;
  m.state = 1;
  return m;
}

TEST(ClusterBus, HeaderFieldsSitWhereTheProtocolPutsThem) {
  Message m = Sample(kPing);
  std::string b = Encode(m);
  ASSERT_GE(b.size(), kHeaderLen);
  EXPECT_EQ(b.substr(0, 4), "RCmb");
  EXPECT_EQ(FrameLength(b), static_cast<int64_t>(b.size()));
  EXPECT_EQ(static_cast<uint8_t>(b[9]), 1);                      // version
  EXPECT_EQ((static_cast<uint8_t>(b[10]) << 8) | static_cast<uint8_t>(b[11]), 7000);
  EXPECT_EQ(b.substr(40, 40), std::string(40, 'a'));               // sender
  EXPECT_EQ(static_cast<uint8_t>(b[80]), 1);                       // slot 0
  EXPECT_EQ(static_cast<uint8_t>(b[80 + 16383 / 8]), 0x80);        // slot 16383
  EXPECT_EQ(b.substr(2168, 9), "127.0.0.1");                       // myip
  EXPECT_EQ((static_cast<uint8_t>(b[2248]) << 8) | static_cast<uint8_t>(b[2249]), 17000);
  EXPECT_EQ(static_cast<uint8_t>(b[2252]), 1);                     // state
  EXPECT_TRUE(static_cast<uint8_t>(b[2253]) & kExtData);           // pings carry extensions
}

TEST(ClusterBus, EveryTypeRoundTrips) {
  for (uint16_t t : {kPing, kPong, kMeet, kFail, kPublish, kAuthRequest, kAuthAck, kUpdate,
                     kMfStart, kPublishShard}) {
    Message m = Sample(t);
    if (t == kPing || t == kMeet || t == kPong) {
      Gossip g;
      g.name = std::string(40, 'c');
      g.ip = "10.0.0.1";
      g.port = 7001;
      g.cport = 17001;
      g.flags = kReplica | kPFail;
      g.ping_sent = 5;
      g.pong_received = 6;
      m.gossip = {g, g};
      m.hostname = "node-1.example";
      m.human_nodename = "east-1";
      m.shard_id = std::string(40, 'd');
      m.forgotten = {{std::string(40, 'e'), 59}};
    }
    if (t == kFail || t == kUpdate) m.about = std::string(40, 'f');
    if (t == kUpdate) {
      m.update_epoch = 99;
      m.update_slots.set(42);
    }
    if (t == kPublish || t == kPublishShard) {
      m.channel = "news";
      m.payload = std::string("a\0b", 3);
    }
    std::string b = Encode(m);
    Message d;
    std::string why;
    ASSERT_TRUE(Decode(b, &d, &why)) << t << ": " << why;
    EXPECT_EQ(d.type, t);
    EXPECT_EQ(d.sender, m.sender);
    EXPECT_EQ(d.current_epoch, 12u);
    EXPECT_EQ(d.config_epoch, 7u);
    EXPECT_EQ(d.offset, 123456789u);
    EXPECT_TRUE(d.slots == m.slots);
    EXPECT_EQ(d.master, m.master);
    EXPECT_EQ(d.ip, "127.0.0.1");
    EXPECT_EQ(d.cport, 17000);
    ASSERT_EQ(d.gossip.size(), m.gossip.size());
    for (size_t i = 0; i < d.gossip.size(); i++) {
      EXPECT_EQ(d.gossip[i].name, m.gossip[i].name);
      EXPECT_EQ(d.gossip[i].ip, "10.0.0.1");
      EXPECT_EQ(d.gossip[i].flags, kReplica | kPFail);
      EXPECT_EQ(d.gossip[i].pong_received, 6u);
    }
    EXPECT_EQ(d.hostname, m.hostname);
    EXPECT_EQ(d.human_nodename, m.human_nodename);
    EXPECT_EQ(d.shard_id, m.shard_id);
    EXPECT_EQ(d.forgotten, m.forgotten);
    EXPECT_EQ(d.about, m.about);
    EXPECT_EQ(d.update_epoch, m.update_epoch);
    EXPECT_TRUE(d.update_slots == m.update_slots);
    EXPECT_EQ(d.channel, m.channel);
    EXPECT_EQ(d.payload, m.payload);
  }
}

TEST(ClusterBus, MalformedMessagesAreRefused) {
  std::string why;
  Message d;
  EXPECT_EQ(FrameLength("RCm"), 0);
  EXPECT_EQ(FrameLength(std::string("XXXX\0\0\x10\0", 8)), -1);
  EXPECT_EQ(FrameLength(std::string("RCmb\0\0\0\x10", 8)), -1);  // under the header's length
  std::string fail = Encode(Sample(kFail));
  std::string longer = fail + "x";
  longer[7] = static_cast<char>(longer[7] + 1);
  EXPECT_FALSE(Decode(longer, &d, &why));
  EXPECT_EQ(why, "Bad message length");
  std::string ping = Encode(Sample(kPing));
  std::string bad_version = ping;
  bad_version[9] = 2;
  EXPECT_FALSE(Decode(bad_version, &d, &why));
  // A gossip count past the end, and an extension whose length overruns the message.
  std::string many = ping;
  many[15] = 9;
  EXPECT_FALSE(Decode(many, &d, &why));
  Message with_ext = Sample(kPing);
  with_ext.hostname = "h";
  std::string ext = Encode(with_ext);
  ext[kHeaderLen + 3] = 64;
  EXPECT_FALSE(Decode(ext, &d, &why));
  std::string pub = Encode(Sample(kPublish));
  pub[kHeaderLen + 3] = 100;  // channel length past the end
  EXPECT_FALSE(Decode(pub, &d, &why));
}

TEST(ClusterState, NodesConfRoundTripsAndReadsRedisFiles) {
  ClusterState st;
  std::string text =
      "1c1a9af41b2236595e62a376f0953ac492339afc 127.0.0.1:24003@34003,,tls-port=0,shard-id="
      "1c7091de38439f9680c901a0fe0b53b8f15bd8cd master - 0 1796513097676 3 connected "
      "8192-12287\n"
      "2a24a5ba4cc146b2674387bfdc65c104f8411007 127.0.0.1:24002@34002,,tls-port=0,shard-id="
      "b2e773f8bf1872e47266a56bcfa5aeb28b4b0bb1 slave 1c1a9af41b2236595e62a376f0953ac492339afc 0 "
      "1796513098377 3 connected\n"
      "c24c7f1a93f37e40f629376c80c886c87b984d50 127.0.0.1:24001@34001,,tls-port=0,shard-id="
      "dee814061b4ea8b08e144babde71271b3c5ebda6 myself,master - 0 0 1 connected 0-4095 4097 "
      "[4096->-1c1a9af41b2236595e62a376f0953ac492339afc]\n"
      "vars currentEpoch 4 lastVoteEpoch 2\n";
  std::string why;
  ASSERT_TRUE(st.Parse(text, 0, &why)) << why;
  ASSERT_NE(st.myself(), nullptr);
  EXPECT_EQ(st.myself()->name, "c24c7f1a93f37e40f629376c80c886c87b984d50");
  EXPECT_EQ(st.myself()->num_slots, 4097);
  EXPECT_EQ(st.current_epoch, 4u);
  EXPECT_EQ(st.last_vote_epoch, 2u);
  Node* replica = st.Find("2a24a5ba4cc146b2674387bfdc65c104f8411007");
  ASSERT_NE(replica, nullptr);
  EXPECT_TRUE(replica->is_replica());
  EXPECT_EQ(replica->shard_id, "1c7091de38439f9680c901a0fe0b53b8f15bd8cd");  // its master's
  EXPECT_EQ(st.SlotOwner(10000)->name, "1c1a9af41b2236595e62a376f0953ac492339afc");
  EXPECT_EQ(st.SlotOwner(4096), nullptr);
  EXPECT_EQ(st.migrating_to(4096)->name, "1c1a9af41b2236595e62a376f0953ac492339afc");
  EXPECT_EQ(st.Size(), 2);
  std::string line = st.Describe(*st.myself(), false);
  EXPECT_EQ(line,
            "c24c7f1a93f37e40f629376c80c886c87b984d50 127.0.0.1:24001@34001 myself,master - 0 "
            "0 1 connected 0-4095 4097 "
            "[4096->-1c1a9af41b2236595e62a376f0953ac492339afc]");
  // A client on TLS sees the TLS port (tls-port= in the file, 0 here).
  EXPECT_EQ(st.Describe(*st.myself(), false, true).substr(41, 20), "127.0.0.1:0@34001 my");
  // A replica's line carries its master's epoch.
  {
    std::istringstream fields(st.Describe(*replica, false));
    std::string f[7];
    for (auto& x : f) fields >> x;
    EXPECT_EQ(f[6], std::to_string(st.Find(replica->master_name)->config_epoch));
  }
  ClusterState again;
  ASSERT_TRUE(again.Parse(st.Serialize(), 0, &why)) << why;
  EXPECT_EQ(again.Serialize(), st.Serialize());
  EXPECT_FALSE(again.Parse("garbage\n", 0, &why));
  EXPECT_FALSE(again.Parse("vars currentEpoch 1\n", 0, &why));  // no myself
}

TEST(ClusterState, FlagsAndSlotRanges) {
  EXPECT_EQ(FlagsText(kMyself | kMaster), "myself,master");
  EXPECT_EQ(FlagsText(kReplica | kPFail), "slave,fail?");
  EXPECT_EQ(FlagsText(0), "noflags");
  SlotBits b;
  for (int s : {0, 1, 2, 7, 16383}) b.set(s);
  auto r = ClusterState::Ranges(b);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], std::make_pair(0, 2));
  EXPECT_EQ(r[1], std::make_pair(7, 7));
  EXPECT_EQ(r[2], std::make_pair(16383, 16383));
  EXPECT_TRUE(ValidName(RandomName()));
  EXPECT_FALSE(ValidName("xyz"));
}

}  // namespace
}  // namespace carmine::cluster
