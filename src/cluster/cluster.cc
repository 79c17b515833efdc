// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The bus side of Cluster: links, the cron, and what each message does to the state.
#include "cluster/cluster.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "base/clock.h"
#include "base/logging.h"
#include "cluster/link.h"
#include "net/link.h"
#include "net/socket.h"

namespace carmine {

using cluster::BusLink;
using cluster::Gossip;
using cluster::kSlots;

namespace {


std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

class BusListener : public IoHandler {
 public:
  BusListener(std::function<void()> on_accept) : on_accept_(std::move(on_accept)) {}
  void OnEvent(uint32_t) override { on_accept_(); }

 private:
  std::function<void()> on_accept_;
};

}  // namespace

Cluster::Cluster(ClusterOptions& opts, ClusterHost& host) : opts_(opts), host_(host) {}

Cluster::~Cluster() { Stop(); }

Status Cluster::Init() {
  const int64_t now = clock::NowMs();
  enabled_ = true;
  start_ms_ = now;
  config_path_ = opts_.cluster_config_file.get();
  std::string text;
  bool exists = false;
  if (FILE* f = fopen(config_path_.c_str(), "r"); f != nullptr) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    fclose(f);
    exists = true;
  }
  bool blank = text.find_first_not_of(" \r\n\t") == std::string::npos;
  std::lock_guard<std::mutex> l(mu_);
  if (exists && !blank) {
    std::string why;
    if (!state_.Parse(text, now, &why)) return Status::Error(why);
    Node* me = state_.myself();
    for (auto& [name, n] : state_.nodes()) n->link_up = false;
    LOG_NOTICE("Node configuration loaded, I'm %.40s", me->name.c_str());
  } else {
    auto me = cluster::ClusterState::NewNode(cluster::kMyself | cluster::kMaster, now);
    Node* p = state_.Add(std::move(me));
    LOG_NOTICE("No cluster configuration found, I'm %.40s", p->name.c_str());
  }
  Node* me = state_.myself();
  tls_bus_ = host_.BusTls() != nullptr;
  me->port = opts_.cluster_announce_port.get() != 0 ? opts_.cluster_announce_port.get()
                                                     : host_.ClientPort();
  me->tls_port = opts_.cluster_announce_tls_port.get() != 0 ? opts_.cluster_announce_tls_port.get()
                                                            : host_.TlsPort();
  // The bus port follows the port the cluster's clients use: tls-port with tls-cluster yes.
  const int base = tls_bus_ ? host_.TlsPort() : host_.ClientPort();
  int bus_port = opts_.cluster_port.get() != 0 ? opts_.cluster_port.get() : base + 10000;
  me->cport = opts_.cluster_announce_bus_port.get() != 0 ? opts_.cluster_announce_bus_port.get()
                                                         : bus_port;
  if (!opts_.cluster_announce_ip.get().empty()) me->ip = opts_.cluster_announce_ip.get();
  me->hostname = opts_.cluster_announce_hostname.get();
  me->human_nodename = opts_.cluster_announce_human_nodename.get();
  if (opts_.cluster_replica_no_failover.get()) me->flags |= cluster::kNoFailover;
  if (!Save()) {
    return Status::Error("Unable to save the cluster config file " + config_path_);
  }
  if (bus_port > 65535) {
    return Status::Error("Redis port number too high. Cluster communication port is 10,000 port "
                         "numbers higher than your Redis port. Your Redis port number must be 55535 "
                         "or less.");
  }
  for (const std::string& addr : host_.BindAddresses()) {
    auto r = net::ListenTcp(addr, bus_port, 511);
    if (!r.ok()) {
      LOG_WARNING("%s", r.status().message().c_str());
      return Status::Error("Failed listening on port " + std::to_string(bus_port) +
                           " (cluster), aborting.");
    }
    if (r.value() >= 0) listen_fds_.push_back(r.value());
  }
  // A replica restarts replicating from the master its config names.
  if (Node* m = state_.MasterOf(me); m != nullptr && !m->ip.empty()) {
    host_.ReplicateFrom(m->ip, ReplicationPort(m));
  }
  return Status::Ok();
}

void Cluster::Start() {
  EventLoop& loop = host_.BusLoop();
  for (int fd : listen_fds_) {
    auto h = std::make_unique<BusListener>([this] { Accept(); });
    loop.Add(fd, EPOLLIN, h.get());
    listeners_.push_back(std::move(h));
  }
  ArmCron();
}

void Cluster::VerifyConfigWithData() {
  std::lock_guard<std::mutex> l(mu_);
  Node* me = state_.myself();
  if (me->is_replica()) return;  // its data is its master's
  bool changed = false;
  for (int s = 0; s < kSlots; s++) {
    Node* owner = state_.SlotOwner(s);
    if (owner == me || state_.importing_from(s) != nullptr) continue;
    if (host_.CountKeysInSlot(s) == 0) continue;
    changed = true;
    if (owner == nullptr) {
      LOG_NOTICE("I have keys for unassigned slot %d. Taking responsibility for it.", s);
      state_.AddSlot(me, s);
    } else {
      LOG_WARNING("I have keys for slot %d, but the slot is assigned to another node. Setting "
                  "it to importing state.", s);
      state_.SetImporting(s, owner);
    }
  }
  if (changed) Save();
}

void Cluster::ArmCron() {
  std::weak_ptr<bool> alive = alive_;
  cron_timer_ = host_.BusLoop().AddTimer(100, [this, alive] {
    if (alive.expired() || stopped_) return;
    Cron();
    host_.UnblockKeyWaiters(
        [this](const BlockedClient& c, bool write) { return BlockedRedirect(c, write); });
    ArmCron();
  });
}

void Cluster::Stop() {
  if (stopped_) return;
  stopped_ = true;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, n] : state_.nodes()) n->link = n->inbound = nullptr;
  links_.clear();
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
}

size_t Cluster::ConnectionCount() {
  std::lock_guard<std::mutex> l(mu_);
  return links_.size();
}

void Cluster::Accept() {
  for (int fd : listen_fds_) {
    for (;;) {
      int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) break;
      std::lock_guard<std::mutex> l(mu_);
      auto bl = std::make_unique<BusLink>(this, true, nullptr, clock::NowMs());
      std::unique_ptr<net::Transport> t;
      if (tls_bus_) {
        if (auto tls = host_.BusTls(); tls != nullptr) t = tls->Accept(c);
      }
      bl->link->Adopt(t != nullptr ? std::move(t) : net::MakePlainTransport(c));
      LOG_VERBOSE("Accepting cluster node connection from %s", bl->link->peer().c_str());
      links_.push_back(std::move(bl));
    }
  }
}

void Cluster::Connect(Node* n, int64_t now) {
  auto bl = std::make_unique<BusLink>(this, false, n, now);
  BusLink* p = bl.get();
  n->link = p;
  n->link_up = false;
  links_.push_back(std::move(bl));
  if (tls_bus_) p->link->set_tls(host_.BusTls());
  p->link->Connect(n->ip, n->cport, "", std::max<int64_t>(NodeTimeout(), 1000));
}

void Cluster::FreeLink(BusLink* l) {
  if (l->node != nullptr) {
    if (l->node->link == l) {
      l->node->link = nullptr;
      l->node->link_up = false;
    }
    if (l->node->inbound == l) l->node->inbound = nullptr;
  }
  l->link->Close();
  l->closed = true;
}

void Cluster::LinkReadable(BusLink* l) {
  IoBuffer& in = l->link->input();
  const int64_t now = clock::NowMs();
  while (true) {
    int64_t len = cluster::FrameLength(std::string_view(in.data(), in.size()));
    if (len < 0) {
      LOG_WARNING("Bad message length or signature received on the Cluster bus.");
      FreeLink(l);
      return;
    }
    if (len == 0 || static_cast<int64_t>(in.size()) < len) return;
    Message m;
    std::string why;
    std::string_view frame(in.data(), static_cast<size_t>(len));
    bool ok = cluster::Decode(frame, &m, &why);
    in.Consume(static_cast<size_t>(len));
    if (!ok) {
      LOG_WARNING("%s received on the Cluster bus (type %d).", why.c_str(), m.type);
      continue;
    }
    if (m.type < cluster::kMsgTypes) stats_received_[m.type]++;
    Process(l, m, now);
    if (l->closed) return;
  }
}

Cluster::Message Cluster::Header(uint16_t type) {
  Message m;
  Node* me = state_.myself();
  Node* master = state_.MasterOf(me);
  const Node* owner = master != nullptr ? master : me;
  m.type = type;
  m.sender = me->name;
  m.slots = owner->slots;
  m.config_epoch = owner->config_epoch;
  m.current_epoch = state_.current_epoch;
  m.master = me->is_replica() ? me->master_name : "";
  m.ip = opts_.cluster_announce_ip.get();
  m.port = static_cast<uint16_t>(BusPort(me));
  m.pport = static_cast<uint16_t>(OtherPort(me));
  m.cport = static_cast<uint16_t>(me->cport);
  m.flags = me->flags;
  m.state = state_ok_.load() ? 0 : 1;
  m.offset = static_cast<uint64_t>(host_.ReplOffset());
  if (me->is_master() && mf_end_ != 0) m.mflags |= cluster::kPaused;
  return m;
}

void Cluster::Send(BusLink* l, const Message& m) {
  if (l == nullptr || l->closed) return;
  l->link->Send(cluster::Encode(m));
  if (m.type < cluster::kMsgTypes) stats_sent_[m.type]++;
}

void Cluster::Broadcast(const Message& m) {
  std::string bytes = cluster::Encode(m);
  for (auto& [name, n] : state_.nodes()) {
    if (n->myself() || n->handshake() || n->link == nullptr || !n->link_up) continue;
    n->link->link->Send(bytes);
    if (m.type < cluster::kMsgTypes) stats_sent_[m.type]++;
  }
}

void Cluster::BroadcastPong(bool replicas_only) {
  Node* me = state_.myself();
  for (auto& [name, n] : state_.nodes()) {
    if (n->myself() || n->handshake() || n->link == nullptr || !n->link_up) continue;
    if (replicas_only && !(n->is_replica() && n->master_name == me->name)) continue;
    SendPing(n->link, cluster::kPong);
  }
}

void Cluster::SendPing(BusLink* l, uint16_t type) {
  Message m = Header(type);
  const int64_t now = clock::NowMs();
  std::vector<Node*> candidates, pfail;
  for (auto& [name, n] : state_.nodes()) {
    Node* p = n.get();
    if (p->myself()) continue;
    if (p->pfail()) {
      pfail.push_back(p);
      continue;
    }
    if (p->handshake() || !p->has_addr()) continue;
    if (p->link == nullptr && p->num_slots == 0) continue;
    candidates.push_back(p);
  }
  size_t known = state_.nodes().size();
  size_t wanted = std::max<size_t>(3, known / 10);
  size_t fresh = known >= 2 ? known - 2 : 0;
  wanted = std::min(wanted, fresh);
  std::shuffle(candidates.begin(), candidates.end(), Rng());
  auto add = [&](Node* p) {
    Gossip g;
    g.name = p->name;
    g.ping_sent = static_cast<uint32_t>(p->ping_sent / 1000);
    g.pong_received = static_cast<uint32_t>(p->pong_received / 1000);
    g.ip = p->ip;
    g.port = static_cast<uint16_t>(BusPort(p));
    g.cport = static_cast<uint16_t>(p->cport);
    g.pport = static_cast<uint16_t>(OtherPort(p));
    g.flags = p->flags;
    m.gossip.push_back(std::move(g));
  };
  for (size_t i = 0; i < candidates.size() && i < wanted; i++) {
    if (l->node == candidates[i]) continue;
    add(candidates[i]);
  }
  for (Node* p : pfail) add(p);
  Node* me = state_.myself();
  m.hostname = me->hostname;
  m.human_nodename = me->human_nodename;
  m.shard_id = me->shard_id;
  for (auto& [name, until] : blacklist_) {
    if (until > now) m.forgotten.emplace_back(name, static_cast<uint64_t>((until - now) / 1000));
  }
  if (type == cluster::kPing && l->node != nullptr && !l->inbound) l->node->ping_sent = now;
  Send(l, m);
}

void Cluster::PropagatePublish(std::string_view channel, std::string_view message, bool shard) {
  std::weak_ptr<bool> alive = alive_;
  host_.BusLoop().Post([this, alive, ch = std::string(channel), msg = std::string(message),
                        shard] {
    if (alive.expired()) return;
    std::lock_guard<std::mutex> l(mu_);
    Message m = Header(shard ? cluster::kPublishShard : cluster::kPublish);
    m.channel = ch;
    m.payload = msg;
    if (!shard) return Broadcast(m);
    // SPUBLISH reaches the other nodes of this shard: its master and replicas.
    Node* me = state_.myself();
    Node* master = me->is_master() ? me : state_.MasterOf(me);
    if (master == nullptr) return;
    std::vector<Node*> shard_nodes = state_.ReplicasOf(master);
    shard_nodes.push_back(master);
    std::string bytes = cluster::Encode(m);
    for (Node* n : shard_nodes) {
      if (n == me || n->link == nullptr || !n->link_up) continue;
      n->link->link->Send(bytes);
      stats_sent_[m.type]++;
    }
  });
}

void Cluster::StartHandshake(const std::string& ip, int port, int cport, int64_t now) {
  // One handshake per address at a time.
  for (auto& [name, n] : state_.nodes()) {
    if (n->handshake() && n->ip == ip && BusPort(n.get()) == port && n->cport == cport) return;
  }
  auto n = cluster::ClusterState::NewNode(cluster::kHandshake | cluster::kMeetFlag, now);
  n->ip = ip;
  SetPorts(n.get(), port, 0);
  n->cport = cport;
  state_.Add(std::move(n));
}

void Cluster::SetPorts(Node* n, int bus_port, int other) const {
  (tls_bus_ ? n->tls_port : n->port) = bus_port;
  (tls_bus_ ? n->port : n->tls_port) = other;
}

void Cluster::DeleteNode(Node* n) {
  for (auto& l : links_) {
    if (l->node != n) continue;
    FreeLink(l.get());
    l->node = nullptr;
  }
  state_.Remove(n->name);
}

void Cluster::Cron() {
  std::lock_guard<std::mutex> l(mu_);
  const int64_t now = clock::NowMs();
  const int64_t timeout = NodeTimeout();
  iteration_++;
  Node* me = state_.myself();
  me->hostname = opts_.cluster_announce_hostname.get();
  me->human_nodename = opts_.cluster_announce_human_nodename.get();
  for (auto it = blacklist_.begin(); it != blacklist_.end();) {
    it = it->second <= now ? blacklist_.erase(it) : std::next(it);
  }
  // Inbound links that went quiet are dropped, and so are links whose unsent output passed
  // cluster-link-sendbuf-limit (a peer that stopped reading); closed ones are reaped.
  const int64_t sendbuf_limit = opts_.cluster_link_sendbuf_limit.get();
  for (auto& bl : links_) {
    if (bl->closed) continue;
    const size_t pending = bl->link->pending_output();
    if (sendbuf_limit > 0 && pending > static_cast<size_t>(sendbuf_limit)) {
      LOG_WARNING("Freeing cluster link(%s node %.40s, used memory: %llu) due to exceeding send "
                  "buffer memory limit.", bl->inbound ? "from" : "to",
                  bl->node != nullptr ? bl->node->name.c_str() : "",
                  static_cast<unsigned long long>(pending));
      stats_links_buffer_limit_exceeded_++;
      bl->link->Close();
      bl->closed = true;
      continue;
    }
    if (bl->inbound && bl->node == nullptr && now - bl->ctime > std::max<int64_t>(timeout, 1000) &&
        bl->last_rx == 0) {
      bl->link->Close();
      bl->closed = true;
    }
  }
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [](const std::unique_ptr<BusLink>& bl) {
                                if (!bl->closed) return false;
                                if (bl->node != nullptr) {
                                  if (bl->node->link == bl.get()) {
                                    bl->node->link = nullptr;
                                    bl->node->link_up = false;
                                  }
                                  if (bl->node->inbound == bl.get()) bl->node->inbound = nullptr;
                                }
                                return true;
                              }),
               links_.end());
  std::vector<Node*> nodes;
  for (auto& [name, n] : state_.nodes()) nodes.push_back(n.get());
  stats_pfail_nodes_ = 0;
  const int64_t handshake_timeout = std::max<int64_t>(timeout, 1000);
  for (Node* n : nodes) {
    if (n->myself() || !n->has_addr()) continue;
    if (n->pfail()) stats_pfail_nodes_++;
    if (n->handshake() && now - n->ctime > handshake_timeout) {
      DeleteNode(n);
      continue;
    }
    if (n->link == nullptr) Connect(n, now);
  }
  // Once a second, ping a node among a few random ones: the one whose pong is oldest.
  if (iteration_ % 10 == 0) {
    Node* pick = nullptr;
    for (int i = 0; i < 5 && !nodes.empty(); i++) {
      Node* n = nodes[Rng()() % nodes.size()];
      if (n->myself() || n->handshake() || n->link == nullptr || !n->link_up || n->ping_sent != 0) {
        continue;
      }
      if (pick == nullptr || n->pong_received < pick->pong_received) pick = n;
    }
    if (pick != nullptr) SendPing(pick->link, cluster::kPing);
  }
  bool update = false;
  for (auto& [name, np] : state_.nodes()) {
    Node* n = np.get();
    if (n->myself() || !n->has_addr() || n->handshake()) continue;
    const int64_t ping_delay = now - n->ping_sent, data_delay = now - n->data_received;
    if (n->link != nullptr && n->link_up && now - n->link->ctime > timeout && n->ping_sent != 0 &&
        ping_delay > timeout / 2 && data_delay > timeout / 2) {
      // The link may be stuck: a fresh one is made at the next run (pings are not reset).
      n->link->link->Close();
      n->link->closed = true;
      n->link = nullptr;
      n->link_up = false;
    }
    if (n->link != nullptr && n->link_up && n->ping_sent == 0 &&
        now - n->pong_received > timeout / 2) {
      SendPing(n->link, cluster::kPing);
      continue;
    }
    if (mf_end_ != 0 && me->is_master() && mf_replica_ == n->name && n->link != nullptr &&
        n->link_up) {
      SendPing(n->link, cluster::kPing);
      continue;
    }
    if (n->ping_sent == 0) continue;
    const int64_t delay = std::min(ping_delay, data_delay);
    if (delay > timeout && !(n->flags & (cluster::kPFail | cluster::kFailed))) {
      LOG_DEBUG("*** NODE %.40s possibly failing", n->name.c_str());
      n->flags |= cluster::kPFail;
      update = true;
    }
  }
  (void)update;
  if (mf_end_ != 0 && mf_end_ < now) {
    LOG_WARNING("Manual failover timed out.");
    ResetManualFailover();
  }
  if (me->is_replica()) {
    HandleManualFailover(now);
    HandleReplicaFailover(now);
    HandleReplicaMigration(now);
  }
  UpdateState(now);
  if (save_pending_) Save();
}

void Cluster::UpdateState(int64_t now) {
  Node* me = state_.myself();
  // A master that just started waits a little before it serves again: the others may have
  // failed it over meanwhile, and it learns that from their first pings.
  const int64_t rejoin_delay = std::clamp<int64_t>(NodeTimeout(), 500, 5000);
  if (!state_ok_.load() && me->is_master() && now - start_ms_ < rejoin_delay) return;
  bool ok = true;
  if (opts_.cluster_require_full_coverage.get()) {
    for (int s = 0; s < kSlots; s++) {
      Node* o = state_.SlotOwner(s);
      if (o == nullptr || o->failed()) {
        ok = false;
        break;
      }
    }
  }
  int size = 0, reachable = 0;
  for (auto& [name, n] : state_.nodes()) {
    if (!n->is_master() || n->num_slots == 0) continue;
    size++;
    if (!(n->flags & (cluster::kFailed | cluster::kPFail))) reachable++;
  }
  const int quorum = size / 2 + 1;
  if (reachable < quorum) {
    ok = false;
    among_minority_ms_ = now;
  }
  if (ok != state_ok_.load()) {
    if (ok && me->is_master() && among_minority_ms_ != 0 && now - among_minority_ms_ < rejoin_delay) {
      return;
    }
    LOG_WARNING("Cluster state changed: %s", ok ? "ok" : "fail");
    state_ok_.store(ok);
  }
}

bool Cluster::Save() {
  save_pending_ = false;
  std::string text = state_.Serialize();
  std::string tmp = config_path_ + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  size_t off = 0;
  while (ok && off < text.size()) {
    ssize_t w = write(fd, text.data() + off, text.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ok = false;
    else off += static_cast<size_t>(w);
  }
  if (ok && fsync(fd) != 0) ok = false;
  if (fd >= 0) close(fd);
  if (ok && rename(tmp.c_str(), config_path_.c_str()) != 0) ok = false;
  if (!ok) {
    LOG_WARNING("Could not save the cluster config file %s: %s", config_path_.c_str(),
                strerror(errno));
    unlink(tmp.c_str());
  }
  return ok;
}

std::string Cluster::Endpoint(const Node* n) const {
  int type = opts_.cluster_preferred_endpoint_type.get();
  if (type == 1) return n->hostname.empty() ? "?" : n->hostname;
  if (type == 2) return "?";
  return n->ip;
}

}  // namespace carmine

namespace carmine::cluster {

BusLink::BusLink(Cluster* c, bool in, Node* n, int64_t now)
    : cluster(c), inbound(in), node(n), ctime(now) {
  net::Link::Handlers h;
  h.connected = [this](const Status& s) { cluster->LinkConnected(this, s); };
  h.readable = [this] {
    std::lock_guard<std::mutex> l(cluster->mu_);
    last_rx = clock::NowMs();
    if (!closed) cluster->LinkReadable(this);
  };
  h.closed = [this](const Status&) {
    std::lock_guard<std::mutex> l(cluster->mu_);
    cluster->FreeLink(this);
  };
  link = std::make_unique<net::Link>(cluster->host_.BusLoop(), std::move(h));
}

BusLink::~BusLink() = default;

}  // namespace carmine::cluster

namespace carmine {

void Cluster::LinkConnected(BusLink* l, const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (l->closed) return;
  if (!s.ok()) {
    if (l->node != nullptr) {
      LOG_VERBOSE("Connection with Node %.40s at %s:%d failed: %s", l->node->name.c_str(),
                  l->node->ip.c_str(), l->node->cport, s.message().c_str());
      // A node that cannot be reached counts as pinged: failure detection must not wait for a
      // connection that never comes.
      if (l->node->ping_sent == 0) l->node->ping_sent = clock::NowMs();
    }
    FreeLink(l);
    return;
  }
  Node* n = l->node;
  if (n == nullptr) return;
  n->link_up = true;
  // A new link does not restart the failure clock of a node that had not answered yet.
  const int64_t old_ping = n->ping_sent;
  SendPing(l, (n->flags & cluster::kMeetFlag) ? cluster::kMeet : cluster::kPing);
  if (old_ping != 0) n->ping_sent = old_ping;
  n->flags &= static_cast<uint16_t>(~cluster::kMeetFlag);
}

}  // namespace carmine
