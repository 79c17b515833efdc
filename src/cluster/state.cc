// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "cluster/state.h"

#include <algorithm>
#include <random>

#include "base/strutil.h"

namespace carmine::cluster {
namespace {

struct FlagName {
  uint16_t bit;
  const char* name;
};
constexpr FlagName kFlagNames[] = {{kMyself, "myself"},     {kMaster, "master"},
                                   {kReplica, "slave"},     {kPFail, "fail?"},
                                   {kFailed, "fail"},       {kHandshake, "handshake"},
                                   {kNoAddr, "noaddr"},     {kNoFailover, "nofailover"}};

std::vector<std::string_view> SplitChar(std::string_view s, char c) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find(c, i);
    out.push_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  int64_t r = 0;
  bool neg = s[0] == '-';
  size_t i = neg ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = neg ? -r : r;
  return true;
}

}  // namespace

std::string FlagsText(uint16_t flags) {
  std::string out;
  for (auto& f : kFlagNames) {
    if (!(flags & f.bit)) continue;
    if (!out.empty()) out += ',';
    out += f.name;
  }
  return out.empty() ? "noflags" : out;
}

std::string RandomName() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < kNameLen; i++) s.push_back(kHex[rng() % 16]);
  return s;
}

bool ValidName(std::string_view s) {
  if (s.size() != kNameLen) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

ClusterState::ClusterState() = default;

std::unique_ptr<Node> ClusterState::NewNode(uint16_t flags, int64_t now_ms) {
  auto n = std::make_unique<Node>();
  n->name = RandomName();
  n->shard_id = RandomName();
  n->flags = flags;
  n->ctime = now_ms;
  return n;
}

Node* ClusterState::Find(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* ClusterState::Add(std::unique_ptr<Node> n) {
  Node* p = n.get();
  if (p->myself()) myself_ = p;
  nodes_[p->name] = std::move(n);
  return p;
}

void ClusterState::Remove(const std::string& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return;
  Node* n = it->second.get();
  for (int s = 0; s < kSlots; s++) {
    if (slots_[s] == n) slots_[s] = nullptr;
    if (migrating_[s] == n) migrating_[s] = nullptr;
    if (importing_[s] == n) importing_[s] = nullptr;
  }
  for (auto& [k, other] : nodes_) other->fail_reports.erase(name);
  nodes_.erase(it);
}

void ClusterState::Rename(Node* n, const std::string& name) {
  auto it = nodes_.find(n->name);
  if (it == nodes_.end()) return;
  std::unique_ptr<Node> owned = std::move(it->second);
  nodes_.erase(it);
  owned->name = name;
  nodes_[name] = std::move(owned);
}

bool ClusterState::AddSlot(Node* n, int slot) {
  if (slots_[slot] != nullptr) return false;
  slots_[slot] = n;
  n->slots.set(slot);
  n->num_slots++;
  return true;
}

bool ClusterState::DelSlot(int slot) {
  Node* n = slots_[slot];
  if (n == nullptr) return false;
  n->slots.clear(slot);
  n->num_slots--;
  slots_[slot] = nullptr;
  return true;
}

void ClusterState::ClearSlots(Node* n) {
  for (int s = 0; s < kSlots; s++) {
    if (slots_[s] == n) DelSlot(s);
  }
}

void ClusterState::SetReplicaOf(Node* n, Node* master) {
  n->flags = static_cast<uint16_t>((n->flags & ~(kMaster | kMigrateTo)) | kReplica);
  n->master_name = master != nullptr ? master->name : n->master_name;
  if (master != nullptr) {
    n->shard_id = master->shard_id;
    // A master that has had a replica is one replica migration may give a replica back to.
    master->flags |= kMigrateTo;
  }
}

void ClusterState::SetMaster(Node* n) {
  n->flags = static_cast<uint16_t>((n->flags & ~kReplica) | kMaster);
  n->master_name.clear();
}

std::vector<Node*> ClusterState::ReplicasOf(const Node* master) const {
  std::vector<Node*> out;
  for (auto& [k, n] : nodes_) {
    if (n->is_replica() && n->master_name == master->name) out.push_back(n.get());
  }
  return out;
}

Node* ClusterState::MasterOf(const Node* n) const {
  if (!n->is_replica() || n->master_name.empty()) return nullptr;
  return Find(n->master_name);
}

uint64_t ClusterState::MaxConfigEpoch() const {
  uint64_t m = 0;
  for (auto& [k, n] : nodes_) m = std::max(m, n->config_epoch);
  return m;
}

int ClusterState::Size() const {
  int size = 0;
  for (auto& [k, n] : nodes_) {
    if (n->is_master() && n->num_slots > 0) size++;
  }
  return size;
}

std::vector<std::pair<int, int>> ClusterState::Ranges(const SlotBits& bits) {
  std::vector<std::pair<int, int>> out;
  int start = -1;
  for (int s = 0; s <= kSlots; s++) {
    bool on = s < kSlots && bits.test(s);
    if (on && start < 0) start = s;
    if (!on && start >= 0) {
      out.emplace_back(start, s - 1);
      start = -1;
    }
  }
  return out;
}

std::string ClusterState::Describe(const Node& n, bool for_file, bool tls) const {
  std::string out = n.name + " " + n.ip + ":" + std::to_string(tls ? n.tls_port : n.port) + "@" +
                    std::to_string(n.cport);
  if (for_file) {
    out += "," + n.hostname + ",tls-port=" + std::to_string(n.tls_port) + ",shard-id=" + n.shard_id;
    if (!n.human_nodename.empty()) out += ",nodename=" + n.human_nodename;
  } else if (!n.hostname.empty()) {
    out += "," + n.hostname;
  }
  out += " " + FlagsText(n.flags) + " ";
  out += n.is_replica() && !n.master_name.empty() ? n.master_name : "-";
  // This node pings nobody and hears no PONG from itself: 0 and 0. A replica shows the epoch
  // of the master it follows (its own stays 0), as Redis 7.2 prints both.
  const Node* master = MasterOf(&n);
  const uint64_t epoch = master != nullptr ? master->config_epoch : n.config_epoch;
  out += " " + std::to_string(n.myself() ? 0 : n.ping_sent) + " " +
         std::to_string(n.myself() ? 0 : n.pong_received) + " " + std::to_string(epoch) + " ";
  out += n.myself() || n.link_up ? "connected" : "disconnected";
  // A replica shows its master's slots only in the master's line.
  for (auto [a, b] : Ranges(n.slots)) {
    out += " " + std::to_string(a);
    if (b != a) out += "-" + std::to_string(b);
  }
  if (n.myself()) {
    for (int s = 0; s < kSlots; s++) {
      if (migrating_[s] != nullptr) {
        out += " [" + std::to_string(s) + "->-" + migrating_[s]->name + "]";
      } else if (importing_[s] != nullptr) {
        out += " [" + std::to_string(s) + "-<-" + importing_[s]->name + "]";
      }
    }
  }
  return out;
}

std::string ClusterState::Serialize() const {
  std::string out;
  for (auto& [k, n] : nodes_) {
    if (n->handshake()) continue;
    out += Describe(*n, true);
    out += '\n';
  }
  out += "vars currentEpoch " + std::to_string(current_epoch) + " lastVoteEpoch " +
         std::to_string(last_vote_epoch) + "\n";
  return out;
}

bool ClusterState::Parse(std::string_view text, int64_t now_ms, std::string* why) {
  nodes_.clear();
  myself_ = nullptr;
  slots_.fill(nullptr);
  migrating_.fill(nullptr);
  importing_.fill(nullptr);
  struct Pending {
    int slot;
    bool migrating;
    std::string node;
  };
  std::vector<Pending> open;
  for (std::string_view line : SplitChar(text, '\n')) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> f;
    for (auto w : SplitChar(line, ' ')) {
      if (!w.empty()) f.push_back(w);
    }
    if (f[0] == "vars") {
      for (size_t i = 1; i + 1 < f.size(); i += 2) {
        int64_t v = 0;
        if (!ParseInt(f[i + 1], &v)) continue;
        if (f[i] == "currentEpoch") current_epoch = static_cast<uint64_t>(v);
        if (f[i] == "lastVoteEpoch") last_vote_epoch = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (f.size() < 8) {
      *why = "Unrecoverable error: corrupted cluster config file \"" + std::string(line) + "\".";
      return false;
    }
    // A node named twice (or not by 40 hex digits) is a damaged file, not one to guess at.
    if (!ValidName(f[0]) || nodes_.count(std::string(f[0])) > 0 ||
        (f[3] != "-" && !ValidName(f[3]))) {
      *why = "Unrecoverable error: corrupted cluster config file \"" + std::string(line) + "\".";
      return false;
    }
    auto n = std::make_unique<Node>();
    n->name = std::string(f[0]);
    n->ctime = now_ms;
    // ip:port@cport[,hostname[,aux=value...]]
    std::vector<std::string_view> parts = SplitChar(f[1], ',');
    std::string_view addr = parts[0];
    size_t at = addr.find('@');
    size_t colon = addr.substr(0, at).rfind(':');
    if (colon == std::string_view::npos) {
      *why = "Unrecoverable error: corrupted cluster config file \"" + std::string(line) + "\".";
      return false;
    }
    n->ip = std::string(addr.substr(0, colon));
    int64_t v = 0;
    ParseInt(addr.substr(colon + 1, at == std::string_view::npos ? std::string_view::npos
                                                                  : at - colon - 1),
             &v);
    n->port = static_cast<int>(v);
    if (at != std::string_view::npos && ParseInt(addr.substr(at + 1), &v)) {
      n->cport = static_cast<int>(v);
    } else {
      n->cport = n->port + 10000;
    }
    if (parts.size() > 1) n->hostname = std::string(parts[1]);
    for (size_t i = 2; i < parts.size(); i++) {
      size_t eq = parts[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = parts[i].substr(0, eq), val = parts[i].substr(eq + 1);
      if (key == "shard-id") n->shard_id = std::string(val);
      if (key == "nodename") n->human_nodename = std::string(val);
      if (key == "tls-port" && ParseInt(val, &v) && v >= 0 && v <= 65535) {
        n->tls_port = static_cast<int>(v);
      }
    }
    for (auto flag : SplitChar(f[2], ',')) {
      for (auto& fn : kFlagNames) {
        if (flag == fn.name) n->flags |= fn.bit;
      }
    }
    if (f[3] != "-") n->master_name = std::string(f[3]);
    if ((n->flags & kMyself) && myself_ != nullptr) {
      *why = "Unrecoverable error: corrupted cluster config file (two myself nodes).";
      return false;
    }
    if (ParseInt(f[4], &v)) n->ping_sent = v;
    if (ParseInt(f[5], &v)) n->pong_received = v;
    if (ParseInt(f[6], &v)) n->config_epoch = static_cast<uint64_t>(v);
    if (n->shard_id.empty()) n->shard_id = RandomName();
    Node* p = Add(std::move(n));
    for (size_t i = 8; i < f.size(); i++) {
      std::string_view s = f[i];
      if (s.front() == '[') {
        size_t dash = s.find('-');
        int64_t slot = 0;
        if (dash == std::string_view::npos || !ParseInt(s.substr(1, dash - 1), &slot) ||
            s.size() < dash + 3) {
          continue;
        }
        bool migrating = s.substr(dash, 3) == "->-";
        std::string other(s.substr(dash + 3, s.size() - dash - 4));
        if (slot >= 0 && slot < kSlots) open.push_back({static_cast<int>(slot), migrating, other});
        continue;
      }
      size_t dash = s.find('-');
      int64_t a = 0, b = 0;
      if (!ParseInt(s.substr(0, dash), &a)) continue;
      b = a;
      if (dash != std::string_view::npos && !ParseInt(s.substr(dash + 1), &b)) continue;
      if (a < 0 || b >= kSlots || a > b) continue;
      for (int64_t x = a; x <= b; x++) AddSlot(p, static_cast<int>(x));
    }
  }
  if (myself_ == nullptr) {
    *why = "Unrecoverable error: corrupted cluster config file (no myself node).";
    return false;
  }
  for (auto& o : open) {
    Node* other = Find(o.node);
    if (other == nullptr) continue;
    (o.migrating ? migrating_ : importing_)[o.slot] = other;
  }
  // Replicas share their master's shard id.
  for (auto& [k, n] : nodes_) {
    if (Node* m = MasterOf(n.get()); m != nullptr) n->shard_id = m->shard_id;
  }
  return true;
}

}  // namespace carmine::cluster
