// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sentinel's configuration: the "sentinel ..." directives, the lines written back at every
// change, and the changes SENTINEL MONITOR / REMOVE / SET make.
#include <unistd.h>

#include "base/logging.h"
#include "base/strutil.h"
#include "sentinel/internal.h"
#include "sentinel/sentinel.h"

namespace carmine::sentinel {

namespace {
constexpr int kWarn = static_cast<int>(log::Level::kWarning);
}  // namespace

// ---- Configuration ----------------------------------------------------------------------------

std::string Sentinel::Directive(const std::vector<std::string>& a) {
  if (a.empty()) return "Unrecognized sentinel configuration statement.";
  std::string op = ToLower(a[0]);
  auto need = [&](size_t n) { return a.size() == n; };
  auto master = [&](size_t i) -> Instance* { return i < a.size() ? FindMaster(a[i]) : nullptr; };
  int64_t n = 0;
  if (op == "monitor" && need(5)) {
    int64_t port, q;
    if (!ParseInt64(a[3], &port) || port <= 0 || port > 65535) return "Invalid port number";
    if (!ParseInt64(a[4], &q) || q <= 0) return "Quorum must be 1 or greater.";
    if (!resolve_hostnames && !IsIpAddress(a[2])) return "Can't resolve instance hostname.";
    std::string e = Monitor(a[1], a[2], static_cast<int>(port), static_cast<int>(q));
    return e.empty() ? "" : e.substr(e.find(' ') + 1);
  }
  if (op == "myid" && need(2)) {
    if (a[1].size() != 40) return "Malformed Sentinel id in myid option.";
    myid_ = a[1];
    return "";
  }
  if (op == "current-epoch" && need(2)) {
    if (!ParseInt64(a[1], &n) || n < 0) return "Invalid current-epoch";
    current_epoch_ = std::max<uint64_t>(current_epoch_, static_cast<uint64_t>(n));
    return "";
  }
  if (op == "announce-ip" && need(2)) {
    announce_ip = a[1];
    return "";
  }
  if (op == "announce-port" && need(2)) {
    if (!ParseInt64(a[1], &n) || n < 0 || n > 65535) return "Invalid port number";
    announce_port = static_cast<int>(n);
    return "";
  }
  auto yesno = [&](bool* v) -> std::string {
    if (EqualsIgnoreCase(a[1], "yes")) {
      *v = true;
    } else if (EqualsIgnoreCase(a[1], "no")) {
      *v = false;
    } else {
      return "Please specify yes or no for the " + op + " option.";
    }
    return "";
  };
  if (op == "deny-scripts-reconfig" && need(2)) return yesno(&deny_scripts_reconfig);
  if (op == "resolve-hostnames" && need(2)) return yesno(&resolve_hostnames);
  if (op == "announce-hostnames" && need(2)) return yesno(&announce_hostnames);
  if (op == "sentinel-user" && need(2)) {
    sentinel_user = a[1];
    return "";
  }
  if (op == "sentinel-pass" && need(2)) {
    sentinel_pass = a[1];
    return "";
  }
  // Per-master lines: the master must have been declared already.
  static const char* kPerMaster[] = {"down-after-milliseconds", "failover-timeout",
                                     "parallel-syncs", "notification-script",
                                     "client-reconfig-script", "auth-pass", "auth-user",
                                     "config-epoch", "leader-epoch", "known-slave",
                                     "known-replica", "known-sentinel", "rename-command",
                                     "master-reboot-down-after-period"};
  bool per_master = false;
  for (const char* p : kPerMaster) per_master = per_master || op == p;
  if (!per_master) return "Unrecognized sentinel configuration statement.";
  Instance* m = master(1);
  if (m == nullptr) return "No such master with specified name.";
  if ((op == "known-slave" || op == "known-replica") && need(4)) {
    int64_t port;
    if (!ParseInt64(a[3], &port) || port <= 0 || port > 65535) return "Invalid port number";
    if (m->slaves.count(AddrKey(a[2], static_cast<int>(port))) == 0) {
      CreateInstance(m, kSlave, a[2], static_cast<int>(port), "");
    }
    return "";
  }
  if (op == "known-sentinel" && (need(4) || need(5))) {
    int64_t port;
    if (!ParseInt64(a[3], &port) || port <= 0 || port > 65535) return "Invalid port number";
    if (a.size() == 5 && m->sentinels.count(a[4]) == 0) {
      CreateInstance(m, kSentinel, a[2], static_cast<int>(port), a[4]);
    }
    return "";
  }
  if (op == "rename-command" && need(4)) {
    m->renamed[ToLower(a[2])] = a[3];
    return "";
  }
  if (!need(3)) return "Unrecognized sentinel configuration statement.";
  if (op == "config-epoch" || op == "leader-epoch") {
    if (!ParseInt64(a[2], &n) || n < 0) return "Invalid epoch";
    if (op == "config-epoch") {
      m->config_epoch = static_cast<uint64_t>(n);
      current_epoch_ = std::max(current_epoch_, m->config_epoch);
    } else {
      m->leader_epoch = static_cast<uint64_t>(n);
    }
    return "";
  }
  std::vector<std::string> set = {a[2]};
  std::string e = Set(*m, {op, a[2]});
  if (!e.empty()) return e.substr(e.find(' ') + 1);
  return "";
}

std::vector<std::string> Sentinel::ConfigLines() const {
  std::vector<std::string> out;
  out.push_back("sentinel myid " + myid_);
  if (!deny_scripts_reconfig) out.push_back("sentinel deny-scripts-reconfig no");
  if (resolve_hostnames) out.push_back("sentinel resolve-hostnames yes");
  if (announce_hostnames) out.push_back("sentinel announce-hostnames yes");
  for (const auto& [name, m] : masters_) {
    const Instance& addr = CurrentMasterAddress(*m);
    out.push_back("sentinel monitor " + name + " " + addr.ip + " " + std::to_string(addr.port) +
                  " " + std::to_string(m->quorum));
    if (m->down_after != kDefaultDownAfter) {
      out.push_back("sentinel down-after-milliseconds " + name + " " +
                    std::to_string(m->down_after));
    }
    if (m->failover_timeout != kDefaultFailoverTimeout) {
      out.push_back("sentinel failover-timeout " + name + " " +
                    std::to_string(m->failover_timeout));
    }
    if (m->parallel_syncs != 1) {
      out.push_back("sentinel parallel-syncs " + name + " " + std::to_string(m->parallel_syncs));
    }
    if (!m->notification_script.empty()) {
      out.push_back("sentinel notification-script " + name + " " + m->notification_script);
    }
    if (!m->client_reconfig_script.empty()) {
      out.push_back("sentinel client-reconfig-script " + name + " " + m->client_reconfig_script);
    }
    if (!m->auth_pass.empty()) out.push_back("sentinel auth-pass " + name + " " + m->auth_pass);
    if (!m->auth_user.empty()) out.push_back("sentinel auth-user " + name + " " + m->auth_user);
    if (m->master_reboot_down_after != 0) {
      out.push_back("sentinel master-reboot-down-after-period " + name + " " +
                    std::to_string(m->master_reboot_down_after));
    }
    out.push_back("sentinel config-epoch " + name + " " + std::to_string(m->config_epoch));
    out.push_back("sentinel leader-epoch " + name + " " + std::to_string(m->leader_epoch));
    for (const auto& [k, s] : m->slaves) {
      // The promoted replica is the master's address now; the old master is listed instead.
      if (s->ip == addr.ip && s->port == addr.port) continue;
      out.push_back("sentinel known-replica " + name + " " + s->ip + " " + std::to_string(s->port));
    }
    if (&addr != m.get()) {
      out.push_back("sentinel known-replica " + name + " " + m->ip + " " + std::to_string(m->port));
    }
    for (const auto& [k, s] : m->sentinels) {
      if (s->runid.empty()) continue;
      out.push_back("sentinel known-sentinel " + name + " " + s->ip + " " +
                    std::to_string(s->port) + " " + s->runid);
    }
    for (const auto& [from, to] : m->renamed) {
      out.push_back("sentinel rename-command " + name + " " + from + " " + to);
    }
  }
  out.push_back("sentinel current-epoch " + std::to_string(current_epoch_));
  if (!announce_ip.empty()) out.push_back("sentinel announce-ip " + announce_ip);
  if (announce_port != 0) out.push_back("sentinel announce-port " + std::to_string(announce_port));
  if (!sentinel_user.empty()) out.push_back("sentinel sentinel-user " + sentinel_user);
  if (!sentinel_pass.empty()) out.push_back("sentinel sentinel-pass " + sentinel_pass);
  return out;
}

Status Sentinel::FlushConfig() {
  if (!hooks_.rewrite_config) return Status::Ok();
  Status s = hooks_.rewrite_config();
  if (s.ok()) {
    LOG_NOTICE("Sentinel new configuration saved on disk");
  } else {
    LOG_WARNING("WARNING: Sentinel was not able to save the new configuration on disk!!!: %s",
                s.message().c_str());
  }
  return s;
}

std::string Sentinel::Monitor(const std::string& name, const std::string& ip, int port,
                              int quorum) {
  if (masters_.count(name)) return "ERR Duplicated master name";
  std::unique_ptr<Instance> m = NewInstance(kMaster, ip, port);
  m->name = name;
  m->quorum = quorum;
  masters_[name] = std::move(m);
  if (started_) Event(kWarn, "+monitor", FindMaster(name), "quorum " + std::to_string(quorum));
  return "";
}

void Sentinel::Remove(const std::string& name) {
  auto it = masters_.find(name);
  if (it == masters_.end()) return;
  Event(kWarn, "-monitor", it->second.get(), "");
  masters_.erase(it);
}

std::string Sentinel::Set(Instance& m, const std::vector<std::string>& args) {
  if (args.size() % 2 != 0) return "ERR wrong number of arguments for 'sentinel|set' command";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    std::string op = ToLower(args[i]);
    const std::string& v = args[i + 1];
    int64_t n = 0;
    if (op == "down-after-milliseconds") {
      if (!ParseInt64(v, &n) || n <= 0) return "ERR Invalid argument '" + v + "' for SENTINEL SET '" + op + "'";
      m.down_after = n;
      for (auto& [k, s] : m.slaves) s->down_after = n;
      for (auto& [k, s] : m.sentinels) s->down_after = n;
    } else if (op == "failover-timeout") {
      if (!ParseInt64(v, &n) || n <= 0) return "ERR Invalid argument '" + v + "' for SENTINEL SET '" + op + "'";
      m.failover_timeout = n;
    } else if (op == "parallel-syncs") {
      if (!ParseInt64(v, &n) || n <= 0) return "ERR Invalid argument '" + v + "' for SENTINEL SET '" + op + "'";
      m.parallel_syncs = static_cast<int>(n);
    } else if (op == "quorum") {
      if (!ParseInt64(v, &n) || n <= 0) return "ERR Invalid argument '" + v + "' for SENTINEL SET '" + op + "'";
      m.quorum = static_cast<int>(n);
    } else if (op == "master-reboot-down-after-period") {
      if (!ParseInt64(v, &n) || n < 0) return "ERR Invalid argument '" + v + "' for SENTINEL SET '" + op + "'";
      m.master_reboot_down_after = n;
    } else if (op == "auth-pass") {
      m.auth_pass = v;
    } else if (op == "auth-user") {
      m.auth_user = v;
    } else if (op == "notification-script" || op == "client-reconfig-script") {
      if (started_ && deny_scripts_reconfig) {
        return "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
               "deny-scripts-reconfig configuration directive in your config file.";
      }
      if (!v.empty() && access(v.c_str(), X_OK) != 0) {
        return op == "notification-script"
                   ? "ERR Notification script seems non existing or non executable."
                   : "ERR Client reconfiguration script seems non existing or non executable.";
      }
      (op == "notification-script" ? m.notification_script : m.client_reconfig_script) = v;
    } else if (op == "rename-command") {
      return "ERR wrong number of arguments for 'sentinel|set' command";
    } else {
      return "ERR Unknown option or number of arguments for SENTINEL SET '" + op + "'";
    }
    if (started_) Event(kWarn, "+set", &m, op + " " + (op == "auth-pass" ? "******" : v));
  }
  return "";
}

}  // namespace carmine::sentinel
