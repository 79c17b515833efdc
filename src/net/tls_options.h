// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// TlsOptions: every TLS directive of Redis 7.2, declared once here (net/tls.h builds the OpenSSL
// contexts from them).
#pragma once

#include <climits>
#include <cstdint>

#include "base/config.h"

namespace carmine {

struct TlsOptions {
  explicit TlsOptions(config::Registry& r) : registry(r) {}

  config::Registry& registry;
  static constexpr int64_t kIMax = INT_MAX;

  config::Int<int> tls_port{registry, "tls-port", 0, 0, 65535};
  config::String tls_cert_file{registry, "tls-cert-file", ""};
  config::String tls_key_file{registry, "tls-key-file", ""};
  config::String tls_key_file_pass{registry, "tls-key-file-pass", "", config::kSensitive};
  config::String tls_client_cert_file{registry, "tls-client-cert-file", ""};
  config::String tls_client_key_file{registry, "tls-client-key-file", ""};
  config::String tls_client_key_file_pass{registry, "tls-client-key-file-pass", "",
                                          config::kSensitive};
  config::String tls_dh_params_file{registry, "tls-dh-params-file", ""};
  config::String tls_ca_cert_file{registry, "tls-ca-cert-file", ""};
  config::String tls_ca_cert_dir{registry, "tls-ca-cert-dir", ""};
  config::String tls_protocols{registry, "tls-protocols", ""};
  config::String tls_ciphers{registry, "tls-ciphers", ""};
  config::String tls_ciphersuites{registry, "tls-ciphersuites", ""};
  config::Enum tls_auth_clients{registry, "tls-auth-clients", 1,
                                {{"no", 0}, {"yes", 1}, {"optional", 2}}};
  config::Bool tls_prefer_server_ciphers{registry, "tls-prefer-server-ciphers", false};
  config::Bool tls_session_caching{registry, "tls-session-caching", true};
  config::Int<int> tls_session_cache_size{registry, "tls-session-cache-size", 20480, 0, kIMax};
  config::Int<int> tls_session_cache_timeout{registry, "tls-session-cache-timeout", 300, 0, kIMax};
  config::Bool tls_replication{registry, "tls-replication", false};
  config::Bool tls_cluster{registry, "tls-cluster", false};
  // Whether a TLS context is needed at all.
  bool enabled() const {
    return tls_port.get() != 0 || tls_replication.get() || tls_cluster.get();
  }
};

}  // namespace carmine
