// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "acl/acl.h"

#include <openssl/crypto.h>

#include "base/strutil.h"

namespace carmine {

Acl::Acl(config::Registry& r)
    : registry(r),
      aclfile(r, "aclfile", "", config::kImmutable, {}, [](const std::string& v) -> std::string {
        if (v.empty()) return "";
        return "ACL users are not available in this server yet: 'aclfile' needs them";
      }) {
  // `user default ...` lines that keep the default user as it is are accepted; any other user
  // needs the ACL capability.
  r.AddDirective("user", [](config::Words args) -> std::string {
    if (args.empty()) return "Bad directive or wrong number of arguments";
    if (args[0] != "default") {
      return "ACL users are not available in this server yet: 'user " + args[0] + "' needs them";
    }
    for (size_t i = 1; i < args.size(); i++) {
      const std::string& a = args[i];
      if (a == "on" || a == "nopass" || a == "~*" || a == "&*" || a == "+@all" || a == "allkeys" ||
          a == "allchannels" || a == "allcommands" || a == "reset" || a == "resetchannels") {
        continue;
      }
      return "ACL rules are not available in this server yet: 'user default' takes only "
             "'on nopass ~* &* +@all'";
    }
    return "";
  });
}

bool Acl::Authenticate(std::string_view user, std::string_view password) const {
  std::string required = requirepass.get();
  // Constant time, so the reply time does not tell how much of a guess was right.
  bool ok = user == "default" &&
            (required.empty() || (password.size() == required.size() &&
                                  CRYPTO_memcmp(password.data(), required.data(),
                                                required.size()) == 0));
  if (!ok) denied_auth_.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

}  // namespace carmine
