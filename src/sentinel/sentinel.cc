// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "sentinel/sentinel.h"

#include <algorithm>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "sentinel/internal.h"

namespace carmine::sentinel {

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone: return "none";
    case FailoverState::kWaitStart: return "wait_start";
    case FailoverState::kSelectSlave: return "select_slave";
    case FailoverState::kSendSlaveofNoone: return "send_slaveof_noone";
    case FailoverState::kWaitPromotion: return "wait_promotion";
    case FailoverState::kReconfSlaves: return "reconf_slaves";
    case FailoverState::kUpdateConfig: return "update_config";
  }
  return "unknown";
}

namespace {

bool ParseInt(std::string_view s, int64_t* v) { return ParseInt64(s, v); }

std::string RandomHexId(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}

}  // namespace

bool IsIpAddress(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// A new instance counts as answering since now: it has this long to prove otherwise.
std::unique_ptr<Instance> NewInstance(uint32_t type, const std::string& ip, int port) {
  auto ri = std::make_unique<Instance>();
  ri->flags = type;
  ri->ip = ip;
  ri->port = port;
  int64_t now = clock::NowMs();
  ri->act_ping_time = now;
  ri->last_avail_time = now;
  ri->last_pong_time = now;
  ri->role_reported = type == kSlave ? kSlave : kMaster;
  ri->role_reported_time = now;
  return ri;
}

// "ip:port" keys use the bracketed form for IPv6, as Redis names replicas.
std::string AddrKey(const std::string& ip, int port) {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

Sentinel::Sentinel(Hooks hooks)
    : hooks_(std::move(hooks)),
      scripts_([this](const std::string& type, const std::string& msg) {
        bool debug = type == "+script-child" || type == "-script-child";
        Event(static_cast<int>(debug ? log::Level::kDebug : log::Level::kWarning), type, nullptr,
              msg);
      }) {}

void Sentinel::CallClientReconfScript(const Instance& m, const char* role,
                                      const std::string& from_ip, int from_port,
                                      const std::string& to_ip, int to_port) {
  if (m.client_reconfig_script.empty()) return;
  scripts_.Schedule({m.client_reconfig_script, m.name, role, "start", from_ip,
                     std::to_string(from_port), to_ip, std::to_string(to_port)});
}

Sentinel::~Sentinel() { Stop(); }

Instance* Sentinel::FindMaster(std::string_view name) {
  auto it = masters_.find(std::string(name));
  return it == masters_.end() ? nullptr : it->second.get();
}

Instance* Sentinel::FindMasterByAddr(const std::string& ip, int port) {
  for (auto& [n, m] : masters_) {
    if (m->ip == ip && m->port == port) return m.get();
  }
  return nullptr;
}

Instance* Sentinel::CreateInstance(Instance* master, uint32_t type, const std::string& ip,
                                   int port, const std::string& runid) {
  std::unique_ptr<Instance> ri = NewInstance(type, ip, port);
  ri->master = master;
  ri->runid = runid;
  int64_t now = clock::NowMs();
  ri->slave_conf_change_time = now;
  ri->down_after = master != nullptr ? master->down_after : kDefaultDownAfter;
  Instance* raw = ri.get();
  if (type == kSlave) {
    ri->name = AddrKey(ip, port);
    master->slaves[ri->name] = std::move(ri);
  } else if (type == kSentinel) {
    ri->name = runid;
    master->sentinels[ri->name] = std::move(ri);
  }
  return raw;
}

std::string Sentinel::Describe(const Instance& ri) const {
  const char* type = ri.is_master() ? "master" : ri.is_slave() ? "slave" : "sentinel";
  std::string s = std::string(type) + " " + ri.name + " " + ri.ip + " " + std::to_string(ri.port);
  if (!ri.is_master() && ri.master != nullptr) {
    s += " @ " + ri.master->name + " " + ri.master->ip + " " + std::to_string(ri.master->port);
  }
  return s;
}

void Sentinel::Event(int level, std::string_view type, const Instance* ri, std::string_view rest,
                     bool with_instance) {
  std::string msg;
  if (ri != nullptr && with_instance) {
    msg = Describe(*ri);
    if (!rest.empty()) msg += " ";
  }
  msg.append(rest);
  log::Write(static_cast<log::Level>(level), "%.*s %s", static_cast<int>(type.size()),
             type.data(), msg.c_str());
  if (level != static_cast<int>(log::Level::kDebug) && hooks_.publish) {
    hooks_.publish(type, msg);
  }
  // Warnings about an instance run the master's notification script: <event type> <message>.
  if (level == static_cast<int>(log::Level::kWarning) && ri != nullptr) {
    const Instance* m = ri->is_master() ? ri : ri->master;
    if (m != nullptr && !m->notification_script.empty()) {
      scripts_.Schedule({m->notification_script, std::string(type), msg});
    }
  }
}

constexpr int kWarn = static_cast<int>(log::Level::kWarning);
constexpr int kNote = static_cast<int>(log::Level::kNotice);
constexpr int kVerb = static_cast<int>(log::Level::kVerbose);

// ---- Running ----------------------------------------------------------------------------------

void Sentinel::Start(EventLoop& loop) {
  loop_ = &loop;
  bool new_id = myid_.empty();
  if (new_id) myid_ = RandomHexId(rng_);
  started_ = true;
  previous_time_ = clock::NowMs();
  FlushConfig();
  LOG_NOTICE("Sentinel ID is %s", myid_.c_str());
  for (auto& [name, m] : masters_) {
    Event(kWarn, "+monitor", m.get(), "quorum " + std::to_string(m->quorum));
  }
  ScheduleTick(100);
}

void Sentinel::ScheduleTick(int64_t delay_ms) {
  // About ten times a second, with jitter so that Sentinels started together drift apart
  // (their votes would otherwise keep colliding). Stop() cancels the pending one.
  timer_ = loop_->AddTimer(delay_ms, [this] {
    Tick();
    ScheduleTick(60 + static_cast<int64_t>(rng_() % 50));
  });
}

void Sentinel::Stop() {
  if (loop_ != nullptr && timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  masters_.clear();
}

void Sentinel::CheckTilt() {
  int64_t now = clock::NowMs();
  int64_t delta = now - previous_time_;
  if (delta < 0 || delta > kTiltTrigger) {
    tilt_ = true;
    tilt_since_ = now;
    Event(kWarn, "+tilt", nullptr, "#tilt mode entered");
  }
  previous_time_ = now;
}

void Sentinel::Tick() {
  CheckTilt();
  scripts_.Run(clock::NowMs());
  std::vector<Instance*> switch_to;
  for (auto& [name, m] : masters_) {
    HandleInstance(*m);
    for (auto& [k, s] : m->slaves) HandleInstance(*s);
    for (auto& [k, s] : m->sentinels) HandleInstance(*s);
    if (m->failover_state == FailoverState::kUpdateConfig) switch_to.push_back(m.get());
  }
  for (Instance* m : switch_to) SwitchToPromoted(*m);
}

void Sentinel::HandleInstance(Instance& ri) {
  // Monitoring half: keep the links up and the periodic commands going.
  Reconnect(ri);
  SendPeriodic(ri);
  if (tilt_) {
    if (clock::NowMs() - tilt_since_ < kTiltPeriod) return;
    tilt_ = false;
    Event(kWarn, "-tilt", nullptr, "#tilt mode exited");
  }
  // Acting half.
  CheckSubjectivelyDown(ri);
  if (ri.is_master()) {
    CheckObjectivelyDown(ri);
    if (StartFailoverIfNeeded(ri)) AskOtherSentinels(ri, true);
    FailoverStateMachine(ri);
    AskOtherSentinels(ri, false);
  }
}

std::string Sentinel::MapCommand(const Instance& ri, std::string_view cmd) const {
  const Instance* m = ri.is_master() ? &ri : ri.master;
  if (m != nullptr && !ri.is_sentinel()) {
    auto it = m->renamed.find(ToLower(cmd));
    if (it != m->renamed.end()) return it->second;
  }
  return std::string(cmd);
}

void Sentinel::SendCommand(Instance& ri, std::vector<std::string> args,
                           InstanceLink::Callback cb) {
  if (ri.cc == nullptr) return;
  args[0] = MapCommand(ri, args[0]);
  ri.cc->Send(args, std::move(cb));
}

void Sentinel::Reconnect(Instance& ri) {
  int64_t now = clock::NowMs();
  bool need_cc = ri.cc == nullptr;
  bool need_pc = !ri.is_sentinel() && ri.pc == nullptr;
  if (!need_cc && !need_pc) return;
  if (now - ri.last_reconnect < kPingPeriod) return;
  ri.last_reconnect = now;
  const Instance* m = ri.is_master() ? &ri : ri.master;
  std::string tag = "sentinel-" + myid_.substr(0, 8);
  auto auth = [&](InstanceLink& l) {
    if (ri.is_sentinel()) {
      if (!sentinel_pass.empty()) {
        if (sentinel_user.empty()) {
          l.Send({"AUTH", sentinel_pass}, nullptr);
        } else {
          l.Send({"AUTH", sentinel_user, sentinel_pass}, nullptr);
        }
      }
      return;
    }
    if (m != nullptr && !m->auth_pass.empty()) {
      if (m->auth_user.empty()) {
        l.Send({MapCommand(ri, "AUTH"), m->auth_pass}, nullptr);
      } else {
        l.Send({MapCommand(ri, "AUTH"), m->auth_user, m->auth_pass}, nullptr);
      }
    }
  };
  Instance* rip = &ri;
  if (need_cc) {
    ri.cc = std::make_unique<InstanceLink>(*loop_, nullptr, [this, rip](bool established) {
      // A link that worked and dropped is replaced on the next tick, so the PING that times the
      // instance's silence goes out at once (a killed server is then down after
      // down-after-milliseconds, not a reconnect period later); failed attempts wait a second.
      if (established) rip->last_reconnect = 0;
      std::unique_ptr<InstanceLink> old = std::move(rip->cc);
      if (old) loop_->AddTimer(0, [l = std::shared_ptr<InstanceLink>(std::move(old))] {});
    });
    ri.cc->Connect(ri.ip, ri.port, kPingPeriod);
    auth(*ri.cc);
    if (!ri.is_sentinel()) {
      ri.cc->Send({MapCommand(ri, "CLIENT"), "SETNAME", tag + "-cmd"}, nullptr);
    }
    ri.act_ping_time = ri.act_ping_time == 0 ? now : ri.act_ping_time;
    SendPing(ri);
  }
  if (need_pc) {
    ri.pc = std::make_unique<InstanceLink>(
        *loop_, [this, rip](const RespValue& v) { OnPubSubMessage(*rip, v); },
        [this, rip](bool) {
          std::unique_ptr<InstanceLink> old = std::move(rip->pc);
          if (old) loop_->AddTimer(0, [l = std::shared_ptr<InstanceLink>(std::move(old))] {});
        });
    ri.pc->Connect(ri.ip, ri.port, kPingPeriod);
    auth(*ri.pc);
    ri.pc->Send({MapCommand(ri, "CLIENT"), "SETNAME", tag + "-pubsub"}, nullptr);
    ri.pc->Send({MapCommand(ri, "SUBSCRIBE"), "__sentinel__:hello"}, nullptr);
  }
}

void Sentinel::SendPeriodic(Instance& ri) {
  if (ri.cc == nullptr || ri.cc->pending() >= kMaxPendingCommands) return;
  int64_t now = clock::NowMs();
  int64_t info_period = kInfoPeriod;
  // Replicas of a master that is down or failing over are watched closely, as is a master
  // rebooting.
  if (ri.is_slave() && ri.master != nullptr &&
      (ri.master->flags & (kODown | kFailoverInProgress))) {
    info_period = 1000;
  }
  if (ri.is_master() && (ri.flags & kMasterRebootDown)) info_period = 1000;
  int64_t ping_period = std::min(ri.down_after, kPingPeriod);
  if (!ri.is_sentinel() && (ri.info_refresh == 0 || now - ri.info_refresh > info_period)) {
    SendInfo(ri);
  }
  if (now - ri.last_pong_time > ping_period && now - ri.last_ping_time > ping_period / 2) {
    SendPing(ri);
  }
  if (now - ri.last_pub_time > kPublishPeriod) SendHello(ri);
}

void Sentinel::SendPing(Instance& ri) {
  if (ri.cc == nullptr) return;
  int64_t now = clock::NowMs();
  Instance* rip = &ri;
  SendCommand(ri, {"PING"}, [this, rip](const RespValue& v) { OnPingReply(*rip, v); });
  ri.last_ping_time = now;
  if (ri.act_ping_time == 0) ri.act_ping_time = now;
}

void Sentinel::OnPingReply(Instance& ri, const RespValue& v) {
  int64_t now = clock::NowMs();
  bool valid = (v.type == RespValue::Type::kSimple && v.str == "PONG") ||
               (v.is_error() && (v.str.rfind("LOADING", 0) == 0 || v.str.rfind("MASTERDOWN", 0) == 0));
  if (valid) {
    ri.act_ping_time = 0;
    ri.last_avail_time = now;
  } else if (v.is_error() && v.str.rfind("BUSY", 0) == 0 && (ri.flags & kSDown) &&
             !(ri.flags & kScriptKillSent)) {
    // A script holds the server: kill it, as Redis Sentinel does.
    SendCommand(ri, {"SCRIPT", "KILL"}, nullptr);
    ri.flags |= kScriptKillSent;
  }
  ri.last_pong_time = now;
}

void Sentinel::SendInfo(Instance& ri) {
  Instance* rip = &ri;
  SendCommand(ri, {"INFO"}, [this, rip](const RespValue& v) {
    if (v.is_string()) OnInfo(*rip, v.str);
  });
}

const Instance& Sentinel::CurrentMasterAddress(const Instance& m) const {
  if ((m.flags & kFailoverInProgress) && m.promoted_slave != nullptr &&
      m.failover_state >= FailoverState::kReconfSlaves) {
    return *m.promoted_slave;
  }
  return m;
}

void Sentinel::SendHello(Instance& ri) {
  if (ri.cc == nullptr || !ri.cc->connected()) return;
  Instance& m = ri.is_master() ? ri : *ri.master;
  const Instance& addr = CurrentMasterAddress(m);
  // Without announce-ip, the address this end of the link has: what the others can reach.
  std::string ip = announce_ip.empty() ? ri.cc->local_ip() : announce_ip;
  int port = announce_port != 0 ? announce_port : (hooks_.port ? hooks_.port() : 26379);
  std::string payload = ip + "," + std::to_string(port) + "," + myid_ + "," +
                        std::to_string(current_epoch_) + "," + m.name + "," + addr.ip + "," +
                        std::to_string(addr.port) + "," + std::to_string(m.config_epoch);
  Instance* rip = &ri;
  SendCommand(ri, {"PUBLISH", "__sentinel__:hello", payload}, [rip](const RespValue& v) {
    if (!v.is_error()) rip->last_pub_time = clock::NowMs();
  });
  // Not again before the reply (or a full period if there is none).
  ri.last_pub_time = clock::NowMs();
}

void Sentinel::ForceHelloUpdate(Instance& m) {
  int64_t when = clock::NowMs() - kPublishPeriod - 1;
  m.last_pub_time = when;
  for (auto& [k, s] : m.slaves) s->last_pub_time = when;
  for (auto& [k, s] : m.sentinels) s->last_pub_time = when;
}

void Sentinel::OnPubSubMessage(Instance& ri, const RespValue& v) {
  if (!v.is_aggregate() || v.elems.size() != 3) return;
  if (v.elems[0].str != "message" || v.elems[1].str != "__sentinel__:hello") return;
  ri.last_hello_time = clock::NowMs();
  // Our own hellos come back too.
  if (v.elems[2].str.find(myid_) != std::string::npos) return;
  OnHello(v.elems[2].str);
}

void Sentinel::ProcessHello(std::string_view payload) { OnHello(payload); }

void Sentinel::OnHello(std::string_view payload) {
  std::vector<std::string> t;
  size_t start = 0;
  while (true) {
    size_t comma = payload.find(',', start);
    t.emplace_back(payload.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (t.size() != 8) return;
  int64_t port, epoch, mport, mepoch;
  if (!ParseInt(t[1], &port) || !ParseInt(t[3], &epoch) || !ParseInt(t[6], &mport) ||
      !ParseInt(t[7], &mepoch)) {
    return;
  }
  Instance* m = FindMaster(t[4]);
  if (m == nullptr || t[2] == myid_) return;
  Instance* si = nullptr;
  auto it = m->sentinels.find(t[2]);
  if (it != m->sentinels.end() && it->second->ip == t[0] && it->second->port == port) {
    si = it->second.get();
  }
  if (si == nullptr) {
    // A Sentinel we do not know at this address: if its id is known, it moved.
    bool moved = it != m->sentinels.end();
    if (moved) m->sentinels.erase(it);
    for (auto& [name, other] : masters_) {
      if (other.get() == m) continue;
      auto o = other->sentinels.find(t[2]);
      if (o != other->sentinels.end() && (o->second->ip != t[0] || o->second->port != port)) {
        o->second->ip = t[0];
        o->second->port = static_cast<int>(port);
        o->second->cc.reset();
      }
    }
    si = CreateInstance(m, kSentinel, t[0], static_cast<int>(port), t[2]);
    if (moved) {
      Event(kNote, "+sentinel-address-switch", m,
            "ip " + t[0] + " port " + t[1] + " for " + t[2]);
    }
    Event(kNote, "+sentinel", si, "");
    FlushConfig();
  }
  if (static_cast<uint64_t>(epoch) > current_epoch_) {
    current_epoch_ = static_cast<uint64_t>(epoch);
    FlushConfig();
    Event(kWarn, "+new-epoch", m, std::to_string(current_epoch_), false);
  }
  if (m->config_epoch < static_cast<uint64_t>(mepoch)) {
    m->config_epoch = static_cast<uint64_t>(mepoch);
    if (mport != m->port || t[5] != m->ip) {
      Event(kWarn, "+config-update-from", si, "");
      Event(kWarn, "+switch-master", m,
            m->name + " " + m->ip + " " + std::to_string(m->port) + " " + t[5] + " " + t[6],
            false);
      std::string old_ip = m->ip;
      int old_port = m->port;
      ResetMasterAndChangeAddress(*m, t[5], static_cast<int>(mport));
      CallClientReconfScript(*m, "observer", old_ip, old_port, m->ip, m->port);
    }
  }
  si->last_hello_time = clock::NowMs();
}

// ---- INFO from masters and replicas -----------------------------------------------------------

void Sentinel::OnInfo(Instance& ri, const std::string& info) {
  int64_t now = clock::NowMs();
  ri.info = info;
  uint32_t role = 0;
  bool runid_changed = false;
  ri.master_link_down_time = 0;
  std::vector<std::pair<std::string, int>> found_slaves;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    if (eol == std::string::npos) eol = info.size();
    std::string_view line(info.data() + pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), val = line.substr(colon + 1);
    int64_t n;
    if (key == "run_id" && val.size() == 40) {
      if (ri.runid != val) {
        runid_changed = !ri.runid.empty();
        ri.runid = std::string(val);
      }
    } else if (key == "role") {
      role = val == "master" ? kMaster : val == "slave" ? kSlave : 0;
    } else if (ri.is_master() && key.size() > 5 && key.substr(0, 5) == "slave" &&
               std::isdigit(static_cast<unsigned char>(key[5]))) {
      // slave0:ip=...,port=...,state=...,offset=...,lag=...
      std::string ip;
      int64_t port = 0;
      size_t p = 0;
      while (p < val.size()) {
        size_t c = val.find(',', p);
        if (c == std::string_view::npos) c = val.size();
        std::string_view kv = val.substr(p, c - p);
        p = c + 1;
        if (kv.substr(0, 3) == "ip=") ip = std::string(kv.substr(3));
        if (kv.substr(0, 5) == "port=") ParseInt(kv.substr(5), &port);
      }
      if (!ip.empty() && port > 0) found_slaves.emplace_back(ip, static_cast<int>(port));
    } else if (key == "master_link_down_since_seconds" && ParseInt(val, &n)) {
      ri.master_link_down_time = n * 1000;
    } else if (key == "master_host") {
      if (ri.slave_master_host != val) {
        ri.slave_master_host = std::string(val);
        ri.slave_conf_change_time = now;
      }
    } else if (key == "master_port" && ParseInt(val, &n)) {
      if (ri.slave_master_port != n) {
        ri.slave_master_port = static_cast<int>(n);
        ri.slave_conf_change_time = now;
      }
    } else if (key == "master_link_status") {
      ri.slave_master_link_up = val == "up";
    } else if ((key == "slave_priority" || key == "replica_priority") && ParseInt(val, &n)) {
      ri.slave_priority = static_cast<int>(n);
    } else if (key == "slave_repl_offset" && ParseInt(val, &n)) {
      ri.slave_repl_offset = static_cast<uint64_t>(n);
    } else if (key == "replica_announced" && ParseInt(val, &n)) {
      ri.replica_announced = n != 0;
    }
  }
  ri.info_refresh = now;
  if (runid_changed) {
    Event(kNote, "+reboot", &ri, "");
    if (ri.is_master() && ri.master_reboot_down_after != 0) {
      ri.flags |= kMasterRebootDown;
      ri.master_reboot_since = now;
    }
  }
  for (auto& [ip, port] : found_slaves) {
    if (ri.slaves.count(AddrKey(ip, port))) continue;
    Instance* s = CreateInstance(&ri, kSlave, ip, port, "");
    Event(kNote, "+slave", s, "");
    FlushConfig();
  }
  if (role == 0) return;
  if (role != ri.role_reported) {
    ri.role_reported_time = now;
    ri.role_reported = role;
    if (role == kSlave) ri.slave_conf_change_time = now;
    bool expected = (ri.flags & (kMaster | kSlave)) == role;
    Event(kVerb, expected ? "+role-change" : "-role-change", &ri,
          std::string("new reported role is ") + (role == kMaster ? "master" : "slave"));
  }
  if (tilt_) return;
  if (ri.is_slave() && role == kMaster) {
    Instance& m = *ri.master;
    if ((ri.flags & kPromoted) && (m.flags & kFailoverInProgress) &&
        m.failover_state == FailoverState::kWaitPromotion) {
      OnPromotedInfo(ri);
      return;
    }
    // A replica that says it is a master: after a while, make it a replica again (it may be
    // the old master coming back).
    int64_t wait = kPublishPeriod * 4;
    if (!(ri.flags & kPromoted) && MasterLooksSane(m) && NoDownFor(ri, wait) &&
        now - ri.role_reported_time > wait) {
      if (SendSlaveOf(ri, m.ip, m.port)) Event(kNote, "+convert-to-slave", &ri, "");
    }
  }
  if (ri.is_slave() && role == kSlave &&
      (ri.slave_master_port != ri.master->port || ri.slave_master_host != ri.master->ip)) {
    int64_t wait = ri.master->failover_timeout;
    if (MasterLooksSane(*ri.master) && NoDownFor(ri, wait) &&
        now - ri.slave_conf_change_time > wait) {
      if (SendSlaveOf(ri, ri.master->ip, ri.master->port)) {
        Event(kNote, "+fix-slave-config", &ri, "");
      }
    }
  }
  if (ri.is_slave() && role == kSlave && (ri.flags & (kReconfSent | kReconfInprog))) {
    Instance* promoted = ri.master->promoted_slave;
    if ((ri.flags & kReconfSent) && promoted != nullptr && ri.slave_master_host == promoted->ip &&
        ri.slave_master_port == promoted->port) {
      ri.flags &= ~kReconfSent;
      ri.flags |= kReconfInprog;
      Event(kNote, "+slave-reconf-inprog", &ri, "");
    }
    if ((ri.flags & kReconfInprog) && ri.slave_master_link_up) {
      ri.flags &= ~kReconfInprog;
      ri.flags |= kReconfDone;
      Event(kNote, "+slave-reconf-done", &ri, "");
    }
  }
}

bool Sentinel::MasterLooksSane(const Instance& m) const {
  return (m.flags & kMaster) && m.role_reported == kMaster && !(m.flags & (kSDown | kODown)) &&
         clock::NowMs() - m.info_refresh < kInfoPeriod * 2;
}

bool Sentinel::NoDownFor(const Instance& ri, int64_t ms) const {
  int64_t most_recent = std::max(ri.s_down_since, ri.o_down_since);
  return most_recent == 0 || clock::NowMs() - most_recent > ms;
}

bool Sentinel::SendSlaveOf(Instance& ri, const std::string& host, int port) {
  if (ri.cc == nullptr || !ri.cc->connected()) return false;
  std::string h = host.empty() ? "NO" : host;
  std::string p = host.empty() ? "ONE" : std::to_string(port);
  // In a transaction, so the instance is reconfigured, its config rewritten and its clients
  // disconnected (they reconnect and find the new topology) all at once.
  SendCommand(ri, {"MULTI"}, nullptr);
  SendCommand(ri, {"SLAVEOF", h, p}, nullptr);
  SendCommand(ri, {"CONFIG", "REWRITE"}, nullptr);
  SendCommand(ri, {"CLIENT", "KILL", "TYPE", "normal"}, nullptr);
  SendCommand(ri, {"CLIENT", "KILL", "TYPE", "pubsub"}, nullptr);
  SendCommand(ri, {"EXEC"}, nullptr);
  // Its INFO right behind, on the same link: the new role is seen as soon as it is applied,
  // not at the next INFO period (the promotion and the re-pointing move on without waiting).
  SendInfo(ri);
  return true;
}

// ---- Down states ------------------------------------------------------------------------------

void Sentinel::CheckSubjectivelyDown(Instance& ri) {
  int64_t now = clock::NowMs();
  int64_t elapsed = ri.act_ping_time != 0 ? now - ri.act_ping_time
                    : ri.cc == nullptr    ? now - ri.last_avail_time
                                          : 0;
  // A link that stopped answering half way to down-after is replaced, in case only the link
  // is the problem (not more often than every 15 seconds).
  if (ri.cc != nullptr && ri.cc->connected() &&
      now - ri.cc->connected_since_ms() > kMinLinkReconnectPeriod && ri.act_ping_time != 0 &&
      now - ri.act_ping_time > ri.down_after / 2 && now - ri.last_pong_time > ri.down_after / 2) {
    ri.cc.reset();
  }
  if (ri.pc != nullptr && ri.pc->connected() &&
      now - ri.pc->connected_since_ms() > kMinLinkReconnectPeriod &&
      now - ri.pc->last_activity_ms() > kPublishPeriod * 3) {
    ri.pc.reset();
  }
  bool down = elapsed > ri.down_after ||
              (ri.is_master() && ri.role_reported == kSlave &&
               now - ri.role_reported_time > ri.down_after + kInfoPeriod * 2);
  if (ri.is_master() && (ri.flags & kMasterRebootDown)) {
    if (now - ri.master_reboot_since < ri.master_reboot_down_after) {
      down = true;
    } else {
      ri.flags &= ~kMasterRebootDown;
    }
  }
  if (down) {
    if (!(ri.flags & kSDown)) {
      Event(kWarn, "+sdown", &ri, "");
      ri.s_down_since = now;
      ri.flags |= kSDown;
    }
  } else if (ri.flags & kSDown) {
    Event(kWarn, "-sdown", &ri, "");
    ri.flags &= ~(kSDown | kScriptKillSent);
  }
}

void Sentinel::CheckObjectivelyDown(Instance& m) {
  int quorum = 0;
  bool odown = false;
  if (m.flags & kSDown) {
    quorum = 1;
    for (auto& [k, s] : m.sentinels) quorum += (s->flags & kMasterDown) ? 1 : 0;
    odown = quorum >= m.quorum;
  }
  int64_t now = clock::NowMs();
  if (odown) {
    if (!(m.flags & kODown)) {
      Event(kWarn, "+odown", &m,
            "#quorum " + std::to_string(quorum) + "/" + std::to_string(m.quorum));
      m.flags |= kODown;
      m.o_down_since = now;
    }
  } else if (m.flags & kODown) {
    Event(kWarn, "-odown", &m, "");
    m.flags &= ~kODown;
  }
}

void Sentinel::AskOtherSentinels(Instance& m, bool force) {
  int64_t now = clock::NowMs();
  for (auto& [k, sp] : m.sentinels) {
    Instance& s = *sp;
    // An answer older than five ask periods no longer counts.
    if (now - s.last_master_down_reply_time > kAskPeriod * 5) {
      s.flags &= ~kMasterDown;
      s.leader.clear();
    }
    if (!(m.flags & kSDown)) continue;
    if (s.cc == nullptr || !s.cc->connected()) continue;
    if (!force && now - s.last_master_down_reply_time < kAskPeriod) continue;
    std::string runid = m.failover_state > FailoverState::kNone ? myid_ : "*";
    Instance* sp_raw = &s;
    SendCommand(s,
                {"SENTINEL", "is-master-down-by-addr", m.ip, std::to_string(m.port),
                 std::to_string(current_epoch_), runid},
                [sp_raw](const RespValue& v) {
                  if (v.type != RespValue::Type::kArray || v.elems.size() != 3) return;
                  if (v.elems[0].type != RespValue::Type::kInteger ||
                      !v.elems[1].is_string() || v.elems[2].type != RespValue::Type::kInteger) {
                    return;
                  }
                  sp_raw->last_master_down_reply_time = clock::NowMs();
                  if (v.elems[0].integer == 1) {
                    sp_raw->flags |= kMasterDown;
                  } else {
                    sp_raw->flags &= ~kMasterDown;
                  }
                  if (v.elems[1].str != "*") {
                    sp_raw->leader = v.elems[1].str;
                    sp_raw->leader_epoch = static_cast<uint64_t>(v.elems[2].integer);
                  }
                });
  }
}

void Sentinel::IsMasterDownByAddr(const std::string& ip, int port, uint64_t req_epoch,
                                  const std::string& runid, bool* down, std::string* leader,
                                  uint64_t* leader_epoch) {
  Instance* m = FindMasterByAddr(ip, port);
  *down = !tilt_ && m != nullptr && (m->flags & kSDown);
  *leader = "*";
  *leader_epoch = 0;
  if (m != nullptr && runid != "*") *leader = VoteLeader(*m, req_epoch, runid, leader_epoch);
  if (leader->empty()) *leader = "*";
}

// ---- Resets -----------------------------------------------------------------------------------

void Sentinel::ResetMaster(Instance& m, bool keep_sentinels, bool event) {
  m.slaves.clear();
  if (!keep_sentinels) m.sentinels.clear();
  m.cc.reset();
  m.pc.reset();
  m.flags &= kMaster;
  m.leader.clear();
  m.failover_state = FailoverState::kNone;
  m.failover_state_change_time = 0;
  m.failover_start_time = 0;
  m.promoted_slave = nullptr;
  m.runid.clear();
  m.slave_master_host.clear();
  int64_t now = clock::NowMs();
  m.act_ping_time = now;
  m.last_ping_time = 0;
  m.last_avail_time = now;
  m.last_pong_time = now;
  m.info_refresh = 0;
  m.role_reported = kMaster;
  m.role_reported_time = now;
  m.last_reconnect = 0;
  if (event) Event(kWarn, "+reset-master", &m, "");
}

void Sentinel::ResetMasterAndChangeAddress(Instance& m, const std::string& ip, int port) {
  std::vector<std::pair<std::string, int>> keep;
  for (auto& [k, s] : m.slaves) {
    if (s->ip == ip && s->port == port) continue;
    keep.emplace_back(s->ip, s->port);
  }
  if (!(m.ip == ip && m.port == port)) keep.emplace_back(m.ip, m.port);
  ResetMaster(m, true, false);
  m.ip = ip;
  m.port = port;
  for (auto& [sip, sport] : keep) {
    Instance* s = CreateInstance(&m, kSlave, sip, sport, "");
    Event(kNote, "+slave", s, "");
  }
  FlushConfig();
}

int Sentinel::Reset(std::string_view pattern) {
  int n = 0;
  for (auto& [name, m] : masters_) {
    if (!GlobMatch(pattern, name)) continue;
    ResetMaster(*m, false, true);
    n++;
  }
  if (n > 0) FlushConfig();
  return n;
}

std::string Sentinel::CheckQuorum(Instance& m) {
  int voters = static_cast<int>(m.sentinels.size()) + 1, usable = 1;
  for (auto& [k, s] : m.sentinels) {
    if (!(s->flags & (kSDown | kODown))) usable++;
  }
  std::string e;
  if (usable < m.quorum) {
    e = "-NOQUORUM " + std::to_string(usable) + " usable Sentinels. Not enough available "
        "Sentinels to reach the specified quorum for this master";
  }
  if (usable < voters / 2 + 1) {
    e += (e.empty() ? "-NOQUORUM " + std::to_string(usable) + " usable Sentinels." : "") +
         std::string(" Not enough available Sentinels to reach the majority and authorize a "
                     "failover");
  }
  if (!e.empty()) return e;
  return "+OK " + std::to_string(usable) +
         " usable Sentinels. Quorum and failover authorization can be reached";
}

std::string Sentinel::InfoSection() const {
  std::string s = "# Sentinel\r\n";
  s += "sentinel_masters:" + std::to_string(masters_.size()) + "\r\n";
  s += "sentinel_tilt:" + std::string(tilt_ ? "1" : "0") + "\r\n";
  s += "sentinel_tilt_since_seconds:" +
       std::to_string(tilt_ ? (clock::NowMs() - tilt_since_) / 1000 : -1) + "\r\n";
  s += "sentinel_running_scripts:" + std::to_string(scripts_.running()) + "\r\n";
  s += "sentinel_scripts_queue_length:" + std::to_string(scripts_.queued()) + "\r\n";
  s += "sentinel_simulate_failure_flags:" + std::to_string(simfailure_flags_) + "\r\n";
  int i = 0;
  for (const auto& [name, m] : masters_) {
    const char* status = (m->flags & kODown) ? "odown" : (m->flags & kSDown) ? "sdown" : "ok";
    s += "master" + std::to_string(i++) + ":name=" + name + ",status=" + status +
         ",address=" + m->ip + ":" + std::to_string(m->port) +
         ",slaves=" + std::to_string(m->slaves.size()) +
         ",sentinels=" + std::to_string(m->sentinels.size() + 1) + "\r\n";
  }
  return s;
}

}  // namespace carmine::sentinel
