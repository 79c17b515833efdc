// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Connection commands that only touch the session: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.
// CLIENT lives in server/ because it needs the registry of all connections.
#include "base/strutil.h"
#include "base/version.h"
#include "commands/arg_parser.h"
#include "commands/client_state.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// PING [message]
void CmdPing(ArgList args, CommandContext& ctx) {
  if (args.size() > 2) {
    ctx.rb.Error(err::WrongArgs("ping"));
    return;
  }
  if (ctx.session.resp == 2 && ctx.session.pubsub_count() > 0) {
    // A RESP2 subscriber's replies must look like messages: ["pong", message].
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk("pong");
    ctx.rb.Bulk(args.size() == 2 ? args[1] : "");
    return;
  }
  if (args.size() == 1) {
    ctx.rb.Simple("PONG");
  } else {
    ctx.rb.Bulk(args[1]);
  }
}

// ECHO message
void CmdEcho(ArgList args, CommandContext& ctx) { ctx.rb.Bulk(args[1]); }

// QUIT
void CmdQuit(ArgList, CommandContext& ctx) {
  ctx.rb.Ok();
  ctx.session.close_after_reply = true;
}

// SELECT index
void CmdSelect(ArgList args, CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(args[1], &id) || id < INT32_MIN || id > INT32_MAX) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  if (ctx.opts.cluster_enabled && id != 0) {
    ctx.rb.Error(err::kSelectNotAllowed);
    return;
  }
  if (id < 0 || id >= ctx.dbs.num_dbs()) {
    ctx.rb.Error(err::kDbIndexOutOfRange);
    return;
  }
  ctx.session.db.store(static_cast<int>(id));
  ctx.rb.Ok();
}

// AUTH [username] password
void CmdAuth(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  std::string_view user = "default", pass;
  if (args.size() == 2) {
    if (ctx.auth.DefaultUserNoPass()) {
      ctx.rb.Error(err::kAuthNotConfigured);
      return;
    }
    pass = args[1];
  } else {
    user = args[1];
    pass = args[2];
  }
  if (!ctx.auth.Authenticate(ctx.session, user, pass)) {
    ctx.rb.Error(err::kWrongPass);
    return;
  }
  ctx.rb.Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
// AUTH [username] password: every argument is a secret.
void RedactAuth(ArgList args, std::vector<bool>* redacted) {
  for (size_t i = 1; i < args.size(); i++) (*redacted)[i] = true;
}

// HELLO ... AUTH username password: the credentials are secrets.
void RedactHello(ArgList args, std::vector<bool>* redacted) {
  for (size_t i = 2; i + 2 < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "auth")) {
      (*redacted)[i + 1] = (*redacted)[i + 2] = true;
      i += 2;
    }
  }
}

void CmdHello(ArgList args, CommandContext& ctx) {
  int64_t ver = 0;
  size_t i = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &ver)) {
      ctx.rb.Error(err::kInvalidProto);
      return;
    }
    if (ver < 2 || ver > 3) {
      ctx.rb.Error(err::kNoProto);
      return;
    }
    i = 2;
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (; i < args.size(); i++) {
    size_t left = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "AUTH") && left >= 2) {
      has_auth = true;
      user = args[i + 1];
      pass = args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "SETNAME") && left >= 1) {
      has_name = true;
      name = args[++i];
      if (!IsValidClientName(name)) {
        ctx.rb.Error(err::kClientNameSpaces);
        return;
      }
    } else {
      ctx.rb.Error(err::Format(err::kHelloOption, args[i]));
      return;
    }
  }
  if (has_auth) {
    if (!ctx.auth.Authenticate(ctx.session, user, pass)) {
      ctx.rb.Error(err::kWrongPass);
      return;
    }
  }
  if (!ctx.session.authenticated) {
    ctx.rb.Error(err::kHelloNoAuth);
    return;
  }
  if (has_name) {
    std::lock_guard<std::mutex> l(ctx.session.info_mu);
    ctx.session.name = std::string(name);
  }
  if (ver != 0) {
    ctx.session.resp = static_cast<int>(ver);
    ctx.rb.SetProtocol(static_cast<int>(ver));
  }
  ctx.rb.MapLen(7);
  ctx.rb.Bulk("server");
  ctx.rb.Bulk("redis");
  ctx.rb.Bulk("version");
  ctx.rb.Bulk(version::kRedis);
  ctx.rb.Bulk("proto");
  ctx.rb.Int(ctx.session.resp);
  ctx.rb.Bulk("id");
  ctx.rb.Int(static_cast<int64_t>(ctx.session.id));
  ctx.rb.Bulk("mode");
  ctx.rb.Bulk(ctx.opts.cluster_enabled ? "cluster" : "standalone");
  ctx.rb.Bulk("role");
  ctx.rb.Bulk("master");
  ctx.rb.Bulk("modules");
  ctx.rb.ArrayLen(0);
}

// RESET
void CmdReset(ArgList, CommandContext& ctx) {
  Session& s = ctx.session;
  s.multi.reset();
  s.in_multi.store(false, std::memory_order_relaxed);
  s.multi_queued.store(-1, std::memory_order_relaxed);
  s.multi_mem.store(0, std::memory_order_relaxed);
  s.cluster_readonly = s.cluster_asking = false;
  UnwatchAll(ctx.dbs, s);
  Dispatcher& d = *ctx.dispatcher;
  UnsubscribeAll(d.pubsub(), s, SubKind::kChannel, nullptr);
  UnsubscribeAll(d.pubsub(), s, SubKind::kPattern, nullptr);
  UnsubscribeAll(d.pubsub(), s, SubKind::kShard, nullptr);
  DisableTracking(d.tracking(), s);
  if (s.monitor.exchange(false)) d.monitors().Remove(s.subscriber.get());
  s.db.store(0);
  s.resp = 2;
  ctx.rb.SetProtocol(2);
  s.reply_off = s.skip_next = s.skip_this = false;
  s.no_evict = false;
  s.no_touch = false;
  ctx.auth.BindDefault(s);
  ctx.rb.Simple("RESET");
}

}  // namespace

void RegisterConnectionFamily(CommandRegistry& r) {
  constexpr uint64_t C = acl::kConnection;
  r.Add({"PING", -1, kFast | kSentinel, 0, 0, 0, C, &CmdPing, "connection", "1.0.0",
         "Returns the server's liveliness response.", "O(1)"})
      .Args("[message:string]")
      .Lock(LockMode::kNone);
  r.Add({"ECHO", 2, kFast | kLoading | kStale, 0, 0, 0, C, &CmdEcho, "connection", "1.0.0",
         "Returns the given string.", "O(1)"})
      .Args("message:string")
      .Lock(LockMode::kNone);
  r.Add({"QUIT", -1, kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, C,
         &CmdQuit, "connection", "1.0.0", "Closes the connection.", "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"SELECT", 2, kLoading | kStale | kFast, 0, 0, 0, C, &CmdSelect, "connection", "1.0.0",
         "Changes the selected database.", "O(1)"})
      .Args("index:integer")
      .Lock(LockMode::kNone);
  r.Add({"AUTH", -2, kNoScript | kLoading | kStale | kFast | kNoAuth | kSentinel | kAllowBusy, 0, 0,
         0, C, &CmdAuth, "connection", "1.0.0", "Authenticates the connection.",
         "O(N) where N is the number of passwords defined for the user"})
      .Args("[username:string] password:string")
      .Redact(&RedactAuth)
      .Lock(LockMode::kNone);
  r.Add({"HELLO", -1, kNoScript | kLoading | kStale | kFast | kNoAuth | kSentinel | kAllowBusy, 0,
         0, 0, C, &CmdHello, "connection", "6.0.0", "Handshakes with the Redis server.", "O(1)"})
      .Args(
          "[arguments{protover:integer [AUTH=auth{username:string password:string}]"
          " [SETNAME=clientname:string]}]")
      .Redact(&RedactHello)
      .Lock(LockMode::kNone);
  r.Add({"RESET", 1, kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, C,
         &CmdReset, "connection", "6.2.0", "Resets the connection.", "O(1)"})
      .Lock(LockMode::kSelf);
}

}  // namespace carmine
