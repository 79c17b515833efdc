// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// What each bus message does to this node's view of the cluster.
#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"
#include "cluster/cluster.h"
#include "cluster/link.h"

namespace carmine {

using cluster::BusLink;
using cluster::kSlots;

namespace {
std::string HostOfAddr(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string ip = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (ip.size() > 2 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
  return ip;
}
}  // namespace

void Cluster::Process(BusLink* l, const Message& m, int64_t now) {
  const uint16_t type = m.type;
  Node* me = state_.myself();
  // The sender: the link's node once known, else the name the message carries.
  Node* sender = nullptr;
  if (l->node != nullptr && !l->node->handshake()) {
    sender = l->node;
  } else if (!m.sender.empty()) {
    sender = state_.Find(m.sender);
  }
  if (sender != nullptr && sender->myself()) sender = nullptr;  // a message from ourselves
  if (sender != nullptr && l->inbound && l->node == nullptr) {
    l->node = sender;
    sender->inbound = l;
  }
  if (sender != nullptr) sender->data_received = now;
  if (sender != nullptr && !sender->handshake()) {
    if (m.current_epoch > state_.current_epoch) {
      state_.current_epoch = m.current_epoch;
      MarkDirty();
    }
    if (m.config_epoch > sender->config_epoch) {
      sender->config_epoch = m.config_epoch;
      MarkDirty();
    }
    sender->repl_offset = static_cast<int64_t>(m.offset);
    // The master of a replica in a manual failover tells its offset while it holds writes.
    if (me->is_replica() && me->master_name == sender->name && mf_end_ != 0 &&
        mf_master_offset_ == -1 && (m.mflags & cluster::kPaused)) {
      mf_master_offset_ = static_cast<int64_t>(m.offset);
      LOG_WARNING("Received replication offset for paused master manual failover: %lld",
                  static_cast<long long>(mf_master_offset_));
    }
  }

  if (type == cluster::kPing || type == cluster::kMeet) {
    // This node learns its own address from the first node that meets it.
    if ((type == cluster::kMeet || me->ip.empty()) && opts_.cluster_announce_ip.get().empty()) {
      std::string ip = HostOfAddr(l->link->local());
      if (!ip.empty() && ip != me->ip) {
        me->ip = ip;
        LOG_NOTICE("IP address for this node updated to %s", ip.c_str());
        MarkDirty();
      }
    }
    if (sender == nullptr && type == cluster::kMeet) {
      // Added in handshake: our own PING on a new link confirms its name.
      std::string ip = m.ip.empty() ? HostOfAddr(l->link->peer()) : m.ip;
      StartHandshake(ip, m.port, m.cport, now);
      ProcessGossip(nullptr, m, now);
      MarkDirty();
    }
    SendPing(l, cluster::kPong);
  }

  if (type == cluster::kPing || type == cluster::kPong || type == cluster::kMeet) {
    if (!l->inbound && l->node != nullptr) {
      Node* n = l->node;
      if (n->handshake()) {
        if (sender != nullptr) {
          // Already known under its real name: the handshake node goes.
          LOG_VERBOSE("Handshake: we already know node %.40s, updating the address if needed.",
                      sender->name.c_str());
          DeleteNode(n);
          return;
        }
        if (!cluster::ValidName(m.sender) || state_.Find(m.sender) != nullptr) {
          DeleteNode(n);
          return;
        }
        state_.Rename(n, m.sender);
        LOG_DEBUG("Handshake with node %.40s completed.", m.sender.c_str());
        n->flags &= static_cast<uint16_t>(~cluster::kHandshake);
        n->flags |= m.flags & (cluster::kMaster | cluster::kReplica);
        MarkDirty();
        sender = n;
        sender->data_received = now;
      } else if (n->name != m.sender) {
        LOG_DEBUG("PONG contains mismatching sender ID. About node %.40s added %d ms ago, having "
                  "flags %d",
                  n->name.c_str(), static_cast<int>(now - n->ctime), n->flags);
        n->flags |= cluster::kNoAddr;
        n->ip.clear();
        n->port = n->cport = 0;
        FreeLink(l);
        MarkDirty();
        return;
      }
    }
    // The client port of the kind the bus does not carry as "port" comes in every header.
    if (sender != nullptr && !sender->handshake() && OtherPort(sender) != m.pport) {
      SetPorts(sender, BusPort(sender), m.pport);
      MarkDirty();
    }
    // A known node that pings from another address (restarted elsewhere, e.g. a new pod IP)
    // is reached there from now on.
    if (sender != nullptr && type == cluster::kPing && l->inbound && !sender->handshake()) {
      std::string ip = m.ip.empty() ? HostOfAddr(l->link->peer()) : m.ip;
      if (!ip.empty() &&
          (ip != sender->ip || m.port != BusPort(sender) || m.cport != sender->cport)) {
        sender->ip = ip;
        SetPorts(sender, m.port, m.pport);
        sender->cport = m.cport;
        sender->flags &= static_cast<uint16_t>(~cluster::kNoAddr);
        if (sender->link != nullptr) FreeLink(sender->link);
        LOG_NOTICE("Address updated for node %.40s (%s), now %s:%d", sender->name.c_str(),
                   sender->human_nodename.c_str(), ip.c_str(), m.port);
        if (me->is_replica() && me->master_name == sender->name) {
          host_.ReplicateFrom(sender->ip, ReplicationPort(sender));
        }
        MarkDirty();
      }
    }
    if (sender != nullptr) {
      const uint16_t nofailover = m.flags & cluster::kNoFailover;
      sender->flags = static_cast<uint16_t>((sender->flags & ~cluster::kNoFailover) | nofailover);
      sender->hostname = m.hostname;
      sender->human_nodename = m.human_nodename;
      if (!m.shard_id.empty() && sender->is_master()) sender->shard_id = m.shard_id;
    }
    if (!l->inbound && type == cluster::kPong && l->node != nullptr) {
      Node* n = l->node;
      n->pong_received = now;
      n->ping_sent = 0;
      if (n->pfail()) {
        n->flags &= static_cast<uint16_t>(~cluster::kPFail);
      } else if (n->failed()) {
        ClearFailureIfNeeded(n, now);
      }
    }
    if (sender == nullptr) return;
    // Role.
    if (m.master.empty()) {
      if (sender->is_replica()) {
        state_.SetMaster(sender);
        MarkDirty();
      }
    } else {
      Node* master = state_.Find(m.master);
      if (sender->is_master()) {
        state_.ClearSlots(sender);
        sender->flags &= static_cast<uint16_t>(~(cluster::kMaster | cluster::kMigrateTo));
        sender->flags |= cluster::kReplica;
        MarkDirty();
      }
      if (master != nullptr && sender->master_name != master->name) {
        state_.SetReplicaOf(sender, master);
        MarkDirty();
      } else if (master != nullptr) {
        sender->shard_id = master->shard_id;
      }
    }
    // Slots.
    if (sender->is_master() && !(sender->slots == m.slots)) {
      UpdateSlotsWith(sender, m.config_epoch, m.slots);
    }
    // A sender that claims slots we know are someone else's with a newer epoch is told.
    if (sender->is_master() || (m.flags & cluster::kMaster)) {
      for (int s = 0; s < kSlots; s++) {
        if (!m.slots.test(s)) continue;
        Node* owner = state_.SlotOwner(s);
        if (owner == nullptr || owner == sender) continue;
        if (owner->config_epoch > m.config_epoch) {
          Message u = Header(cluster::kUpdate);
          u.update_epoch = owner->config_epoch;
          u.about = owner->name;
          u.update_slots = owner->slots;
          Send(l, u);
          break;
        }
      }
    }
    if (sender->is_master() && me->is_master() && m.config_epoch == me->config_epoch) {
      HandleEpochCollision(sender);
    }
    ProcessGossip(sender, m, now);
    return;
  }

  if (sender == nullptr) return;
  switch (type) {
    case cluster::kFail: {
      Node* failing = state_.Find(m.about);
      if (failing != nullptr && !(failing->flags & (cluster::kFailed | cluster::kMyself))) {
        LOG_NOTICE("FAIL message received from %.40s about %.40s", sender->name.c_str(),
                   m.about.c_str());
        failing->flags |= cluster::kFailed;
        failing->fail_time = now;
        failing->flags &= static_cast<uint16_t>(~cluster::kPFail);
        MarkDirty();
      }
      break;
    }
    case cluster::kPublish:
    case cluster::kPublishShard:
      host_.PublishLocal(m.channel, m.payload, type == cluster::kPublishShard);
      break;
    case cluster::kAuthRequest:
      VoteIfNeeded(sender, m, now);
      break;
    case cluster::kAuthAck:
      if (sender->is_master() && sender->num_slots > 0 && m.current_epoch >= auth_epoch_) {
        auth_count_++;
      }
      break;
    case cluster::kMfStart:
      if (sender->is_replica() && sender->master_name == me->name) {
        ResetManualFailover();
        mf_end_ = now + 5000;
        mf_replica_ = sender->name;
        host_.PauseWrites(now + 10000);
        LOG_WARNING("Manual failover requested by replica %.40s.", sender->name.c_str());
        // The replica hears the offset to reach in this very ping.
        if (sender->link != nullptr && sender->link_up) SendPing(sender->link, cluster::kPing);
      }
      break;
    case cluster::kUpdate: {
      Node* n = state_.Find(m.about);
      if (n == nullptr || n->config_epoch >= m.update_epoch) break;
      if (n->is_replica()) state_.SetMaster(n);
      n->config_epoch = m.update_epoch;
      UpdateSlotsWith(n, m.update_epoch, m.update_slots);
      MarkDirty();
      break;
    }
    default:
      break;
  }
}

void Cluster::ProcessGossip(Node* sender, const Message& m, int64_t now) {
  Node* me = state_.myself();
  for (const cluster::Gossip& g : m.gossip) {
    Node* n = state_.Find(g.name);
    if (n != nullptr) {
      if (n->myself()) continue;
      if (sender != nullptr && sender->is_master()) {
        if (g.flags & (cluster::kFailed | cluster::kPFail)) {
          bool fresh = n->fail_reports.find(sender->name) == n->fail_reports.end();
          n->fail_reports[sender->name] = now;
          if (fresh) {
            LOG_VERBOSE("Node %.40s reported node %.40s as not reachable.", sender->name.c_str(),
                        n->name.c_str());
          }
          MarkFailingIfNeeded(n, now);
        } else if (n->fail_reports.erase(sender->name) > 0) {
          LOG_VERBOSE("Node %.40s reported node %.40s is back online.", sender->name.c_str(),
                      n->name.c_str());
        }
      }
      // A node we lost the address of, or that failed, may be elsewhere now.
      if ((n->flags & (cluster::kFailed | cluster::kNoAddr)) && n->link == nullptr &&
          !(g.flags & (cluster::kFailed | cluster::kPFail | cluster::kNoAddr)) && !g.ip.empty() &&
          (n->ip != g.ip || BusPort(n) != g.port || n->cport != g.cport)) {
        n->ip = g.ip;
        SetPorts(n, g.port, g.pport);
        n->cport = g.cport;
        n->flags &= static_cast<uint16_t>(~cluster::kNoAddr);
        MarkDirty();
      }
      continue;
    }
    // Unknown: start a handshake, unless it was just forgotten or has no address.
    if (sender == nullptr || (g.flags & cluster::kNoAddr) || g.ip.empty() ||
        blacklist_.count(g.name) > 0 || !cluster::ValidName(g.name)) {
      continue;
    }
    StartHandshake(g.ip, g.port, g.cport, now);
  }
  // Forgotten nodes: a node another one was told to forget is forgotten here too.
  for (auto& [name, ttl] : m.forgotten) {
    Node* n = state_.Find(name);
    if (n == nullptr || n->myself()) continue;
    if (me->is_replica() && me->master_name == n->name) continue;
    blacklist_[name] = now + static_cast<int64_t>(ttl) * 1000;
    LOG_NOTICE("Ignoring FORGOTTEN_NODE ext as the node %.40s is forgotten", name.c_str());
    DeleteNode(n);
    MarkDirty();
  }
}

void Cluster::UpdateSlotsWith(Node* sender, uint64_t epoch, const cluster::SlotBits& slots) {
  Node* me = state_.myself();
  if (sender == me) {
    LOG_NOTICE("Discarding UPDATE message about myself.");
    return;
  }
  Node* cur_master = me->is_master() ? me : state_.MasterOf(me);
  Node* new_master = nullptr;
  std::vector<int> dirty;
  for (int s = 0; s < kSlots; s++) {
    if (!slots.test(s)) continue;
    Node* owner = state_.SlotOwner(s);
    if (owner == sender) continue;
    if (state_.importing_from(s) != nullptr) continue;
    if (owner != nullptr && owner->config_epoch >= epoch) continue;
    if (owner == me && host_.CountKeysInSlot(s) > 0) dirty.push_back(s);
    if (owner != nullptr && owner == cur_master) new_master = sender;
    state_.DelSlot(s);
    state_.AddSlot(sender, s);
    state_.SetMigrating(s, nullptr);
    MarkDirty();
  }
  if (new_master != nullptr && cur_master != nullptr && cur_master->num_slots == 0 &&
      (opts_.cluster_allow_replica_migration.get() || me->is_replica())) {
    LOG_WARNING("Configuration change detected. Reconfiguring myself as a replica of %.40s",
                sender->name.c_str());
    SetMyMaster(sender);
  } else {
    for (int s : dirty) host_.DeleteKeysInSlot(s);
  }
}

void Cluster::MarkFailingIfNeeded(Node* n, int64_t now) {
  const int needed = state_.Size() / 2 + 1;
  if (!n->pfail() || n->failed()) return;
  const int64_t validity = NodeTimeout() * 2;
  for (auto it = n->fail_reports.begin(); it != n->fail_reports.end();) {
    it = now - it->second > validity ? n->fail_reports.erase(it) : std::next(it);
  }
  int failures = static_cast<int>(n->fail_reports.size());
  if (state_.myself()->is_master()) failures++;
  if (failures < needed) return;
  LOG_NOTICE("Marking node %.40s () as failing (quorum reached).", n->name.c_str());
  n->flags = static_cast<uint16_t>((n->flags & ~cluster::kPFail) | cluster::kFailed);
  n->fail_time = now;
  if (state_.myself()->is_master()) {
    Message f = Header(cluster::kFail);
    f.about = n->name;
    Broadcast(f);
  }
  MarkDirty();
}

void Cluster::ClearFailureIfNeeded(Node* n, int64_t now) {
  if (n->is_replica() || n->num_slots == 0) {
    LOG_NOTICE("Clear FAIL state for node %.40s ():%s is reachable again.", n->name.c_str(),
               n->is_replica() ? "replica" : "master without slots");
    n->flags &= static_cast<uint16_t>(~cluster::kFailed);
    MarkDirty();
  }
  if (n->is_master() && n->num_slots > 0 && now - n->fail_time > NodeTimeout() * 2) {
    LOG_NOTICE("Clear FAIL state for node %.40s (): is reachable again and nobody is serving "
               "its slots after some time.",
               n->name.c_str());
    n->flags &= static_cast<uint16_t>(~cluster::kFailed);
    MarkDirty();
  }
}

void Cluster::HandleEpochCollision(Node* sender) {
  Node* me = state_.myself();
  // The node with the smaller name moves on: exactly one of the two does.
  if (sender->name <= me->name) return;
  state_.current_epoch++;
  me->config_epoch = state_.current_epoch;
  Save();
  LOG_VERBOSE("WARNING: configEpoch collision with node %.40s (). configEpoch set to %llu",
              sender->name.c_str(), static_cast<unsigned long long>(me->config_epoch));
}

void Cluster::SetMyMaster(Node* master) {
  Node* me = state_.myself();
  if (me->is_master()) {
    state_.ClearSlots(me);
    for (int s = 0; s < kSlots; s++) {
      state_.SetMigrating(s, nullptr);
      state_.SetImporting(s, nullptr);
    }
  }
  state_.SetReplicaOf(me, master);
  host_.ReplicateFrom(master->ip, ReplicationPort(master));
  ResetManualFailover();
  MarkDirty();
}

}  // namespace carmine
