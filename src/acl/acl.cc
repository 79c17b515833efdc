// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "acl/acl.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"

namespace carmine {

using aclcore::Denied;

namespace {
constexpr int64_t kLogGroupMs = 60000;  // similar refusals within a minute share one entry

std::string_view ReasonName(Denied d) {
  switch (d) {
    case Denied::kCommand:
      return "command";
    case Denied::kKey:
      return "key";
    case Denied::kChannel:
      return "channel";
    default:
      return "";
  }
}

// The channels a command names, for the channel rules: PUBLISH/SPUBLISH's one channel, the
// (S|P)SUBSCRIBE arguments. Unsubscribing needs no permission.
struct ChannelArgs {
  size_t from = 0, to = 0;
  bool pattern = false;
};
ChannelArgs ChannelsOf(const CommandSpec* spec, ArgList args) {
  std::string_view n = spec->full_name;
  if (n == "publish" || n == "spublish") return {1, std::min<size_t>(2, args.size()), false};
  if (n == "subscribe" || n == "ssubscribe") return {1, args.size(), false};
  if (n == "psubscribe") return {1, args.size(), true};
  return {};
}

// The permissions a key needs from its key-spec flag words ("RW access delete"): `access` needs
// R, `insert`/`update`/`delete` need W. kNotKey for `not_key` (shard channels in key positions,
// which the channel rules cover). Read straight from the text: this runs for every key of every
// command of a restricted user.
constexpr uint8_t kNotKey = 0xff;
uint8_t KeyPerms(std::string_view group) {
  uint8_t p = 0;
  size_t i = 0;
  while (i < group.size()) {
    size_t j = group.find(' ', i);
    if (j == std::string_view::npos) j = group.size();
    std::string_view w = group.substr(i, j - i);
    if (w == "access") {
      p |= aclcore::kPermRead;
    } else if (w == "insert" || w == "delete" || w == "update") {
      p |= aclcore::kPermWrite;
    } else if (w == "not_key") {
      return kNotKey;
    }
    i = j + 1;
  }
  return p;
}

// `where`: the argument the refusal is about (a key's or channel's index), for choosing among
// selectors that refuse for the same reason.
Denied CheckSelector(const aclcore::Selector& sel, const CommandSpec* spec, ArgList args,
                     std::string* object, int* where) {
  // AUTH and HELLO stay open to every user: they are how a connection changes user.
  if (!(spec->flags & kNoAuth) && !sel.AllowsCommand(spec, args)) return Denied::kCommand;
  if (!sel.all_keys() && spec->HasKeys()) {
    auto pos = spec->KeyPositions(args);
    std::string_view text = spec->call_key_flags ? spec->call_key_flags(args) : spec->key_flags;
    // "first key's flags|the other keys' flags"; empty: the command's read/write flag decides.
    size_t bar = text.find('|');
    std::string_view first = text.substr(0, bar);
    std::string_view rest = bar == std::string_view::npos ? first : text.substr(bar + 1);
    if (text.empty()) first = rest = (spec->flags & kWrite) ? "RW update" : "RO access";
    const uint8_t first_perms = KeyPerms(first);
    const uint8_t rest_perms = KeyPerms(rest);
    for (int p : pos) {
      uint8_t perms = p == pos.front() ? first_perms : rest_perms;
      if (perms == kNotKey) continue;
      if (!sel.AllowsKey(args[p], perms)) {
        *object = std::string(args[p]);
        *where = p;
        return Denied::kKey;
      }
    }
  }
  if (!sel.all_channels() && (spec->flags & kPubSub)) {
    ChannelArgs ch = ChannelsOf(spec, args);
    for (size_t i = ch.from; i < ch.to; i++) {
      if (!sel.AllowsChannel(args[i], ch.pattern)) {
        *object = std::string(args[i]);
        *where = static_cast<int>(i);
        return Denied::kChannel;
      }
    }
  }
  return Denied::kNone;
}

bool ValidUserName(std::string_view name) {
  return name.find(' ') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}
}  // namespace

Acl::Acl(config::Registry& r, const CommandRegistry& reg)
    : registry(r),
      requirepass(r, "requirepass", "", config::kSensitive),
      aclfile(r, "aclfile", "", config::kImmutable),
      cmds_(reg) {
  // The default user's rules name every command: they are set by Register(), once the table
  // is complete.
  default_ = std::make_shared<AclUserRef>(std::make_shared<AclUser>("default", true));
  users_["default"] = default_;
  requirepass.OnApply(config::Option::Hook([this] {
    ApplyRequirepass();
    return std::string();
  }));
  r.AddDirective("user", [this](config::Words args) -> std::string {
    if (args.empty()) return "Bad directive or wrong number of arguments";
    if (!ValidUserName(args[0])) return "Spaces not allowed in ACL usernames";
    for (auto& u : config_users_) {
      if (u[0] == args[0]) {
        return "Duplicate user found. A user can only be defined once in config files";
      }
    }
    config_users_.emplace_back(args.begin(), args.end());
    return "";
  });
  // CONFIG REWRITE keeps the users in the config file, unless they live in the ACL file.
  r.SetRewriter("user", [this] {
    std::vector<std::string> lines;
    if (!aclfile.empty()) return lines;
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, ref] : users_) lines.push_back("user " + ref->Get()->Describe());
    return lines;
  });
}

std::shared_ptr<AclUser> Acl::InitialDefaultUser() const {
  auto def = std::make_shared<AclUser>("default", true);
  for (const char* rule : {"on", "nopass", "~*", "&*", "+@all"}) def->Apply(rule, cmds_, true);
  return def;
}

void Acl::ApplyRequirepass() {
  auto u = std::make_shared<AclUser>(*default_->Get());
  std::string pass = requirepass.get();
  u->Apply("resetpass", cmds_, pubsub_default_all());
  u->Apply(pass.empty() ? std::string("nopass") : ">" + pass, cmds_, pubsub_default_all());
  default_->Set(std::move(u));
}

std::shared_ptr<AclUser> Acl::BuildUser(const std::string& name, std::span<const std::string> rules,
                                        std::string* bad_rule, std::string* err) const {
  std::shared_ptr<AclUser> u;
  if (name == "default") {
    u = std::make_shared<AclUser>(*default_->Get());
    u->Apply("reset", cmds_, pubsub_default_all());
  } else {
    u = std::make_shared<AclUser>(name, pubsub_default_all());
  }
  std::vector<std::string> merged;
  if (std::string e = MergeSelectorArgs(rules, &merged); !e.empty()) {
    *bad_rule = rules.empty() ? std::string() : rules.front();
    *err = e;
    return nullptr;
  }
  for (auto& rule : merged) {
    std::string e = u->Apply(rule, cmds_, pubsub_default_all());
    if (!e.empty()) {
      *bad_rule = rule;
      *err = e;
      return nullptr;
    }
  }
  return u;
}

std::string Acl::Start() {
  ApplyRequirepass();
  std::string file = aclfile.get();
  if (!file.empty() && !config_users_.empty()) {
    return "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
           "file path is invalid. This setup is very likely to lead to configuration errors and "
           "security holes, please define either an ACL file or declare users directly in your "
           "redis.conf, but not both.";
  }
  for (auto& line : config_users_) {
    std::string bad, err;
    auto u = BuildUser(line[0], std::span<const std::string>(line).subspan(1), &bad, &err);
    if (u == nullptr) {
      return "Error loading ACL rule '" + bad + "' for the user named '" + line[0] + "': " + err +
             "\nCritical error while loading ACLs. Exiting.";
    }
    Publish(std::move(u));
  }
  if (!file.empty()) {
    if (std::string e = LoadFile(file); !e.empty()) {
      return "Aborting Redis startup because of ACL errors: " + e;
    }
  }
  return "";
}

std::shared_ptr<AclUserRef> Acl::Find(std::string_view name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

void Acl::Publish(std::shared_ptr<const AclUser> u) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = users_.find(u->name());
  if (it != users_.end()) {
    it->second->Set(std::move(u));
  } else {
    std::string name = u->name();
    users_.emplace(std::move(name), std::make_shared<AclUserRef>(std::move(u)));
  }
}

bool Acl::Authenticate(Session& s, std::string_view user, std::string_view password) {
  auto ref = Find(user);
  std::shared_ptr<const AclUser> u = ref ? ref->Get() : nullptr;
  if (u == nullptr || !u->enabled() || !u->CheckPassword(password)) {
    denied_auth_.fetch_add(1, std::memory_order_relaxed);
    AddLog("auth", "toplevel", "AUTH", std::string(user), &s);
    return false;
  }
  s.acl_view.reset();
  s.authenticated = true;
  std::lock_guard<std::mutex> l(s.info_mu);
  s.acl_user = std::move(ref);
  s.user_name = u->name();
  return true;
}

bool Acl::CheckCredentials(std::string_view user, std::string_view password) const {
  for (const auto& ref : {Find(user), default_}) {
    if (ref == nullptr) continue;
    auto u = ref->Get();
    if (u->enabled() && u->CheckPassword(password)) return true;
  }
  return false;
}

bool Acl::DefaultUserNoPass() const { return default_->Get()->nopass(); }

void Acl::BindDefault(Session& s) {
  auto u = default_->Get();
  s.acl_view.reset();
  s.authenticated = u->enabled() && u->nopass();
  std::lock_guard<std::mutex> l(s.info_mu);
  s.acl_user = default_;
  s.user_name = "default";
}

const AclUser* Acl::View(const Session& s) const {
  if (s.acl_user == nullptr) return nullptr;
  uint64_t v = s.acl_user->version();
  if (s.acl_view == nullptr || v != s.acl_version) {
    s.acl_view = s.acl_user->Get();
    s.acl_version = v;
  }
  return s.acl_view.get();
}

bool Acl::Deleted(const Session& s) {
  return s.acl_user != nullptr && s.acl_user->deleted.load(std::memory_order_relaxed);
}

bool Acl::Evaluate(const AclUser& u, const CommandSpec* spec, ArgList args, Denied* why,
                   std::string* object) const {
  // The most specific refusal is reported; among equal ones, the one that got furthest.
  Denied worst = Denied::kNone;
  std::string obj;
  int worst_pos = -1;
  auto one = [&](const aclcore::Selector& sel) {
    std::string o;
    int pos = 0;
    Denied d = CheckSelector(sel, spec, args, &o, &pos);
    if (d == Denied::kNone) return true;
    if (static_cast<int>(d) > static_cast<int>(worst) || (d == worst && pos > worst_pos)) {
      worst = d;
      worst_pos = pos;
      obj = std::move(o);
    }
    return false;
  };
  if (one(u.root())) return true;
  for (auto& sel : u.selectors()) {
    if (one(sel)) return true;
  }
  *why = worst;
  *object = std::move(obj);
  return false;
}

std::string Acl::DeniedText(Denied why, const std::string& user, const CommandSpec* spec,
                            const std::string& object, bool verbose) {
  switch (why) {
    case Denied::kCommand:
      return "User " + user + " has no permissions to run the '" + spec->full_name + "' command";
    case Denied::kKey:
      return verbose ? "User " + user + " has no permissions to access the '" + object + "' key"
                     : "No permissions to access a key";
    case Denied::kChannel:
      return verbose ? "User " + user + " has no permissions to access the '" + object + "' channel"
                     : "No permissions to access a channel";
    default:
      return "";
  }
}

void Acl::Count(Denied why) {
  switch (why) {
    case Denied::kCommand:
      denied_cmd_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Denied::kKey:
      denied_key_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Denied::kChannel:
      denied_channel_.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      break;
  }
}

bool Acl::Check(const CommandCheck& c, std::string* refusal) {
  const AclUser* u = View(c.session);
  if (u == nullptr || u->unrestricted()) return true;
  Denied why = Denied::kNone;
  std::string object;
  if (Evaluate(*u, c.spec, c.args, &why, &object)) return true;
  Count(why);
  AddLog(ReasonName(why), c.session.multi || c.in_exec ? "multi" : "toplevel",
         why == Denied::kCommand ? c.spec->full_name : object, u->name(), &c.session);
  if (c.in_exec) {
    std::string_view reason =
        why == Denied::kCommand ? "no permission to execute the command or subcommand"
        : why == Denied::kKey   ? "no permission to touch the specified keys"
                                : "no permission to access one of the channels used "
                                  "as arguments";
    *refusal = "NOPERM ACLs rules changed between the moment the transaction was accumulated "
               "and the EXEC call. This command is no longer allowed for the following reason: " +
               std::string(reason);
    return false;
  }
  *refusal = "NOPERM " + DeniedText(why, u->name(), c.spec, object, false);
  return false;
}

std::string Acl::CheckScriptCall(const CommandSpec* spec, ArgList args, const Session& s,
                                 bool log) {
  const AclUser* u = View(s);
  if (u == nullptr || u->unrestricted()) return "";
  Denied why = Denied::kNone;
  std::string object;
  if (Evaluate(*u, spec, args, &why, &object)) return "";
  if (!log) return DeniedText(why, u->name(), spec, object, false);
  Count(why);
  AddLog(ReasonName(why), "lua", why == Denied::kCommand ? spec->full_name : object, u->name(), &s);
  return DeniedText(why, u->name(), spec, object, false);
}

bool Acl::ReadsAllKeys(const CommandSpec* spec, ArgList args, const Session& s) const {
  const AclUser* u = View(s);
  if (u == nullptr || u->unrestricted()) return true;
  auto reads = [&](const aclcore::Selector& sel) {
    return sel.AllowsCommand(spec, args) && sel.ReadsEveryKey();
  };
  if (reads(u->root())) return true;
  for (auto& sel : u->selectors()) {
    if (reads(sel)) return true;
  }
  return false;
}

std::string Acl::MergeSelectorArgs(std::span<const std::string> words,
                                   std::vector<std::string>* rules) {
  for (size_t i = 0; i < words.size(); i++) {
    const std::string& w = words[i];
    if (w.empty() || w[0] != '(' || w.back() == ')') {
      rules->push_back(w);
      continue;
    }
    std::string merged = w;
    size_t j = i + 1;
    for (; j < words.size(); j++) {
      merged += ' ';
      merged += words[j];
      if (!words[j].empty() && words[j].back() == ')') break;
    }
    if (j == words.size()) return "Unmatched parenthesis in acl selector starting at '" + w + "'.";
    rules->push_back(std::move(merged));
    i = j;
  }
  return "";
}

bool Acl::SubscriptionsAllowed(const Session& s, const AclUser& u) {
  auto allowed = [&](const std::string& ch, bool pattern) {
    if (u.root().AllowsChannel(ch, pattern)) return true;
    for (auto& sel : u.selectors()) {
      if (sel.AllowsChannel(ch, pattern)) return true;
    }
    return false;
  };
  for (auto& ch : s.channels) {
    if (!allowed(ch, false)) return false;
  }
  for (auto& ch : s.shard_channels) {
    if (!allowed(ch, false)) return false;
  }
  for (auto& p : s.patterns) {
    if (!allowed(p, true)) return false;
  }
  return true;
}

void Acl::AddLog(std::string_view reason, std::string_view context, std::string object,
                 std::string username, const Session* s) {
  std::string info = s != nullptr && hooks.client_info ? hooks.client_info(*s) : std::string();
  int64_t now = clock::NowMs();
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = log_.begin(); it != log_.end(); ++it) {
    if (it->reason == reason && it->context == context && it->object == object &&
        it->username == username && now - it->updated_ms < kLogGroupMs) {
      LogEntry e = std::move(*it);
      log_.erase(it);
      e.count++;
      e.updated_ms = now;
      e.client_info = std::move(info);
      log_.push_front(std::move(e));
      return;
    }
  }
  LogEntry e;
  e.id = next_log_id_++;
  e.reason = reason;
  e.context = context;
  e.object = std::move(object);
  e.username = std::move(username);
  e.client_info = std::move(info);
  e.created_ms = e.updated_ms = now;
  log_.push_front(std::move(e));
  while (log_.size() > static_cast<size_t>(acllog_max_len.get())) log_.pop_back();
}

std::string Acl::LoadFile(const std::string& path, Session* current) {
  std::ifstream in(path);
  if (!in) {
    return "Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
  }
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> loaded;
  std::string errors, line;
  int lineno = 0;
  while (std::getline(in, line)) {
    lineno++;
    size_t b = line.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) continue;
    size_t e = line.find_last_not_of(" \t\r\n");
    std::string_view text = std::string_view(line).substr(b, e - b + 1);
    std::vector<std::string> words;
    for (size_t i = 0; i <= text.size();) {
      size_t sp = text.find(' ', i);
      if (sp == std::string_view::npos) sp = text.size();
      words.emplace_back(text.substr(i, sp - i));
      i = sp + 1;
    }
    std::string where = path + ":" + std::to_string(lineno);
    if (words.size() < 2 || words[0] != "user" || words[1].empty()) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    if (loaded.count(words[1])) {
      errors += "WARNING: Duplicate user '" + words[1] + "' found on line " +
                std::to_string(lineno) + ". ";
      continue;
    }
    std::string bad, err;
    std::vector<std::string> rules(words.begin() + 2, words.end());
    for (auto& r : rules) {
      if (r.empty()) {
        err = "Syntax error";
        break;
      }
    }
    std::shared_ptr<AclUser> u;
    if (err.empty()) u = BuildUser(words[1], rules, &bad, &err);
    if (u == nullptr) {
      errors += where + ": " + err + ". ";
      continue;
    }
    loaded.emplace(words[1], std::move(u));
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  // A file without the default user gives it its initial rules. Every other user is replaced:
  // connections authenticated as them are closed, as Redis does on ACL LOAD.
  if (!loaded.count("default")) loaded.emplace("default", InitialDefaultUser());
  std::vector<std::shared_ptr<AclUserRef>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, ref] : users_) {
      if (name != "default") dropped.push_back(ref);
    }
    users_.clear();
    users_["default"] = default_;
    for (auto& [name, u] : loaded) {
      if (name == "default") {
        default_->Set(std::move(u));
      } else {
        users_.emplace(name, std::make_shared<AclUserRef>(std::move(u)));
      }
    }
  }
  for (auto& ref : dropped) {
    ref->deleted.store(true);
    if (hooks.kill_clients) hooks.kill_clients(ref.get(), current);
  }
  return "";
}

std::string Acl::SaveFile(const std::string& path) const {
  std::string text;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, ref] : users_) text += "user " + ref->Get()->Describe() + "\n";
  }
  std::string tmp = path + ".tmp-" + std::to_string(clock::NowMs());
  FILE* f = std::fopen(tmp.c_str(), "w");
  bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) ok = (std::fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
  if (f != nullptr) ok = (std::fclose(f) == 0) && ok;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    LOG_WARNING("Saving ACL file %s: %s", path.c_str(), std::strerror(errno));
    std::remove(tmp.c_str());
    return "There was an error trying to save the ACLs. Please check the server logs for more "
           "information";
  }
  return "";
}

}  // namespace carmine
