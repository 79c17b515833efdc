// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CLIENT: the connection's own settings (name, reply mode, tracking, eviction and touch flags)
// and the commands that act on other connections (LIST, KILL, PAUSE, UNBLOCK), which read the
// server's client registry.
#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "commands/client_state.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/server.h"

namespace carmine {
namespace {

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

}  // namespace

std::string ClientLine(const Session& s, int64_t now_ms) {
  std::string name, lib_name, lib_ver, user;
  {
    std::lock_guard<std::mutex> l(s.info_mu);
    name = s.name;
    user = s.user_name;
    lib_name = s.lib_name;
    lib_ver = s.lib_ver;
  }
  const CommandSpec* last = s.last_cmd.load();
  std::string flags;
  int sub = s.sub_count.load(std::memory_order_relaxed);
  int psub = s.psub_count.load(std::memory_order_relaxed);
  int ssub = s.ssub_count.load(std::memory_order_relaxed);
  int64_t redir = s.tracking_redir.load(std::memory_order_relaxed);
  if (s.is_replica.load(std::memory_order_relaxed)) flags += "S";
  if (s.is_master) flags += "M";
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
  char buf[2048];
  snprintf(buf, sizeof(buf),
           "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%d "
           "psub=%d ssub=%d multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu "
           "rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=%s cmd=%s user=%s redir=%lld "
           "resp=%d "
           "lib-name=%s lib-ver=%s",
           static_cast<unsigned long long>(s.id), s.addr.c_str(), s.laddr.c_str(), s.fd,
           name.c_str(), static_cast<long long>((now_ms - s.created_ms) / 1000),
           static_cast<long long>((now_ms - s.last_interaction_ms.load()) / 1000), flags.c_str(),
           s.db.load(), sub, psub, ssub, s.multi_queued.load(std::memory_order_relaxed),
           s.qbuf.load(), s.qbuf_free.load(), argv_mem, multi_mem,
           s.rbs.load(), s.rbp.load(), obuf, obuf,
           ClientMemory(s),
           obuf > 0 ? "rw" : "r", last ? last->full_name.c_str() : "NULL", user.c_str(), static_cast<long long>(redir), s.resp.load(),
           lib_name.c_str(), lib_ver.c_str());
  return buf;
}

namespace {

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
void CmdClientTracking(Server& srv, ArgList args, CommandContext& ctx) {
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
        ctx.rb.Error(err::kRedirectSingle);
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
    ctx.rb.Error(err::kPrefixNeedsBcast);
    return;
  }
  if (old != nullptr && old->bcast != bcast) {
    ctx.rb.Error(err::kTrackingBcastSwitch);
    return;
  }
  if (optin && optout) {
    ctx.rb.Error(err::kOptinAndOptout);
    return;
  }
  if (old != nullptr && ((optin && old->optout) || (optout && old->optin))) {
    ctx.rb.Error(err::kTrackingOptSwitch);
    return;
  }
  if (bcast && (optin || optout)) {
    ctx.rb.Error(err::kOptinOptoutWithBcast);
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
          ctx.rb.Error(err::Format(err::kTrackingPrefixOverlap, prefixes[i], p));
          return;
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); j++) {
      if (prefixes[i] != prefixes[j] && overlaps(prefixes[i], prefixes[j])) {
        ctx.rb.Error(err::Format(err::kTrackingPrefixesOverlap, prefixes[i], prefixes[j]));
        return;
      }
    }
  }
  std::shared_ptr<Subscriber> target = s.subscriber;
  if (redirect != 0) {
    target = redirect > 0 ? FindSubscriber(srv, static_cast<uint64_t>(redirect)) : nullptr;
    if (target == nullptr) {
      ctx.rb.Error(err::kRedirectClientMissing);
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
void CmdClientCaching(Server& srv, ArgList args, CommandContext& ctx) {
  auto& t = ctx.session.tracking;
  if (t == nullptr || !(t->optin || t->optout)) {
    ctx.rb.Error(err::kCachingNeedsOptMode);
    return;
  }
  if (EqualsIgnoreCase(args[2], "yes")) {
    if (!t->optin) {
      ctx.rb.Error(err::kCachingYesNeedsOptin);
      return;
    }
  } else if (EqualsIgnoreCase(args[2], "no")) {
    if (!t->optout) {
      ctx.rb.Error(err::kCachingNoNeedsOptout);
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

void CmdClientGetRedir(Server& srv, ArgList, CommandContext& ctx) {
  ctx.rb.Int(ctx.session.tracking_redir.load(std::memory_order_relaxed));
}

void CmdClientTrackingInfo(Server& srv, ArgList, CommandContext& ctx) {
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

// CLIENT LIST/KILL TYPE filters. This server has no master link yet, so "master" matches nobody.
enum class ClientType { kAny, kNormal, kPubSub, kReplica, kMaster, kInvalid };

ClientType ParseClientType(std::string_view t) {
  if (EqualsIgnoreCase(t, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(t, "pubsub")) return ClientType::kPubSub;
  if (EqualsIgnoreCase(t, "replica") || EqualsIgnoreCase(t, "slave")) return ClientType::kReplica;
  if (EqualsIgnoreCase(t, "master")) return ClientType::kMaster;
  return ClientType::kInvalid;
}

bool MatchesType(const Session& s, ClientType t) {
  bool replica = s.is_replica.load(std::memory_order_relaxed);
  bool pubsub = s.sub_count.load(std::memory_order_relaxed) +
                    s.psub_count.load(std::memory_order_relaxed) +
                    s.ssub_count.load(std::memory_order_relaxed) >
                0;
  switch (t) {
    case ClientType::kAny:
      return true;
    case ClientType::kNormal:
      return !pubsub && !replica && !s.is_master;
    case ClientType::kMaster:
      return s.is_master;
    case ClientType::kPubSub:
      return pubsub && !replica;
    case ClientType::kReplica:
      return replica;
    default:
      return false;
  }
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id ...]
void CmdClientList(Server& srv, ArgList args, CommandContext& ctx) {
  std::vector<uint64_t> ids;
  ClientType type = ClientType::kAny;
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "TYPE") && i + 1 < args.size()) {
      std::string_view t = args[++i];
      type = ParseClientType(t);
      if (type == ClientType::kInvalid) {
        ctx.rb.Error(err::Format(err::kUnknownClientType, t));
        return;
      }
    } else if (EqualsIgnoreCase(args[i], "ID") && i + 1 < args.size()) {
      for (i++; i < args.size(); i++) {
        int64_t id;
        if (!ParseInt64(args[i], &id) || id <= 0) {
          ctx.rb.Error(err::kInvalidClientId);
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
  srv.ForEachClient([&](Connection* c, Worker*) {
    const Session& s = c->session();
    if (!ids.empty() && std::find(ids.begin(), ids.end(), s.id) == ids.end()) return;
    if (!MatchesType(s, type)) return;
    // Being closed (CLIENT KILL, a deleted ACL user): already gone, as far as clients can tell.
    if (s.kill_requested.load(std::memory_order_relaxed) && &s != &ctx.session) return;
    out += ClientLine(s, now);
    out += "\n";
  });
  ctx.rb.Verbatim(out);
}

// CLIENT INFO
void CmdClientInfo(Server& srv, ArgList args, CommandContext& ctx) {
  ArgvMemScope argv(ctx.session, args);
  ctx.rb.Verbatim(ClientLine(ctx.session, clock::NowMs()) + "\n");
}

// CLIENT ID
void CmdClientId(Server& srv, ArgList, CommandContext& ctx) { ctx.rb.Int(static_cast<int64_t>(ctx.session.id)); }

// CLIENT SETNAME connection-name
void CmdClientSetName(Server& srv, ArgList args, CommandContext& ctx) {
  if (!IsValidClientName(args[2])) {
    ctx.rb.Error(err::kClientNameSpaces);
    return;
  }
  std::lock_guard<std::mutex> l(ctx.session.info_mu);
  ctx.session.name = std::string(args[2]);
  ctx.rb.Ok();
}

// CLIENT GETNAME
void CmdClientGetName(Server& srv, ArgList, CommandContext& ctx) {
  std::string name;
  {
    std::lock_guard<std::mutex> l(ctx.session.info_mu);
    name = ctx.session.name;
  }
  name.empty() ? ctx.rb.Null() : ctx.rb.Bulk(name);
}

// CLIENT SETINFO LIB-NAME|LIB-VER value
void CmdClientSetInfo(Server& srv, ArgList args, CommandContext& ctx) {
  bool is_name = EqualsIgnoreCase(args[2], "lib-name");
  if (!is_name && !EqualsIgnoreCase(args[2], "lib-ver")) {
    ctx.rb.Error(err::Format(err::kUnrecognizedOption, args[2]));
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
void CmdClientReply(Server& srv, ArgList args, CommandContext& ctx) {
  Session& s = ctx.session;
  if (EqualsIgnoreCase(args[2], "on")) {
    // ON answers even when this very command was to be skipped.
    s.reply_off = s.skip_this = s.skip_next = false;
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(args[2], "off")) {
    s.reply_off = true;
  } else if (EqualsIgnoreCase(args[2], "skip")) {
    if (!s.reply_off) s.skip_next = true;
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
void CmdClientNoEvict(Server& srv, ArgList a, CommandContext& c) { OnOffFlag(a, c, &Session::no_evict); }
void CmdClientNoTouch(Server& srv, ArgList a, CommandContext& c) { OnOffFlag(a, c, &Session::no_touch); }

// CLIENT PAUSE timeout [WRITE|ALL]
void CmdClientPause(Server& srv, ArgList args, CommandContext& ctx) {
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
      ctx.rb.Error(err::kPauseMode);
      return;
    }
  } else if (args.size() > 4) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  srv.Pause(clock::NowMs() + ms, all);
  ctx.rb.Ok();
}

// CLIENT UNPAUSE
void CmdClientUnpause(Server& srv, ArgList, CommandContext& ctx) {
  srv.Unpause();
  ctx.rb.Ok();
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
void CmdClientUnblock(Server& srv, ArgList args, CommandContext& ctx) {
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
      ctx.rb.Error(err::kUnblockReason);
      return;
    }
  }
  auto c = ctx.blocking == nullptr ? nullptr : ctx.blocking->Find(static_cast<uint64_t>(id));
  if (c == nullptr || !c->TryFinish()) {
    ctx.rb.Int(0);
    return;
  }
  ctx.blocking->Remove(c.get());
  ctx.dispatcher->WaitEnded(*c, as_error);
  c->deliver(as_error ? "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" : c->TimeoutReply());
  ctx.rb.Int(1);
}

void CmdClientKill(Server& srv, ArgList args, CommandContext& ctx) {
  struct Filter {
    std::string addr, laddr;
    int64_t id = 0;
    int64_t maxage = 0;
    bool skipme = true;
    ClientType type = ClientType::kAny;
    std::shared_ptr<AclUserRef> user;
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
          ctx.rb.Error(err::kClientIdNotPositive);
          return;
        }
      } else if (EqualsIgnoreCase(k, "TYPE")) {
        f.type = ParseClientType(v);
        if (f.type == ClientType::kInvalid) {
          ctx.rb.Error(err::Format(err::kUnknownClientType, v));
          return;
        }
      } else if (EqualsIgnoreCase(k, "USER")) {
        f.user = srv.acl().FindUser(v);
        if (f.user == nullptr) {
          ctx.rb.Error(err::Format(err::kNoSuchUser, v));
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
    srv.ForEachClient([&](Connection* c, Worker* w) {
      Session& s = c->session();
      if (f.id && static_cast<uint64_t>(f.id) != s.id) return;
      if (!MatchesType(s, f.type)) return;
      if (f.user != nullptr) {
        std::lock_guard<std::mutex> l(s.info_mu);
        if (s.acl_user != f.user) return;
      }
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

void CmdClientHelp(Server& srv, ArgList, CommandContext& ctx) {
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

}  // namespace

void RegisterClientFamily(CommandRegistry& r, Server& s) {
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"CLIENT", -2, 0, 0, 0, 0, 0, nullptr, "connection", "2.4.0",
         "A container for client connection commands.", "Depends on subcommand."});
  auto cl = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                const char* summary) -> CommandSpec& {
    return r
        .AddSub("CLIENT", {name, arity, flags | kNoScript | LS, 0, 0, 0, acl::kConnection, h,
                           "connection", since, summary, "O(1)"})
        .Lock(LockMode::kNone);
  };
  cl("ID", 2, 0, Handler::Bind<CmdClientId>(&s), "5.0.0", "Returns the unique client ID of the connection.");
  cl("INFO", 2, 0, Handler::Bind<CmdClientInfo>(&s), "6.2.0", "Returns information about the connection.");
  cl("LIST", -2, kAdmin, Handler::Bind<CmdClientList>(&s), "2.4.0", "Lists open connections.")
      .Args("[TYPE=client-type(!NORMAL|!MASTER|!REPLICA|!PUBSUB)] [ID=client-id:integer...]");
  cl("KILL", -3, kAdmin, Handler::Bind<CmdClientKill>(&s), "2.4.0", "Terminates open connections.")
      .Args(
          "filter(old-format:string|new-format([ID=client-id:integer]"
          "|[TYPE=client-type(!NORMAL|!MASTER|!SLAVE|!REPLICA|!PUBSUB)]"
          "|[USER=username:string]|[ADDR=ip-port:string]|[LADDR=ip-port:string]"
          "|[SKIPME=skipme(!YES|!NO)])...)");
  cl("UNBLOCK", -3, kAdmin, Handler::Bind<CmdClientUnblock>(&s), "5.0.0",
     "Unblocks a client blocked by a blocking command from a different connection.")
      .Args("client-id:integer [unblock-type(!TIMEOUT|!ERROR)]");
  cl("SETNAME", 3, 0, Handler::Bind<CmdClientSetName>(&s), "2.6.9", "Sets the connection name.")
      .Args("connection-name:string");
  cl("GETNAME", 2, 0, Handler::Bind<CmdClientGetName>(&s), "2.6.9", "Returns the name of the connection.");
  cl("SETINFO", 4, 0, Handler::Bind<CmdClientSetInfo>(&s), "7.2.0",
     "Sets information specific to the client or connection.")
      .Args("attr(LIB-NAME=libname:string|LIB-VER=libver:string)");
  cl("REPLY", 3, 0, Handler::Bind<CmdClientReply>(&s), "3.2.0", "Instructs the server whether to reply to commands.")
      .Args("action(!ON|!OFF|!SKIP)");
  cl("NO-EVICT", 3, kAdmin, Handler::Bind<CmdClientNoEvict>(&s), "7.0.0",
     "Sets the client eviction mode of the connection.")
      .Args("enabled(!ON|!OFF)");
  cl("NO-TOUCH", 3, 0, Handler::Bind<CmdClientNoTouch>(&s), "7.2.0",
     "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.")
      .Args("enabled(!ON|!OFF)");
  cl("PAUSE", -3, kAdmin, Handler::Bind<CmdClientPause>(&s), "3.0.0", "Suspends commands processing.")
      .Args("timeout:integer [mode(!WRITE|!ALL)]");
  cl("UNPAUSE", 2, kAdmin, Handler::Bind<CmdClientUnpause>(&s), "6.2.0",
     "Resumes processing commands from paused clients.");
  cl("TRACKING", -3, 0, Handler::Bind<CmdClientTracking>(&s), "6.0.0",
     "Controls server-assisted client-side caching for the connection.")
      .Args(
          "status(!ON|!OFF) [REDIRECT=client-id:integer] [PREFIX=prefix:string...+] [!BCAST] "
          "[!OPTIN] [!OPTOUT] [!NOLOOP]");
  cl("CACHING", 3, 0, Handler::Bind<CmdClientCaching>(&s), "6.0.0",
     "Instructs the server whether to track the keys in the next request.")
      .Args("mode(!YES|!NO)");
  cl("GETREDIR", 2, 0, Handler::Bind<CmdClientGetRedir>(&s), "6.0.0",
     "Returns the client ID to which the connection's tracking notifications are redirected.");
  cl("TRACKINGINFO", 2, 0, Handler::Bind<CmdClientTrackingInfo>(&s), "6.2.0",
     "Returns information about server-assisted client-side caching for the connection.");
  r.AddSub("CLIENT", {"HELP", 2, LS, 0, 0, 0, acl::kConnection, Handler::Bind<CmdClientHelp>(&s), "connection",
                      "5.0.0", "Returns helpful text about the different subcommands.", "O(1)"})
      .Lock(LockMode::kNone);

}

}  // namespace carmine
