// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Observability commands that need only the dispatcher: SLOWLOG GET [count] / LEN / RESET / HELP
// over its SlowLog (commands/slowlog.h), LATENCY over its LatencyMonitor and the per-command
// histograms (commands/latency_monitor.h), and MONITOR over its MonitorRegistry
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
    ctx.rb.Error(err::kCountBelowMinusOne);
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
      "    Print this help."});
}

// LATENCY LATEST: [event, last sample time, last latency, all-time max] per event.
void CmdLatencyLatest(ArgList, CommandContext& ctx) {
  auto all = ctx.dispatcher->latency().All();
  ctx.rb.ArrayLen(static_cast<int64_t>(all.size()));
  for (auto& s : all) {
    ctx.rb.ArrayLen(4);
    ctx.rb.Bulk(s.event);
    ctx.rb.Int(s.samples.empty() ? 0 : s.samples.back().time);
    ctx.rb.Int(s.samples.empty() ? 0 : s.samples.back().latency);
    ctx.rb.Int(s.max);
  }
}

void CmdLatencyHistory(ArgList args, CommandContext& ctx) {
  LatencySeries s;
  if (!ctx.dispatcher->latency().Get(args[2], &s)) {
    ctx.rb.ArrayLen(0);
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(s.samples.size()));
  for (auto& x : s.samples) {
    ctx.rb.ArrayLen(2);
    ctx.rb.Int(x.time);
    ctx.rb.Int(x.latency);
  }
}

void CmdLatencyReset(ArgList args, CommandContext& ctx) {
  std::vector<std::string> events(args.begin() + 2, args.end());
  ctx.rb.Int(static_cast<int64_t>(ctx.dispatcher->latency().Reset(events)));
}

void CmdLatencyGraph(ArgList args, CommandContext& ctx) {
  LatencySeries s;
  if (!ctx.dispatcher->latency().Get(args[2], &s)) {
    ctx.rb.Error(err::Format(err::kNoLatencySamples, args[2]));
    return;
  }
  ctx.rb.Verbatim(LatencyGraph(s, ctx.now_ms / 1000));
}

void CmdLatencyDoctor(ArgList, CommandContext& ctx) {
  ctx.rb.Verbatim(LatencyDoctor(ctx.dispatcher->latency().All(),
                                ctx.opts.latency_monitor_threshold.get(),
                                ctx.opts.slowlog_log_slower_than.get()));
}

// LATENCY HISTOGRAM [command ...]: per command that has run, its call count and the cumulative
// distribution at power-of-two microsecond steps. A container name stands for its subcommands.
void CmdLatencyHistogram(ArgList args, CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  auto add = [&](const CommandSpec* c) {
    if (c->is_container()) {
      for (auto& [n, sub] : c->subcommands) {
        if (sub->stats->histogram.count() > 0) specs.push_back(sub.get());
      }
    } else if (c->stats->histogram.count() > 0) {
      specs.push_back(c);
    }
  };
  if (args.size() == 2) {
    for (auto& [n, c] : ctx.registry.all()) add(c.get());
  } else {
    for (size_t i = 2; i < args.size(); i++) {
      if (const CommandSpec* c = ctx.registry.FindByFullName(args[i])) add(c);
    }
  }
  ctx.rb.MapLen(static_cast<int64_t>(specs.size()));
  for (const CommandSpec* c : specs) {
    const LatencyHistogram& h = c->stats->histogram;
    ctx.rb.Bulk(c->full_name);
    ctx.rb.MapLen(2);
    ctx.rb.Bulk("calls");
    ctx.rb.Int(static_cast<int64_t>(h.count()));
    ctx.rb.Bulk("histogram_usec");
    auto steps = h.PowerOfTwoSteps();
    ctx.rb.MapLen(static_cast<int64_t>(steps.size()));
    for (auto& [us, n] : steps) {
      ctx.rb.Int(static_cast<int64_t>(us));
      ctx.rb.Int(static_cast<int64_t>(n));
    }
  }
}

void CmdLatencyHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Print this help."});
}

// MONITOR: from now on the client receives a line for every command run by anyone.
void CmdMonitor(ArgList, CommandContext& ctx) {
  Session& s = ctx.session;
  if (ctx.no_block) {  // inside EXEC
    ctx.rb.Error(err::kMonitorDenyBlocking);
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
    uint64_t acl = (flags & kAdmin) ? static_cast<uint64_t>(acl::kDangerous) : 0;
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

  r.Add({"LATENCY", -2, 0, 0, 0, 0, 0, nullptr, "server", "2.8.13",
         "A container for latency diagnostics commands.", "Depends on subcommand."});
  auto lat = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary, const char* complexity, bool nondeterministic,
                 const char* response) -> CommandSpec& {
    uint64_t acl = (flags & kAdmin) ? static_cast<uint64_t>(acl::kDangerous) : 0;
    CommandSpec& c = r.AddSub("LATENCY", {name, arity, flags | LS, 0, 0, 0, acl, h, "server",
                                          since, summary, complexity})
                         .Lock(LockMode::kNone);
    if (response != nullptr) {
      if (nondeterministic) c.tips.push_back("nondeterministic_output");
      c.tips.push_back("request_policy:all_nodes");
      c.tips.push_back(response);
    }
    return c;
  };
  constexpr uint32_t AN = kAdmin | kNoScript;
  lat("DOCTOR", 2, AN, &CmdLatencyDoctor, "2.8.13", "Returns a human-readable latency analysis report.",
      "O(1)", true, "response_policy:special");
  lat("GRAPH", 3, AN, &CmdLatencyGraph, "2.8.13", "Returns a latency graph for an event.", "O(1)",
      true, "response_policy:special")
      .Args("event:string");
  lat("HISTORY", 3, AN, &CmdLatencyHistory, "2.8.13",
      "Returns timestamp-latency samples for an event.", "O(1)", true, "response_policy:special")
      .Args("event:string");
  lat("LATEST", 2, AN, &CmdLatencyLatest, "2.8.13",
      "Returns the latest latency samples for all events.", "O(1)", true,
      "response_policy:special");
  lat("RESET", -2, AN, &CmdLatencyReset, "2.8.13", "Resets the latency data for one or more events.",
      "O(1)", false, "response_policy:all_succeeded")
      .Args("[event:string...]");
  lat("HISTOGRAM", -2, AN, &CmdLatencyHistogram, "7.0.0",
      "Returns the cumulative distribution of latencies of a subset or all commands.",
      "O(N) where N is the number of commands with latency information being retrieved.", true,
      "response_policy:special")
      .Args("[command:string...]");
  lat("HELP", 2, 0, &CmdLatencyHelp, "2.8.13", "Returns helpful text about the different subcommands.",
      "O(1)", false, nullptr);
}

}  // namespace carmine
