// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "cluster/bus.h"

#include <cstring>

namespace carmine::cluster {
namespace {

// Header field offsets (fixed by the protocol: nodes of different versions must agree).
constexpr size_t kOffTotlen = 4, kOffVer = 8, kOffPort = 10, kOffType = 12, kOffCount = 14;
constexpr size_t kOffCurrentEpoch = 16, kOffConfigEpoch = 24, kOffOffset = 32, kOffSender = 40;
constexpr size_t kOffSlots = 80, kOffMaster = 2128, kOffIp = 2168, kOffExtensions = 2214;
constexpr size_t kOffPport = 2246, kOffCport = 2248, kOffFlags = 2250, kOffState = 2252;
constexpr size_t kOffMflags = 2253;
constexpr size_t kExtHeaderLen = 8;

void Put16(std::string& b, size_t off, uint16_t v) {
  b[off] = static_cast<char>(v >> 8);
  b[off + 1] = static_cast<char>(v);
}
void Put32(std::string& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) b[off + i] = static_cast<char>(v >> (24 - 8 * i));
}
void Put64(std::string& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; i++) b[off + i] = static_cast<char>(v >> (56 - 8 * i));
}
// Copies at most `width` bytes of `s`; the rest stays NUL.
void PutStr(std::string& b, size_t off, std::string_view s, size_t width) {
  memcpy(&b[off], s.data(), std::min(s.size(), width));
}
uint16_t Get16(std::string_view b, size_t off) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[off]) << 8) | static_cast<uint8_t>(b[off + 1]));
}
uint32_t Get32(std::string_view b, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | static_cast<uint8_t>(b[off + i]);
  return v;
}
uint64_t Get64(std::string_view b, size_t off) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(b[off + i]);
  return v;
}
// A NUL-padded field: up to the first NUL.
std::string GetStr(std::string_view b, size_t off, size_t width) {
  std::string_view f = b.substr(off, width);
  size_t nul = f.find('\0');
  return std::string(nul == std::string_view::npos ? f : f.substr(0, nul));
}
size_t Align8(size_t n) { return (n + 7) / 8 * 8; }

void AppendExt(std::string& b, uint16_t type, std::string_view data, size_t len) {
  size_t off = b.size();
  b.resize(off + len, '\0');
  Put32(b, off, static_cast<uint32_t>(len));
  Put16(b, off + 4, type);
  memcpy(&b[off + kExtHeaderLen], data.data(), data.size());
}

}  // namespace

const char* MsgTypeName(uint16_t type) {
  static const char* kNames[kMsgTypes] = {"ping",     "pong",     "meet",    "fail",
                                          "publish",  "auth-req", "auth-ack", "update",
                                          "mfstart",  "module",   "publishshard"};
  return type < kMsgTypes ? kNames[type] : "unknown";
}

std::string Encode(const Message& m) {
  std::string b(kHeaderLen, '\0');
  memcpy(&b[0], "RCmb", 4);
  Put16(b, kOffVer, 1);
  Put16(b, kOffPort, m.port);
  Put16(b, kOffType, m.type);
  Put64(b, kOffCurrentEpoch, m.current_epoch);
  Put64(b, kOffConfigEpoch, m.config_epoch);
  Put64(b, kOffOffset, m.offset);
  PutStr(b, kOffSender, m.sender, kNameLen);
  memcpy(&b[kOffSlots], m.slots.bytes.data(), m.slots.bytes.size());
  PutStr(b, kOffMaster, m.master, kNameLen);
  PutStr(b, kOffIp, m.ip, kIpLen - 1);
  Put16(b, kOffPport, m.pport);
  Put16(b, kOffCport, m.cport);
  Put16(b, kOffFlags, m.flags);
  b[kOffState] = static_cast<char>(m.state);
  uint8_t mflags = m.mflags;
  switch (m.type) {
    case kPing:
    case kPong:
    case kMeet: {
      Put16(b, kOffCount, static_cast<uint16_t>(m.gossip.size()));
      for (const Gossip& g : m.gossip) {
        size_t off = b.size();
        b.resize(off + kGossipLen, '\0');
        PutStr(b, off, g.name, kNameLen);
        Put32(b, off + 40, g.ping_sent);
        Put32(b, off + 44, g.pong_received);
        PutStr(b, off + 48, g.ip, kIpLen - 1);
        Put16(b, off + 94, g.port);
        Put16(b, off + 96, g.cport);
        Put16(b, off + 98, g.flags);
        Put16(b, off + 100, g.pport);
      }
      uint16_t exts = 0;
      auto text_ext = [&](uint16_t type, const std::string& s) {
        if (s.empty()) return;
        AppendExt(b, type, s, Align8(kExtHeaderLen + s.size() + 1));
        exts++;
      };
      text_ext(kExtHostname, m.hostname);
      text_ext(kExtHumanNodename, m.human_nodename);
      for (auto& [name, ttl] : m.forgotten) {
        std::string data(kNameLen + 8, '\0');
        PutStr(data, 0, name, kNameLen);
        Put64(data, kNameLen, ttl);
        AppendExt(b, kExtForgotten, data, kExtHeaderLen + data.size());
        exts++;
      }
      if (!m.shard_id.empty()) {
        AppendExt(b, kExtShardId, m.shard_id.substr(0, kNameLen), kExtHeaderLen + kNameLen);
        exts++;
      }
      Put16(b, kOffExtensions, exts);
      // Redis 7.2 marks every ping as able to carry extensions, even with none attached.
      mflags |= kExtData;
      break;
    }
    case kFail:
      b.resize(kHeaderLen + kNameLen, '\0');
      PutStr(b, kHeaderLen, m.about, kNameLen);
      break;
    case kUpdate:
      b.resize(kHeaderLen + kUpdateBodyLen, '\0');
      Put64(b, kHeaderLen, m.update_epoch);
      PutStr(b, kHeaderLen + 8, m.about, kNameLen);
      memcpy(&b[kHeaderLen + 8 + kNameLen], m.update_slots.bytes.data(), kSlots / 8);
      break;
    case kPublish:
    case kPublishShard: {
      b.resize(kHeaderLen + 8, '\0');
      Put32(b, kHeaderLen, static_cast<uint32_t>(m.channel.size()));
      Put32(b, kHeaderLen + 4, static_cast<uint32_t>(m.payload.size()));
      b += m.channel;
      b += m.payload;
      break;
    }
    default:
      break;
  }
  b[kOffMflags] = static_cast<char>(mflags);
  Put32(b, kOffTotlen, static_cast<uint32_t>(b.size()));
  return b;
}

int64_t FrameLength(std::string_view buf) {
  if (buf.size() < 8) return 0;
  if (memcmp(buf.data(), "RCmb", 4) != 0) return -1;
  uint32_t len = Get32(buf, kOffTotlen);
  if (len < kHeaderLen) return -1;
  return len;
}

bool Decode(std::string_view f, Message* m, std::string* why) {
  auto bad = [why](const char* w) {
    *why = w;
    return false;
  };
  if (f.size() < kHeaderLen || FrameLength(f) != static_cast<int64_t>(f.size())) {
    return bad("Bad message length");
  }
  if (Get16(f, kOffVer) != 1) return bad("Unsupported protocol version");
  m->type = Get16(f, kOffType);
  m->port = Get16(f, kOffPort);
  m->current_epoch = Get64(f, kOffCurrentEpoch);
  m->config_epoch = Get64(f, kOffConfigEpoch);
  m->offset = Get64(f, kOffOffset);
  m->sender = GetStr(f, kOffSender, kNameLen);
  memcpy(m->slots.bytes.data(), f.data() + kOffSlots, kSlots / 8);
  m->master = GetStr(f, kOffMaster, kNameLen);
  m->ip = GetStr(f, kOffIp, kIpLen);
  m->pport = Get16(f, kOffPport);
  m->cport = Get16(f, kOffCport);
  m->flags = Get16(f, kOffFlags);
  m->state = static_cast<uint8_t>(f[kOffState]);
  m->mflags = static_cast<uint8_t>(f[kOffMflags]);
  const size_t total = f.size();
  switch (m->type) {
    case kPing:
    case kPong:
    case kMeet: {
      size_t count = Get16(f, kOffCount);
      size_t off = kHeaderLen + count * kGossipLen;
      if (off > total) return bad("Bad message length");
      m->gossip.resize(count);
      for (size_t i = 0; i < count; i++) {
        size_t g = kHeaderLen + i * kGossipLen;
        Gossip& e = m->gossip[i];
        e.name = GetStr(f, g, kNameLen);
        e.ping_sent = Get32(f, g + 40);
        e.pong_received = Get32(f, g + 44);
        e.ip = GetStr(f, g + 48, kIpLen);
        e.port = Get16(f, g + 94);
        e.cport = Get16(f, g + 96);
        e.flags = Get16(f, g + 98);
        e.pport = Get16(f, g + 100);
      }
      if (!(m->mflags & kExtData)) {
        // Extensions are only read from senders that announce them; the rest must be gossip.
        if (off != total) return bad("Bad message length");
        break;
      }
      size_t exts = Get16(f, kOffExtensions);
      for (size_t i = 0; i < exts; i++) {
        if (off + kExtHeaderLen > total) return bad("Bad message length");
        size_t len = Get32(f, off);
        uint16_t type = Get16(f, off + 4);
        if (len < kExtHeaderLen || len % 8 != 0 || off + len > total) {
          return bad("Bad message length");
        }
        std::string_view data = f.substr(off + kExtHeaderLen, len - kExtHeaderLen);
        switch (type) {
          case kExtHostname:
            m->hostname = GetStr(data, 0, data.size());
            break;
          case kExtHumanNodename:
            m->human_nodename = GetStr(data, 0, data.size());
            break;
          case kExtForgotten:
            if (data.size() < kNameLen + 8) return bad("Bad message length");
            m->forgotten.emplace_back(GetStr(data, 0, kNameLen), Get64(data, kNameLen));
            break;
          case kExtShardId:
            if (data.size() < kNameLen) return bad("Bad message length");
            m->shard_id = GetStr(data, 0, kNameLen);
            break;
          default:
            break;  // a newer node's extension: skipped, as Redis skips unknown ones
        }
        off += len;
      }
      if (off != total) return bad("Bad message length");
      break;
    }
    case kFail:
      if (total != kHeaderLen + kNameLen) return bad("Bad message length");
      m->about = GetStr(f, kHeaderLen, kNameLen);
      break;
    case kUpdate:
      if (total != kHeaderLen + kUpdateBodyLen) return bad("Bad message length");
      m->update_epoch = Get64(f, kHeaderLen);
      m->about = GetStr(f, kHeaderLen + 8, kNameLen);
      memcpy(m->update_slots.bytes.data(), f.data() + kHeaderLen + 8 + kNameLen, kSlots / 8);
      break;
    case kPublish:
    case kPublishShard: {
      if (total < kHeaderLen + 8) return bad("Bad message length");
      uint64_t clen = Get32(f, kHeaderLen), mlen = Get32(f, kHeaderLen + 4);
      if (kHeaderLen + 8 + clen + mlen != total) return bad("Bad message length");
      m->channel.assign(f.substr(kHeaderLen + 8, clen));
      m->payload.assign(f.substr(kHeaderLen + 8 + clen, mlen));
      break;
    }
    case kAuthRequest:
    case kAuthAck:
    case kMfStart:
      if (total != kHeaderLen) return bad("Bad message length");
      break;
    default:
      break;  // module messages and unknown types: the header is still valid
  }
  return true;
}

}  // namespace carmine::cluster
