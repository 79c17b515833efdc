// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Acl: the users of the server and what each may run, as Redis 7.2's ACL: users with passwords,
// command/key/channel rules and selectors, `user` lines in the config or an `aclfile`, the ACL
// log, and the `requirepass` shorthand for the default user's password.
//
// The dispatcher asks Check() before a command runs or is queued (the place of Redis's ACL check
// in processCommand). A connection holds the user it authenticated as (AclUserRef) and a copy of
// that user's rules, refreshed only when the user changed, so a command of an unrestricted user
// costs one relaxed load and a flag test.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "acl/user.h"
#include "base/config.h"
#include "commands/authenticator.h"
#include "commands/command_hooks.h"
#include "commands/session.h"

namespace carmine {

class ReplyBuilder;

class Acl : public Authenticator {
 public:
  Acl(config::Registry& r, const CommandRegistry& reg);

  // After the config is read: applies the `user` lines, or loads the aclfile. "" or the reason
  // the server must not start (logged as Redis logs it).
  std::string Start();

  // Authenticator.
  bool Authenticate(Session& s, std::string_view user, std::string_view password) override;
  bool DefaultUserNoPass() const override;
  void BindDefault(Session& s) override;

  // The dispatcher's hook: true when the session's user may run the command, else false with
  // *refusal set to the NOPERM error (the refusal is counted and written to the ACL log).
  bool Check(const CommandCheck& c, std::string* refusal);
  // A command called from a script run by `s`: "" or the reason, as the script error names it.
  // Logged with the "lua" context when `log` (a call, not redis.acl_check_cmd).
  std::string CheckScriptCall(const CommandSpec* spec, ArgList args, const Session& s, bool log);

  // The rules the session currently runs under (its copy refreshed if the user changed). Null
  // for internal sessions (AOF loading, the master link), which may run everything.
  const AclUser* View(const Session& s) const;
  // The session's user was deleted: its connection is to be closed.
  static bool Deleted(const Session& s);
  // Whether `s` may stay subscribed to everything it is subscribed to under `u` (after its user
  // changed). The caller holds s.info_mu or is the owner thread.
  static bool SubscriptionsAllowed(const Session& s, const AclUser& u);

  // Whether the default user lets a connection in without credentials (on, nopass).
  bool DefaultOpen() const {
    auto u = default_->Get();
    return u->enabled() && u->nopass();
  }
  // HTTP basic credentials of /metrics: an enabled user with its password, or the default
  // user's password under any other name.
  bool CheckCredentials(std::string_view user, std::string_view password) const;
  // SORT BY/GET: whether the session's user may read every key with this command.
  bool ReadsAllKeys(const CommandSpec* spec, ArgList args, const Session& s) const;
  // Joins the words of a selector written over several arguments ("(~x", "+get)") into one
  // rule. "" or the unmatched-parenthesis error.
  static std::string MergeSelectorArgs(std::span<const std::string> words,
                                       std::vector<std::string>* rules);

  // The user named `name` (CLIENT KILL USER), or null.
  std::shared_ptr<AclUserRef> FindUser(std::string_view name) const { return Find(name); }

  // ACL commands. Registered after every other family: it also gives the default user its
  // rules, which cover the commands in the table at that point.
  void Register(CommandRegistry& reg);

  // Set by the server before serving.
  struct Hooks {
    // The CLIENT LIST line of a client, for ACL LOG's client-info.
    std::function<std::string(const Session&)> client_info;
    // Closes the connections authenticated as `user` (deleted).
    // `current`: the client running the command, closed after its reply.
    std::function<void(const AclUserRef* user, Session* current)> kill_clients;
    // Closes the connections of `user` subscribed to channels it may no longer use.
    std::function<void(const AclUserRef* user, const AclUser& now)> recheck_subscribers;
  } hooks;

  uint64_t denied_auth() const { return denied_auth_.load(std::memory_order_relaxed); }
  uint64_t denied_cmd() const { return denied_cmd_.load(std::memory_order_relaxed); }
  uint64_t denied_key() const { return denied_key_.load(std::memory_order_relaxed); }
  uint64_t denied_channel() const { return denied_channel_.load(std::memory_order_relaxed); }

  config::Registry& registry;
  config::String requirepass;
  config::String aclfile;
  config::Int<int64_t> acllog_max_len{registry, "acllog-max-len", 128, 0, LLONG_MAX};
  config::Enum acl_pubsub_default{
      registry, "acl-pubsub-default", 0, {{"allchannels", 1}, {"resetchannels", 0}}};

 private:
  struct LogEntry {
    uint64_t count = 1, id = 0;
    std::string reason, context, object, username, client_info;
    int64_t created_ms = 0, updated_ms = 0;
  };
  friend struct AclCommands;

  bool pubsub_default_all() const { return acl_pubsub_default.get() == 1; }
  // Whether `u` may run the command; else the most specific refusal and what it concerned.
  bool Evaluate(const AclUser& u, const CommandSpec* spec, ArgList args, aclcore::Denied* why,
                std::string* object) const;
  // NOPERM text of a refusal (`verbose`: ACL DRYRUN's wording, naming the key or channel).
  static std::string DeniedText(aclcore::Denied why, const std::string& user,
                                const CommandSpec* spec, const std::string& object, bool verbose);
  void Count(aclcore::Denied why);
  void AddLog(std::string_view reason, std::string_view context, std::string object,
              std::string username, const Session* s);
  // Builds a user from rule words (a `user` line, an ACL file line). "" or the failing rule's
  // reason in *bad_rule/*err.
  std::shared_ptr<AclUser> BuildUser(const std::string& name, std::span<const std::string> rules,
                                     std::string* bad_rule, std::string* err) const;
  // Replaces the user set by the ACL file's (ACL LOAD, startup). "" or the errors.
  std::string LoadFile(const std::string& path, Session* current = nullptr);
  std::string SaveFile(const std::string& path) const;
  // Makes `u` the current version of its user (creating it when new).
  void Publish(std::shared_ptr<const AclUser> u);
  std::shared_ptr<AclUserRef> Find(std::string_view name) const;
  void ApplyRequirepass();
  // "on nopass ~* &* +@all": the default user of a fresh server.
  std::shared_ptr<AclUser> InitialDefaultUser() const;

  const CommandRegistry& cmds_;
  mutable std::mutex mu_;  // users_, log_
  std::map<std::string, std::shared_ptr<AclUserRef>, std::less<>> users_;
  std::shared_ptr<AclUserRef> default_;
  // `user` lines of the config, applied by Start() once the command table exists.
  std::vector<std::vector<std::string>> config_users_;
  std::deque<LogEntry> log_;  // newest first
  uint64_t next_log_id_ = 0;
  mutable std::atomic<uint64_t> denied_auth_{0}, denied_cmd_{0}, denied_key_{0}, denied_channel_{0};
};

}  // namespace carmine
