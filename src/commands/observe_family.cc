// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Observability commands that need only the dispatcher: SLOWLOG GET [count] / LEN / RESET / HELP
// over its SlowLog (commands/slowlog.h), and MONITOR over its MonitorRegistry
// (commands/monitor.h).
#include "base/strutil.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// SLOWLOG GET [count]: the newest entries first (10 by default, -1 for all).
void CmdSlowlogGet(ArgList args, CommandContext& ctx) {
  int64_t count = 10;
  if (args.size() > 3) {
    ctx.rb.Error(err::SubcommandSyntax(args[1], "slowlog"));
    return;
  }
  if (args.size() == 3 && (!ParseInt64(args[2], &count) || count < -1)) {
    ctx.rb.Error("ERR count should be greater than or equal to -1");
    return;
  }
  auto entries = ctx.dispatcher->slowlog().Get(count);
  ctx.rb.ArrayLen(static_cast<int64_t>(entries.size()));
  for (auto& e : entries) {
    ctx.rb.ArrayLen(6);
    ctx.rb.Int(e.id);
    ctx.rb.Int(e.timestamp);
    ctx.rb.Int(e.duration_us);
    ctx.rb.ArrayLen(static_cast<int64_t>(e.args.size()));
    for (auto& a : e.args) ctx.rb.Bulk(a);
    ctx.rb.Bulk(e.addr);
    ctx.rb.Bulk(e.name);
  }
}

void CmdSlowlogLen(ArgList, CommandContext& ctx) {
  ctx.rb.Int(static_cast<int64_t>(ctx.dispatcher->slowlog().Len()));
}

void CmdSlowlogReset(ArgList, CommandContext& ctx) {
  ctx.dispatcher->slowlog().Reset();
  ctx.rb.Ok();
}

void CmdSlowlogHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help."});
}

// MONITOR: from now on the client receives a line for every command run by anyone.
void CmdMonitor(ArgList, CommandContext& ctx) {
  Session& s = ctx.session;
  if (ctx.no_block) {  // inside EXEC
    ctx.rb.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (s.monitor || s.subscriber == nullptr) {
    ctx.rb.Ok();
    return;
  }
  s.monitor.store(true, std::memory_order_relaxed);
  ctx.dispatcher->monitors().Add(s.subscriber);
  ctx.rb.Ok();
}

}  // namespace

void RegisterObserveFamily(CommandRegistry& r) {
  r.Add({"MONITOR", 1, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, 0, &CmdMonitor, "server",
         "1.0.0", "Listens for all requests received by the server in real-time.", "O(1)"})
      .Lock(LockMode::kNone);
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"SLOWLOG", -2, 0, 0, 0, 0, 0, nullptr, "server", "2.2.12",
         "A container for slow log commands.", "Depends on subcommand."});
  auto sub = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary, const char* complexity) -> CommandSpec& {
    uint64_t acl = (flags & kAdmin) ? acl::kDangerous : 0;
    return r
        .AddSub("SLOWLOG", {name, arity, flags | LS, 0, 0, 0, acl, h, "server", since, summary,
                            complexity})
        .Lock(LockMode::kNone);
  };
  sub("GET", -2, kAdmin, &CmdSlowlogGet, "2.2.12", "Returns the slow log's entries.",
      "O(N) where N is the number of entries returned")
      .Args("[count:integer]");
  sub("LEN", 2, kAdmin, &CmdSlowlogLen, "2.2.12", "Returns the number of entries in the slow log.",
      "O(1)");
  sub("RESET", 2, kAdmin, &CmdSlowlogReset, "2.2.12", "Clears all entries from the slow log.",
      "O(N) where N is the number of entries in the slowlog");
  sub("HELP", 2, 0, &CmdSlowlogHelp, "6.2.0", "Show helpful text about the different subcommands",
      "O(1)");
}

}  // namespace carmine
