// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The SENTINEL command and the commands sentinel mode answers differently (PUBLISH takes hello
// messages only, ROLE lists the monitored masters).
#include "sentinel/commands.h"

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/context.h"
#include "commands/registry.h"
#include "protocol/errors.h"

namespace carmine::sentinel {
namespace {

constexpr std::string_view kNoSuchMaster = "ERR No such master with that name";

std::string FlagsText(const Instance& ri) {
  std::string f;
  auto add = [&](uint32_t bit, const char* name) {
    if (!(ri.flags & bit)) return;
    if (!f.empty()) f += ",";
    f += name;
  };
  add(kSDown, "s_down");
  add(kODown, "o_down");
  add(kMaster, "master");
  add(kSlave, "slave");
  add(kSentinel, "sentinel");
  if (ri.cc == nullptr || !ri.cc->connected()) f += f.empty() ? "disconnected" : ",disconnected";
  add(kMasterDown, "master_down");
  add(kFailoverInProgress, "failover_in_progress");
  add(kPromoted, "promoted");
  add(kReconfSent, "reconf_sent");
  add(kReconfInprog, "reconf_inprog");
  add(kReconfDone, "reconf_done");
  add(kForceFailover, "force_failover");
  add(kScriptKillSent, "script_kill_sent");
  add(kMasterRebootDown, "master_reboot");
  return f;
}

// One instance as SENTINEL MASTER/REPLICAS/SENTINELS list it: a map in RESP3, a flat array of
// names and values in RESP2.
void ReplyInstance(ReplyBuilder& rb, const Instance& ri) {
  int64_t now = clock::NowMs();
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const char* k, std::string v) { f.emplace_back(k, std::move(v)); };
  auto num = [](int64_t v) { return std::to_string(v); };
  add("name", ri.name);
  add("ip", ri.ip);
  add("port", num(ri.port));
  add("runid", ri.runid);
  add("flags", FlagsText(ri));
  add("link-pending-commands", num(ri.cc != nullptr ? static_cast<int64_t>(ri.cc->pending()) : 0));
  add("link-refcount", "1");
  if (ri.flags & kFailoverInProgress) add("failover-state", FailoverStateName(ri.failover_state));
  add("last-ping-sent", num(ri.act_ping_time != 0 ? now - ri.act_ping_time : 0));
  add("last-ok-ping-reply", num(now - ri.last_avail_time));
  add("last-ping-reply", num(now - ri.last_pong_time));
  if (ri.flags & kSDown) add("s-down-time", num(now - ri.s_down_since));
  if (ri.flags & kODown) add("o-down-time", num(now - ri.o_down_since));
  add("down-after-milliseconds", num(ri.down_after));
  if (ri.is_master() || ri.is_slave()) {
    add("info-refresh", num(ri.info_refresh == 0 ? 0 : now - ri.info_refresh));
    add("role-reported", ri.role_reported == kMaster ? "master" : "slave");
    add("role-reported-time", num(now - ri.role_reported_time));
  }
  if (ri.is_master()) {
    add("config-epoch", num(static_cast<int64_t>(ri.config_epoch)));
    add("num-slaves", num(static_cast<int64_t>(ri.slaves.size())));
    add("num-other-sentinels", num(static_cast<int64_t>(ri.sentinels.size())));
    add("quorum", num(ri.quorum));
    add("failover-timeout", num(ri.failover_timeout));
    add("parallel-syncs", num(ri.parallel_syncs));
    if (!ri.notification_script.empty()) add("notification-script", ri.notification_script);
    if (!ri.client_reconfig_script.empty()) {
      add("client-reconfig-script", ri.client_reconfig_script);
    }
  }
  if (ri.is_slave()) {
    add("master-link-down-time", num(ri.master_link_down_time));
    add("master-link-status", ri.slave_master_link_up ? "ok" : "err");
    add("master-host", ri.slave_master_host.empty() ? "?" : ri.slave_master_host);
    add("master-port", num(ri.slave_master_port));
    add("slave-priority", num(ri.slave_priority));
    add("slave-repl-offset", num(static_cast<int64_t>(ri.slave_repl_offset)));
    add("replica-announced", ri.replica_announced ? "1" : "0");
  }
  if (ri.is_sentinel()) {
    add("last-hello-message", num(ri.last_hello_time == 0 ? 0 : now - ri.last_hello_time));
    add("voted-leader", ri.leader.empty() ? "?" : ri.leader);
    add("voted-leader-epoch", num(static_cast<int64_t>(ri.leader_epoch)));
  }
  rb.MapLen(static_cast<int64_t>(f.size()));
  for (auto& [k, v] : f) {
    rb.Bulk(k);
    rb.Bulk(v);
  }
}

Instance* MasterOrReply(Sentinel& s, std::string_view name, CommandContext& ctx) {
  Instance* m = s.FindMaster(name);
  if (m == nullptr) ctx.rb.Error(kNoSuchMaster);
  return m;
}

void CmdMasters(Sentinel& s, ArgList, CommandContext& ctx) {
  ctx.rb.ArrayLen(static_cast<int64_t>(s.masters().size()));
  for (auto& [n, m] : s.masters()) ReplyInstance(ctx.rb, *m);
}

void CmdMaster(Sentinel& s, ArgList args, CommandContext& ctx) {
  if (Instance* m = MasterOrReply(s, args[2], ctx)) ReplyInstance(ctx.rb, *m);
}

void CmdReplicas(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = MasterOrReply(s, args[2], ctx);
  if (m == nullptr) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(m->slaves.size()));
  for (auto& [k, r] : m->slaves) ReplyInstance(ctx.rb, *r);
}

void CmdSentinels(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = MasterOrReply(s, args[2], ctx);
  if (m == nullptr) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(m->sentinels.size()));
  for (auto& [k, r] : m->sentinels) ReplyInstance(ctx.rb, *r);
}

void CmdGetMasterAddr(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = s.FindMaster(args[2]);
  if (m == nullptr) return ctx.rb.NullArray();
  const Instance& a = s.CurrentMasterAddress(*m);
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(a.ip);
  ctx.rb.Bulk(std::to_string(a.port));
}

void CmdIsMasterDownByAddr(Sentinel& s, ArgList args, CommandContext& ctx) {
  int64_t port, epoch;
  if (!ParseInt64(args[3], &port) || !ParseInt64(args[4], &epoch) || epoch < 0) {
    return ctx.rb.Error(err::kNotInt);
  }
  bool down;
  std::string leader;
  uint64_t leader_epoch;
  s.IsMasterDownByAddr(std::string(args[2]), static_cast<int>(port), static_cast<uint64_t>(epoch),
                       std::string(args[5]), &down, &leader, &leader_epoch);
  ctx.rb.ArrayLen(3);
  ctx.rb.Int(down ? 1 : 0);
  ctx.rb.Bulk(leader);
  ctx.rb.Int(static_cast<int64_t>(leader_epoch));
}

bool ValidIp(std::string_view ip) {
  if (ip.empty()) return false;
  bool v4 = true, v6 = ip.find(':') != std::string_view::npos;
  int dots = 0;
  for (char c : ip) {
    if (c == '.') {
      dots++;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      v4 = false;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') v6 = false;
  }
  return (v4 && dots == 3) || v6;
}

void CmdMonitor(Sentinel& s, ArgList args, CommandContext& ctx) {
  int64_t port, quorum;
  if (!ParseInt64(args[4], &port)) return ctx.rb.Error("ERR Invalid port");
  if (!ParseInt64(args[5], &quorum)) return ctx.rb.Error(err::kNotInt);
  if (quorum <= 0) return ctx.rb.Error("ERR Quorum must be 1 or greater.");
  if (port < 0 || port > 65535) return ctx.rb.Error("ERR Invalid port number.");
  if (!s.resolve_hostnames && !ValidIp(args[3])) {
    return ctx.rb.Error("ERR Invalid IP address or hostname specified");
  }
  if (s.FindMaster(args[2]) != nullptr) return ctx.rb.Error("ERR Duplicate master name.");
  s.Monitor(std::string(args[2]), std::string(args[3]), static_cast<int>(port),
            static_cast<int>(quorum));
  s.FlushConfig();
  ctx.rb.Ok();
}

void CmdRemove(Sentinel& s, ArgList args, CommandContext& ctx) {
  if (MasterOrReply(s, args[2], ctx) == nullptr) return;
  s.Remove(std::string(args[2]));
  s.FlushConfig();
  ctx.rb.Ok();
}

void CmdSet(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = MasterOrReply(s, args[2], ctx);
  if (m == nullptr) return;
  std::vector<std::string> rest(args.begin() + 3, args.end());
  std::string e = s.Set(*m, rest);
  if (!e.empty()) return ctx.rb.Error(e);
  s.FlushConfig();
  ctx.rb.Ok();
}

void CmdReset(Sentinel& s, ArgList args, CommandContext& ctx) { ctx.rb.Int(s.Reset(args[2])); }

void CmdFailover(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = MasterOrReply(s, args[2], ctx);
  if (m == nullptr) return;
  std::string e = s.ForceFailover(*m);
  if (!e.empty()) return ctx.rb.Error(e.substr(1));
  ctx.rb.Ok();
}

void CmdCkquorum(Sentinel& s, ArgList args, CommandContext& ctx) {
  Instance* m = MasterOrReply(s, args[2], ctx);
  if (m == nullptr) return;
  std::string r = s.CheckQuorum(*m);
  if (r[0] == '-') return ctx.rb.Error(r.substr(1));
  ctx.rb.Simple(r.substr(1));
}

void CmdFlushconfig(Sentinel& s, ArgList, CommandContext& ctx) {
  s.FlushConfig();
  ctx.rb.Ok();
}

void CmdMyid(Sentinel& s, ArgList, CommandContext& ctx) { ctx.rb.Bulk(s.myid()); }

void CmdInfoCache(Sentinel& s, ArgList args, CommandContext& ctx) {
  std::vector<Instance*> ms;
  for (auto& [n, m] : s.masters()) {
    bool want = args.size() == 2;
    for (size_t i = 2; i < args.size(); i++) want = want || args[i] == n;
    if (want) ms.push_back(m.get());
  }
  int64_t now = clock::NowMs();
  ctx.rb.ArrayLen(static_cast<int64_t>(ms.size()) * 2);
  for (Instance* m : ms) {
    ctx.rb.Bulk(m->name);
    ctx.rb.ArrayLen(static_cast<int64_t>(m->slaves.size()) + 1);
    auto one = [&](const Instance& ri) {
      ctx.rb.ArrayLen(2);
      ctx.rb.Int(ri.info_refresh == 0 ? 0 : now - ri.info_refresh);
      if (ri.info.empty()) {
        ctx.rb.Null();
      } else {
        ctx.rb.Bulk(ri.info);
      }
    };
    one(*m);
    for (auto& [k, r] : m->slaves) one(*r);
  }
}

void CmdPendingScripts(Sentinel& s, ArgList, CommandContext& ctx) {
  int64_t now = clock::NowMs();
  const auto& jobs = s.scripts().jobs();
  ctx.rb.ArrayLen(static_cast<int64_t>(jobs.size()));
  for (const auto& j : jobs) {
    ctx.rb.MapLen(5);
    ctx.rb.Bulk("argv");
    ctx.rb.ArrayLen(static_cast<int64_t>(j.argv.size()));
    for (const auto& a : j.argv) ctx.rb.Bulk(a);
    ctx.rb.Bulk("flags");
    ctx.rb.Bulk(j.pid > 0 ? "running" : "scheduled");
    ctx.rb.Bulk("pid");
    ctx.rb.Bulk(std::to_string(j.pid > 0 ? j.pid : 0));
    if (j.pid > 0) {
      ctx.rb.Bulk("run-time");
      ctx.rb.Bulk(std::to_string(now - j.start_time));
    } else {
      ctx.rb.Bulk("run-delay");
      ctx.rb.Bulk(std::to_string(j.start_time > now ? j.start_time - now : 0));
    }
    ctx.rb.Bulk("retry-num");
    ctx.rb.Bulk(std::to_string(j.retry));
  }
}

void CmdSimulateFailure(Sentinel& s, ArgList args, CommandContext& ctx) {
  // As in Redis, every call starts from no simulated failure (HELP alone clears them).
  s.set_simfailure_flags(0);
  uint32_t flags = 0;
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "crash-after-election")) {
      flags |= 1;
    } else if (EqualsIgnoreCase(args[i], "crash-after-promotion")) {
      flags |= 2;
    } else if (EqualsIgnoreCase(args[i], "help")) {
      ctx.rb.ArrayLen(2);
      ctx.rb.Bulk("crash-after-election");
      ctx.rb.Bulk("crash-after-promotion");
      return;
    } else {
      return ctx.rb.Error("ERR Unknown failure simulation specified");
    }
  }
  s.set_simfailure_flags(flags);
  ctx.rb.Ok();
}

void CmdDebug(Sentinel&, ArgList args, CommandContext& ctx) {
  if (args.size() > 2) return ctx.rb.Error("ERR Unknown option or number of arguments for SENTINEL DEBUG '" + std::string(args[2]) + "'");
  std::pair<const char*, int64_t> v[] = {
      {"INFO-PERIOD", kInfoPeriod},          {"PING-PERIOD", kPingPeriod},
      {"ASK-PERIOD", kAskPeriod},            {"PUBLISH-PERIOD", kPublishPeriod},
      {"DEFAULT-DOWN-AFTER", kDefaultDownAfter},
      {"DEFAULT-FAILOVER-TIMEOUT", kDefaultFailoverTimeout},
      {"TILT-TRIGGER", kTiltTrigger},         {"TILT-PERIOD", kTiltPeriod},
      {"SLAVE-RECONF-TIMEOUT", kSlaveReconfTimeout},
      {"MIN-LINK-RECONNECT-PERIOD", kMinLinkReconnectPeriod},
      {"ELECTION-TIMEOUT", kElectionTimeout}};
  ctx.rb.MapLen(static_cast<int64_t>(std::size(v)));
  for (auto& [k, n] : v) {
    ctx.rb.Bulk(k);
    ctx.rb.Bulk(std::to_string(n));
  }
}

void CmdConfig(Sentinel& s, ArgList args, CommandContext& ctx) {
  std::string op = ToLower(args[2]);
  std::vector<std::pair<std::string, std::string>> all = {
      {"resolve-hostnames", s.resolve_hostnames ? "yes" : "no"},
      {"announce-hostnames", s.announce_hostnames ? "yes" : "no"},
      {"announce-ip", s.announce_ip},
      {"announce-port", std::to_string(s.announce_port)},
      {"sentinel-user", s.sentinel_user},
      {"sentinel-pass", s.sentinel_pass},
      {"loglevel", ""}};
  static const char* kLevels[] = {"debug", "verbose", "notice", "warning", "nothing"};
  all.back().second = kLevels[static_cast<int>(log::GetLevel())];
  if (op == "get") {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& kv : all) {
      for (size_t i = 3; i < args.size(); i++) {
        if (GlobMatch(args[i], kv.first, true)) {
          out.push_back(kv);
          break;
        }
      }
    }
    ctx.rb.MapLen(static_cast<int64_t>(out.size()));
    for (auto& [k, v] : out) {
      ctx.rb.Bulk(k);
      ctx.rb.Bulk(v);
    }
    return;
  }
  if (op != "set" || args.size() < 5 || (args.size() - 3) % 2 != 0) {
    return ctx.rb.Error("ERR Only SENTINEL CONFIG GET <param> / SET <param> <value> are supported.");
  }
  for (size_t i = 3; i + 1 < args.size(); i += 2) {
    std::string k = ToLower(args[i]);
    std::string v(args[i + 1]);
    auto bad = [&] {
      ctx.rb.Error("ERR Invalid value '" + v + "' to SENTINEL CONFIG SET '" + k + "'");
    };
    auto yesno = [&](bool* b) {
      if (EqualsIgnoreCase(v, "yes")) {
        *b = true;
      } else if (EqualsIgnoreCase(v, "no")) {
        *b = false;
      } else {
        bad();
        return false;
      }
      return true;
    };
    int64_t n;
    if (k == "resolve-hostnames") {
      if (!yesno(&s.resolve_hostnames)) return;
    } else if (k == "announce-hostnames") {
      if (!yesno(&s.announce_hostnames)) return;
    } else if (k == "announce-ip") {
      s.announce_ip = v;
    } else if (k == "announce-port") {
      if (!ParseInt64(v, &n) || n < 0 || n > 65535) return bad();
      s.announce_port = static_cast<int>(n);
    } else if (k == "sentinel-user") {
      s.sentinel_user = v;
    } else if (k == "sentinel-pass") {
      s.sentinel_pass = v;
    } else if (k == "loglevel") {
      int lvl = -1;
      for (int j = 0; j < 5; j++) lvl = EqualsIgnoreCase(v, kLevels[j]) ? j : lvl;
      if (lvl < 0) return bad();
      log::SetLevel(static_cast<log::Level>(lvl));
    } else {
      return ctx.rb.Error("ERR Invalid argument '" + k + "' to SENTINEL CONFIG SET");
    }
  }
  s.FlushConfig();
  ctx.rb.Ok();
}

void CmdHelp(Sentinel&, ArgList, CommandContext& ctx) {
  static const char* kLines[] = {
      "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CKQUORUM <master-name>",
      "    Check whether the Sentinels known for this master can reach the quorum and the",
      "    majority a failover needs.",
      "CONFIG SET <param> <value> [<param> <value> ...] | CONFIG GET <param> [<param> ...]",
      "    Set or read Sentinel's own configuration.",
      "DEBUG [<param> <value> ...]",
      "    Show Sentinel's timing parameters.",
      "FAILOVER <master-name>",
      "    Fail over now, without asking the other Sentinels.",
      "FLUSHCONFIG",
      "    Write the current state to the config file.",
      "GET-MASTER-ADDR-BY-NAME <master-name>",
      "    Return the address of the master (ip, port).",
      "INFO-CACHE <master-name> [<master-name> ...]",
      "    Return the last INFO of the master and its replicas.",
      "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
      "    Used between Sentinels: is the master down, and a vote for a leader.",
      "MASTER <master-name>",
      "    Show the state of a master.",
      "MASTERS",
      "    Show the state of every master.",
      "MONITOR <name> <ip> <port> <quorum>",
      "    Start monitoring a master.",
      "MYID",
      "    Return this Sentinel's id.",
      "PENDING-SCRIPTS",
      "    List the scripts waiting to run.",
      "REMOVE <master-name>",
      "    Stop monitoring a master.",
      "REPLICAS <master-name>",
      "    Show the replicas of a master.",
      "RESET <pattern>",
      "    Forget the replicas, Sentinels and failover state of the matching masters.",
      "SENTINELS <master-name>",
      "    Show the other Sentinels of a master.",
      "SET <master-name> <option> <value> [<option> <value> ...]",
      "    Change a master's monitoring configuration.",
      "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
      "    Crash at a given point of the next failover (tests).",
      "HELP",
      "    Print this help."};
  ctx.rb.ArrayLen(static_cast<int64_t>(std::size(kLines)));
  for (const char* l : kLines) ctx.rb.Simple(l);
}

// PUBLISH in sentinel mode: only hello messages from other Sentinels.
void CmdPublish(Sentinel& s, ArgList args, CommandContext& ctx) {
  if (args[1] != "__sentinel__:hello") {
    return ctx.rb.Error("ERR Only HELLO messages are accepted by Sentinel instances.");
  }
  s.ProcessHello(args[2]);
  ctx.rb.Int(1);
}

void CmdRole(Sentinel& s, ArgList, CommandContext& ctx) {
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk("sentinel");
  ctx.rb.ArrayLen(static_cast<int64_t>(s.masters().size()));
  for (auto& [n, m] : s.masters()) ctx.rb.Bulk(n);
}

}  // namespace

void RegisterSentinelCommands(CommandRegistry& r, Sentinel& s) {
  r.Rename("publish", "");
  r.Rename("role", "");
  constexpr uint32_t F = kSentinel | kAdmin | kNoScript | kLoading | kStale;
  r.Add({"SENTINEL", -2, kSentinel | kNoScript | kLoading | kStale, 0, 0, 0, 0, nullptr,
         "sentinel", "2.8.4", "A container for Redis Sentinel commands.",
         "Depends on subcommand."});
  auto sub = [&](const char* name, int arity, Handler h, const char* summary) {
    r.AddSub("SENTINEL", {name, arity, F, 0, 0, 0, acl::kDangerous, h, "sentinel", "2.8.4",
                          summary, "O(N)"})
        .Lock(LockMode::kNone);
  };
  sub("CKQUORUM", 3, Handler::Bind<CmdCkquorum>(&s), "Checks for a Redis Sentinel quorum.");
  sub("CONFIG", -4, Handler::Bind<CmdConfig>(&s), "Configures Redis Sentinel.");
  sub("DEBUG", -2, Handler::Bind<CmdDebug>(&s), "Lists or updates the current configurable parameters of Redis Sentinel.");
  sub("FAILOVER", 3, Handler::Bind<CmdFailover>(&s), "Forces a Redis Sentinel failover.");
  sub("FLUSHCONFIG", 2, Handler::Bind<CmdFlushconfig>(&s), "Rewrites the Redis Sentinel configuration file.");
  sub("GET-MASTER-ADDR-BY-NAME", 3, Handler::Bind<CmdGetMasterAddr>(&s), "Returns the port and address of a master Redis instance.");
  sub("HELP", 2, Handler::Bind<CmdHelp>(&s), "Returns helpful text about the different subcommands.");
  sub("INFO-CACHE", -3, Handler::Bind<CmdInfoCache>(&s), "Returns the cached INFO replies from the deployment's instances.");
  sub("IS-MASTER-DOWN-BY-ADDR", 6, Handler::Bind<CmdIsMasterDownByAddr>(&s), "Determines whether a master Redis instance is down.");
  sub("MASTER", 3, Handler::Bind<CmdMaster>(&s), "Returns the state of a master Redis instance.");
  sub("MASTERS", 2, Handler::Bind<CmdMasters>(&s), "Returns a list of monitored Redis masters.");
  sub("MONITOR", 6, Handler::Bind<CmdMonitor>(&s), "Starts monitoring.");
  sub("MYID", 2, Handler::Bind<CmdMyid>(&s), "Returns the Redis Sentinel instance ID.");
  sub("PENDING-SCRIPTS", 2, Handler::Bind<CmdPendingScripts>(&s), "Returns information about pending scripts for Redis Sentinel.");
  sub("REMOVE", 3, Handler::Bind<CmdRemove>(&s), "Stops monitoring.");
  sub("REPLICAS", 3, Handler::Bind<CmdReplicas>(&s), "Returns a list of the monitored Redis replicas.");
  sub("RESET", 3, Handler::Bind<CmdReset>(&s), "Resets Redis masters by name matching a pattern.");
  sub("SENTINELS", 3, Handler::Bind<CmdSentinels>(&s), "Returns a list of Sentinel instances.");
  sub("SET", -5, Handler::Bind<CmdSet>(&s), "Changes the configuration of a monitored Redis master.");
  sub("SIMULATE-FAILURE", -3, Handler::Bind<CmdSimulateFailure>(&s), "Simulates failover scenarios.");
  sub("SLAVES", 3, Handler::Bind<CmdReplicas>(&s), "Returns a list of the monitored replicas.");
  r.Add({"PUBLISH", 3, kPubSub | kLoading | kStale | kFast | kSentinel, 0, 0, 0, 0,
         Handler::Bind<CmdPublish>(&s), "pubsub", "2.0.0", "Posts a message to a channel.",
         "O(N+M)"})
      .Lock(LockMode::kNone);
  r.Add({"ROLE", 1, kNoScript | kLoading | kStale | kFast | kSentinel, 0, 0, 0,
         acl::kAdmin | acl::kDangerous, Handler::Bind<CmdRole>(&s), "server", "2.8.12",
         "Returns the replication role.", "O(1)"})
      .Lock(LockMode::kNone);
}

}  // namespace carmine::sentinel
