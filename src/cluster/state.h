// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ClusterState: what one node knows of the cluster: the nodes (names, addresses, roles, epochs,
// failure reports), which node serves each of the 16384 slots, the slots being migrated or
// imported, and the epochs. It has no I/O: the runtime (cluster.h) feeds it what the bus says
// and what commands ask, and saves it (Serialize) to the cluster-config-file in Redis's nodes.conf
// format, which Parse reads back (files move between Carmine and redis-server nodes).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/bus.h"

namespace carmine::cluster {

struct BusLink;

struct Node {
  std::string name;
  std::string shard_id;
  uint16_t flags = 0;
  uint64_t config_epoch = 0;
  SlotBits slots;
  int num_slots = 0;
  std::string master_name;  // a replica's master ("" unknown or a master)
  int64_t ctime = 0;
  int64_t ping_sent = 0, pong_received = 0, data_received = 0;
  int64_t fail_time = 0, voted_time = 0, orphaned_time = 0;
  int64_t repl_offset = 0;
  std::string ip, hostname, human_nodename;
  // Client ports: plain TCP and TLS (0: none). The bus carries the one clients of the cluster
  // use (TLS with tls-cluster yes) as "port" and the other as "pport".
  int port = 0, tls_port = 0, cport = 0;
  // Failure reports: reporter name -> last report time (ms).
  std::map<std::string, int64_t> fail_reports;
  // The links to and from this node (owned by the runtime; null when none).
  BusLink* link = nullptr;
  BusLink* inbound = nullptr;
  bool link_up = false;  // the outgoing link is connected

  bool is_master() const { return flags & kMaster; }
  bool is_replica() const { return flags & kReplica; }
  bool failed() const { return flags & kFailed; }
  bool pfail() const { return flags & kPFail; }
  bool handshake() const { return flags & kHandshake; }
  bool myself() const { return flags & kMyself; }
  bool has_addr() const { return !(flags & kNoAddr); }
};

// The flags of CLUSTER NODES ("myself,master", "slave", "fail?", ... or "noflags").
std::string FlagsText(uint16_t flags);
// 40 random lowercase hex characters (node names, shard ids).
std::string RandomName();
bool ValidName(std::string_view s);

class ClusterState {
 public:
  ClusterState();

  Node* myself() { return myself_; }
  const Node* myself() const { return myself_; }
  Node* Find(const std::string& name) const;
  const std::map<std::string, std::unique_ptr<Node>>& nodes() const { return nodes_; }
  // Adds a node (its name must be new).
  Node* Add(std::unique_ptr<Node> n);
  // Removes a node: its slots become unassigned, its reports and the replicas' pointers to it
  // go. The caller closes its links first.
  void Remove(const std::string& name);
  // Renames a handshake node to the name its first reply carried.
  void Rename(Node* n, const std::string& name);
  // A fresh node with a random name (this node at first start, or a CLUSTER MEET peer).
  static std::unique_ptr<Node> NewNode(uint16_t flags, int64_t now_ms);

  Node* SlotOwner(int slot) const { return slots_[slot]; }
  // Assigns / unassigns a slot (false when already owned by someone / not owned).
  bool AddSlot(Node* n, int slot);
  bool DelSlot(int slot);
  void ClearSlots(Node* n);
  Node* migrating_to(int slot) const { return migrating_[slot]; }
  Node* importing_from(int slot) const { return importing_[slot]; }
  void SetMigrating(int slot, Node* n) { migrating_[slot] = n; }
  void SetImporting(int slot, Node* n) { importing_[slot] = n; }

  // Makes `n` a replica of `master` (null: a replica of an unknown master) / a master.
  void SetReplicaOf(Node* n, Node* master);
  void SetMaster(Node* n);
  std::vector<Node*> ReplicasOf(const Node* master) const;
  // The node's master, or null.
  Node* MasterOf(const Node* n) const;

  uint64_t current_epoch = 0;
  uint64_t last_vote_epoch = 0;
  // Highest config epoch of any node (BUMPEPOCH, collision handling).
  uint64_t MaxConfigEpoch() const;

  // Masters serving at least one slot (CLUSTER INFO cluster_size).
  int Size() const;

  // nodes.conf: the nodes (aux fields as Redis 7.2 writes them) and the "vars" line.
  std::string Serialize() const;
  // Reads a nodes.conf; false with `why` when it is not one. Replaces the current contents.
  bool Parse(std::string_view text, int64_t now_ms, std::string* why);

  // One CLUSTER NODES line (without the newline). `now_ms` for this node's pong time.
  // `tls`: the address shows the TLS port (a client connected over TLS). The file always has
  // the TCP port there and the TLS port as tls-port=.
  std::string Describe(const Node& n, bool for_file, bool tls = false) const;
  // The slot ranges of a node ("0-5460 5462"), as [start, end] pairs.
  static std::vector<std::pair<int, int>> Ranges(const SlotBits& bits);

 private:
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Node* myself_ = nullptr;
  std::array<Node*, kSlots> slots_{};
  std::array<Node*, kSlots> migrating_{};
  std::array<Node*, kSlots> importing_{};
};

}  // namespace carmine::cluster
