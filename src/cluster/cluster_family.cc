// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CLUSTER and its subcommands, READONLY/READWRITE/ASKING, and the routing check that answers
// MOVED, ASK, TRYAGAIN, CROSSSLOT and CLUSTERDOWN as Redis does.
#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "base/crc16.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "cluster/cluster.h"
#include "cluster/link.h"
#include "commands/context.h"
#include "commands/session.h"
#include "protocol/errors.h"

namespace carmine {

using cluster::kSlots;

namespace {

bool ParseLL(std::string_view s, int64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  int64_t r = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (r > (INT64_MAX - (s[i] - '0')) / 10) return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = s[0] == '-' ? -r : r;
  return true;
}

// A slot argument: its number, or -1 after replying Redis's error.
int SlotArg(std::string_view s, ReplyBuilder& rb) {
  int64_t v = 0;
  if (!ParseLL(s, &v) || v < 0 || v >= kSlots) {
    rb.Error("ERR Invalid or out of range slot");
    return -1;
  }
  return static_cast<int>(v);
}

bool IsAddress(const std::string& ip) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

constexpr const char* kHelp[] = {
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "MYSHARDID",
    "    Return the node's shard id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> "
    "...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a "
    "link",
    "HELP",
    "    Print this help.",
};

}  // namespace

std::string Cluster::Route(const CommandCheck& c) {
  const CommandSpec* spec = c.spec;
  const Session& s = c.session;
  const bool exec = s.multi != nullptr && spec->name == "EXEC";
  if (!exec && !spec->HasKeys()) return "";
  std::vector<std::string_view> keys;
  bool write = c.flags & kWrite;
  if (exec) {
    for (auto& q : s.multi->queue) {
      std::vector<std::string_view> qargs(q.args.begin(), q.args.end());
      for (int i : q.spec->KeyPositions(qargs)) keys.push_back(q.args[i]);
    }
  } else {
    for (int i : spec->KeyPositions(c.args)) keys.push_back(c.args[i]);
  }
  if (keys.empty()) return "";
  std::lock_guard<std::mutex> l(mu_);
  Node* me = state_.myself();
  int slot = -1;
  Node* owner = nullptr;
  bool migrating = false, importing = false;
  int missing = 0, existing = 0;
  for (std::string_view key : keys) {
    int ks = static_cast<int>(KeySlot(key));
    if (slot < 0) {
      slot = ks;
      owner = state_.SlotOwner(ks);
      if (owner == nullptr) return "CLUSTERDOWN Hash slot not served";
      migrating = owner == me && state_.migrating_to(ks) != nullptr;
      importing = state_.importing_from(ks) != nullptr;
    } else if (ks != slot) {
      return "CROSSSLOT Keys in request don't hash to the same slot";
    }
    if (migrating || importing) {
      if (host_.KeyExists(key)) {
        existing++;
      } else {
        missing++;
      }
    }
  }
  const bool shard_pubsub = c.flags & kPubSub;
  if (!state_ok_.load() && !(shard_pubsub && opts_.cluster_allow_pubsubshard_when_down.get())) {
    if (!opts_.cluster_allow_reads_when_down.get()) return "CLUSTERDOWN The cluster is down";
    if (write) return "CLUSTERDOWN The cluster is down and only accepts read commands";
  }
  if ((migrating || importing) && spec->name == "MIGRATE") return "";
  if (migrating && missing > 0) {
    if (existing > 0) return "TRYAGAIN Multiple keys request during rehashing of slot";
    Node* to = state_.migrating_to(slot);
    return "ASK " + std::to_string(slot) + " " + Endpoint(to) + ":" +
           std::to_string(ClientPortOf(to, s.tls));
  }
  if (importing && (s.cluster_asking || (spec->flags & kAsking))) {
    if (keys.size() > 1 && missing > 0) {
      return "TRYAGAIN Multiple keys request during rehashing of slot";
    }
    return "";
  }
  // Replicas serve reads to READONLY clients, and sharded pub/sub to anyone.
  if ((s.cluster_readonly || shard_pubsub) && !write && me->is_replica() &&
      me->master_name == owner->name) {
    return "";
  }
  if (owner != me) {
    return "MOVED " + std::to_string(slot) + " " + Endpoint(owner) + ":" +
           std::to_string(ClientPortOf(owner, s.tls));
  }
  return "";
}

std::string Cluster::BlockedRedirect(const BlockedClient& c, bool write) {
  std::lock_guard<std::mutex> l(mu_);
  // A wait could only be ended by a write, which a down cluster refuses, even where reads
  // are still allowed.
  if (!state_ok_.load()) return "CLUSTERDOWN The cluster is down";
  Node* me = state_.myself();
  for (const std::string& key : c.keys) {
    int slot = static_cast<int>(KeySlot(key));
    Node* owner = state_.SlotOwner(slot);
    if (owner == me || state_.importing_from(slot) != nullptr) continue;
    if (owner != nullptr && c.cluster_readonly && !write && me->is_replica() &&
        me->master_name == owner->name) {
      continue;
    }
    if (owner == nullptr) return "CLUSTERDOWN Hash slot not served";
    return "MOVED " + std::to_string(slot) + " " + Endpoint(owner) + ":" +
           std::to_string(ClientPortOf(owner, c.tls));
  }
  return "";
}

void Cluster::ReplyInfo(CommandContext& ctx) { ctx.rb.Verbatim(InfoTextLocked()); }

std::string Cluster::InfoText() {
  std::lock_guard<std::mutex> l(mu_);
  return InfoTextLocked();
}

std::string Cluster::InfoTextLocked() {
  Node* me = state_.myself();
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int s = 0; s < kSlots; s++) {
    Node* n = state_.SlotOwner(s);
    if (n == nullptr) continue;
    assigned++;
    if (n->failed()) {
      fail++;
    } else if (n->pfail()) {
      pfail++;
    } else {
      ok++;
    }
  }
  Node* master = state_.MasterOf(me);
  uint64_t my_epoch = master != nullptr ? master->config_epoch : me->config_epoch;
  std::string out = "cluster_state:" + std::string(state_ok_.load() ? "ok" : "fail") + "\r\n";
  out += "cluster_slots_assigned:" + std::to_string(assigned) + "\r\n";
  out += "cluster_slots_ok:" + std::to_string(ok) + "\r\n";
  out += "cluster_slots_pfail:" + std::to_string(pfail) + "\r\n";
  out += "cluster_slots_fail:" + std::to_string(fail) + "\r\n";
  out += "cluster_known_nodes:" + std::to_string(state_.nodes().size()) + "\r\n";
  out += "cluster_size:" + std::to_string(state_.Size()) + "\r\n";
  out += "cluster_current_epoch:" + std::to_string(state_.current_epoch) + "\r\n";
  out += "cluster_my_epoch:" + std::to_string(my_epoch) + "\r\n";
  uint64_t sent = 0, received = 0;
  for (int t = 0; t < cluster::kMsgTypes; t++) {
    if (stats_sent_[t] == 0) continue;
    out += "cluster_stats_messages_" + std::string(cluster::MsgTypeName(t)) +
           "_sent:" + std::to_string(stats_sent_[t]) + "\r\n";
    sent += stats_sent_[t];
  }
  out += "cluster_stats_messages_sent:" + std::to_string(sent) + "\r\n";
  for (int t = 0; t < cluster::kMsgTypes; t++) {
    if (stats_received_[t] == 0) continue;
    out += "cluster_stats_messages_" + std::string(cluster::MsgTypeName(t)) +
           "_received:" + std::to_string(stats_received_[t]) + "\r\n";
    received += stats_received_[t];
  }
  out += "cluster_stats_messages_received:" + std::to_string(received) + "\r\n";
  out += "total_cluster_links_buffer_limit_exceeded:" +
         std::to_string(stats_links_buffer_limit_exceeded_) + "\r\n";
  return out;
}

void Cluster::ReplySlots(CommandContext& ctx) {
  struct Range {
    int start, end;
    Node* owner;
  };
  std::vector<Range> ranges;
  for (int s = 0; s < kSlots; s++) {
    Node* n = state_.SlotOwner(s);
    if (n == nullptr) continue;
    if (!ranges.empty() && ranges.back().owner == n && ranges.back().end == s - 1) {
      ranges.back().end = s;
    } else {
      ranges.push_back({s, s, n});
    }
  }
  auto node_entry = [&](Node* n) {
    ctx.rb.ArrayLen(4);
    ctx.rb.Bulk(Endpoint(n));
    ctx.rb.Int(ClientPortOf(n, ctx.session.tls));
    ctx.rb.Bulk(n->name);
    if (!n->hostname.empty() && opts_.cluster_preferred_endpoint_type.get() != 1) {
      ctx.rb.MapLen(1);
      ctx.rb.Bulk("hostname");
      ctx.rb.Bulk(n->hostname);
    } else {
      ctx.rb.MapLen(0);
    }
  };
  ctx.rb.ArrayLen(static_cast<int64_t>(ranges.size()));
  for (auto& r : ranges) {
    std::vector<Node*> replicas;
    for (Node* rep : state_.ReplicasOf(r.owner)) {
      if (!rep->failed()) replicas.push_back(rep);
    }
    ctx.rb.ArrayLen(3 + static_cast<int64_t>(replicas.size()));
    ctx.rb.Int(r.start);
    ctx.rb.Int(r.end);
    node_entry(r.owner);
    for (Node* rep : replicas) node_entry(rep);
  }
}

void Cluster::ReplyShards(CommandContext& ctx) {
  std::vector<Node*> masters;
  for (auto& [name, n] : state_.nodes()) {
    if (n->is_master()) masters.push_back(n.get());
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(masters.size()));
  for (Node* m : masters) {
    ctx.rb.MapLen(2);
    ctx.rb.Bulk("slots");
    auto ranges = cluster::ClusterState::Ranges(m->slots);
    ctx.rb.ArrayLen(static_cast<int64_t>(ranges.size() * 2));
    for (auto [a, b] : ranges) {
      ctx.rb.Int(a);
      ctx.rb.Int(b);
    }
    ctx.rb.Bulk("nodes");
    std::vector<Node*> members{m};
    for (Node* r : state_.ReplicasOf(m)) members.push_back(r);
    ctx.rb.ArrayLen(static_cast<int64_t>(members.size()));
    for (Node* n : members) {
      bool hostname = !n->hostname.empty();
      ctx.rb.MapLen(6 + (hostname ? 1 : 0) + (n->port != 0 ? 1 : 0) + (n->tls_port != 0 ? 1 : 0));
      ctx.rb.Bulk("id");
      ctx.rb.Bulk(n->name);
      if (n->port != 0) {
        ctx.rb.Bulk("port");
        ctx.rb.Int(n->port);
      }
      if (n->tls_port != 0) {
        ctx.rb.Bulk("tls-port");
        ctx.rb.Int(n->tls_port);
      }
      ctx.rb.Bulk("ip");
      ctx.rb.Bulk(n->ip);
      ctx.rb.Bulk("endpoint");
      ctx.rb.Bulk(Endpoint(n));
      if (hostname) {
        ctx.rb.Bulk("hostname");
        ctx.rb.Bulk(n->hostname);
      }
      ctx.rb.Bulk("role");
      ctx.rb.Bulk(n->is_master() ? "master" : "replica");
      ctx.rb.Bulk("replication-offset");
      ctx.rb.Int(n->myself() ? host_.ReplOffset() : n->repl_offset);
      ctx.rb.Bulk("health");
      ctx.rb.Bulk(n->failed() ? "failed" : "online");
    }
  }
}

void Cluster::ReplyLinks(CommandContext& ctx) {
  std::vector<cluster::BusLink*> live;
  for (auto& l : links_) {
    if (!l->closed && l->node != nullptr) live.push_back(l.get());
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(live.size()));
  for (auto* l : live) {
    ctx.rb.MapLen(6);
    ctx.rb.Bulk("direction");
    ctx.rb.Bulk(l->inbound ? "from" : "to");
    ctx.rb.Bulk("node");
    ctx.rb.Bulk(l->node->name);
    ctx.rb.Bulk("create-time");
    ctx.rb.Int(l->ctime);
    ctx.rb.Bulk("events");
    ctx.rb.Bulk(l->link->pending_output() > 0 ? "rw" : "r");
    ctx.rb.Bulk("send-buffer-allocated");
    ctx.rb.Int(static_cast<int64_t>(l->link->pending_output()));
    ctx.rb.Bulk("send-buffer-used");
    ctx.rb.Int(static_cast<int64_t>(l->link->pending_output()));
  }
}

void Cluster::SetSlot(ArgList args, CommandContext& ctx) {
  ReplyBuilder& rb = ctx.rb;
  Node* me = state_.myself();
  if (me->is_replica()) return rb.Error("ERR Please use SETSLOT only with masters.");
  int slot = SlotArg(args[2], rb);
  if (slot < 0) return;
  std::string action = ToLower(args[3]);
  Node* n = nullptr;
  if (args.size() == 5) n = state_.Find(std::string(args[4]));
  if (action == "migrating" && args.size() == 5) {
    if (state_.SlotOwner(slot) != me) {
      return rb.Error("ERR I'm not the owner of hash slot " + std::to_string(slot));
    }
    if (n == nullptr) return rb.Error("ERR I don't know about node " + std::string(args[4]));
    if (n->is_replica()) return rb.Error("ERR Target node is not a master");
    state_.SetMigrating(slot, n);
  } else if (action == "importing" && args.size() == 5) {
    if (state_.SlotOwner(slot) == me) {
      return rb.Error("ERR I'm already the owner of hash slot " + std::to_string(slot));
    }
    if (n == nullptr) return rb.Error("ERR I don't know about node " + std::string(args[4]));
    if (n->is_replica()) return rb.Error("ERR Target node is not a master");
    state_.SetImporting(slot, n);
  } else if (action == "stable" && args.size() == 4) {
    state_.SetMigrating(slot, nullptr);
    state_.SetImporting(slot, nullptr);
  } else if (action == "node" && args.size() == 5) {
    if (n == nullptr) return rb.Error("ERR Unknown node " + std::string(args[4]));
    if (n->is_replica()) return rb.Error("ERR Target node is not a master");
    size_t keys = state_.SlotOwner(slot) == me ? host_.CountKeysInSlot(slot) : 0;
    if (state_.SlotOwner(slot) == me && n != me && keys > 0) {
      return rb.Error("ERR Can't assign hashslot " + std::to_string(slot) +
                      " to a different node while I still hold keys for this hash slot.");
    }
    if (keys == 0 && state_.migrating_to(slot) != nullptr) state_.SetMigrating(slot, nullptr);
    bool imported = n == me && state_.importing_from(slot) != nullptr;
    state_.DelSlot(slot);
    state_.AddSlot(n, slot);
    if (imported) {
      state_.SetImporting(slot, nullptr);
      // The new owner claims the slot with an epoch nobody else has, without an agreement:
      // resharding must not wait for one.
      uint64_t max = state_.MaxConfigEpoch();
      if (me->config_epoch == 0 || me->config_epoch != max) {
        state_.current_epoch++;
        me->config_epoch = state_.current_epoch;
        LOG_NOTICE("configEpoch updated after importing slot %d", slot);
      }
      std::weak_ptr<bool> alive = alive_;
      host_.BusLoop().Post([this, alive] {
        if (alive.expired()) return;
        std::lock_guard<std::mutex> l(mu_);
        BroadcastPong(false);
      });
    }
  } else {
    return rb.Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  Save();
  UpdateState(clock::NowMs());
  rb.Ok();
}

void Cluster::Reset(bool hard) {
  Node* me = state_.myself();
  if (me->is_replica()) {
    state_.SetMaster(me);
    host_.BecomeMaster();
    host_.FlushAll();
  }
  for (int s = 0; s < kSlots; s++) {
    state_.SetMigrating(s, nullptr);
    state_.SetImporting(s, nullptr);
  }
  state_.ClearSlots(me);
  std::vector<Node*> others;
  for (auto& [name, n] : state_.nodes()) {
    if (!n->myself()) others.push_back(n.get());
  }
  for (Node* n : others) DeleteNode(n);
  if (hard) {
    state_.current_epoch = 0;
    state_.last_vote_epoch = 0;
    me->config_epoch = 0;
    std::string old = me->name;
    state_.Rename(me, cluster::RandomName());
    me->shard_id = cluster::RandomName();
    LOG_NOTICE("Node hard reset, now I'm %.40s", me->name.c_str());
  }
  Save();
  UpdateState(clock::NowMs());
}

void Cluster::Failover(ArgList args, CommandContext& ctx) {
  bool force = false, takeover = false;
  if (args.size() == 3) {
    std::string o = ToLower(args[2]);
    if (o == "force") {
      force = true;
    } else if (o == "takeover") {
      takeover = force = true;
    } else {
      return ctx.rb.Error(err::kSyntax);
    }
  } else if (args.size() > 3) {
    return ctx.rb.Error(err::kSyntax);
  }
  Node* me = state_.myself();
  if (me->is_master()) return ctx.rb.Error("ERR You should send CLUSTER FAILOVER to a replica");
  Node* master = state_.MasterOf(me);
  if (master == nullptr) return ctx.rb.Error("ERR I'm a replica but my master is unknown to me");
  if (!force && (master->failed() || host_.MasterLinkDownMs() > 0)) {
    return ctx.rb.Error("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  ResetManualFailover();
  const int64_t now = clock::NowMs();
  mf_end_ = now + 5000;
  std::weak_ptr<bool> alive = alive_;
  if (takeover) {
    LOG_NOTICE("Taking over the master (user request).");
    uint64_t max = state_.MaxConfigEpoch();
    if (me->config_epoch == 0 || me->config_epoch != max) {
      state_.current_epoch++;
      me->config_epoch = state_.current_epoch;
    }
    host_.BusLoop().Post([this, alive] {
      if (alive.expired()) return;
      std::lock_guard<std::mutex> l(mu_);
      ReplaceMyMaster(clock::NowMs());
      ResetManualFailover();
    });
  } else if (force) {
    LOG_NOTICE("Forced failover user request accepted.");
    mf_can_start_ = true;
  } else {
    LOG_NOTICE("Manual failover user request accepted.");
    std::string master_name = master->name;
    host_.BusLoop().Post([this, alive, master_name] {
      if (alive.expired()) return;
      std::lock_guard<std::mutex> l(mu_);
      Node* m = state_.Find(master_name);
      if (m != nullptr && m->link != nullptr && m->link_up) Send(m->link, Header(cluster::kMfStart));
    });
  }
  ctx.rb.Ok();
}

void Cluster::Command(ArgList args, CommandContext& ctx) {
  ReplyBuilder& rb = ctx.rb;
  if (!enabled_) return rb.Error("ERR This instance has cluster support disabled");
  std::string sub = ToLower(args[0]);
  if (sub == "readonly") {
    ctx.session.cluster_readonly = true;
    return rb.Ok();
  }
  if (sub == "readwrite") {
    ctx.session.cluster_readonly = false;
    return rb.Ok();
  }
  if (sub == "asking") {
    ctx.session.cluster_asking = true;
    return rb.Ok();
  }
  sub = ToLower(args[1]);
  if (sub == "help") {
    rb.ArrayLen(static_cast<int64_t>(std::size(kHelp)));
    for (const char* line : kHelp) rb.Simple(line);
    return;
  }
  if (sub == "keyslot") return rb.Int(KeySlot(args[2]));
  std::lock_guard<std::mutex> l(mu_);
  Node* me = state_.myself();
  const int64_t now = clock::NowMs();
  if (sub == "info") return ReplyInfo(ctx);
  if (sub == "myid") return rb.Bulk(me->name);
  if (sub == "myshardid") return rb.Bulk(me->shard_id);
  if (sub == "nodes") {
    std::string out;
    for (auto& [name, n] : state_.nodes()) out += state_.Describe(*n, false, ctx.session.tls) + "\n";
    return rb.Verbatim(out);
  }
  if (sub == "slots") return ReplySlots(ctx);
  if (sub == "shards") return ReplyShards(ctx);
  if (sub == "links") return ReplyLinks(ctx);
  if (sub == "countkeysinslot") {
    int64_t v = 0;
    if (!ParseLL(args[2], &v)) return rb.Error(err::kNotInt);
    if (v < 0 || v >= kSlots) return rb.Error("ERR Invalid slot");
    return rb.Int(static_cast<int64_t>(host_.CountKeysInSlot(static_cast<int>(v))));
  }
  if (sub == "getkeysinslot") {
    int64_t slot = 0, count = 0;
    if (!ParseLL(args[2], &slot) || !ParseLL(args[3], &count)) {
      return rb.Error(err::kNotInt);
    }
    if (slot < 0 || slot >= kSlots || count < 0) {
      return rb.Error("ERR Invalid slot or number of keys");
    }
    auto keys = host_.KeysInSlot(static_cast<int>(slot), static_cast<size_t>(count));
    rb.ArrayLen(static_cast<int64_t>(keys.size()));
    for (auto& k : keys) rb.Bulk(k);
    return;
  }
  if (sub == "meet") {
    std::string ip(args[2]);
    int64_t port = 0, cport = 0;
    if (!ParseLL(args[3], &port)) {
      return rb.Error("ERR Invalid base port specified: " + std::string(args[3]));
    }
    if (args.size() == 5) {
      if (!ParseLL(args[4], &cport)) {
        return rb.Error("ERR Invalid bus port specified: " + std::string(args[4]));
      }
    } else {
      cport = port + 10000;
    }
    if (!IsAddress(ip) || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
      return rb.Error("ERR Invalid node address specified: " + ip + ":" + std::string(args[3]));
    }
    StartHandshake(ip, static_cast<int>(port), static_cast<int>(cport), now);
    return rb.Ok();
  }
  if (sub == "addslots" || sub == "delslots" || sub == "addslotsrange" || sub == "delslotsrange") {
    const bool add = sub[0] == 'a';
    const bool range = sub.size() > 8;
    std::vector<int> slots;
    if (range && (args.size() - 2) % 2 != 0) {
      return rb.Error("ERR wrong number of arguments for 'cluster|" + sub + "' command");
    }
    for (size_t i = 2; i < args.size(); i += range ? 2 : 1) {
      int a = SlotArg(args[i], rb);
      if (a < 0) return;
      int b = a;
      if (range) {
        b = SlotArg(args[i + 1], rb);
        if (b < 0) return;
        if (a > b) {
          return rb.Error("ERR start slot number " + std::to_string(a) +
                          " is greater than end slot number " + std::to_string(b));
        }
      }
      for (int s = a; s <= b; s++) slots.push_back(s);
    }
    std::set<int> seen;
    for (int s : slots) {
      if (add && state_.SlotOwner(s) != nullptr) {
        return rb.Error("ERR Slot " + std::to_string(s) + " is already busy");
      }
      if (!add && state_.SlotOwner(s) == nullptr) {
        return rb.Error("ERR Slot " + std::to_string(s) + " is already unassigned");
      }
      if (!seen.insert(s).second) {
        return rb.Error("ERR Slot " + std::to_string(s) + " specified multiple times");
      }
    }
    for (int s : slots) {
      if (add) {
        state_.SetImporting(s, nullptr);
        state_.AddSlot(me, s);
      } else {
        state_.DelSlot(s);
      }
    }
    Save();
    UpdateState(now);
    return rb.Ok();
  }
  if (sub == "flushslots") {
    if (host_.DbSize() != 0) return rb.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    state_.ClearSlots(me);
    Save();
    UpdateState(now);
    return rb.Ok();
  }
  if (sub == "setslot") return SetSlot(args, ctx);
  if (sub == "forget") {
    Node* n = state_.Find(std::string(args[2]));
    if (n == nullptr) return rb.Error("ERR Unknown node " + std::string(args[2]));
    if (n == me) return rb.Error("ERR I tried hard but I can't forget myself...");
    if (me->is_replica() && me->master_name == n->name) {
      return rb.Error("ERR Can't forget my master!");
    }
    blacklist_[n->name] = now + 60000;
    DeleteNode(n);
    Save();
    UpdateState(now);
    return rb.Ok();
  }
  if (sub == "replicate") {
    Node* n = state_.Find(std::string(args[2]));
    if (n == nullptr) return rb.Error("ERR Unknown node " + std::string(args[2]));
    if (n == me) return rb.Error("ERR Can't replicate myself");
    if (n->is_replica()) return rb.Error("ERR I can only replicate a master, not a replica.");
    if (me->is_master() && (me->num_slots != 0 || host_.DbSize() != 0)) {
      return rb.Error("ERR To set a master the node must be empty and without assigned slots.");
    }
    SetMyMaster(n);
    Save();
    UpdateState(now);
    return rb.Ok();
  }
  if (sub == "reset") {
    bool hard = false;
    if (args.size() == 3) {
      std::string o = ToLower(args[2]);
      if (o == "hard") {
        hard = true;
      } else if (o != "soft") {
        return rb.Error(err::kSyntax);
      }
    } else if (args.size() > 3) {
      return rb.Error(err::kSyntax);
    }
    if (me->is_master() && host_.DbSize() != 0) {
      return rb.Error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    }
    Reset(hard);
    return rb.Ok();
  }
  if (sub == "saveconfig") {
    if (!Save()) {
      return rb.Error("ERR error saving the cluster node config: " + std::string(strerror(errno)));
    }
    return rb.Ok();
  }
  if (sub == "set-config-epoch") {
    int64_t epoch = 0;
    if (!ParseLL(args[2], &epoch)) return rb.Error(err::kNotInt);
    if (epoch < 0) return rb.Error("ERR Invalid config epoch specified: " + std::to_string(epoch));
    if (state_.nodes().size() > 1) {
      return rb.Error("ERR The user can assign a config epoch only when the node does not know "
                      "any other node.");
    }
    if (me->config_epoch != 0) return rb.Error("ERR Node config epoch is already non-zero");
    me->config_epoch = static_cast<uint64_t>(epoch);
    LOG_NOTICE("configEpoch set to %llu via CLUSTER SET-CONFIG-EPOCH",
               static_cast<unsigned long long>(me->config_epoch));
    if (state_.current_epoch < me->config_epoch) state_.current_epoch = me->config_epoch;
    Save();
    return rb.Ok();
  }
  if (sub == "bumpepoch") {
    uint64_t max = state_.MaxConfigEpoch();
    bool bumped = false;
    if (me->config_epoch == 0 || me->config_epoch != max) {
      state_.current_epoch++;
      me->config_epoch = state_.current_epoch;
      bumped = true;
      Save();
    }
    return rb.Simple((bumped ? "BUMPED " : "STILL ") + std::to_string(me->config_epoch));
  }
  if (sub == "count-failure-reports") {
    Node* n = state_.Find(std::string(args[2]));
    if (n == nullptr) return rb.Error("ERR Unknown node " + std::string(args[2]));
    int64_t valid = 0;
    for (auto& [rep, t] : n->fail_reports) {
      if (now - t <= NodeTimeout() * 2) valid++;
    }
    return rb.Int(valid);
  }
  if (sub == "failover") return Failover(args, ctx);
  if (sub == "replicas" || sub == "slaves") {
    Node* n = state_.Find(std::string(args[2]));
    if (n == nullptr) return rb.Error("ERR Unknown node " + std::string(args[2]));
    if (!n->is_master()) return rb.Error("ERR The specified node is not a master");
    auto reps = state_.ReplicasOf(n);
    rb.ArrayLen(static_cast<int64_t>(reps.size()));
    for (Node* r : reps) rb.Bulk(state_.Describe(*r, false, ctx.session.tls));
    return;
  }
  rb.Error(err::SubcommandSyntax(args[1], "CLUSTER"));
}

void Cluster::Register(CommandRegistry& r) {
  Handler h = Handler::Bind<&Cluster::Command>(this);
  r.Add({"CLUSTER", -2, 0, 0, 0, 0, 0, nullptr, "cluster", "3.0.0",
         "A container for Redis Cluster commands.", "Depends on subcommand."});
  constexpr uint32_t A = kAdmin | kStale | kNoAsyncLoading;
  auto sub = [&](const char* name, int arity, uint32_t flags, const char* since,
                 const char* summary, const char* complexity) -> CommandSpec& {
    return r
        .AddSub("CLUSTER",
                {name, arity, flags, 0, 0, 0, 0, h, "cluster", since, summary, complexity})
        .Lock(LockMode::kNone);
  };
  const char* kN = "O(N) where N is the total number of Cluster nodes";
  sub("ADDSLOTS", -3, A, "3.0.0", "Assigns new hash slots to a node.",
      "O(N) where N is the total number of hash slot arguments")
      .Args("slot:integer...");
  sub("ADDSLOTSRANGE", -4, A, "7.0.0", "Assigns new hash slot ranges to a node.",
      "O(N) where N is the total number of the slots between the start slot and end slot "
      "arguments.")
      .Args("range{start-slot:integer end-slot:integer}...");
  sub("BUMPEPOCH", 2, A, "3.0.0", "Advances the cluster config epoch.", "O(1)").tips = {
      "nondeterministic_output"};
  sub("COUNT-FAILURE-REPORTS", 3, kAdmin | kStale, "3.0.0",
      "Returns the number of active failure reports active for a node.",
      "O(N) where N is the number of failure reports")
      .Args("node-id:string")
      .tips = {"nondeterministic_output"};
  sub("COUNTKEYSINSLOT", 3, kStale, "3.0.0", "Returns the number of keys in a hash slot.", "O(1)")
      .Args("slot:integer");
  sub("DELSLOTS", -3, A, "3.0.0", "Sets hash slots as unbound for a node.",
      "O(N) where N is the total number of hash slot arguments")
      .Args("slot:integer...");
  sub("DELSLOTSRANGE", -4, A, "7.0.0", "Sets hash slot ranges as unbound for a node.",
      "O(N) where N is the total number of the slots between the start slot and end slot "
      "arguments.")
      .Args("range{start-slot:integer end-slot:integer}...");
  sub("FAILOVER", -2, A, "3.0.0", "Forces a replica to perform a manual failover of its master.",
      "O(1)")
      .Args("[options(!FORCE|!TAKEOVER)]");
  sub("FLUSHSLOTS", 2, A, "3.0.0", "Deletes all slots information from a node.", "O(1)");
  sub("FORGET", 3, A, "3.0.0", "Removes a node from the nodes table.", "O(1)")
      .Args("node-id:string");
  sub("GETKEYSINSLOT", 4, kStale, "3.0.0", "Returns the key names in a hash slot.",
      "O(N) where N is the number of requested keys")
      .Args("slot:integer count:integer")
      .tips = {"nondeterministic_output"};
  sub("HELP", 2, kLoading | kStale, "5.0.0",
      "Returns helpful text about the different subcommands.", "O(1)");
  sub("INFO", 2, kStale, "3.0.0", "Returns information about the state of a node.", "O(1)")
      .tips = {"nondeterministic_output"};
  sub("KEYSLOT", 3, kStale, "3.0.0", "Returns the hash slot for a key.",
      "O(N) where N is the number of bytes in the key")
      .Args("key:string");
  sub("LINKS", 2, kStale, "7.0.0", "Returns a list of all TCP links to and from peer nodes.", kN)
      .tips = {"nondeterministic_output"};
  sub("MEET", -4, A, "3.0.0", "Forces a node to handshake with another node.", "O(1)")
      .Args("ip:string port:integer [cluster-bus-port:integer]");
  sub("MYID", 2, kStale, "3.0.0", "Returns the ID of a node.", "O(1)");
  sub("MYSHARDID", 2, kStale, "7.2.0", "Returns the shard ID of a node.", "O(1)").tips = {
      "nondeterministic_output"};
  sub("NODES", 2, kStale, "3.0.0", "Returns the cluster configuration for a node.", kN).tips = {
      "nondeterministic_output"};
  sub("REPLICAS", 3, kAdmin | kStale, "5.0.0", "Lists the replica nodes of a master node.",
      "O(N) where N is the number of replicas.")
      .Args("node-id:string")
      .tips = {"nondeterministic_output"};
  sub("REPLICATE", 3, A, "3.0.0", "Configure a node as replica of a master node.", "O(1)")
      .Args("node-id:string");
  sub("RESET", -2, kAdmin | kNoScript | kStale, "3.0.0", "Resets a node.",
      "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side "
      "effect.")
      .Args("[reset-type(!HARD|!SOFT)]");
  sub("SAVECONFIG", 2, A, "3.0.0", "Forces a node to save the cluster configuration to disk.",
      "O(1)");
  sub("SET-CONFIG-EPOCH", 3, A, "3.0.0", "Sets the configuration epoch for a new node.", "O(1)")
      .Args("config-epoch:integer");
  sub("SETSLOT", -4, A, "3.0.0", "Binds a hash slot to a node.", "O(1)")
      .Args("slot:integer subcommand(IMPORTING=node-id:string|MIGRATING=node-id:string|"
            "NODE=node-id:string|!STABLE)");
  sub("SHARDS", 2, kLoading | kStale, "7.0.0", "Returns the mapping of cluster slots to shards.",
      kN)
      .tips = {"nondeterministic_output"};
  sub("SLAVES", 3, kAdmin | kStale, "3.0.0", "Lists the replica nodes of a master node.",
      "O(N) where N is the number of replicas.")
      .Args("node-id:string")
      .tips = {"nondeterministic_output"};
  sub("SLOTS", 2, kLoading | kStale, "3.0.0", "Returns the mapping of cluster slots to nodes.", kN)
      .tips = {"nondeterministic_output"};
  auto conn = [&](const char* name, uint32_t flags, const char* summary) {
    r.Add({name, 1, flags, 0, 0, 0, acl::kConnection, h, "cluster", "3.0.0", summary, "O(1)"})
        .Lock(LockMode::kNone);
  };
  conn("ASKING", kFast, "Signals that a cluster client is following an -ASK redirect.");
  conn("READONLY", kFast | kLoading | kStale,
       "Enables read-only queries for a connection to a Redis Cluster replica node.");
  conn("READWRITE", kFast | kLoading | kStale,
       "Enables read-write queries for a connection to a Reids Cluster replica node.");
}

}  // namespace carmine
