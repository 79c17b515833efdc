// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Cluster: cluster mode's runtime. It owns the ClusterState, the bus (a listener on the cluster
// port and one outgoing link per known node, plus the links other nodes opened to this one), and
// runs Redis Cluster's protocol over them: handshakes started by CLUSTER MEET, gossip in every
// PING/PONG, failure detection (PFAIL after node-timeout without a reply, FAIL once a majority of
// masters report it), slot ownership decided by config epochs (UPDATE to nodes that lag), epoch
// collisions, replica elections with rank delays and votes, manual failover, and PUBLISH /
// SPUBLISH carried to the other nodes.
//
// Threads: the bus and the cron live on the first worker's loop; commands run on any worker.
// Every access to the state holds mu_. Sending on a link happens on the bus loop only: a command
// that needs to send posts the work there. What the cluster needs from the rest of the server
// (replicating from a master, the keys of a slot, publishing) goes through ClusterHost.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/bus.h"
#include "cluster/options.h"
#include "cluster/state.h"
#include "commands/blocking.h"
#include "commands/command_hooks.h"
#include "commands/registry.h"
#include "net/event_loop.h"
#include "net/tls.h"

namespace carmine {

class ClusterHost {
 public:
  virtual ~ClusterHost() = default;
  // The loop the bus runs on.
  virtual EventLoop& BusLoop() = 0;
  // The client ports (TLS: 0 when none), and the addresses to listen on.
  virtual int ClientPort() = 0;
  virtual int TlsPort() = 0;
  // tls-cluster yes: the TLS context the bus speaks (null: plain TCP).
  virtual std::shared_ptr<net::TlsContext> BusTls() = 0;
  // tls-replication yes: a replica connects to its master's TLS port.
  virtual bool TlsReplication() = 0;
  virtual std::vector<std::string> BindAddresses() = 0;
  // Replicate from a master / become a master (the replication module).
  virtual void ReplicateFrom(const std::string& ip, int port) = 0;
  virtual void BecomeMaster() = 0;
  // This node's replication offset (a replica: what it processed), and how long its link to
  // its master has been down (0: up or never a replica).
  virtual int64_t ReplOffset() = 0;
  virtual int64_t MasterLinkDownMs() = 0;
  // Keys of database 0 by slot.
  virtual size_t CountKeysInSlot(int slot) = 0;
  virtual std::vector<std::string> KeysInSlot(int slot, size_t count) = 0;
  virtual void DeleteKeysInSlot(int slot) = 0;
  virtual bool KeyExists(std::string_view key) = 0;
  virtual size_t DbSize() = 0;
  virtual void FlushAll() = 0;
  // A message PUBLISHed on another node (shard: SPUBLISH).
  virtual void PublishLocal(const std::string& channel, const std::string& message,
                            bool shard) = 0;
  // Manual failover: the master holds its writers until `until_ms` (0: resume).
  virtual void PauseWrites(int64_t until_ms) = 0;
  // Clients waiting on keys: those `verdict` answers with an error stop waiting with it.
  virtual void UnblockKeyWaiters(
      const std::function<std::string(const BlockedClient&, bool write)>& verdict) = 0;
};

namespace cluster {
struct BusLink;
}

class Cluster {
 public:
  Cluster(ClusterOptions& opts, ClusterHost& host);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Startup, before the loops run: reads the cluster-config-file (or creates this node and
  // writes it) and binds the bus port. Errors are fatal.
  Status Init();
  bool enabled() const { return enabled_; }
  // Startup, on the bus loop: accepts on the bus port and starts the cron.
  void Start();
  // Once the dataset loaded at startup: a master takes the unassigned slots it holds keys of,
  // and marks slots another node owns that it holds keys of as importing from that node.
  void VerifyConfigWithData();
  // Shutdown, after the loops stopped: closes every link.
  void Stop();

  // The routing check (CommandHooks::cluster): "" when this node serves the command.
  std::string Route(const CommandCheck& c);
  // A client blocked on keys here, checked again as the slot map changes: "" while this node
  // still serves its keys, else the -CLUSTERDOWN / -MOVED that ends its wait (Redis checks
  // each blocked client about once a second; the cron does it every 100 ms).
  std::string BlockedRedirect(const BlockedClient& c, bool write);
  // Registers CLUSTER, READONLY, READWRITE, ASKING.
  void Register(CommandRegistry& r);
  // PUBLISH / SPUBLISH from a client: carried to the other nodes (any thread).
  void PropagatePublish(std::string_view channel, std::string_view message, bool shard);
  // INFO cluster and /metrics: cluster_enabled and the state.
  bool state_ok() const { return state_ok_.load(std::memory_order_relaxed); }
  size_t ConnectionCount();
  // CLUSTER INFO's text (also read by /metrics).
  std::string InfoText();

  // Command handlers (cluster_family.cc).
  void Command(ArgList args, CommandContext& ctx);

 private:
  friend struct cluster::BusLink;
  using Node = cluster::Node;
  using Message = cluster::Message;

  // --- bus (cluster.cc) ---
  void Accept();
  void Connect(Node* n, int64_t now);
  void LinkConnected(cluster::BusLink* l, const Status& s);
  void LinkReadable(cluster::BusLink* l);
  void FreeLink(cluster::BusLink* l);
  void Cron();
  // Runs Cron every 100 ms on the bus loop.
  void ArmCron();
  void Process(cluster::BusLink* l, const Message& m, int64_t now);
  Message Header(uint16_t type);
  void SendPing(cluster::BusLink* l, uint16_t type);
  void Send(cluster::BusLink* l, const Message& m);
  void Broadcast(const Message& m);
  void BroadcastPong(bool replicas_only);
  void ProcessGossip(Node* sender, const Message& m, int64_t now);
  void UpdateSlotsWith(Node* sender, uint64_t epoch, const cluster::SlotBits& slots);
  void MarkFailingIfNeeded(Node* n, int64_t now);
  void ClearFailureIfNeeded(Node* n, int64_t now);
  void HandleEpochCollision(Node* sender);
  void UpdateState(int64_t now);
  void SetMyMaster(Node* master);
  void DeleteNode(Node* n);
  void StartHandshake(const std::string& ip, int port, int cport, int64_t now);
  // --- failover (failover.cc) ---
  void HandleReplicaFailover(int64_t now);
  void HandleManualFailover(int64_t now);
  void HandleReplicaMigration(int64_t now);
  void ResetManualFailover();
  void VoteIfNeeded(Node* sender, const Message& m, int64_t now);
  void ReplaceMyMaster(int64_t now);
  int MyRank();
  // Saves the config file (mu_ held). Errors are logged; `fatal` ones stop the process.
  bool Save();
  void MarkDirty() { save_pending_ = true; }
  int64_t NodeTimeout() const { return opts_.cluster_node_timeout.get(); }
  // The address clients are sent to in MOVED/ASK.
  std::string Endpoint(const Node* n) const;
  // Ports. The bus carries each node's client port as "port" (TLS with tls-cluster yes) and
  // the other kind as "pport"; clients are given the kind they connected with; a replica
  // connects to its master's TLS port with tls-replication yes.
  bool TlsBus() const { return tls_bus_; }
  int BusPort(const Node* n) const { return tls_bus_ ? n->tls_port : n->port; }
  int OtherPort(const Node* n) const { return tls_bus_ ? n->port : n->tls_port; }
  void SetPorts(Node* n, int bus_port, int other) const;
  static int ClientPortOf(const Node* n, bool tls) { return tls ? n->tls_port : n->port; }
  int ReplicationPort(const Node* n) { return host_.TlsReplication() ? n->tls_port : n->port; }

  // --- commands (cluster_family.cc) ---
  void ReplyInfo(CommandContext& ctx);
  std::string InfoTextLocked();
  void ReplySlots(CommandContext& ctx);
  void ReplyShards(CommandContext& ctx);
  void ReplyLinks(CommandContext& ctx);
  void SetSlot(ArgList args, CommandContext& ctx);
  void Reset(bool hard);
  void Failover(ArgList args, CommandContext& ctx);

  ClusterOptions& opts_;
  ClusterHost& host_;
  bool enabled_ = false;  // cluster-enabled yes (the commands refuse otherwise)
  bool tls_bus_ = false;  // tls-cluster yes at startup (the bus port's protocol cannot change)
  std::mutex mu_;
  cluster::ClusterState state_;
  std::string config_path_;
  bool save_pending_ = false;
  std::atomic<bool> state_ok_{false};
  int64_t start_ms_ = 0;
  int64_t among_minority_ms_ = 0;
  std::vector<int> listen_fds_;
  std::vector<std::unique_ptr<IoHandler>> listeners_;
  // Outgoing links by node, and links other nodes opened (the node once known).
  std::vector<std::unique_ptr<cluster::BusLink>> links_;
  uint64_t iteration_ = 0;
  EventLoop::TimerId cron_timer_ = 0;
  bool stopped_ = false;
  // Nodes forgotten recently (CLUSTER FORGET): not re-added from gossip until the time passes.
  std::map<std::string, int64_t> blacklist_;
  uint64_t stats_sent_[cluster::kMsgTypes] = {}, stats_received_[cluster::kMsgTypes] = {};
  uint64_t stats_pfail_nodes_ = 0;
  uint64_t stats_links_buffer_limit_exceeded_ = 0;
  // Elections (a replica).
  int64_t auth_time_ = 0;
  int auth_count_ = 0;
  bool auth_sent_ = false;
  int auth_rank_ = 0;
  uint64_t auth_epoch_ = 0;
  // Manual failover: mf_end_ (0: none); the master's replica doing it; the replica's view.
  int64_t mf_end_ = 0;
  std::string mf_replica_;
  int64_t mf_master_offset_ = -1;
  bool mf_can_start_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carmine
