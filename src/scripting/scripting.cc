// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "scripting/scripting.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "scripting/lua_debugger.h"
#include "scripting/script_host.h"

namespace carmine {

namespace {

// SCRIPT DEBUG SYNC's session around one EVAL: the engine runs the script under it, and once the
// EVAL ends (whatever the path) the client hears "<endsession>" before the EVAL's reply, after
// which its connection closes, as Redis ends a debugging session.
class DebugScope {
 public:
  DebugScope(LuaEngine& engine, Session& session, std::string_view body, int64_t timeout_ms)
      : engine_(engine) {
    debugger_.emplace(body, session.debug_read, session.debug_write, timeout_ms);
    engine.set_debugger(&*debugger_);
  }
  ~DebugScope() {
    engine_.set_debugger(nullptr);
    debugger_->End();
  }
  DebugScope(const DebugScope&) = delete;
  DebugScope& operator=(const DebugScope&) = delete;

 private:
  LuaEngine& engine_;
  std::optional<LuaDebugger> debugger_;
};

}  // namespace

std::vector<int> ScriptKeys(ArgList args) {
  std::vector<int> out;
  int64_t n;
  // A numkeys beyond the arguments names no keys (the call fails with its own error).
  if (args.size() < 3 || !ParseInt64(args[2], &n) || n <= 0 ||
      n > static_cast<int64_t>(args.size() - 3)) {
    return out;
  }
  for (int64_t i = 0; i < n && 3 + static_cast<size_t>(i) < args.size(); i++) {
    out.push_back(static_cast<int>(3 + i));
  }
  return out;
}

void Scripting::Eval(ArgList args, CommandContext& ctx, bool by_sha, bool read_only) {
  // MONITOR shows the call as it starts (whatever becomes of it), ahead of what the script runs.
  if (MonitorRegistry& m = ctx.dispatcher->monitors(); m.active()) {
    m.Feed(ctx.spec, args, ctx.session, clock::NowUs(), true);
  }
  size_t nk;
  if (!ParseNumKeys(args, ctx, err::kNotInt, &nk)) return;
  ctx.PropagateNothing();  // the script's effects are propagated instead (Host::Finish)
  const bool oom = !ctx.session.is_master && !ctx.session.loader &&
                   ctx.dispatcher->OutOfMemory(ctx.now_ms);
  // SCRIPT DEBUG applies to EVAL from a socket client, outside MULTI.
  using Mode = Session::LuaDebug;
  const Mode debug = ctx.session.debug_write && !ctx.no_block ? ctx.session.lua_debug : Mode::kOff;
  if (debug != Mode::kOff && by_sha) {
    ctx.rb.Error(args[1].size() != 40 ? "NOSCRIPT No matching script. Please use EVAL."
                                      : "ERR Please use EVAL instead of EVALSHA for debugging");
    return;
  }
  WholeDataset hold(ctx.dbs);  // first the shards, then the interpreter (always this order)
  std::lock_guard<std::mutex> l(engine_.mu());
  if (debug == Mode::kOff) {
    RunEval(args, nk, ctx, by_sha, read_only, oom, true);
    return;
  }
  ctx.session.lua_debug = Mode::kOff;
  ctx.session.close_after_reply = true;  // the session ends the connection
  if (debug == Mode::kFork) {
    // The session runs in a child with its own copy of the dataset; the server lets go of the
    // client, which from now on talks to the child only.
    int pid = ctx.session.debug_fork();
    if (pid < 0) {
      ctx.rb.Error(std::string("ERR Fork() failed: can't run EVAL in debugging mode: ") +
                   strerror(errno));
    }
    if (pid != 0) return;
    LOG_NOTICE("Redis forked for debugging eval");
  } else {
    LOG_NOTICE("Redis synchronous debugging eval session started");
  }
  {
    DebugScope session(engine_, ctx.session, args[1], opts_.busy_reply_threshold.get());
    RunEval(args, nk, ctx, by_sha, read_only, oom, debug == Mode::kSync);
  }
  if (debug == Mode::kFork) ctx.session.debug_exit();  // what the child changed goes with it
  LOG_NOTICE("Redis synchronous debugging eval session ended");
}

void Scripting::RunEval(ArgList args, size_t nk, CommandContext& ctx, bool by_sha, bool read_only,
                        bool oom, bool propagate) {
  const LuaEngine::Script* script;
  if (by_sha) {
    script = engine_.Find(args[1]);
    if (script == nullptr) {
      ctx.rb.Error("NOSCRIPT No matching script. Please use EVAL.");
      return;
    }
  } else {
    std::string error;
    script = engine_.Load(args[1], &error);
    if (script == nullptr) {
      ctx.rb.Error(error);
      return;
    }
  }
  const ScriptFlags& f = script->flags;
  if (f.shebang && oom && !f.no_writes && !f.allow_oom && !read_only) {
    ctx.rb.Error(err::kOom);  // a script that declared flags is judged before it runs
    return;
  }
  if (f.shebang) {
    if (std::string_view e = FlaggedScriptRefusal(f, ctx); !e.empty()) {
      ctx.rb.Error(e);
      return;
    }
  } else if (!ctx.session.is_master && !ctx.session.loader && ctx.dispatcher->hooks().master_down &&
             ctx.dispatcher->hooks().master_down()) {
    // A script without flags may do anything, so a stale replica runs none of them.
    ctx.rb.Error(err::kMasterDown);
    return;
  }
  if (read_only && f.shebang && !f.no_writes) {
    ctx.rb.Error("ERR Can not execute a script with write flag using *_ro command.");
    return;
  }
  Host host(*this, ctx, read_only || f.no_writes, oom && !f.shebang && !read_only);
  // A script without a shebang line may touch keys of any slot (compatibility with Redis 6).
  host.SetDeclaredKeys(args.subspan(3, nk), f.allow_cross_slot_keys || !f.shebang);
  ctx.error_counted = engine_.Run(*script, args.subspan(3, nk), args.subspan(3 + nk), host, ctx.rb);
  if (propagate) host.Finish();
}

uint32_t Scripting::CallFlags(CallKind kind, ArgList args, uint32_t base) const {
  if (args.size() < 2) return base;
  ScriptFlags f;
  if (kind == kEvalBody) {
    std::string error;
    if (!args[1].starts_with("#!") || !ParseShebang(args[1], &f, &error)) return base;
  } else if (kind == kEvalSha && args[1].size() != 40) {
    return base;
  } else if (!engine_.DeclaredFlags(args[1], kind == kFunction, &f)) {
    return base;
  }
  // The declared flags replace the command's own stale, deny-oom, write and may-replicate.
  base &= ~(kStale | kDenyOom | kWrite | kMayReplicate);
  if (!f.no_writes) base |= kWrite;
  if (!f.no_writes && !f.allow_oom) base |= kDenyOom;
  if (f.allow_stale) base |= kStale;
  return base;
}

void Scripting::CmdScriptLoad(ArgList args, CommandContext& ctx) {
  std::lock_guard<std::mutex> l(engine_.mu());
  std::string error;
  const LuaEngine::Script* s = engine_.Load(args[2], &error);
  if (s == nullptr) {
    ctx.rb.Error(error);
    return;
  }
  ctx.rb.Bulk(s->sha);
}

void Scripting::CmdScriptExists(ArgList args, CommandContext& ctx) {
  std::lock_guard<std::mutex> l(engine_.mu());
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) ctx.rb.Int(engine_.Find(args[i]) != nullptr ? 1 : 0);
}

void Scripting::CmdScriptFlush(ArgList args, CommandContext& ctx) {
  if (args.size() > 3 ||
      (args.size() == 3 && !EqualsIgnoreCase(args[2], "sync") &&
       !EqualsIgnoreCase(args[2], "async"))) {
    ctx.rb.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  std::lock_guard<std::mutex> l(engine_.mu());
  engine_.Flush();
  ctx.rb.Ok();
}

void Scripting::Kill(CommandContext& ctx, bool function) {
  const bool running = engine_.running_since_ms() != 0;
  if (running && engine_.running_function() != function) {
    // The other kind runs: SCRIPT KILL stops EVAL scripts only, FUNCTION KILL functions only.
    ctx.rb.Error(function ? err::kBusyScript : err::kBusyFunction);
    return;
  }
  if (!running) {
    ctx.rb.Error("NOTBUSY No scripts in execution right now.");
    return;
  }
  if (engine_.running_wrote()) {
    ctx.rb.Error("UNKILLABLE Sorry the script already executed write commands against the "
                 "dataset. You can either wait the script termination or kill the server in a "
                 "hard way using the SHUTDOWN NOSAVE command.");
    return;
  }
  engine_.RequestKill();
  ctx.rb.Ok();
}

void Scripting::CmdScriptDebug(ArgList args, CommandContext& ctx) {
  if (ctx.no_block) {
    ctx.rb.Error("ERR SCRIPT DEBUG must be called outside a pipeline");
  } else if (EqualsIgnoreCase(args[2], "no")) {
    ctx.session.lua_debug = Session::LuaDebug::kOff;
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(args[2], "sync")) {
    ctx.session.lua_debug = Session::LuaDebug::kSync;
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(args[2], "yes")) {
    ctx.session.lua_debug = Session::LuaDebug::kFork;
    ctx.rb.Ok();
  } else {
    ctx.rb.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
}

void Scripting::CmdScriptHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "DEBUG (YES|SYNC|NO)",
                  "    Set the debug mode for subsequent scripts executed.",
                  "EXISTS <sha1> [<sha1> ...]",
                  "    Return information about the existence of the scripts in the script cache.",
                  "FLUSH [ASYNC|SYNC]",
                  "    Flush the Lua scripts cache. Very dangerous on replicas.",
                  "    When called without the optional mode argument, the behavior is determined by the",
                  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                  "    * ASYNC: Asynchronously flush the scripts cache.",
                  "    * SYNC: Synchronously flush the scripts cache.",
                  "KILL",
                  "    Kill the currently executing Lua script.",
                  "LOAD <script>",
                  "    Load a script into the scripts cache without executing it.",
                  "HELP",
                  "    Print this help."});
}

void Scripting::InstallHooks(Dispatcher& d) {
  d.hooks().busy = [this](const CommandCheck&, std::string* refusal) {
    int64_t since = engine_.running_since_ms();
    if (since == 0) return true;
    if (clock::MonotonicUs() / 1000 - since < opts_.busy_reply_threshold.get()) return true;
    refusal->assign(engine_.running_function() ? err::kBusyFunction : err::kBusyScript);
    return false;
  };
  session_.addr = "lua";
  session_.id = 0;
}

void Scripting::Register(CommandRegistry& r) {
  RegisterFunctions(r);
  constexpr uint64_t A = acl::kScripting;
  const char* kEvalArgs = "script:string numkeys:integer [key:key...] [arg:string...]";
  const char* kShaArgs = "sha1:string numkeys:integer [key:key...] [arg:string...]";
  using H = Handler;
  const char* kDepends = "Depends on the script that is executed.";
  auto declared = [this](CommandSpec& spec, CallKind kind) {
    spec.call_flags = [this, base = spec.flags, kind](ArgList a) { return CallFlags(kind, a, base); };
  };
  declared(AddScriptCommand(r, "EVAL", false, H::Bind<&Scripting::CmdEval>(this), "2.6.0",
                            "Executes a server-side Lua script.", kDepends, kEvalArgs),
           kEvalBody);
  declared(AddScriptCommand(r, "EVALSHA", false, H::Bind<&Scripting::CmdEvalSha>(this), "2.6.0",
                            "Executes a server-side Lua script by SHA1 digest.", kDepends,
                            kShaArgs),
           kEvalSha);
  declared(AddScriptCommand(r, "EVAL_RO", true, H::Bind<&Scripting::CmdEvalRo>(this), "7.0.0",
                            "Executes a read-only server-side Lua script.", kDepends, kEvalArgs),
           kEvalBody);
  declared(AddScriptCommand(r, "EVALSHA_RO", true, H::Bind<&Scripting::CmdEvalShaRo>(this),
                            "7.0.0", "Executes a read-only server-side Lua script by SHA1 digest.",
                            kDepends, kShaArgs),
           kEvalSha);

  r.Add({"SCRIPT", -2, 0, 0, 0, 0, 0, nullptr, "scripting", "2.6.0",
         "A container for Lua scripts management commands.", "Depends on subcommand."});
  r.AddSub("SCRIPT", {"FLUSH", -2, kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdScriptFlush>(this),
                      "scripting", "2.6.0",
                      "Removes all server-side Lua scripts from the script cache.",
                      "O(N) with N being the number of scripts in cache"})
      .Args("[flush-type(!ASYNC|!SYNC)]")
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"};
  r.AddSub("SCRIPT", {"HELP", 2, kLoading | kStale, 0, 0, 0, A,
                      H::Bind<&Scripting::CmdScriptHelp>(this), "scripting", "5.0.0",
                      "Returns helpful text about the different subcommands.", "O(1)"})
      .Lock(LockMode::kNone);
  r.AddSub("SCRIPT", {"EXISTS", -3, kNoScript, 0, 0, 0, A,
                      H::Bind<&Scripting::CmdScriptExists>(this), "scripting", "2.6.0",
                      "Determines whether server-side Lua scripts exist in the script cache.",
                      "O(N) with N being the number of scripts to check (so checking a single "
                      "script is an O(1) operation)."})
      .Args("sha1:string...")
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_shards", "response_policy:agg_logical_and"};
  r.AddSub("SCRIPT", {"KILL", 2, kNoScript | kAllowBusy, 0, 0, 0, A,
                      H::Bind<&Scripting::CmdScriptKill>(this), "scripting", "2.6.0",
                      "Terminates a server-side Lua script during execution.", "O(1)"})
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_shards", "response_policy:one_succeeded"};
  r.AddSub("SCRIPT", {"DEBUG", 3, kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdScriptDebug>(this),
                      "scripting", "3.2.0", "Sets the debug mode of server-side Lua scripts.",
                      "O(1)"})
      .Args("mode(!YES|!SYNC|!NO)")
      .Lock(LockMode::kNone);
  r.AddSub("SCRIPT", {"LOAD", 3, kNoScript | kStale, 0, 0, 0, A,
                      H::Bind<&Scripting::CmdScriptLoad>(this), "scripting", "2.6.0",
                      "Loads a server-side Lua script to the script cache.",
                      "O(N) with N being the length in bytes of the script body."})
      .Args("script:string")
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"};
}

}  // namespace carmine
