// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// COMMAND and its subcommands: describe the command table to clients (redis-cli reads COMMAND
// DOCS for hints; cluster clients read key positions from COMMAND INFO). Everything here is
// derived from the registry rows, so the description cannot drift from what dispatch enforces.
#include <algorithm>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_docs.h"
#include "commands/context.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

struct FlagName {
  uint32_t bit;
  std::string_view name;
};
// In the order COMMAND INFO lists them. "sentinel" and "protected" are internal to dispatch and,
// as in Redis, not shown.
constexpr FlagName kFlagNames[] = {
    {kWrite, "write"},
    {kReadOnly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kPubSub, "pubsub"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
    {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"},
    {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"},
    {kAllowBusy, "allow_busy"},
    {kAsking, "asking"},
};

std::vector<std::string_view> Words(std::string_view s) { return SplitWords(s); }

// Key-spec flag groups: "RW access delete|RW insert" gives the first key its own flags and the
// remaining keys the second group's (SMOVE, SINTERSTORE, LMOVE, ...).
std::vector<std::string_view> KeyFlagGroups(std::string_view flags) {
  std::vector<std::string_view> out;
  size_t bar = flags.find('|');
  out.push_back(flags.substr(0, bar));
  if (bar != std::string_view::npos) out.push_back(flags.substr(bar + 1));
  return out;
}

void ReplyOneKeySpec(ReplyBuilder& rb, const std::vector<std::string_view>& flags, int index,
                     int lastkey, int step) {
  rb.MapLen(3);
  rb.Bulk("flags");
  rb.SetLen(static_cast<int64_t>(flags.size()));
  for (auto f : flags) rb.Simple(f);
  rb.Bulk("begin_search");
  rb.MapLen(2);
  rb.Bulk("type");
  rb.Bulk("index");
  rb.Bulk("spec");
  rb.MapLen(1);
  rb.Bulk("index");
  rb.Int(index);
  rb.Bulk("find_keys");
  rb.MapLen(2);
  rb.Bulk("type");
  rb.Bulk("range");
  rb.Bulk("spec");
  rb.MapLen(3);
  rb.Bulk("lastkey");
  rb.Int(lastkey);
  rb.Bulk("keystep");
  rb.Int(step);
  rb.Bulk("limit");
  rb.Int(0);
}

void ReplyKeySpecs(ReplyBuilder& rb, const CommandSpec& c) {
  if (c.first_key <= 0) {
    rb.ArrayLen(0);
    return;
  }
  auto groups = KeyFlagGroups(c.key_flags);
  if (groups.size() == 1) {
    rb.ArrayLen(1);
    ReplyOneKeySpec(rb, c.KeyFlagWords(c.key_flags, true), c.first_key,
                    c.last_key < 0 ? c.last_key : c.last_key - c.first_key, c.step);
    return;
  }
  // First key, then the rest.
  int second = c.first_key + c.step;
  rb.ArrayLen(2);
  ReplyOneKeySpec(rb, Words(groups[0]), c.first_key, 0, 1);
  ReplyOneKeySpec(rb, Words(groups[1]), second, c.last_key < 0 ? c.last_key : c.last_key - second,
                  c.step);
}

void ReplyInfo(ReplyBuilder& rb, const CommandSpec& c) {
  rb.ArrayLen(10);
  rb.Bulk(c.full_name);
  rb.Int(c.arity);
  std::vector<std::string_view> flags;
  for (auto& f : kFlagNames) {
    if (c.flags & f.bit) flags.push_back(f.name);
  }
  rb.SetLen(static_cast<int64_t>(flags.size()));
  for (auto f : flags) rb.Simple(f);
  rb.Int(c.first_key);
  rb.Int(c.last_key);
  rb.Int(c.step);
  auto cats = acl::CategoryNames(c.AclCategories());
  rb.SetLen(static_cast<int64_t>(cats.size()));
  for (auto cat : cats) rb.Simple("@" + std::string(cat));
  rb.SetLen(static_cast<int64_t>(c.tips.size()));
  for (auto t : c.tips) rb.Simple(t);
  ReplyKeySpecs(rb, c);
  std::vector<const CommandSpec*> subs;
  for (auto& [n, s] : c.subcommands) subs.push_back(s.get());
  std::sort(subs.begin(), subs.end(), [](auto* a, auto* b) { return a->full_name < b->full_name; });
  rb.ArrayLen(static_cast<int64_t>(subs.size()));
  for (auto* s : subs) ReplyInfo(rb, *s);
}

void ReplyDocs(ReplyBuilder& rb, const CommandSpec& c) {
  int fields = 4 + (c.subcommands.empty() ? 0 : 1) + (c.arg_docs.empty() ? 0 : 1);
  rb.MapLen(fields);
  rb.Bulk("summary");
  rb.Bulk(c.summary);
  rb.Bulk("since");
  rb.Bulk(c.since);
  rb.Bulk("group");
  rb.Bulk(c.group);
  rb.Bulk("complexity");
  rb.Bulk(c.complexity);
  if (!c.arg_docs.empty()) {
    rb.Bulk("arguments");
    ReplyArgDocs(rb, c.arg_docs);
  }
  if (!c.subcommands.empty()) {
    rb.Bulk("subcommands");
    rb.MapLen(static_cast<int64_t>(c.subcommands.size()));
    for (auto& [n, s] : c.subcommands) {
      rb.Bulk(s->full_name);
      ReplyDocs(rb, *s);
    }
  }
}

// COMMAND
void CmdCommand(ArgList, CommandContext& ctx) {
  ctx.rb.ArrayLen(static_cast<int64_t>(ctx.registry.all().size()));
  for (auto& [n, c] : ctx.registry.all()) ReplyInfo(ctx.rb, *c);
}

// COMMAND COUNT
void CmdCommandCount(ArgList, CommandContext& ctx) {
  ctx.rb.Int(static_cast<int64_t>(ctx.registry.all().size()));
}

// COMMAND INFO [command-name ...]
void CmdCommandInfo(ArgList args, CommandContext& ctx) {
  if (args.size() == 2) {
    CmdCommand(args, ctx);
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    const CommandSpec* c = ctx.registry.FindByFullName(args[i]);
    c == nullptr ? ctx.rb.Null() : ReplyInfo(ctx.rb, *c);
  }
}

// COMMAND DOCS [command-name ...]
void CmdCommandDocs(ArgList args, CommandContext& ctx) {
  std::vector<const CommandSpec*> list;
  if (args.size() == 2) {
    for (auto& [n, c] : ctx.registry.all()) list.push_back(c.get());
  } else {
    for (size_t i = 2; i < args.size(); i++) {
      if (auto* c = ctx.registry.FindByFullName(args[i])) list.push_back(c);
    }
  }
  ctx.rb.MapLen(static_cast<int64_t>(list.size()));
  for (auto* c : list) {
    ctx.rb.Bulk(c->full_name);
    ReplyDocs(ctx.rb, *c);
  }
}

// COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
void CmdCommandList(ArgList args, CommandContext& ctx) {
  enum { kNone, kModule, kAclCat, kPattern } filter = kNone;
  std::string_view value;
  if (args.size() == 5 && EqualsIgnoreCase(args[2], "FILTERBY")) {
    value = args[4];
    if (EqualsIgnoreCase(args[3], "MODULE")) {
      filter = kModule;
    } else if (EqualsIgnoreCase(args[3], "ACLCAT")) {
      filter = kAclCat;
    } else if (EqualsIgnoreCase(args[3], "PATTERN")) {
      filter = kPattern;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  } else if (args.size() != 2) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& c) {
    bool keep = true;
    if (filter == kModule) keep = false;
    if (filter == kPattern) keep = GlobMatch(value, c.full_name, true);
    if (filter == kAclCat) {
      keep = false;
      for (auto cat : acl::CategoryNames(c.AclCategories())) {
        if (EqualsIgnoreCase(cat, value)) keep = true;
      }
    }
    if (keep) names.push_back(c.full_name);
  };
  for (auto& [n, c] : ctx.registry.all()) {
    consider(*c);
    for (auto& [sn, s] : c->subcommands) consider(*s);
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(names.size()));
  for (auto& n : names) ctx.rb.Bulk(n);
}

// COMMAND GETKEYS command [arg ...] / COMMAND GETKEYSANDFLAGS command [arg ...]
void GetKeysGeneric(ArgList args, CommandContext& ctx, bool with_flags) {
  ArgList sub = args.subspan(2);
  const CommandSpec* c = ctx.registry.Find(sub[0]);
  if (c != nullptr && c->is_container() && sub.size() > 1) {
    auto it = c->subcommands.find(ToLower(sub[1]));
    c = it == c->subcommands.end() ? nullptr : it->second.get();
  }
  if (c == nullptr) {
    ctx.rb.Error(err::kInvalidCommand);
    return;
  }
  if (!c->HasKeys()) {
    ctx.rb.Error(err::kNoKeyArguments);
    return;
  }
  int argc = static_cast<int>(sub.size());
  if ((c->arity > 0 && c->arity != argc) || argc < -c->arity) {
    ctx.rb.Error(err::kGetkeysArity);
    return;
  }
  auto pos = c->KeyPositions(sub);
  if (pos.empty()) {
    // A command whose keys are optional (EVAL with numkeys 0) just names none.
    if (c->flags & kNoMandatoryKeys) {
      ctx.rb.ArrayLen(0);
    } else {
      ctx.rb.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(pos.size()));
  std::string_view flag_text = c->call_key_flags ? c->call_key_flags(sub) : c->key_flags;
  for (int p : pos) {
    auto flags = c->KeyFlagWords(flag_text, p == pos.front());
    if (with_flags) {
      ctx.rb.ArrayLen(2);
      ctx.rb.Bulk(sub[p]);
      ctx.rb.SetLen(static_cast<int64_t>(flags.size()));
      for (auto f : flags) ctx.rb.Simple(f);
    } else {
      ctx.rb.Bulk(sub[p]);
    }
  }
}
void CmdCommandGetKeys(ArgList a, CommandContext& c) { GetKeysGeneric(a, c, false); }
void CmdCommandGetKeysAndFlags(ArgList a, CommandContext& c) { GetKeysGeneric(a, c, true); }

void CmdCommandHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full command.",
      "HELP",
      "    Print this help."});
}

// COMMAND with no arguments is the container itself; dispatch handles argc == 1 through here.
void CmdCommandRoot(ArgList args, CommandContext& ctx) { CmdCommand(args, ctx); }

}  // namespace

void RegisterCommandFamily(CommandRegistry& r) {
  constexpr uint32_t F = kLoading | kStale;
  constexpr uint64_t C = acl::kConnection;
  r.Add({"COMMAND", -1, F, 0, 0, 0, C, &CmdCommandRoot, "server", "2.8.13",
         "Returns detailed information about all commands.",
         "O(N) where N is the total number of Redis commands"})
      .Lock(LockMode::kNone);
  auto sub = [&](const char* name, int arity, Handler h, const char* since,
                 const char* summary) -> CommandSpec& {
    return r.AddSub("COMMAND", {name, arity, F, 0, 0, 0, C, h, "server", since, summary, "O(N)"})
        .Lock(LockMode::kNone);
  };
  sub("COUNT", 2, &CmdCommandCount, "2.8.13", "Returns a count of commands.");
  sub("INFO", -2, &CmdCommandInfo, "2.8.13",
      "Returns information about one, multiple or all commands.")
      .Args("[command-name:string...]");
  sub("DOCS", -2, &CmdCommandDocs, "7.0.0",
      "Returns documentary information about one, multiple or all commands.")
      .Args("[command-name:string...]");
  sub("LIST", -2, &CmdCommandList, "7.0.0", "Returns a list of command names.")
      .Args(
          "[FILTERBY=filterby(MODULE=module-name:string|ACLCAT=category:string"
          "|PATTERN=pattern:pattern)]");
  sub("GETKEYS", -3, &CmdCommandGetKeys, "2.8.13",
      "Extracts the key names from an arbitrary command.");
  sub("GETKEYSANDFLAGS", -3, &CmdCommandGetKeysAndFlags, "7.0.0",
      "Extracts the key names and access flags for an arbitrary command.");
  sub("HELP", 2, &CmdCommandHelp, "5.0.0", "Returns helpful text about the different subcommands.");
}

}  // namespace carmine
