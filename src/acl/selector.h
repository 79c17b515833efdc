// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Selector: one set of permissions of an ACL user: which commands (by command id, with optional
// allowed first arguments such as `+select|0`), which keys (glob patterns with read and/or write
// permission), which pub/sub channels. A user has a root selector and any number of extra ones
// (`(...)` rules); a command is allowed when one selector allows all of it.
//
// The command rules are also kept as the ordered list of rules that produced them, with a rule
// replacing an earlier rule for the same command or category, because that list is what ACL LIST
// and ACL GETUSER print (Redis users diff and store those lines, so they must read the same).
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "commands/registry.h"

namespace carmine::aclcore {

inline constexpr size_t kMaxCommands = 1024;

// Permission bits of a key pattern.
enum KeyPerm : uint8_t { kPermRead = 1, kPermWrite = 2, kPermAll = 3 };

// Why a selector refused a command; ordered so the most specific reason wins when every selector
// refuses (a key refusal says more than a command refusal).
enum class Denied : uint8_t { kNone = 0, kCommand = 1, kKey = 2, kChannel = 4 };

struct KeyPattern {
  std::string pattern;
  uint8_t perms = kPermAll;
};

class Selector {
 public:
  // A new selector allows nothing; `all_channels` follows acl-pubsub-default for users created
  // from now on.
  explicit Selector(bool all_channels = false) : all_channels_(all_channels) {}

  // Applies one rule (`+get`, `~key*`, `%R~x`, `&chan`, `allkeys`, ...). Returns "" or the reason
  // the rule is refused (the text Redis puts after "Error in ACL SETUSER modifier '...': ").
  std::string Apply(std::string_view rule, const CommandRegistry& reg);

  // Permission checks. `key_perms` as KeyPerm (0: the key is only named, not read or written).
  bool AllowsCommand(const CommandSpec* spec, ArgList args) const;
  bool AllowsKey(std::string_view key, uint8_t key_perms) const;
  // A channel, or for PSUBSCRIBE a pattern (which must equal an allowed pattern literally).
  bool AllowsChannel(std::string_view channel, bool is_pattern) const;

  bool all_commands() const { return future_ && bits_.all_set; }
  bool all_keys() const { return all_keys_; }
  // Every key may be read (`~*`, `%R~*`): what SORT BY/GET patterns need.
  bool ReadsEveryKey() const;
  bool all_channels() const { return all_channels_; }
  // The whole selector is "+@all ~* &*": checks can be skipped.
  bool unrestricted() const { return all_commands() && all_keys_ && all_channels_; }

  // The three parts as ACL GETUSER shows them, and the whole selector as ACL LIST shows it.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;  // "&a &b", "&*" or ""
  std::string Describe() const;          // keys, channels (with resetchannels), commands

  const std::vector<std::string>& channels() const { return channels_; }

 private:
  struct Bits {
    std::bitset<kMaxCommands> allowed;
    bool all_set = false;  // every command of the table is allowed (kept in step with `allowed`)
  };
  void SetCommand(const CommandSpec& c, bool allow);
  void SetCategory(uint64_t category, bool allow, const CommandRegistry& reg);
  void SetAll(bool allow, const CommandRegistry& reg);
  void RecordRule(std::string_view name, bool allow);
  void RecomputeAllSet(const CommandRegistry& reg);

  Bits bits_;
  bool future_ = false;  // set by +@all: commands added to the table later are allowed too
  std::map<uint32_t, std::vector<std::string>> first_args_;  // command id -> allowed argv[1]
  std::vector<std::string> rules_;                           // "+get", "-@hash", ...
  std::vector<KeyPattern> keys_;
  bool all_keys_ = false;
  std::vector<std::string> channels_;
  bool all_channels_;
};

// Category name ("hash") to its bit; 0 when unknown.
uint64_t CategoryByName(std::string_view name);

}  // namespace carmine::aclcore
