// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The cluster bus wire format, as Redis 7.2 nodes speak it, so Carmine and redis-server nodes
// form one cluster. Every message is a fixed 2256-byte header (signature "RCmb", total length,
// version 1, the sender's ports, type, epochs, replication offset, name, slot bitmap, master,
// IP, flags, state and message flags) followed by a body that depends on the type: gossip
// entries (104 bytes each) and 8-byte-aligned extensions for PING/PONG/MEET, a node name for
// FAIL, channel and message for PUBLISH/PUBLISHSHARD, an epoch, name and slot bitmap for UPDATE,
// nothing for the failover messages. Integers are big-endian; strings are NUL-padded.
//
// Decode checks what Redis checks before it acts on a message (signature, minimum and exact
// length for the type); a malformed message is reported, never half-read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carmine::cluster {

inline constexpr size_t kNameLen = 40;
inline constexpr size_t kIpLen = 46;
inline constexpr int kSlots = 16384;
inline constexpr size_t kHeaderLen = 2256;
inline constexpr size_t kGossipLen = 104;
inline constexpr size_t kUpdateBodyLen = 8 + kNameLen + kSlots / 8;

enum MsgType : uint16_t {
  kPing = 0,
  kPong = 1,
  kMeet = 2,
  kFail = 3,
  kPublish = 4,
  kAuthRequest = 5,
  kAuthAck = 6,
  kUpdate = 7,
  kMfStart = 8,
  kModule = 9,
  kPublishShard = 10,
  kMsgTypes = 11,
};
// CLUSTER INFO's name of each type (cluster_stats_messages_<name>_sent).
const char* MsgTypeName(uint16_t type);

// Node flags, as the header and gossip entries carry them.
enum NodeFlag : uint16_t {
  kMaster = 1,
  kReplica = 2,
  kPFail = 4,
  kFailed = 8,
  kMyself = 16,
  kHandshake = 32,
  kNoAddr = 64,
  kMeetFlag = 128,
  kMigrateTo = 256,
  kNoFailover = 512,
};

// Message flags (mflags[0]).
enum MsgFlag : uint8_t { kPaused = 1, kForceAck = 2, kExtData = 4 };

// Ping extension types.
enum ExtType : uint16_t { kExtHostname = 0, kExtHumanNodename = 1, kExtForgotten = 2, kExtShardId = 3 };

// Slot ownership bitmap in the wire's bit order (slot s is bit s%8 of byte s/8).
struct SlotBits {
  std::array<uint8_t, kSlots / 8> bytes{};
  bool test(int s) const { return bytes[s >> 3] & (1u << (s & 7)); }
  void set(int s) { bytes[s >> 3] |= static_cast<uint8_t>(1u << (s & 7)); }
  void clear(int s) { bytes[s >> 3] &= static_cast<uint8_t>(~(1u << (s & 7))); }
  bool operator==(const SlotBits&) const = default;
};

struct Gossip {
  std::string name;
  uint32_t ping_sent = 0, pong_received = 0;  // seconds
  std::string ip;
  uint16_t port = 0, cport = 0, flags = 0, pport = 0;
};

struct Message {
  // Header.
  uint16_t type = kPing;
  uint16_t port = 0;   // client port (the TLS one when the bus runs over TLS)
  uint16_t pport = 0;  // plaintext client port when `port` is TLS
  uint16_t cport = 0;  // bus port
  uint64_t current_epoch = 0, config_epoch = 0, offset = 0;
  std::string sender;  // 40 chars
  SlotBits slots;
  std::string master;  // "" when the sender is a master
  std::string ip;      // "" when the sender leaves it to the receiver (no announce-ip)
  uint16_t flags = 0;
  uint8_t state = 0;  // 0 ok, 1 fail
  uint8_t mflags = 0;
  // PING/PONG/MEET.
  std::vector<Gossip> gossip;
  std::string hostname, human_nodename, shard_id;
  std::vector<std::pair<std::string, uint64_t>> forgotten;  // node, ttl in seconds
  // FAIL, UPDATE: the node concerned.
  std::string about;
  // UPDATE.
  uint64_t update_epoch = 0;
  SlotBits update_slots;
  // PUBLISH / PUBLISHSHARD.
  std::string channel, payload;
};

std::string Encode(const Message& m);

// How much of a message `buf` holds: the total length once 8 bytes arrived and they look like a
// message (0 until then), or -1 when they do not (the link is dropped, as Redis does).
int64_t FrameLength(std::string_view buf);

// Decodes one whole message (`frame` is exactly its total length). False, with `why`, when its
// version, length or content is not acceptable; the message is then ignored.
bool Decode(std::string_view frame, Message* m, std::string* why);

}  // namespace carmine::cluster
