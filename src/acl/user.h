// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// AclUser: one ACL user as ACL SETUSER builds it: enabled or not, its passwords (SHA-256 only,
// never the clear text), and its selectors. Users are values: a change builds a new AclUser and
// publishes it (see AclUserRef), so connections check commands against a consistent copy
// without locks on the data path.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "acl/selector.h"

namespace carmine {

class AclUser {
 public:
  AclUser(std::string name, bool all_channels) : name_(std::move(name)), root_(all_channels) {}

  // Applies one rule of ACL SETUSER / a `user` line. `all_channels` is acl-pubsub-default (for
  // `reset` and new selectors). Returns "" or the reason the rule is refused.
  std::string Apply(std::string_view rule, const CommandRegistry& reg, bool all_channels);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  bool skip_sanitize() const { return skip_sanitize_; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  const aclcore::Selector& root() const { return root_; }
  const std::vector<aclcore::Selector>& selectors() const { return selectors_; }
  // Every command, key and channel allowed: the per-command check has nothing to do.
  bool unrestricted() const { return root_.unrestricted(); }

  // Whether `password` opens this user (constant-time comparison of the hashes).
  bool CheckPassword(std::string_view password) const;
  // The `user ...` line of ACL LIST and the ACL file, without the leading "user ".
  std::string Describe() const;

 private:
  std::string name_;
  bool enabled_ = false, nopass_ = false, skip_sanitize_ = false;
  std::vector<std::string> passwords_;  // lowercase hex SHA-256
  aclcore::Selector root_;
  std::vector<aclcore::Selector> selectors_;
};

// The published, current version of a user, shared by every connection authenticated as it.
// Writers (ACL SETUSER/LOAD, CONFIG SET requirepass) replace the whole value under `mu` and bump
// `version`; a connection keeps its own copy and re-reads it only when the version moved, so the
// per-command cost is one relaxed load.
class AclUserRef {
 public:
  explicit AclUserRef(std::shared_ptr<const AclUser> u) : user_(std::move(u)) {}
  std::shared_ptr<const AclUser> Get() const {
    std::lock_guard<std::mutex> l(mu_);
    return user_;
  }
  void Set(std::shared_ptr<const AclUser> u) {
    std::lock_guard<std::mutex> l(mu_);
    user_ = std::move(u);
    version_.fetch_add(1, std::memory_order_release);
  }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // ACL DELUSER / ACL LOAD dropped the user: its connections are closed.
  std::atomic<bool> deleted{false};

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const AclUser> user_;
  std::atomic<uint64_t> version_{1};
};

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace carmine
