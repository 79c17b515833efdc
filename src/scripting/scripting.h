// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT on top of the Lua engine.
//
// A script is one atomic step for every other client: EVAL takes every shard of every database
// (a script may touch keys it did not declare and SELECT other databases, as Redis allows), and
// only then the interpreter. The commands it calls run through the dispatcher with those locks
// held; their write effects are collected and propagated together, wrapped in MULTI/EXEC when
// there is more than one, as Redis 7 propagates a script's effects.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/context.h"
#include "commands/dispatcher.h"
#include "scripting/lua_engine.h"
#include "scripting/options.h"

namespace carmine {

class Scripting {
 public:
  explicit Scripting(const ScriptingOptions& opts) : opts_(opts) {}

  // Adds the commands to the table (EVAL and SCRIPT here, FCALL and FUNCTION in
  // function_family.cc).
  void Register(CommandRegistry& r);
  void RegisterFunctions(CommandRegistry& r);
  // Libraries loaded from an RDB file or a replica's snapshot; false with the error of the first
  // that does not load. `replace_all` drops the loaded libraries first; otherwise a library
  // already loaded is replaced when `replace_each`, else it is an error.
  bool LoadLibraries(const std::vector<std::string>& codes, bool replace_all, std::string* error,
                     bool replace_each = true);
  // The code of every library, for RDB files and FUNCTION DUMP.
  std::vector<std::string> LibraryCodes();
  // -BUSY for other clients while a script runs past busy-reply-threshold.
  void InstallHooks(Dispatcher& d);

  LuaEngine& engine() { return engine_; }
  // The flags an EVAL (of a body or by SHA1) or FCALL call is judged by before it runs: the
  // command's `base` flags, or what the script or function declared.
  enum CallKind { kEvalBody, kEvalSha, kFunction };
  uint32_t CallFlags(CallKind kind, ArgList args, uint32_t base) const;
  // DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript.
  void set_deny_scripts_disabled(bool on) { deny_disabled_.store(on, std::memory_order_relaxed); }
  // INFO memory / INFO scripting fields (any thread).
  int64_t used_memory_lua() const { return engine_.memory(); }
  size_t cached_scripts() const { return engine_.cached_scripts(); }

 private:
  class Host;
  void Eval(ArgList args, CommandContext& ctx, bool by_sha, bool read_only);
  // EVAL once the dataset and the interpreter are held; `propagate`: the script's effects go to
  // the AOF and replicas (not from a forked debugging session).
  void RunEval(ArgList args, size_t nk, CommandContext& ctx, bool by_sha, bool read_only,
               bool oom, bool propagate);
  void CmdEval(ArgList args, CommandContext& ctx) { Eval(args, ctx, false, false); }
  void CmdEvalSha(ArgList args, CommandContext& ctx) { Eval(args, ctx, true, false); }
  void CmdEvalRo(ArgList args, CommandContext& ctx) { Eval(args, ctx, false, true); }
  void CmdEvalShaRo(ArgList args, CommandContext& ctx) { Eval(args, ctx, true, true); }
  void CmdScriptLoad(ArgList args, CommandContext& ctx);
  void CmdScriptExists(ArgList args, CommandContext& ctx);
  void CmdScriptFlush(ArgList args, CommandContext& ctx);
  // SCRIPT KILL (function false) and FUNCTION KILL (true).
  void Kill(CommandContext& ctx, bool function);
  void CmdScriptKill(ArgList, CommandContext& ctx) { Kill(ctx, false); }
  void CmdScriptDebug(ArgList args, CommandContext& ctx);
  void CmdScriptHelp(ArgList args, CommandContext& ctx);
  void Fcall(ArgList args, CommandContext& ctx, bool read_only);
  void CmdFcall(ArgList args, CommandContext& ctx) { Fcall(args, ctx, false); }
  void CmdFcallRo(ArgList args, CommandContext& ctx) { Fcall(args, ctx, true); }
  void CmdFunctionLoad(ArgList args, CommandContext& ctx);
  void CmdFunctionDelete(ArgList args, CommandContext& ctx);
  void CmdFunctionFlush(ArgList args, CommandContext& ctx);
  void CmdFunctionList(ArgList args, CommandContext& ctx);
  void CmdFunctionStats(ArgList args, CommandContext& ctx);
  void CmdFunctionKill(ArgList, CommandContext& ctx) { Kill(ctx, true); }
  void CmdFunctionDump(ArgList args, CommandContext& ctx);
  void CmdFunctionRestore(ArgList args, CommandContext& ctx);
  void CmdFunctionHelp(ArgList args, CommandContext& ctx);

  const ScriptingOptions& opts_;
  LuaEngine engine_;
  std::atomic<bool> deny_disabled_{false};
  // The client scripts run their commands as (one at a time, under the engine's mutex).
  Session session_;
};

}  // namespace carmine
