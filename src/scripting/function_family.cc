// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// FCALL, FCALL_RO and FUNCTION: calling and managing function libraries. FUNCTION's writes
// (LOAD, DELETE, FLUSH, RESTORE) are propagated as received, so replicas and the AOF hold the
// same libraries; RDB files carry them as function records (rdb::SaveOptions::functions).
#include <optional>

#include "base/clock.h"
#include "persist/rdb_format.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"
#include "scripting/script_host.h"

namespace carmine {

void Scripting::Fcall(ArgList args, CommandContext& ctx, bool read_only) {
  // MONITOR shows the call as it starts (whatever becomes of it), ahead of what it runs.
  if (MonitorRegistry& m = ctx.dispatcher->monitors(); m.active()) {
    m.Feed(ctx.spec, args, ctx.session, clock::NowUs(), true);
  }
  size_t nk;
  if (!ParseNumKeys(args, ctx, "ERR Bad number of keys provided", &nk)) return;
  ctx.PropagateNothing();  // the function's effects are propagated instead
  const bool oom = !ctx.session.is_master && !ctx.session.loader &&
                   ctx.dispatcher->OutOfMemory(ctx.now_ms);
  WholeDataset hold(ctx.dbs);  // first the shards, then the interpreter (always this order)
  std::lock_guard<std::mutex> l(engine_.mu());
  const LuaEngine::Function* f = engine_.FindFunction(args[1]);
  if (f == nullptr) {
    ctx.rb.Error("ERR Function not found");
    return;
  }
  if (read_only && !f->flags.no_writes) {
    ctx.rb.Error("ERR Can not execute a script with write flag using *_ro command.");
    return;
  }
  if (std::string_view e = FlaggedScriptRefusal(f->flags, ctx); !e.empty()) {
    ctx.rb.Error(e);
    return;
  }
  if (oom && !f->flags.no_writes && !f->flags.allow_oom) {
    ctx.rb.Error(err::kOom);
    return;
  }
  engine_.set_running_command(std::vector<std::string>(args.begin(), args.end()));
  Host host(*this, ctx, read_only || f->flags.no_writes, false);
  host.SetDeclaredKeys(args.subspan(3, nk), f->flags.allow_cross_slot_keys);
  ctx.error_counted =
      engine_.RunFunction(*f, args.subspan(3, nk), args.subspan(3 + nk), host, ctx.rb);
  host.Finish();
}

namespace {
// The name a library's first line gives ("#!lua name=x ..."), "" when it gives none.
std::string LibraryName(std::string_view code) {
  std::string_view line = code.substr(0, code.find('\n'));
  size_t at = line.find(" name=");
  if (at == std::string_view::npos) return {};
  std::string_view rest = line.substr(at + 6);
  return std::string(rest.substr(0, rest.find(' ')));
}

// FUNCTION's writes go to replicas and the AOF as they were received.
void PropagateAsReceived(ArgList args, CommandContext& ctx) {
  if (ctx.propagating()) ctx.Propagate(std::vector<std::string>(args.begin(), args.end()));
}
}  // namespace

void Scripting::CmdFunctionLoad(ArgList args, CommandContext& ctx) {
  bool replace = false;
  if (args.size() == 4) {
    if (!EqualsIgnoreCase(args[2], "replace")) {
      ctx.rb.Error("ERR Unknown option given: " + std::string(args[2]));
      return;
    }
    replace = true;
  } else if (args.size() > 4) {
    ctx.rb.Error("ERR Unknown option given: " + std::string(args[2]));
    return;
  }
  std::lock_guard<std::mutex> l(engine_.mu());
  std::string out;
  if (!engine_.LoadLibrary(args.back(), replace, &out)) {
    ctx.rb.Error(out);
    return;
  }
  PropagateAsReceived(args, ctx);
  ctx.rb.Bulk(out);
}

void Scripting::CmdFunctionDelete(ArgList args, CommandContext& ctx) {
  std::lock_guard<std::mutex> l(engine_.mu());
  if (!engine_.DeleteLibrary(args[2])) {
    ctx.rb.Error("ERR Library not found");
    return;
  }
  PropagateAsReceived(args, ctx);
  ctx.rb.Ok();
}

void Scripting::CmdFunctionFlush(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error("ERR unknown subcommand or wrong number of arguments for 'flush'. Try "
                 "FUNCTION HELP.");
    return;
  }
  if (args.size() == 3 && !EqualsIgnoreCase(args[2], "sync") &&
      !EqualsIgnoreCase(args[2], "async")) {
    ctx.rb.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  std::lock_guard<std::mutex> l(engine_.mu());
  engine_.FlushLibraries();
  PropagateAsReceived(args, ctx);
  ctx.rb.Ok();
}

void Scripting::CmdFunctionList(ArgList args, CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "withcode") && !with_code) {
      with_code = true;
    } else if (EqualsIgnoreCase(args[i], "libraryname") && !pattern) {
      if (i + 1 >= args.size()) {
        ctx.rb.Error("ERR library name argument was not given");
        return;
      }
      pattern = args[++i];
    } else {
      ctx.rb.Error("ERR Unknown argument " + std::string(args[i]));
      return;
    }
  }
  std::lock_guard<std::mutex> l(engine_.mu());
  ReplyBuilder& rb = ctx.rb;
  size_t token = rb.DeferArray();
  int64_t n = 0;
  for (const auto& [key, lib] : engine_.libraries()) {
    if (pattern && !GlobMatch(*pattern, lib.name)) continue;
    n++;
    rb.MapLen(with_code ? 4 : 3);
    rb.Bulk("library_name");
    rb.Bulk(lib.name);
    rb.Bulk("engine");
    rb.Bulk("LUA");
    rb.Bulk("functions");
    rb.ArrayLen(static_cast<int64_t>(lib.functions.size()));
    for (const auto& fname : lib.functions) {
      const LuaEngine::Function& f = engine_.function(fname);
      rb.MapLen(3);
      rb.Bulk("name");
      rb.Bulk(f.name);
      rb.Bulk("description");
      if (f.description.empty()) {
        rb.Null();
      } else {
        rb.Bulk(f.description);
      }
      rb.Bulk("flags");
      std::vector<std::string_view> flags;
      if (f.flags.no_writes) flags.push_back("no-writes");
      if (f.flags.allow_oom) flags.push_back("allow-oom");
      if (f.flags.allow_stale) flags.push_back("allow-stale");
      if (f.flags.no_cluster) flags.push_back("no-cluster");
      if (f.flags.allow_cross_slot_keys) flags.push_back("allow-cross-slot-keys");
      rb.SetLen(static_cast<int64_t>(flags.size()));
      for (auto fl : flags) rb.Simple(fl);
    }
    if (with_code) {
      rb.Bulk("library_code");
      rb.Bulk(lib.code);
    }
  }
  rb.SetDeferredArray(token, n);
}

void Scripting::CmdFunctionStats(ArgList, CommandContext& ctx) {
  ReplyBuilder& rb = ctx.rb;
  rb.MapLen(2);
  rb.Bulk("running_script");
  std::string name;
  std::vector<std::string> command;
  int64_t since = engine_.running_since_ms();
  if (engine_.running_function() && engine_.RunningFunction(&name, &command)) {
    rb.MapLen(3);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("command");
    rb.ArrayLen(static_cast<int64_t>(command.size()));
    for (const auto& a : command) rb.Bulk(a);
    rb.Bulk("duration_ms");
    rb.Int(since > 0 ? clock::MonotonicUs() / 1000 - since : 0);
  } else {
    rb.Null();
  }
  rb.Bulk("engines");
  rb.MapLen(1);
  rb.Bulk("LUA");
  rb.MapLen(2);
  rb.Bulk("libraries_count");
  rb.Int(static_cast<int64_t>(engine_.library_count()));
  rb.Bulk("functions_count");
  rb.Int(static_cast<int64_t>(engine_.function_count()));
}

std::vector<std::string> Scripting::LibraryCodes() {
  std::lock_guard<std::mutex> l(engine_.mu());
  std::vector<std::string> out;
  for (const auto& [name, lib] : engine_.libraries()) out.push_back(lib.code);
  return out;
}

bool Scripting::LoadLibraries(const std::vector<std::string>& codes, bool replace_all,
                              std::string* error, bool replace_each) {
  std::lock_guard<std::mutex> l(engine_.mu());
  if (replace_all) engine_.FlushLibraries();
  for (const auto& code : codes) {
    if (!engine_.LoadLibrary(code, replace_each, error)) return false;
  }
  return true;
}

void Scripting::CmdFunctionDump(ArgList, CommandContext& ctx) {
  // One function record per library (as in an RDB file), then the RDB version and a CRC-64,
  // the footer DUMP payloads carry.
  std::string out;
  for (const auto& code : LibraryCodes()) {
    out.push_back(static_cast<char>(0xF5));
    rdb::WriteString(&out, code, false);
  }
  const uint16_t version = rdb::kDumpVersion;
  out.push_back(static_cast<char>(version & 0xFF));
  out.push_back(static_cast<char>(version >> 8));
  uint64_t crc = rdb::Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  ctx.rb.Bulk(out);
}

void Scripting::CmdFunctionRestore(ArgList args, CommandContext& ctx) {
  enum { kAppend, kReplace, kFlush } policy = kAppend;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "flush")) {
      policy = kFlush;
    } else if (EqualsIgnoreCase(args[3], "replace")) {
      policy = kReplace;
    } else if (!EqualsIgnoreCase(args[3], "append")) {
      ctx.rb.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or "
                   "REPLACE.");
      return;
    }
  } else if (args.size() > 4) {
    ctx.rb.Error("ERR unknown subcommand or wrong number of arguments for 'restore'. Try "
                 "FUNCTION HELP.");
    return;
  }
  std::string_view body;
  if (!rdb::CheckDumpPayload(args[2], &body)) {
    ctx.rb.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  std::vector<std::string> codes;
  rdb::RdbReader in(body);
  while (in.remaining() > 0) {
    uint8_t op;
    std::string code;
    if (!in.ReadByte(&op) || op != 0xF5 || !in.ReadString(&code)) {
      ctx.rb.Error("ERR given type is not a function");
      return;
    }
    codes.push_back(std::move(code));
  }
  std::lock_guard<std::mutex> l(engine_.mu());
  if (policy == kAppend) {
    for (const auto& code : codes) {
      std::string name = LibraryName(code);
      if (!name.empty() && engine_.libraries().count(ToLower(name)) > 0) {
        ctx.rb.Error("ERR Library " + name + " already exists");
        return;
      }
    }
  }
  // All or nothing: on any failure the libraries are as they were.
  std::vector<std::string> before;
  for (const auto& [name, lib] : engine_.libraries()) before.push_back(lib.code);
  if (policy == kFlush) engine_.FlushLibraries();
  std::string error;
  bool ok = true;
  for (const auto& code : codes) {
    if (!engine_.LoadLibrary(code, policy == kReplace, &error)) {
      ok = false;
      break;
    }
  }
  if (!ok) {
    engine_.FlushLibraries();
    std::string ignored;
    for (const auto& code : before) engine_.LoadLibrary(code, false, &ignored);
    ctx.rb.Error(error);
    return;
  }
  PropagateAsReceived(args, ctx);
  ctx.rb.Ok();
}

void Scripting::CmdFunctionHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Print this help."});
}

void Scripting::RegisterFunctions(CommandRegistry& r) {
  constexpr uint64_t A = acl::kScripting;
  using H = Handler;
  const char* kArgs = "function:string numkeys:integer [key:key...] [arg:string...]";
  const char* kDepends = "Depends on the function that is executed.";
  for (bool ro : {false, true}) {
    CommandSpec& spec =
        AddScriptCommand(r, ro ? "FCALL_RO" : "FCALL", ro,
                         ro ? H::Bind<&Scripting::CmdFcallRo>(this) : H::Bind<&Scripting::CmdFcall>(this),
                         "7.0.0", ro ? "Invokes a read-only function." : "Invokes a function.",
                         kDepends, kArgs);
    spec.call_flags = [this, base = spec.flags](ArgList a) { return CallFlags(kFunction, a, base); };
  }

  r.Add({"FUNCTION", -2, 0, 0, 0, 0, 0, nullptr, "scripting", "7.0.0",
         "A container for function commands.", "Depends on subcommand."});
  auto sub = [&](CommandSpec spec) -> CommandSpec& {
    return r.AddSub("FUNCTION", std::move(spec)).Lock(LockMode::kNone);
  };
  sub({"KILL", 2, kNoScript | kAllowBusy, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionKill>(this),
       "scripting", "7.0.0", "Terminates a function during execution.", "O(1)"})
      .tips = {"request_policy:all_shards", "response_policy:one_succeeded"};
  sub({"DELETE", 3, kWrite | kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionDelete>(this),
       "scripting", "7.0.0", "Deletes a library and its functions.", "O(1)"})
      .Args("library-name:string")
      .tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
  sub({"DUMP", 2, kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionDump>(this),
       "scripting", "7.0.0", "Dumps all libraries into a serialized binary payload.",
       "O(N) where N is the number of functions"});
  sub({"STATS", 2, kNoScript | kAllowBusy, 0, 0, 0, A,
       H::Bind<&Scripting::CmdFunctionStats>(this), "scripting", "7.0.0",
       "Returns information about a function during execution.", "O(1)"})
      .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"};
  sub({"HELP", 2, kLoading | kStale, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionHelp>(this),
       "scripting", "7.0.0", "Returns helpful text about the different subcommands.", "O(1)"});
  sub({"LIST", -2, kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionList>(this),
       "scripting", "7.0.0", "Returns information about all libraries.",
       "O(N) where N is the number of functions"})
      .Args("[LIBRARYNAME=library-name-pattern:string] [!WITHCODE]")
      .tips = {"nondeterministic_output_order"};
  sub({"LOAD", -3, kWrite | kDenyOom | kNoScript, 0, 0, 0, A,
       H::Bind<&Scripting::CmdFunctionLoad>(this), "scripting", "7.0.0", "Creates a library.",
       "O(1) (considering compilation time is redundant)"})
      .Args("[!REPLACE] function-code:string")
      .tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
  sub({"RESTORE", -3, kWrite | kDenyOom | kNoScript, 0, 0, 0, A,
       H::Bind<&Scripting::CmdFunctionRestore>(this), "scripting", "7.0.0",
       "Restores all libraries from a payload.",
       "O(N) where N is the number of functions on the payload"})
      .Args("serialized-value:string [policy(!FLUSH|!APPEND|!REPLACE)]")
      .tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
  sub({"FLUSH", -2, kWrite | kNoScript, 0, 0, 0, A, H::Bind<&Scripting::CmdFunctionFlush>(this),
       "scripting", "7.0.0", "Deletes all libraries and functions.",
       "O(N) where N is the number of functions deleted"})
      .Args("[flush-type(!ASYNC|!SYNC)]")
      .tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
}

}  // namespace carmine
