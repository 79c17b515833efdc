// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Authenticator: what AUTH, HELLO and RESET need from the user store. The ACL module (acl/, a
// layer above commands/) implements it; commands only bind sessions to users through it.
#pragma once

#include <string_view>

namespace carmine {

struct Session;

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // AUTH [user] password / HELLO AUTH: true and the session is authenticated as `user` when the
  // pair is valid and the user enabled; false otherwise (counted and written to the ACL log).
  virtual bool Authenticate(Session& s, std::string_view user, std::string_view password) = 0;
  // The default user takes no password (one-argument AUTH is then a usage error).
  virtual bool DefaultUserNoPass() const = 0;
  // A new connection, or RESET: the default user, authenticated when it is enabled and needs no
  // password.
  virtual void BindDefault(Session& s) = 0;
};

}  // namespace carmine
