// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Server-level commands that need the whole process: INFO, TIME, SHUTDOWN (DEBUG is in
// debug_family.cc). They live in server/ (not commands/) because they read the whole server;
// their handlers are bound to it.
#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "server/server.h"

namespace carmine {
namespace {

// INFO [section [section ...]]
void CmdInfo(Server& s, ArgList args, CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < args.size(); i++) sections.emplace_back(args[i]);
  ctx.rb.Verbatim(BuildInfo(s, sections));
}

// TIME
void CmdTime(Server& s, ArgList, CommandContext& ctx) {
  int64_t us = ctx.session.script_time_us != 0 ? ctx.session.script_time_us : clock::NowUs();
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(std::to_string(us / 1000000));
  ctx.rb.Bulk(std::to_string(us % 1000000));
}

// ---- SHUTDOWN --------------------------------------------------------------------------------

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(Server& s, ArgList args, CommandContext& ctx) {
  int flags = 0;
  bool abort = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "nosave")) {
      flags |= kShutdownNoSave;
    } else if (EqualsIgnoreCase(args[i], "save")) {
      flags |= kShutdownSave;
    } else if (EqualsIgnoreCase(args[i], "now")) {
      flags |= kShutdownNow;
    } else if (EqualsIgnoreCase(args[i], "force")) {
      flags |= kShutdownForce;
    } else if (EqualsIgnoreCase(args[i], "abort")) {
      abort = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if ((abort && args.size() != 2) || ((flags & kShutdownSave) && (flags & kShutdownNoSave))) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  if (abort) {
    if (s.AbortShutdown()) return ctx.rb.Ok();
    ctx.rb.Error(err::kNoShutdownInProgress);
    return;
  }
  LOG_NOTICE("User requested shutdown...");
  if (!(flags & kShutdownNow) && (s.ReplicasLagging() || s.client_shutdown_waiting()) &&
      ctx.session.deliver && !ctx.no_block) {
    // The wait for lagging replicas runs on the main thread, so that every worker keeps
    // serving their acknowledgements; this client waits for the outcome.
    auto b = std::make_shared<BlockedClient>();
    b->client_id = ctx.session.id;
    b->args.assign(args.begin(), args.end());
    b->deliver = ctx.session.deliver;
    ctx.session.blocked = b;
    ctx.session.is_blocked.store(true, std::memory_order_relaxed);
    s.RequestShutdownFromClient(flags, std::move(b));
    return;
  }
  std::string e = s.PrepareShutdown(flags);
  if (!e.empty()) {
    ctx.rb.Error(e);
    return;
  }
  s.StopAccepting();
  s.RequestExit();
  // Redis closes the connection without a reply when shutdown succeeds.
  ctx.session.close_after_reply = true;
}

}  // namespace

void RegisterServerFamily(CommandRegistry& r, Server& s) {
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"INFO", -1, LS | kSentinel, 0, 0, 0, acl::kDangerous, Handler::Bind<CmdInfo>(&s), "server", "1.0.0",
         "Returns information and statistics about the server.", "O(1)"})
      .Args("[section:string...]")
      .Lock(LockMode::kSelf);
  r.Add({"TIME", 1, LS | kFast, 0, 0, 0, 0, Handler::Bind<CmdTime>(&s), "server", "2.6.0", "Returns the server time.",
         "O(1)"})
      .Lock(LockMode::kNone);
  r.Add({"SHUTDOWN", -1, kAdmin | kNoScript | LS | kNoMulti | kSentinel | kAllowBusy, 0, 0, 0, 0,
         Handler::Bind<CmdShutdown>(&s), "server", "1.0.0",
         "Synchronously saves the database(s) to disk and shuts down the Redis server.",
         "O(N) when saving, where N is the total number of keys in all databases when saving data, "
         "otherwise O(1)"})
      .Args("[save-selector(!NOSAVE|!SAVE)] [!NOW] [!FORCE] [!ABORT]")
      .Lock(LockMode::kNone);
}

}  // namespace carmine
