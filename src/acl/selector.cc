// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "acl/selector.h"

#include <algorithm>

#include "base/strutil.h"

namespace carmine::aclcore {

namespace {
constexpr std::string_view kAfterAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kAfterAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kUnknownCommand = "Unknown command or category name in ACL";

template <typename Fn>
void ForEachSpec(const CommandRegistry& reg, Fn fn) {
  for (auto& [name, c] : reg.all()) {
    fn(*c);
    for (auto& [sname, s] : c->subcommands) fn(*s);
  }
}
}  // namespace

uint64_t CategoryByName(std::string_view name) {
  auto names = acl::CategoryNames(~0ull);
  for (size_t i = 0; i < names.size(); i++) {
    if (EqualsIgnoreCase(names[i], name)) return 1ull << i;
  }
  return 0;
}

void Selector::SetCommand(const CommandSpec& c, bool allow) {
  bits_.allowed[c.id] = allow;
  first_args_.erase(c.id);
  // A container's rule covers every subcommand.
  for (auto& [sname, s] : c.subcommands) {
    bits_.allowed[s->id] = allow;
    first_args_.erase(s->id);
  }
}

void Selector::SetCategory(uint64_t category, bool allow, const CommandRegistry& reg) {
  ForEachSpec(reg, [&](const CommandSpec& c) {
    if (c.AclCategories() & category) SetCommand(c, allow);
  });
}

void Selector::SetAll(bool allow, const CommandRegistry& reg) {
  ForEachSpec(reg, [&](const CommandSpec& c) { bits_.allowed[c.id] = allow; });
  first_args_.clear();
  rules_.clear();
  future_ = allow;
}

void Selector::RecordRule(std::string_view name, bool allow) {
  // A later rule for the same target replaces the earlier one; a whole-command rule also
  // replaces the rules for its subcommands and first arguments.
  bool whole = name.find('|') == std::string_view::npos && name[0] != '@';
  std::erase_if(rules_, [&](const std::string& r) {
    std::string_view target = std::string_view(r).substr(1);
    if (target == name) return true;
    return whole && target.size() > name.size() && target.substr(0, name.size()) == name &&
           target[name.size()] == '|';
  });
  rules_.push_back(std::string(allow ? "+" : "-") + std::string(name));
}

void Selector::RecomputeAllSet(const CommandRegistry& reg) {
  bool all = true;
  ForEachSpec(reg, [&](const CommandSpec& c) { all = all && bits_.allowed[c.id]; });
  bits_.all_set = all;
}

std::string Selector::Apply(std::string_view rule, const CommandRegistry& reg) {
  std::string err = [&]() -> std::string {
    if (EqualsIgnoreCase(rule, "allkeys") || rule == "~*") {
      all_keys_ = true;
      keys_.clear();
      return "";
    }
    if (EqualsIgnoreCase(rule, "resetkeys")) {
      all_keys_ = false;
      keys_.clear();
      return "";
    }
    if (EqualsIgnoreCase(rule, "allchannels") || rule == "&*") {
      all_channels_ = true;
      channels_.clear();
      return "";
    }
    if (EqualsIgnoreCase(rule, "resetchannels")) {
      all_channels_ = false;
      channels_.clear();
      return "";
    }
    if (EqualsIgnoreCase(rule, "allcommands") || EqualsIgnoreCase(rule, "+@all")) {
      SetAll(true, reg);
      return "";
    }
    if (EqualsIgnoreCase(rule, "nocommands") || EqualsIgnoreCase(rule, "-@all")) {
      SetAll(false, reg);
      return "";
    }
    if (rule.empty()) return "Syntax error";
    if (rule[0] == '~' || rule[0] == '%') {
      uint8_t perms = kPermAll;
      std::string_view pattern = rule.substr(1);
      if (rule[0] == '%') {
        size_t tilde = rule.find('~');
        if (tilde == std::string_view::npos || tilde == 1) return "Syntax error";
        perms = 0;
        for (char f : rule.substr(1, tilde - 1)) {
          if (f == 'R' || f == 'r') {
            perms |= kPermRead;
          } else if (f == 'W' || f == 'w') {
            perms |= kPermWrite;
          } else {
            return "Syntax error";
          }
        }
        pattern = rule.substr(tilde + 1);
      }
      if (all_keys_) return std::string(kAfterAllKeys);
      if (pattern == "*" && perms == kPermAll) {
        all_keys_ = true;
        keys_.clear();
        return "";
      }
      for (auto& k : keys_) {
        if (k.pattern == pattern) {
          k.perms |= perms;
          return "";
        }
      }
      keys_.push_back({std::string(pattern), perms});
      return "";
    }
    if (rule[0] == '&') {
      if (all_channels_) return std::string(kAfterAllChannels);
      std::string ch(rule.substr(1));
      if (std::find(channels_.begin(), channels_.end(), ch) == channels_.end()) {
        channels_.push_back(std::move(ch));
      }
      return "";
    }
    if (rule[0] != '+' && rule[0] != '-') return "Syntax error";
    const bool allow = rule[0] == '+';
    std::string name = ToLower(rule.substr(1));
    if (!name.empty() && name[0] == '@') {
      uint64_t cat = CategoryByName(std::string_view(name).substr(1));
      if (cat == 0) return std::string(kUnknownCommand);
      SetCategory(cat, allow, reg);
      RecordRule(name, allow);
      return "";
    }
    size_t bar = name.find('|');
    if (bar == std::string::npos) {
      const CommandSpec* c = reg.Find(name);
      if (c == nullptr) return std::string(kUnknownCommand);
      SetCommand(*c, allow);
      RecordRule(name, allow);
      return "";
    }
    const CommandSpec* parent = reg.Find(std::string_view(name).substr(0, bar));
    if (parent == nullptr) return std::string(kUnknownCommand);
    std::string_view rest = std::string_view(name).substr(bar + 1);
    if (rest.empty()) return "Syntax error";
    if (parent->is_container()) {
      size_t bar2 = rest.find('|');
      auto it = parent->subcommands.find(rest.substr(0, bar2));
      if (it == parent->subcommands.end()) return std::string(kUnknownCommand);
      if (bar2 != std::string_view::npos) {
        return "Allowing first-arg of a subcommand is not supported";
      }
      SetCommand(*it->second, allow);
      RecordRule(name, allow);
      return "";
    }
    // A first argument of a plain command (`+select|0`): only allowing makes sense.
    if (!allow) return std::string(kUnknownCommand);
    if (rest.find('|') != std::string_view::npos) return std::string(kUnknownCommand);
    if (!bits_.allowed[parent->id]) {
      auto& args = first_args_[parent->id];
      if (std::find(args.begin(), args.end(), rest) == args.end()) args.emplace_back(rest);
    }
    RecordRule(name, allow);
    return "";
  }();
  RecomputeAllSet(reg);
  return err;
}

bool Selector::AllowsCommand(const CommandSpec* spec, ArgList args) const {
  if (bits_.allowed[spec->id]) return true;
  if (args.size() < 2 || first_args_.empty()) return false;
  auto it = first_args_.find(spec->id);
  if (it == first_args_.end()) return false;
  for (auto& a : it->second) {
    if (EqualsIgnoreCase(a, args[1])) return true;
  }
  return false;
}

bool Selector::AllowsKey(std::string_view key, uint8_t key_perms) const {
  if (all_keys_) return true;
  for (auto& k : keys_) {
    if ((k.perms & key_perms) != key_perms) continue;
    if (GlobMatch(k.pattern, key)) return true;
  }
  return false;
}

bool Selector::ReadsEveryKey() const {
  if (all_keys_) return true;
  for (auto& k : keys_) {
    if (k.pattern == "*" && (k.perms & kPermRead)) return true;
  }
  return false;
}

bool Selector::AllowsChannel(std::string_view channel, bool is_pattern) const {
  if (all_channels_) return true;
  for (auto& c : channels_) {
    if (is_pattern ? c == channel : GlobMatch(c, channel)) return true;
  }
  return false;
}

std::string Selector::DescribeCommands() const {
  std::string out = future_ ? "+@all" : "-@all";
  for (auto& r : rules_) out += " " + r;
  return out;
}

std::string Selector::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (auto& k : keys_) {
    if (!out.empty()) out += ' ';
    if (k.perms == kPermRead) {
      out += "%R";
    } else if (k.perms == kPermWrite) {
      out += "%W";
    }
    out += '~';
    out += k.pattern;
  }
  return out;
}

std::string Selector::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (auto& c : channels_) {
    if (!out.empty()) out += ' ';
    out += '&' + c;
  }
  return out;
}

std::string Selector::Describe() const {
  std::string out = DescribeKeys();
  if (!out.empty()) out += ' ';
  if (all_channels_) {
    out += "&*";
  } else {
    out += "resetchannels";
    if (!channels_.empty()) out += ' ' + DescribeChannels();
  }
  out += ' ' + DescribeCommands();
  return out;
}

}  // namespace carmine::aclcore
