// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Acl: who may connect and run what. Today that is the `default` user and its password
// (`requirepass`); the ACL directives Redis 7.2 has are declared here so stock configs start,
// and a value that would need users other than `default` (an `aclfile`, a `user` line) is
// refused at startup with a message that names the missing capability.
//
// The dispatcher asks this module before a command runs (CheckCommand), the way Redis's ACL
// check sits in processCommand; with only the default user every command is allowed.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/config.h"

namespace carmine {

class Acl {
 public:
  explicit Acl(config::Registry& r);

  // AUTH [user] password / HELLO AUTH: true when the pair is valid. Only `default` exists.
  // Failures count in INFO acl_access_denied_auth.
  bool Authenticate(std::string_view user, std::string_view password) const;
  uint64_t denied_auth() const { return denied_auth_.load(std::memory_order_relaxed); }
  // New connections start authenticated when the default user needs no password.
  bool DefaultUserNoPass() const { return requirepass.empty(); }
  std::string DefaultPassword() const { return requirepass.get(); }

  config::Registry& registry;
  config::String requirepass{registry, "requirepass", "", config::kSensitive};
  config::String aclfile;
  config::Int<int64_t> acllog_max_len{registry, "acllog-max-len", 128, 0, LLONG_MAX};
  config::Enum acl_pubsub_default{registry, "acl-pubsub-default", 0,
                                  {{"allchannels", 1}, {"resetchannels", 0}}};

 private:
  mutable std::atomic<uint64_t> denied_auth_{0};
};

}  // namespace carmine
