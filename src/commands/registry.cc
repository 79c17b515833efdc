// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/registry.h"

#include "base/strutil.h"

namespace carmine {

namespace acl {
std::vector<std::string_view> CategoryNames(uint64_t mask) {
  static constexpr std::string_view kNames[] = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  std::vector<std::string_view> out;
  for (size_t i = 0; i < std::size(kNames); i++) {
    if (mask & (1ull << i)) out.push_back(kNames[i]);
  }
  return out;
}
}  // namespace acl

uint64_t CommandSpec::AclCategories() const {
  uint64_t m = acl;
  if (flags & kWrite) m |= acl::kWrite;
  if (flags & kReadOnly && !(acl & acl::kScripting)) m |= acl::kRead;
  if (flags & kAdmin) m |= acl::kAdmin | acl::kDangerous;
  if (flags & kPubSub) m |= acl::kPubSub;
  if (flags & kFast) m |= acl::kFast;
  if (flags & kBlocking) m |= acl::kBlocking;
  if (!(m & acl::kFast)) m |= acl::kSlow;
  return m;
}

std::vector<std::string_view> CommandSpec::KeyFlagWords(std::string_view flag_text,
                                                        bool first) const {
  if (flag_text.empty()) {
    if (flags & kWrite) return {"RW", "update"};
    return {"RO", "access"};
  }
  // "RW access delete|RW insert": the first key's flags, then the other keys'.
  size_t bar = flag_text.find('|');
  std::string_view group = first || bar == std::string_view::npos ? flag_text.substr(0, bar)
                                                                  : flag_text.substr(bar + 1);
  return SplitWords(group);
}

std::vector<int> CommandSpec::KeyPositions(ArgList args) const {
  if (key_extractor != nullptr) return key_extractor(args);
  std::vector<int> out;
  if (first_key <= 0) return out;
  int argc = static_cast<int>(args.size());
  int last = last_key < 0 ? argc + last_key : last_key;
  for (int i = first_key; i <= last && i < argc; i += step) out.push_back(i);
  return out;
}

CommandSpec& CommandRegistry::Add(CommandSpec spec) {
  spec.full_name = ToLower(spec.name);
  spec.id = next_id_++;
  auto p = std::make_unique<CommandSpec>(std::move(spec));
  CommandSpec& ref = *p;
  auto [it, fresh] = cmds_.try_emplace(ref.full_name, nullptr);
  if (!fresh) duplicates_.push_back(ref.full_name);
  it->second = std::move(p);
  Reindex();
  return ref;
}

std::string CommandRegistry::Rename(std::string_view from, std::string_view to) {
  auto it = cmds_.find(ToLower(from));
  if (it == cmds_.end()) return "No such command in rename-command";
  if (to.empty()) {
    cmds_.erase(it);
    Reindex();
    return "";
  }
  std::string target = ToLower(to);
  if (cmds_.count(target)) return "Target command name already exists";
  auto spec = std::move(it->second);
  cmds_.erase(it);
  cmds_.emplace(std::move(target), std::move(spec));
  Reindex();
  return "";
}

CommandSpec& CommandRegistry::AddSub(std::string_view parent, CommandSpec spec) {
  CommandSpec& par = *cmds_.at(ToLower(parent));
  std::string sub = ToLower(spec.name);
  spec.full_name = par.full_name + "|" + sub;
  spec.id = next_id_++;
  spec.parent = &par;
  auto p = std::make_unique<CommandSpec>(std::move(spec));
  CommandSpec& ref = *p;
  auto [it, fresh] = par.subcommands.try_emplace(sub, nullptr);
  if (!fresh) duplicates_.push_back(ref.full_name);
  it->second = std::move(p);
  return ref;
}

namespace {

// FNV-1a over the ASCII-lowercased bytes.
uint64_t LowerHash(std::string_view name) {
  uint64_t h = 14695981039346656037ULL;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    c |= (c - 'A' < 26u) ? 0x20 : 0;
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

// `lower` is already lowercase; `name` is compared as if lowercased.
bool EqualsLower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); i++) {
    auto c = static_cast<unsigned char>(name[i]);
    c |= (c - 'A' < 26u) ? 0x20 : 0;
    if (c != static_cast<unsigned char>(lower[i])) return false;
  }
  return true;
}

}  // namespace

void CommandRegistry::Reindex() {
  size_t size = 16;
  while (size < cmds_.size() * 4) size *= 2;  // at most a quarter full: probes stay short
  index_.assign(size, Slot{});
  for (auto& [name, spec] : cmds_) {
    uint64_t h = LowerHash(name);
    size_t i = h & (size - 1);
    while (index_[i].spec != nullptr) i = (i + 1) & (size - 1);
    index_[i] = Slot{h, name, spec.get()};
  }
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  if (index_.empty()) return nullptr;
  uint64_t h = LowerHash(name);
  size_t mask = index_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.spec == nullptr) return nullptr;
    if (s.hash == h && EqualsLower(name, s.name)) return s.spec;
  }
}

const CommandSpec* CommandRegistry::FindByFullName(std::string_view full) const {
  size_t bar = full.find('|');
  const CommandSpec* c = Find(full.substr(0, bar));
  if (c == nullptr || bar == std::string_view::npos) return c;
  auto it = c->subcommands.find(ToLower(full.substr(bar + 1)));
  return it == c->subcommands.end() ? nullptr : it->second.get();
}

std::string CommandRegistry::Validate() const {
  auto check = [](const CommandSpec& c) -> std::string {
    if (!c.handler && c.subcommands.empty()) return c.full_name + ": no handler";
    if ((c.flags & kWrite) && (c.flags & kReadOnly)) return c.full_name + ": write and readonly";
    if (c.first_key > 0 && c.last_key > 0 && c.last_key < c.first_key)
      return c.full_name + ": last key before first key";
    if (c.first_key > 0 && c.step <= 0) return c.full_name + ": key step must be positive";
    if (c.arity == 0) return c.full_name + ": arity 0";
    if (((c.flags & kProtected) != 0) != (c.gate != CommandGate::kNone))
      return c.full_name + ": protected without a gate (use Gated)";
    return "";
  };
  if (!duplicates_.empty()) return duplicates_.front() + ": added twice";
  if (next_id_ > 1024) return "more commands than the ACL bitmaps hold";
  for (auto& [name, c] : cmds_) {
    if (auto e = check(*c); !e.empty()) return e;
    for (auto& [sname, s] : c->subcommands) {
      if (auto e = check(*s); !e.empty()) return e;
    }
  }
  return "";
}

void CommandRegistry::ResetStats() {
  auto reset = [](CommandStats& s) {
    s.calls.Reset();
    s.usec.Reset();
    s.histogram.Reset();
    s.rejected = 0;
    s.failed = 0;
  };
  for (auto& [name, c] : cmds_) {
    reset(*c->stats);
    for (auto& [sname, s] : c->subcommands) reset(*s->stats);
  }
}

}  // namespace carmine
