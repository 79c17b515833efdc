// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The ACL command: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG, SAVE, LOAD,
// DRYRUN, HELP.
#include <openssl/rand.h>

#include <algorithm>

#include "acl/acl.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "commands/context.h"
#include "protocol/errors.h"

namespace carmine {

struct AclCommands {
  // ACL SETUSER username [rule ...]: arguments between "(" and ")" form one selector rule.
  static void SetUser(Acl& acl, ArgList args, CommandContext& ctx) {
    std::string name(args[2]);
    if (!ValidName(name)) {
      ctx.rb.Error("ERR Usernames can't contain spaces or null characters");
      return;
    }
    std::vector<std::string> words(args.begin() + 3, args.end());
    std::vector<std::string> rules;
    if (std::string e = Acl::MergeSelectorArgs(words, &rules); !e.empty()) {
      ctx.rb.Error("ERR " + e);
      return;
    }
    auto ref = acl.Find(name);
    auto u = ref ? std::make_shared<AclUser>(*ref->Get())
                 : std::make_shared<AclUser>(name, acl.pubsub_default_all());
    std::string before = ChannelRules(*u);
    for (auto& r : rules) {
      std::string e = u->Apply(r, acl.cmds_, acl.pubsub_default_all());
      if (!e.empty()) {
        ctx.rb.Error("ERR Error in ACL SETUSER modifier '" + r + "': " + e);
        return;
      }
    }
    bool channels_changed = ref != nullptr && ChannelRules(*u) != before;
    std::shared_ptr<const AclUser> now = u;
    acl.Publish(std::move(u));
    if (channels_changed && acl.hooks.recheck_subscribers) {
      acl.hooks.recheck_subscribers(ref.get(), *now);
    }
    ctx.rb.Ok();
  }

  static void GetUser(Acl& acl, ArgList args, CommandContext& ctx) {
    auto ref = acl.Find(args[2]);
    if (ref == nullptr) {
      ctx.rb.Null();
      return;
    }
    auto u = ref->Get();
    ReplyBuilder& rb = ctx.rb;
    rb.MapLen(6);
    rb.Bulk("flags");
    std::vector<std::string_view> flags{u->enabled() ? "on" : "off"};
    if (u->nopass()) flags.push_back("nopass");
    flags.push_back(u->skip_sanitize() ? "skip-sanitize-payload" : "sanitize-payload");
    rb.SetLen(static_cast<int64_t>(flags.size()));
    for (auto f : flags) rb.Bulk(f);
    rb.Bulk("passwords");
    rb.ArrayLen(static_cast<int64_t>(u->passwords().size()));
    for (auto& p : u->passwords()) rb.Bulk(p);
    ReplySelector(rb, u->root(), false);
    rb.Bulk("selectors");
    rb.ArrayLen(static_cast<int64_t>(u->selectors().size()));
    for (auto& s : u->selectors()) ReplySelector(rb, s, true);
  }

  static void DelUser(Acl& acl, ArgList args, CommandContext& ctx) {
    for (size_t i = 2; i < args.size(); i++) {
      if (args[i] == "default") {
        ctx.rb.Error("ERR The 'default' user cannot be removed");
        return;
      }
    }
    std::vector<std::shared_ptr<AclUserRef>> gone;
    {
      std::lock_guard<std::mutex> l(acl.mu_);
      for (size_t i = 2; i < args.size(); i++) {
        auto it = acl.users_.find(args[i]);
        if (it == acl.users_.end()) continue;
        gone.push_back(it->second);
        acl.users_.erase(it);
      }
    }
    for (auto& ref : gone) {
      ref->deleted.store(true);
      if (acl.hooks.kill_clients) acl.hooks.kill_clients(ref.get(), &ctx.session);
    }
    ctx.rb.Int(static_cast<int64_t>(gone.size()));
  }

  static void List(Acl& acl, ArgList, CommandContext& ctx) {
    std::vector<std::string> lines;
    {
      std::lock_guard<std::mutex> l(acl.mu_);
      for (auto& [name, ref] : acl.users_) lines.push_back("user " + ref->Get()->Describe());
    }
    ctx.rb.ArrayLen(static_cast<int64_t>(lines.size()));
    for (auto& l : lines) ctx.rb.Bulk(l);
  }

  static void Users(Acl& acl, ArgList, CommandContext& ctx) {
    std::vector<std::string> names;
    {
      std::lock_guard<std::mutex> l(acl.mu_);
      for (auto& [name, ref] : acl.users_) names.push_back(name);
    }
    ctx.rb.ArrayLen(static_cast<int64_t>(names.size()));
    for (auto& n : names) ctx.rb.Bulk(n);
  }

  static void WhoAmI(Acl& acl, ArgList, CommandContext& ctx) {
    const AclUser* u = acl.View(ctx.session);
    ctx.rb.Bulk(u ? u->name() : std::string("default"));
  }

  static void Cat(Acl& acl, ArgList args, CommandContext& ctx) {
    if (args.size() > 3) {
      ctx.rb.Error(err::SubcommandSyntax(args[1], "ACL"));
      return;
    }
    if (args.size() == 2) {
      auto names = acl::CategoryNames(~0ull);
      ctx.rb.ArrayLen(static_cast<int64_t>(names.size()));
      for (auto n : names) ctx.rb.Bulk(n);
      return;
    }
    uint64_t cat = aclcore::CategoryByName(args[2]);
    if (cat == 0) {
      ctx.rb.Error("ERR Unknown category '" + std::string(args[2]) + "'");
      return;
    }
    std::vector<std::string_view> out;
    for (auto& [name, c] : acl.cmds_.all()) {
      if (c->AclCategories() & cat) out.push_back(c->full_name);
      for (auto& [sname, s] : c->subcommands) {
        if (s->AclCategories() & cat) out.push_back(s->full_name);
      }
    }
    ctx.rb.ArrayLen(static_cast<int64_t>(out.size()));
    for (auto n : out) ctx.rb.Bulk(n);
  }

  static void GenPass(Acl&, ArgList args, CommandContext& ctx) {
    int64_t bits = 256;
    if (args.size() > 2 && !ParseInt64(args[2], &bits)) {
      ctx.rb.Error(err::kNotInt);
      return;
    }
    if (bits <= 0 || bits > 4096) {
      ctx.rb.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
      return;
    }
    size_t chars = static_cast<size_t>((bits + 3) / 4);
    std::vector<unsigned char> raw((chars + 1) / 2);
    RAND_bytes(raw.data(), static_cast<int>(raw.size()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : raw) {
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
    out.resize(chars);
    ctx.rb.Bulk(out);
  }

  static void Log(Acl& acl, ArgList args, CommandContext& ctx) {
    int64_t count = -1;
    if (args.size() == 3) {
      if (EqualsIgnoreCase(args[2], "reset")) {
        std::lock_guard<std::mutex> l(acl.mu_);
        acl.log_.clear();
        ctx.rb.Ok();
        return;
      }
      if (!ParseInt64(args[2], &count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (count < 0) count = 0;
    } else if (args.size() > 3) {
      ctx.rb.Error(err::SubcommandSyntax(args[1], "ACL"));
      return;
    }
    std::vector<Acl::LogEntry> entries;
    {
      std::lock_guard<std::mutex> l(acl.mu_);
      for (auto& e : acl.log_) {
        if (count >= 0 && static_cast<int64_t>(entries.size()) >= count) break;
        entries.push_back(e);
      }
    }
    int64_t now = clock::NowMs();
    ReplyBuilder& rb = ctx.rb;
    rb.ArrayLen(static_cast<int64_t>(entries.size()));
    for (auto& e : entries) {
      rb.MapLen(10);
      rb.Bulk("count");
      rb.Int(static_cast<int64_t>(e.count));
      rb.Bulk("reason");
      rb.Bulk(e.reason);
      rb.Bulk("context");
      rb.Bulk(e.context);
      rb.Bulk("object");
      rb.Bulk(e.object);
      rb.Bulk("username");
      rb.Bulk(e.username);
      rb.Bulk("age-seconds");
      rb.Double(static_cast<double>(now - e.created_ms) / 1000.0);
      rb.Bulk("client-info");
      rb.Bulk(e.client_info);
      rb.Bulk("entry-id");
      rb.Int(static_cast<int64_t>(e.id));
      rb.Bulk("timestamp-created");
      rb.Int(e.created_ms);
      rb.Bulk("timestamp-last-updated");
      rb.Int(e.updated_ms);
    }
  }

  static void Save(Acl& acl, ArgList, CommandContext& ctx) {
    std::string file = acl.aclfile.get();
    if (file.empty()) {
      ctx.rb.Error(kNoFile);
      return;
    }
    std::string e = acl.SaveFile(file);
    e.empty() ? ctx.rb.Ok() : ctx.rb.Error("ERR " + e);
  }

  static void Load(Acl& acl, ArgList, CommandContext& ctx) {
    std::string file = acl.aclfile.get();
    if (file.empty()) {
      ctx.rb.Error(kNoFile);
      return;
    }
    std::string e = acl.LoadFile(file, &ctx.session);
    e.empty() ? ctx.rb.Ok() : ctx.rb.Error("ERR " + e);
  }

  // ACL DRYRUN username command [arg ...]
  static void DryRun(Acl& acl, ArgList args, CommandContext& ctx) {
    auto ref = acl.Find(args[2]);
    if (ref == nullptr) {
      ctx.rb.Error("ERR User '" + std::string(args[2]) + "' not found");
      return;
    }
    ArgList cmd = args.subspan(3);
    const CommandSpec* spec = acl.cmds_.Find(cmd[0]);
    if (spec != nullptr && spec->is_container() && cmd.size() > 1) {
      auto it = spec->subcommands.find(ToLower(cmd[1]));
      spec = it == spec->subcommands.end() ? nullptr : it->second.get();
    }
    if (spec == nullptr) {
      ctx.rb.Error("ERR Command '" + std::string(cmd[0]) + "' not found");
      return;
    }
    int argc = static_cast<int>(cmd.size());
    if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
      ctx.rb.Error(err::WrongArgs(spec->full_name));
      return;
    }
    auto u = ref->Get();
    aclcore::Denied why = aclcore::Denied::kNone;
    std::string object;
    if (acl.Evaluate(*u, spec, cmd, &why, &object)) {
      ctx.rb.Ok();
      return;
    }
    ctx.rb.Bulk(Acl::DeniedText(why, u->name(), spec, object, true));
  }

  static void Help(Acl&, ArgList, CommandContext& ctx) {
    ReplyHelp(
        ctx, {
                 "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                 "CAT [<category>]",
                 "    List all commands that belong to <category>, or all command categories",
                 "    when no category is specified.",
                 "DELUSER <username> [<username> ...]",
                 "    Delete a list of users.",
                 "DRYRUN <username> <command> [<arg> ...]",
                 "    Returns whether the user can execute the given command without executing the "
                 "command.",
                 "GETUSER <username>",
                 "    Get the user's details.",
                 "GENPASS [<bits>]",
                 "    Generate a secure 256-bit user password. The optional `bits` argument can",
                 "    be used to specify a different size.",
                 "LIST",
                 "    Show users details in config file format.",
                 "LOAD",
                 "    Reload users from the ACL file.",
                 "LOG [<count> | RESET]",
                 "    Show the ACL log entries.",
                 "SAVE",
                 "    Save the current config to the ACL file.",
                 "SETUSER <username> <attribute> [<attribute> ...]",
                 "    Create or modify a user with the specified attributes.",
                 "USERS",
                 "    List all the registered usernames.",
                 "WHOAMI",
                 "    Return the current connection username.",
             });
  }

  // The slow log and MONITOR show no part of a user definition (passwords may be anywhere).
  static void RedactSetUser(ArgList args, std::vector<bool>* redacted) {
    for (size_t i = 2; i < args.size(); i++) (*redacted)[i] = true;
  }

 private:
  static constexpr std::string_view kNoFile =
      "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
      "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
      "Redis configuration file set) in order to store users in the Redis configuration.";

  static bool ValidName(std::string_view name) {
    return name.find(' ') == std::string_view::npos && name.find('\0') == std::string_view::npos;
  }
  // Everything about a user's channels, to tell whether subscribers need a second look.
  static std::string ChannelRules(const AclUser& u) {
    std::string out = u.root().DescribeChannels();
    for (auto& s : u.selectors()) out += "|" + s.DescribeChannels();
    return out;
  }
  static void ReplySelector(ReplyBuilder& rb, const aclcore::Selector& s, bool own_map) {
    if (own_map) rb.MapLen(3);
    rb.Bulk("commands");
    rb.Bulk(s.DescribeCommands());
    rb.Bulk("keys");
    rb.Bulk(s.DescribeKeys());
    rb.Bulk("channels");
    rb.Bulk(s.DescribeChannels());
  }
};

void Acl::Register(CommandRegistry& r) {
  r.Add({"ACL", -2, 0, 0, 0, 0, 0, nullptr, "server", "6.0.0",
         "A container for Access List Control commands.", "Depends on subcommand."});
  constexpr uint32_t LS = kLoading | kStale;
  constexpr uint32_t A = kAdmin | kNoScript | LS;
  auto sub = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary, const char* complexity) -> CommandSpec& {
    return r
        .AddSub("ACL", {name, arity, flags, 0, 0, 0, 0, h, "server", since, summary, complexity})
        .Lock(LockMode::kNone);
  };
  sub("CAT", -2, kNoScript | LS, Handler::Bind<&AclCommands::Cat>(this), "6.0.0",
      "Lists the ACL categories, or the commands inside a category.",
      "O(1) since the categories and commands are a fixed set.")
      .Args("[category:string]");
  auto& deluser = sub("DELUSER", -3, A, Handler::Bind<&AclCommands::DelUser>(this), "6.0.0",
                      "Deletes ACL users, and terminates their connections.",
                      "O(1) amortized time considering the typical user.")
                      .Args("username:string...");
  deluser.tips = {"request_policy:all_nodes", "response_policy:all_succeeded"};
  sub("DRYRUN", -4, A, Handler::Bind<&AclCommands::DryRun>(this), "7.0.0",
      "Simulates the execution of a command by a user, without executing the command.", "O(1).")
      .Args("username:string command:string [arg:string...]");
  sub("GENPASS", -2, kNoScript | LS, Handler::Bind<&AclCommands::GenPass>(this), "6.0.0",
      "Generates a pseudorandom, secure password that can be used to identify ACL users.", "O(1)")
      .Args("[bits:integer]");
  sub("GETUSER", 3, A, Handler::Bind<&AclCommands::GetUser>(this), "6.0.0",
      "Lists the ACL rules of a user.",
      "O(N). Where N is the number of password, command and "
      "pattern rules that the user has.")
      .Args("username:string");
  sub("HELP", 2, LS, Handler::Bind<&AclCommands::Help>(this), "6.0.0",
      "Returns helpful text about the different subcommands.", "O(1)");
  sub("LIST", 2, A, Handler::Bind<&AclCommands::List>(this), "6.0.0",
      "Dumps the effective rules in ACL file format.",
      "O(N). Where N is the number of configured "
      "users.");
  sub("LOAD", 2, A, Handler::Bind<&AclCommands::Load>(this), "6.0.0",
      "Reloads the rules from the configured ACL file.",
      "O(N). Where N is the number of "
      "configured users.");
  sub("LOG", -2, A, Handler::Bind<&AclCommands::Log>(this), "6.0.0",
      "Lists recent security events generated due to ACL rules.",
      "O(N) with N being the number of entries shown.")
      .Args("[operation(count:integer|!RESET)]");
  sub("SAVE", 2, A, Handler::Bind<&AclCommands::Save>(this), "6.0.0",
      "Saves the effective ACL rules in the configured ACL file.",
      "O(N). Where N is the number of configured users.")
      .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"};
  auto& setuser = sub("SETUSER", -3, A, Handler::Bind<&AclCommands::SetUser>(this), "6.0.0",
                      "Creates and modifies an ACL user and its rules.",
                      "O(N). Where N is the number of rules provided.")
                      .Args("username:string [rule:string...]")
                      .Redact(&AclCommands::RedactSetUser);
  setuser.tips = {"request_policy:all_nodes", "response_policy:all_succeeded"};
  sub("USERS", 2, A, Handler::Bind<&AclCommands::Users>(this), "6.0.0", "Lists all ACL users.",
      "O(N). Where N is the number of configured users.");
  sub("WHOAMI", 2, kNoScript | LS, Handler::Bind<&AclCommands::WhoAmI>(this), "6.0.0",
      "Returns the authenticated username of the current connection.", "O(1)");
  default_->Set(InitialDefaultUser());
}

}  // namespace carmine
