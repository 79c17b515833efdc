// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MODULE LIST/LOAD/LOADEX/UNLOAD/HELP. Carmine runs no Redis modules (their API is Redis's own
// memory and object layout), so the list is always empty and a load fails the way Redis's does
// for a library it cannot open: the same error reply, the reason in the log. Who may run the
// LOAD, LOADEX and UNLOAD at all is enable-module-command (the dispatcher's protected-command
// check); LIST and HELP answer anyone.
#include <sys/stat.h>

#include <string>

#include "base/logging.h"
#include "commands/context.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

void CmdModuleList(ArgList, CommandContext& ctx) { ctx.rb.ArrayLen(0); }

// MODULE LOAD path [arg ...] and MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...].
void CmdModuleLoad(ArgList args, CommandContext& ctx) {
  std::string path(args[2]);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    LOG_WARNING("Module %s failed to load: %s: cannot open shared object file: No such file or "
                "directory", path.c_str(), path.c_str());
  } else {
    LOG_WARNING("Module %s failed to load: this server does not run Redis modules",
                path.c_str());
  }
  ctx.rb.Error(err::kModuleLoad);
}

void CmdModuleUnload(ArgList args, CommandContext& ctx) {
  LOG_WARNING("Error unloading module %s: no such module with that name",
              std::string(args[2]).c_str());
  ctx.rb.Error(err::kModuleUnload);
}

void CmdModuleHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LIST",
      "    Return a list of loaded modules.",
      "LOAD <path> [<arg> ...]",
      "    Load a module library from <path>, passing to it any optional arguments.",
      "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
      "    Load a module library from <path>, while passing it module configurations and "
      "optional arguments.",
      "UNLOAD <name>",
      "    Unload a module.",
      "HELP",
      "    Print this help.",
  });
}

}  // namespace

void RegisterModuleFamily(CommandRegistry& r) {
  constexpr uint32_t kLoadFlags = kAdmin | kNoScript | kNoAsyncLoading;
  r.Add({"MODULE", -2, 0, 0, 0, 0, 0, nullptr, "server", "4.0.0",
         "A container for module commands.", "Depends on subcommand."});
  r.AddSub("MODULE", {"LIST", 2, kAdmin | kNoScript, 0, 0, 0, 0, &CmdModuleList,
                      "server", "4.0.0", "Returns all loaded modules.",
                      "O(N) where N is the number of loaded modules."})
      .Lock(LockMode::kNone)
      .tips = {"nondeterministic_output_order"};
  r.AddSub("MODULE", {"LOAD", -3, kLoadFlags, 0, 0, 0, 0, &CmdModuleLoad, "server", "4.0.0",
                      "Loads a module.", "O(1)"})
      .Lock(LockMode::kNone)
      .Gated(CommandGate::kModule)
      .Args("path:string [arg:string...]");
  r.AddSub("MODULE", {"LOADEX", -3, kLoadFlags, 0, 0, 0, 0, &CmdModuleLoad, "server", "7.0.0",
                      "Loads a module using extended parameters.", "O(1)"})
      .Lock(LockMode::kNone)
      .Gated(CommandGate::kModule)
      .Args("path:string [CONFIG=configs{name:string value:string}...+] [ARGS=args:string...]");
  r.AddSub("MODULE", {"UNLOAD", 3, kLoadFlags, 0, 0, 0, 0, &CmdModuleUnload, "server", "4.0.0",
                      "Unloads a module.", "O(1)"})
      .Lock(LockMode::kNone)
      .Gated(CommandGate::kModule)
      .Args("name:string");
  r.AddSub("MODULE", {"HELP", 2, kLoading | kStale, 0, 0, 0, 0, &CmdModuleHelp, "server", "5.0.0",
                      "Returns helpful text about the different subcommands.", "O(1)"})
      .Lock(LockMode::kNone);
}

}  // namespace carmine
