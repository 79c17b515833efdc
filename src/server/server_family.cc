// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Server-level commands that need the whole process: INFO, CONFIG, CLIENT, DEBUG, SHUTDOWN, TIME.
// They live in server/ (not commands/) because they read the connection registry, the config
// registry and the workers. Their handlers get the Server from CommandContext::server.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/client_state.h"
#include "commands/string_value.h"
#include "persist/digest.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/server.h"

namespace carmine {
namespace {

Server& Srv(CommandContext& ctx) { return *static_cast<Server*>(ctx.server); }

// INFO [section [section ...]]
void CmdInfo(ArgList args, CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < args.size(); i++) sections.emplace_back(args[i]);
  ctx.rb.Verbatim(BuildInfo(Srv(ctx), sections));
}

// TIME
void CmdTime(ArgList, CommandContext& ctx) {
  int64_t us = clock::NowUs();
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(std::to_string(us / 1000000));
  ctx.rb.Bulk(std::to_string(us % 1000000));
}

// ---- CONFIG ------------------------------------------------------------------------------------

// CONFIG GET parameter [parameter ...]
void CmdConfigGet(ArgList args, CommandContext& ctx) {
  ServerConfig cfg = Srv(ctx).ConfigSnapshot();
  std::vector<std::pair<std::string, std::string>> out;
  // An alias (hash-max-ziplist-entries) is a name of its own: it matches and answers as itself.
  std::vector<std::string_view> added;
  for (size_t i = 2; i < args.size(); i++) {
    bool glob = args[i].find_first_of("*?[") != std::string_view::npos;
    for (auto& o : ConfigTable()) {
      for (std::string_view name : {std::string_view(o.name), std::string_view(o.alias)}) {
        if (name.empty()) continue;
        bool match = glob ? GlobMatch(args[i], name, true) : EqualsIgnoreCase(args[i], name);
        if (!match || std::find(added.begin(), added.end(), name) != added.end()) continue;
        added.push_back(name);
        out.emplace_back(name, o.get(cfg));
      }
    }
  }
  ctx.rb.MapLen(static_cast<int64_t>(out.size()));
  for (auto& [k, v] : out) {
    ctx.rb.Bulk(k);
    ctx.rb.Bulk(v);
  }
}

// CONFIG SET parameter value [parameter value ...]
void CmdConfigSet(ArgList args, CommandContext& ctx) {
  if (args.size() % 2 != 0) {
    ctx.rb.Error(err::WrongArgs("config|set"));
    return;
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> pairs;
  for (size_t i = 2; i < args.size(); i += 2) {
    pairs.push_back({ToLower(args[i]), {std::string(args[i + 1])}});
  }
  std::string e = Srv(ctx).ConfigSet(pairs);
  if (e.empty()) {
    ctx.rb.Ok();
  } else {
    ctx.rb.Error(e);
  }
}

// CONFIG RESETSTAT
void CmdConfigResetStat(ArgList, CommandContext& ctx) {
  Server& s = Srv(ctx);
  s.dbs().stats().Reset();
  s.dispatcher().stats().Reset();
  s.registry().ResetStats();
  auto& st = s.stats();
  st.connections_received = 0;
  st.rejected_connections = 0;
  st.net_input_bytes.Reset();
  st.net_output_bytes.Reset();
  st.reads_processed.Reset();
  st.writes_processed.Reset();
  ctx.rb.Ok();
}

// CONFIG REWRITE
void CmdConfigRewrite(ArgList, CommandContext& ctx) {
  ServerConfig cfg = Srv(ctx).ConfigSnapshot();
  if (cfg.config_file.empty()) {
    ctx.rb.Error("ERR The server is running without a config file");
    return;
  }
  Status st = RewriteConfigFile(cfg);
  if (!st.ok()) {
    LOG_WARNING("CONFIG REWRITE failed: %s", st.message().c_str());
    ctx.rb.Error("ERR Rewriting config file: " + st.message());
    return;
  }
  LOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.rb.Ok();
}

void CmdConfigHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx,
            {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>",
             "    Return parameters matching the glob-like <pattern> and their values.",
             "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
             "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file.", "HELP", "    Print this help."});
}

// ---- CLIENT ------------------------------------------------------------------------------------

// While CLIENT LIST/INFO runs, its own client shows the memory of the command's arguments as
// argv-mem, as Redis shows it (other clients are between commands: 0).
class ArgvMemScope {
 public:
  ArgvMemScope(Session& s, ArgList args) : s_(s) {
    size_t n = 0;
    for (auto a : args) n += a.size();
    s_.argv_mem.store(n, std::memory_order_relaxed);
  }
  ~ArgvMemScope() { s_.argv_mem.store(0, std::memory_order_relaxed); }
  ArgvMemScope(const ArgvMemScope&) = delete;
  ArgvMemScope& operator=(const ArgvMemScope&) = delete;

 private:
  Session& s_;
};

std::string ClientLine(const Session& s, int64_t now_ms) {
  std::string name, lib_name, lib_ver;
  {
    std::lock_guard<std::mutex> l(s.info_mu);
    name = s.name;
    lib_name = s.lib_name;
    lib_ver = s.lib_ver;
  }
  const CommandSpec* last = s.last_cmd.load();
  std::string flags;
  int sub = s.sub_count.load(std::memory_order_relaxed);
  int psub = s.psub_count.load(std::memory_order_relaxed);
  int ssub = s.ssub_count.load(std::memory_order_relaxed);
  int64_t redir = s.tracking_redir.load(std::memory_order_relaxed);
  if (s.monitor.load(std::memory_order_relaxed)) flags += "O";
  if (sub + psub + ssub > 0) flags += "P";
  if (s.in_multi.load(std::memory_order_relaxed)) flags += "x";
  if (s.is_blocked.load(std::memory_order_relaxed)) flags += "b";
  if (redir >= 0) flags += "t";
  if (s.tracking_bcast.load(std::memory_order_relaxed)) flags += "B";
  if (s.no_evict) flags += "e";
  if (s.no_touch) flags += "T";
  if (flags.empty()) flags = "N";
  size_t argv_mem = s.argv_mem.load(std::memory_order_relaxed);
  size_t multi_mem = s.multi_mem.load(std::memory_order_relaxed);
  size_t obuf = s.obuf.load(std::memory_order_relaxed);
  char buf[1024];
  snprintf(buf, sizeof(buf),
           "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%d "
           "psub=%d ssub=%d multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu "
           "rbp=0 obl=%zu oll=0 omem=%zu tot-mem=%zu events=%s cmd=%s user=default redir=%lld "
           "resp=%d "
           "lib-name=%s lib-ver=%s",
           static_cast<unsigned long long>(s.id), s.addr.c_str(), s.laddr.c_str(), s.fd,
           name.c_str(), static_cast<long long>((now_ms - s.created_ms) / 1000),
           static_cast<long long>((now_ms - s.last_interaction_ms.load()) / 1000), flags.c_str(),
           s.db.load(), sub, psub, ssub, s.multi_queued.load(std::memory_order_relaxed),
           s.qbuf.load(), s.qbuf_free.load(), argv_mem, multi_mem,
           s.qbuf.load() + s.qbuf_free.load(), obuf, obuf,
           ClientMemory(s),
           obuf > 0 ? "rw" : "r", last ? last->full_name.c_str() : "NULL", static_cast<long long>(redir), s.resp.load(),
           lib_name.c_str(), lib_ver.c_str());
  return buf;
}

// ---- CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO ---------------------------------------

// The delivery handle of client `id`, or null if no such client is connected.
std::shared_ptr<Subscriber> FindSubscriber(Server& srv, uint64_t id) {
  std::shared_ptr<Subscriber> out;
  srv.ForEachClient([&](Connection* c, Worker*) {
    if (c->session().id == id) out = c->session().subscriber;
  });
  return out;
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
void CmdClientTracking(ArgList args, CommandContext& ctx) {
  Session& s = ctx.session;
  TrackingRegistry& reg = ctx.dispatcher->tracking();
  bool on;
  if (EqualsIgnoreCase(args[2], "on")) {
    on = true;
  } else if (EqualsIgnoreCase(args[2], "off")) {
    on = false;
  } else {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  bool bcast = false, optin = false, optout = false, noloop = false;
  int64_t redirect = 0;
  std::vector<std::string> prefixes;
  for (size_t i = 3; i < args.size(); i++) {
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "bcast")) {
      bcast = true;
    } else if (EqualsIgnoreCase(args[i], "optin")) {
      optin = true;
    } else if (EqualsIgnoreCase(args[i], "optout")) {
      optout = true;
    } else if (EqualsIgnoreCase(args[i], "noloop")) {
      noloop = true;
    } else if (more && EqualsIgnoreCase(args[i], "redirect")) {
      if (redirect != 0) {
        ctx.rb.Error("ERR A client can only redirect to a single other client");
        return;
      }
      if (!ParseInt64(args[++i], &redirect)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (redirect == 0) redirect = -1;  // id 0 never exists
    } else if (more && EqualsIgnoreCase(args[i], "prefix")) {
      prefixes.emplace_back(args[++i]);
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if (!on) {
    DisableTracking(reg, s);
    ctx.rb.Ok();
    return;
  }
  std::shared_ptr<ClientTracking> old = s.tracking;
  if (!prefixes.empty() && !bcast) {
    ctx.rb.Error("ERR PREFIX option requires BCAST mode to be enabled");
    return;
  }
  if (old != nullptr && old->bcast != bcast) {
    ctx.rb.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (optin && optout) {
    ctx.rb.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return;
  }
  if (old != nullptr && ((optin && old->optout) || (optout && old->optin))) {
    ctx.rb.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (bcast && (optin || optout)) {
    ctx.rb.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return;
  }
  // Prefixes of one client must not overlap, among themselves or with those it has already.
  auto overlaps = [](std::string_view a, std::string_view b) {
    size_t n = std::min(a.size(), b.size());
    return a.substr(0, n) == b.substr(0, n);
  };
  for (size_t i = 0; i < prefixes.size(); i++) {
    if (old != nullptr) {
      for (auto& p : old->prefixes) {
        if (p != prefixes[i] && overlaps(p, prefixes[i])) {
          ctx.rb.Error("ERR Prefix '" + prefixes[i] + "' overlaps with an existing prefix '" + p +
                       "'. Prefixes for a single client must not overlap.");
          return;
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); j++) {
      if (prefixes[i] != prefixes[j] && overlaps(prefixes[i], prefixes[j])) {
        ctx.rb.Error("ERR Prefix '" + prefixes[i] + "' overlaps with another provided prefix '" +
                     prefixes[j] + "'. Prefixes for a single client must not overlap.");
        return;
      }
    }
  }
  std::shared_ptr<Subscriber> target = s.subscriber;
  if (redirect != 0) {
    target = redirect > 0 ? FindSubscriber(Srv(ctx), static_cast<uint64_t>(redirect)) : nullptr;
    if (target == nullptr) {
      ctx.rb.Error("ERR The client ID you want redirect to does not exist");
      return;
    }
  }
  auto t = std::make_shared<ClientTracking>();
  t->client_id = s.id;
  t->bcast = bcast;
  t->optin = optin;
  t->optout = optout;
  t->noloop = noloop;
  t->redirect = static_cast<uint64_t>(redirect);
  t->self = s.subscriber;
  t->target = target;
  if (old != nullptr) t->prefixes = old->prefixes;
  for (auto& p : prefixes) t->prefixes.push_back(p);
  // BCAST without a prefix follows every key (the empty prefix).
  if (bcast && t->prefixes.empty()) t->prefixes.emplace_back();
  std::sort(t->prefixes.begin(), t->prefixes.end());
  t->prefixes.erase(std::unique(t->prefixes.begin(), t->prefixes.end()), t->prefixes.end());
  if (old != nullptr) reg.Disable(s.id);
  reg.Enable(t);
  s.tracking = std::move(t);
  s.tracking_redir.store(redirect, std::memory_order_relaxed);
  s.tracking_bcast.store(bcast, std::memory_order_relaxed);
  ctx.rb.Ok();
}

// CLIENT CACHING YES|NO
void CmdClientCaching(ArgList args, CommandContext& ctx) {
  auto& t = ctx.session.tracking;
  if (t == nullptr || !(t->optin || t->optout)) {
    ctx.rb.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
    return;
  }
  if (EqualsIgnoreCase(args[2], "yes")) {
    if (!t->optin) {
      ctx.rb.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqualsIgnoreCase(args[2], "no")) {
    if (!t->optout) {
      ctx.rb.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  t->caching = true;
  t->caching_pending = true;
  ctx.rb.Ok();
}

void CmdClientGetRedir(ArgList, CommandContext& ctx) {
  ctx.rb.Int(ctx.session.tracking_redir.load(std::memory_order_relaxed));
}

void CmdClientTrackingInfo(ArgList, CommandContext& ctx) {
  const auto& t = ctx.session.tracking;
  std::vector<std::string_view> flags;
  if (t == nullptr) {
    flags.push_back("off");
  } else {
    flags.push_back("on");
    if (t->bcast) flags.push_back("bcast");
    if (t->optin) flags.push_back("optin");
    if (t->optout) flags.push_back("optout");
    if (t->caching) flags.push_back(t->optin ? "caching-yes" : "caching-no");
    if (t->noloop) flags.push_back("noloop");
    if (t->target != nullptr && t->target->closed.load()) flags.push_back("broken_redirect");
  }
  ctx.rb.MapLen(3);
  ctx.rb.Bulk("flags");
  ctx.rb.SetLen(static_cast<int64_t>(flags.size()));
  for (auto f : flags) ctx.rb.Bulk(f);
  ctx.rb.Bulk("redirect");
  ctx.rb.Int(ctx.session.tracking_redir.load(std::memory_order_relaxed));
  ctx.rb.Bulk("prefixes");
  if (t == nullptr) {
    ctx.rb.ArrayLen(0);
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(t->prefixes.size()));
  for (auto& p : t->prefixes) ctx.rb.Bulk(p);
}

// CLIENT LIST/KILL TYPE filters. Replicas and masters do not exist yet, so those match nobody.
enum class ClientType { kAny, kNormal, kPubSub, kNobody, kInvalid };

ClientType ParseClientType(std::string_view t) {
  if (EqualsIgnoreCase(t, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(t, "pubsub")) return ClientType::kPubSub;
  if (EqualsIgnoreCase(t, "master") || EqualsIgnoreCase(t, "replica") ||
      EqualsIgnoreCase(t, "slave")) {
    return ClientType::kNobody;
  }
  return ClientType::kInvalid;
}

bool MatchesType(const Session& s, ClientType t) {
  bool pubsub = s.sub_count.load(std::memory_order_relaxed) +
                    s.psub_count.load(std::memory_order_relaxed) +
                    s.ssub_count.load(std::memory_order_relaxed) >
                0;
  switch (t) {
    case ClientType::kAny:
      return true;
    case ClientType::kNormal:
      return !pubsub;
    case ClientType::kPubSub:
      return pubsub;
    default:
      return false;
  }
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id ...]
void CmdClientList(ArgList args, CommandContext& ctx) {
  std::vector<uint64_t> ids;
  ClientType type = ClientType::kAny;
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "TYPE") && i + 1 < args.size()) {
      std::string_view t = args[++i];
      type = ParseClientType(t);
      if (type == ClientType::kInvalid) {
        ctx.rb.Error("ERR Unknown client type '" + std::string(t) + "'");
        return;
      }
    } else if (EqualsIgnoreCase(args[i], "ID") && i + 1 < args.size()) {
      for (i++; i < args.size(); i++) {
        int64_t id;
        if (!ParseInt64(args[i], &id) || id <= 0) {
          ctx.rb.Error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  std::string out;
  int64_t now = clock::NowMs();
  ArgvMemScope argv(ctx.session, args);
  Srv(ctx).ForEachClient([&](Connection* c, Worker*) {
    const Session& s = c->session();
    if (!ids.empty() && std::find(ids.begin(), ids.end(), s.id) == ids.end()) return;
    if (!MatchesType(s, type)) return;
    out += ClientLine(s, now);
    out += "\n";
  });
  ctx.rb.Verbatim(out);
}

// CLIENT INFO
void CmdClientInfo(ArgList args, CommandContext& ctx) {
  ArgvMemScope argv(ctx.session, args);
  ctx.rb.Verbatim(ClientLine(ctx.session, clock::NowMs()) + "\n");
}

// CLIENT ID
void CmdClientId(ArgList, CommandContext& ctx) { ctx.rb.Int(static_cast<int64_t>(ctx.session.id)); }

// CLIENT SETNAME connection-name
void CmdClientSetName(ArgList args, CommandContext& ctx) {
  if (!IsValidClientName(args[2])) {
    ctx.rb.Error(err::kClientNameSpaces);
    return;
  }
  std::lock_guard<std::mutex> l(ctx.session.info_mu);
  ctx.session.name = std::string(args[2]);
  ctx.rb.Ok();
}

// CLIENT GETNAME
void CmdClientGetName(ArgList, CommandContext& ctx) {
  std::string name;
  {
    std::lock_guard<std::mutex> l(ctx.session.info_mu);
    name = ctx.session.name;
  }
  name.empty() ? ctx.rb.Null() : ctx.rb.Bulk(name);
}

// CLIENT SETINFO LIB-NAME|LIB-VER value
void CmdClientSetInfo(ArgList args, CommandContext& ctx) {
  bool is_name = EqualsIgnoreCase(args[2], "lib-name");
  if (!is_name && !EqualsIgnoreCase(args[2], "lib-ver")) {
    ctx.rb.Error("ERR Unrecognized option '" + std::string(args[2]) + "'");
    return;
  }
  if (!IsValidClientName(args[3])) {
    ctx.rb.Error(err::Format(err::kSetInfoChars, is_name ? "lib-name" : "lib-ver"));
    return;
  }
  std::lock_guard<std::mutex> l(ctx.session.info_mu);
  (is_name ? ctx.session.lib_name : ctx.session.lib_ver) = std::string(args[3]);
  ctx.rb.Ok();
}

// CLIENT REPLY ON|OFF|SKIP
void CmdClientReply(ArgList args, CommandContext& ctx) {
  if (EqualsIgnoreCase(args[2], "on")) {
    ctx.session.reply_mode = ReplyMode::kOn;
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(args[2], "off")) {
    ctx.session.reply_mode = ReplyMode::kOff;
  } else if (EqualsIgnoreCase(args[2], "skip")) {
    if (ctx.session.reply_mode == ReplyMode::kOn) ctx.session.reply_mode = ReplyMode::kSkip;
  } else {
    ctx.rb.Error(err::kSyntax);
  }
}

// CLIENT NO-EVICT ON|OFF / CLIENT NO-TOUCH ON|OFF
void OnOffFlag(ArgList args, CommandContext& ctx, std::atomic<bool> Session::*flag) {
  if (EqualsIgnoreCase(args[2], "on")) {
    ctx.session.*flag = true;
  } else if (EqualsIgnoreCase(args[2], "off")) {
    ctx.session.*flag = false;
  } else {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  ctx.rb.Ok();
}
void CmdClientNoEvict(ArgList a, CommandContext& c) { OnOffFlag(a, c, &Session::no_evict); }
void CmdClientNoTouch(ArgList a, CommandContext& c) { OnOffFlag(a, c, &Session::no_touch); }

// CLIENT PAUSE timeout [WRITE|ALL]
void CmdClientPause(ArgList args, CommandContext& ctx) {
  int64_t ms;
  if (!ParseInt64(args[2], &ms)) {
    ctx.rb.Error(err::kTimeout);
    return;
  }
  if (ms < 0) {
    ctx.rb.Error(err::kTimeoutNegative);
    return;
  }
  bool all = true;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "write")) {
      all = false;
    } else if (!EqualsIgnoreCase(args[3], "all")) {
      ctx.rb.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (args.size() > 4) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  Srv(ctx).Pause(clock::NowMs() + ms, all);
  ctx.rb.Ok();
}

// CLIENT UNPAUSE
void CmdClientUnpause(ArgList, CommandContext& ctx) {
  Srv(ctx).Unpause();
  ctx.rb.Ok();
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
void CmdClientUnblock(ArgList args, CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(args[2], &id)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  bool as_error = false;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "ERROR")) {
      as_error = true;
    } else if (!EqualsIgnoreCase(args[3], "TIMEOUT")) {
      ctx.rb.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  auto c = ctx.blocking == nullptr ? nullptr : ctx.blocking->Find(static_cast<uint64_t>(id));
  if (c == nullptr || !c->TryFinish()) {
    ctx.rb.Int(0);
    return;
  }
  ctx.blocking->Remove(c.get());
  c->deliver(as_error ? "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" : c->TimeoutReply());
  ctx.rb.Int(1);
}

void CmdClientKill(ArgList args, CommandContext& ctx) {
  struct Filter {
    std::string addr, laddr;
    int64_t id = 0;
    int64_t maxage = 0;
    bool skipme = true;
    ClientType type = ClientType::kAny;
    bool user_none = false;
  } f;
  bool old_form = args.size() == 3;
  if (old_form) {
    f.addr = std::string(args[2]);
    f.skipme = false;
  } else if (args.size() % 2 != 0) {
    ctx.rb.Error(err::kSyntax);
    return;
  } else {
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      std::string_view k = args[i], v = args[i + 1];
      if (EqualsIgnoreCase(k, "ID")) {
        if (!ParseInt64(v, &f.id) || f.id <= 0) {
          ctx.rb.Error("ERR client-id should be greater than 0");
          return;
        }
      } else if (EqualsIgnoreCase(k, "TYPE")) {
        f.type = ParseClientType(v);
        if (f.type == ClientType::kInvalid) {
          ctx.rb.Error("ERR Unknown client type '" + std::string(v) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(k, "USER")) {
        if (v != "default") {
          ctx.rb.Error("ERR No such user '" + std::string(v) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(k, "ADDR")) {
        f.addr = std::string(v);
      } else if (EqualsIgnoreCase(k, "LADDR")) {
        f.laddr = std::string(v);
      } else if (EqualsIgnoreCase(k, "SKIPME")) {
        if (EqualsIgnoreCase(v, "yes")) {
          f.skipme = true;
        } else if (EqualsIgnoreCase(v, "no")) {
          f.skipme = false;
        } else {
          ctx.rb.Error(err::kSyntax);
          return;
        }
      } else if (EqualsIgnoreCase(k, "MAXAGE")) {
        if (!ParseInt64(v, &f.maxage)) {
          ctx.rb.Error(err::kNotInt);
          return;
        }
      } else {
        ctx.rb.Error(err::kSyntax);
        return;
      }
    }
  }
  int64_t now = clock::NowMs();
  int64_t killed = 0;
  bool self = false;
  {
    Srv(ctx).ForEachClient([&](Connection* c, Worker* w) {
      Session& s = c->session();
      if (f.id && static_cast<uint64_t>(f.id) != s.id) return;
      if (!MatchesType(s, f.type)) return;
      if (!f.addr.empty() && f.addr != s.addr) return;
      if (!f.laddr.empty() && f.laddr != s.laddr) return;
      if (f.maxage && (now - s.created_ms) / 1000 < f.maxage) return;
      if (&s == &ctx.session) {
        if (f.skipme) return;
        self = true;
        killed++;
        return;
      }
      s.kill_requested = 1;
      uint64_t id = s.id;
      w->loop().Post([w, id] { w->KillClient(id); });
      killed++;
    });
  }
  if (self) ctx.session.close_after_reply = true;
  if (old_form) {
    killed ? ctx.rb.Ok() : ctx.rb.Error(err::kNoSuchClient);
  } else {
    ctx.rb.Int(killed);
  }
}

void CmdClientHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "GETNAME",
                  "    Return the name of the current connection.",
                  "ID",
                  "    Return the ID of the current connection.",
                  "INFO",
                  "    Return information about the current client connection.",
                  "KILL <ip:port>",
                  "    Kill connection made from <ip:port>.",
                  "KILL <option> <value> [<option> <value> [...]]",
                  "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
                  "LIST [TYPE <type>] [ID <id> [...]]",
                  "    Return information about client connections.",
                  "NO-EVICT (ON|OFF)",
                  "    Protect current client connection from eviction.",
                  "NO-TOUCH (ON|OFF)",
                  "    Will not touch LRU/LFU stats when this mode is on.",
                  "PAUSE <timeout> [WRITE|ALL]",
                  "    Suspend all, or just write, clients for <timeout> milliseconds.",
                  "REPLY (ON|OFF|SKIP)",
                  "    Control the replies sent to the current connection.",
                  "SETNAME <name>",
                  "    Assign the name <name> to the current connection.",
                  "SETINFO <option> <value>",
                  "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
                  "UNPAUSE",
                  "    Stop the current client pause, resuming traffic.",
                  "HELP",
                  "    Print this help."});
}

// ---- DEBUG / SHUTDOWN --------------------------------------------------------------------------

// DEBUG SLEEP seconds | DEBUG OBJECT key | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG HELP
void CmdDebug(ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  if (EqualsIgnoreCase(sub, "sleep") && args.size() >= 3) {
    double secs;
    if (!ParseDouble(args[2], &secs)) {
      ctx.rb.Error(err::kNotFloat);
      return;
    }
    // Blocks this worker's loop on purpose: tests use it to simulate a busy server.
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "set-active-expire") && args.size() == 3) {
    Srv(ctx).opts().active_expire = args[2] != "0";
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "object") && args.size() == 3) {
    Db db = ctx.db();
    ShardLocks lock;
    lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[2]));
    lock.Acquire();
    Entry* e = db.Peek(args[2]);
    if (e == nullptr || db.IsExpired(e)) {
      ctx.rb.Error(err::kNoSuchKey);
      return;
    }
    const char* enc = ValueEncodingName(e);
    // serializedlength: the value's RDB payload, without its type byte, as Redis measures it.
    std::string rdb_value;
    rdb::WriteValue(e->value, ctx.opts.limits(), true, &rdb_value);
    char buf[256];
    snprintf(buf, sizeof(buf),
             "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
             static_cast<void*>(e), enc, rdb_value.size() - 1, e->lru,
             static_cast<unsigned long long>(db.IdleSeconds(e)));
    ctx.rb.Simple(buf);
  } else if (EqualsIgnoreCase(sub, "reload") && args.size() == 2) {
    // Save, empty the dataset, load the file back: what a restart would do, in place.
    Server& s = Srv(ctx);
    ShardLocks all;  // a no-op inside EXEC, which holds them already
    all.AddAll(s.dbs());
    all.Acquire();
    std::string err = s.persistence().SaveLocked();
    if (!err.empty()) return ctx.rb.Error("ERR Error trying to save the DB");
    for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
    if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
    rdb::LoadStats stats;
    bool found = false;
    Status st = rdb::LoadFile(s.dbs(), s.persistence().Path(), ctx.now_ms, ctx.opts.limits(),
                              &stats, &found);
    if (!st.ok()) return ctx.rb.Error("ERR Error trying to load the RDB dump: " + st.message());
    LOG_NOTICE("DB reloaded by DEBUG RELOAD");
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "digest") && args.size() == 2) {
    Server& s = Srv(ctx);
    ShardLocks all;  // a no-op inside EXEC, which holds them already
    all.AddAll(s.dbs());
    all.Acquire();
    ctx.rb.Simple(digest::Dataset(s.dbs()));
  } else if (EqualsIgnoreCase(sub, "digest-value")) {
    // DEBUG DIGEST-VALUE key [key ...]: a digest per key, zeros for a missing one.
    ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
    for (size_t i = 2; i < args.size(); i++) {
      Db db = ctx.db();
      ShardLocks lock;
      lock.Add(ctx.dbs, db.index(), ctx.dbs.ShardOf(args[i]));
      lock.Acquire();
      Entry* e = db.Peek(args[i]);
      ctx.rb.Simple(e == nullptr || db.IsExpired(e) ? std::string(40, '0') : digest::Value(*e));
    }
  } else if (EqualsIgnoreCase(sub, "loadaof") && args.size() == 2) {
    // Flush the AOF, empty the dataset and replay the files: a restart, in place. Other clients
    // are held off meanwhile, so nothing they write is missed by the reload or the file.
    Server& s = Srv(ctx);
    s.Pause(INT64_MAX, true);
    {
      ShardLocks all;
      all.AddAll(s.dbs());
      all.Acquire();
      s.aof().FlushAndSync();
      for (int db = 0; db < s.dbs().num_dbs(); db++) ctx.db(db).Flush();
      if (auto* o = s.dbs().observer()) o->OnDbChanged(-1);
    }
    Status st = s.aof().Reload();
    s.Unpause();
    if (!st.ok()) {
      // The dataset is gone and the files cannot restore it: as Redis, stop rather than serve
      // an empty or partial dataset.
      LOG_WARNING("%s", st.message().c_str());
      LOG_WARNING("Failed loading the AOF with DEBUG LOADAOF, exiting.");
      _exit(1);
    }
    s.dbs().stats().dirty.Sub(s.dbs().stats().dirty.load());
    LOG_NOTICE("Append Only File loaded by DEBUG LOADAOF");
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(
        ctx,
        {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "OBJECT <key>",
         "    Show low level info about `key` and associated value.", "SET-ACTIVE-EXPIRE <0|1>",
         "    Setting it to 0 disables expiring keys in background when they are not",
         "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
         "    default.", "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
         "HELP", "    Print this help."});
  } else {
    ctx.rb.Error(err::SubcommandSyntax(sub, "debug"));
  }
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(ArgList args, CommandContext& ctx) {
  bool save = false, nosave = false, abort = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(args[i], "save")) {
      save = true;
    } else if (EqualsIgnoreCase(args[i], "now") || EqualsIgnoreCase(args[i], "force")) {
    } else if (EqualsIgnoreCase(args[i], "abort")) {
      abort = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if ((abort && args.size() != 2) || (save && nosave)) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  if (abort) {
    ctx.rb.Error("ERR No shutdown in progress.");
    return;
  }
  LOG_WARNING("User requested shutdown...");
  Srv(ctx).RequestShutdown(save ? 1 : nosave ? -1 : 0);
  // Redis closes the connection without a reply when shutdown succeeds.
  ctx.session.close_after_reply = true;
}

}  // namespace

void RegisterServerFamily(CommandRegistry& r) {
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"INFO", -1, LS | kSentinel, 0, 0, 0, acl::kDangerous, &CmdInfo, "server", "1.0.0",
         "Returns information and statistics about the server.", "O(1)"})
      .Args("[section:string...]")
      .Lock(LockMode::kSelf);
  r.Add({"TIME", 1, LS | kFast, 0, 0, 0, 0, &CmdTime, "server", "2.6.0", "Returns the server time.",
         "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"CONFIG", -2, 0, 0, 0, 0, 0, nullptr, "server", "2.0.0",
         "A container for server configuration commands.", "Depends on subcommand."});
  auto cfg = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary) -> CommandSpec& {
    return r.AddSub("CONFIG", {name, arity, flags, 0, 0, 0, 0, h, "server", since, summary, "O(N)"})
        .Lock(LockMode::kNone);
  };
  cfg("GET", -3, kAdmin | kNoScript | LS, &CmdConfigGet, "2.0.0",
      "Returns the effective values of configuration parameters.")
      .Args("parameter{parameter:string}...");
  cfg("SET", -4, kAdmin | kNoScript | LS, &CmdConfigSet, "2.0.0",
      "Sets configuration parameters in-flight.")
      .Args("data{parameter:string value:string}...");
  cfg("RESETSTAT", 2, kAdmin | kNoScript | LS, &CmdConfigResetStat, "2.0.0",
      "Resets the server's statistics.");
  cfg("REWRITE", 2, kAdmin | kNoScript | LS, &CmdConfigRewrite, "2.8.0",
      "Persists the effective configuration to file.");
  cfg("HELP", 2, LS, &CmdConfigHelp, "5.0.0",
      "Returns helpful text about the different subcommands.");

  r.Add({"CLIENT", -2, 0, 0, 0, 0, 0, nullptr, "connection", "2.4.0",
         "A container for client connection commands.", "Depends on subcommand."});
  auto cl = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                const char* summary) -> CommandSpec& {
    return r
        .AddSub("CLIENT", {name, arity, flags | kNoScript | LS, 0, 0, 0, acl::kConnection, h,
                           "connection", since, summary, "O(1)"})
        .Lock(LockMode::kNone);
  };
  cl("ID", 2, 0, &CmdClientId, "5.0.0", "Returns the unique client ID of the connection.");
  cl("INFO", 2, 0, &CmdClientInfo, "6.2.0", "Returns information about the connection.");
  cl("LIST", -2, kAdmin, &CmdClientList, "2.4.0", "Lists open connections.")
      .Args("[TYPE=client-type(!NORMAL|!MASTER|!REPLICA|!PUBSUB)] [ID=id{client-id:integer...}]");
  cl("KILL", -3, kAdmin, &CmdClientKill, "2.4.0", "Terminates open connections.")
      .Args(
          "filter(old-format:string|new-format([ID=client-id:integer]"
          "|[TYPE=client-type(!NORMAL|!MASTER|!SLAVE|!REPLICA|!PUBSUB)]"
          "|[USER=username:string]|[ADDR=ip-port:string]|[LADDR=ip-port:string]"
          "|[SKIPME=skipme:string])...)");
  cl("UNBLOCK", -3, kAdmin, &CmdClientUnblock, "5.0.0",
     "Unblocks a client blocked by a blocking command from a different connection.")
      .Args("client-id:integer [unblock-type(!TIMEOUT|!ERROR)]");
  cl("SETNAME", 3, 0, &CmdClientSetName, "2.6.9", "Sets the connection name.")
      .Args("connection-name:string");
  cl("GETNAME", 2, 0, &CmdClientGetName, "2.6.9", "Returns the name of the connection.");
  cl("SETINFO", 4, 0, &CmdClientSetInfo, "7.2.0",
     "Sets information specific to the client or connection.")
      .Args("attr(LIB-NAME=libname:string|LIB-VER=libver:string)");
  cl("REPLY", 3, 0, &CmdClientReply, "3.2.0", "Instructs the server whether to reply to commands.")
      .Args("action(!ON|!OFF|!SKIP)");
  cl("NO-EVICT", 3, kAdmin, &CmdClientNoEvict, "7.0.0",
     "Sets the client eviction mode of the connection.")
      .Args("enabled(!ON|!OFF)");
  cl("NO-TOUCH", 3, 0, &CmdClientNoTouch, "7.2.0",
     "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.")
      .Args("enabled(!ON|!OFF)");
  cl("PAUSE", -3, kAdmin, &CmdClientPause, "3.0.0", "Suspends commands processing.")
      .Args("timeout:integer [mode(!WRITE|!ALL)]");
  cl("UNPAUSE", 2, kAdmin, &CmdClientUnpause, "6.2.0",
     "Resumes processing commands from paused clients.");
  cl("TRACKING", -3, 0, &CmdClientTracking, "6.0.0",
     "Controls server-assisted client-side caching for the connection.")
      .Args(
          "status(!ON|!OFF) [REDIRECT=client-id:integer] [PREFIX=prefix:string...] [!BCAST] "
          "[!OPTIN] [!OPTOUT] [!NOLOOP]");
  cl("CACHING", 3, 0, &CmdClientCaching, "6.0.0",
     "Instructs the server whether to track the keys in the next request.")
      .Args("mode(!YES|!NO)");
  cl("GETREDIR", 2, 0, &CmdClientGetRedir, "6.0.0",
     "Returns the client ID to which the connection's tracking notifications are redirected.");
  cl("TRACKINGINFO", 2, 0, &CmdClientTrackingInfo, "6.2.0",
     "Returns information about server-assisted client-side caching for the connection.");
  r.AddSub("CLIENT", {"HELP", 2, LS, 0, 0, 0, acl::kConnection, &CmdClientHelp, "connection",
                      "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"})
      .Lock(LockMode::kNone);

  r.Add({"DEBUG", -2, kAdmin | kNoScript | LS | kProtected, 0, 0, 0, 0, &CmdDebug, "server",
         "1.0.0", "A container for debugging commands.", "Depends on subcommand."})
      .Lock(LockMode::kSelf);
  r.Add({"SHUTDOWN", -1, kAdmin | kNoScript | LS | kNoMulti | kSentinel | kAllowBusy, 0, 0, 0, 0,
         &CmdShutdown, "server", "1.0.0",
         "Synchronously saves the database(s) to disk and shuts down the Redis server.",
         "O(N) when saving, where N is the total number of keys in all databases when saving data, "
         "otherwise O(1)"})
      .Args("[save-selector(!NOSAVE|!SAVE)] [!NOW] [!FORCE] [!ABORT]")
      .Lock(LockMode::kNone);
}

}  // namespace carmine
