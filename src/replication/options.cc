// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "replication/options.h"

#include "base/strutil.h"

namespace carmine {

ReplicationOptions::ReplicationOptions(config::Registry& r)
    : registry(r),
      replicaof(
          r, "replicaof", config::kImmutable | config::kMultiArg,
          [this](config::Words w, config::Source) -> std::string {
            if (w.size() != 2) return "wrong number of arguments";
            if (EqualsIgnoreCase(w[0], "no") && EqualsIgnoreCase(w[1], "one")) {
              std::lock_guard<std::mutex> l(mu_);
              master_host_.clear();
              master_port_ = 0;
              return "";
            }
            int64_t port;
            if (!ParseInt64(w[1], &port) || port < 0 || port > 65535) return "Invalid master port";
            std::lock_guard<std::mutex> l(mu_);
            master_host_ = std::string(w[0]);
            master_port_ = static_cast<int>(port);
            return "";
          },
          [this] {
            std::lock_guard<std::mutex> l(mu_);
            return master_host_.empty() ? std::string()
                                        : master_host_ + " " + std::to_string(master_port_);
          },
          {"slaveof"},
          [this]() -> std::vector<std::string> {
            std::string v = replicaof.Get();
            if (v.empty()) return {};
            return {v};
          }) {}

}  // namespace carmine
