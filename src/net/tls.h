// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// TLS with OpenSSL: a TlsContext is built from the tls-* directives (certificate, key, CAs,
// protocols, ciphers, client authentication, session cache) and makes TlsTransports, the
// encrypted counterpart of PlainTransport. The server side wraps connections accepted on
// tls-port; the client side wraps links this server opens (replication with tls-replication).
//
// Contexts are immutable once built: CONFIG SET of a tls-* directive (or of the same value, to
// re-read rotated files) builds new ones and swaps the shared pointer, so connections already
// open keep the context they started with and no lock is taken on the data path.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "net/tls_options.h"
#include "net/transport.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace carmine::net {

class TlsContext {
 public:
  // Builds the server and client contexts from the options. Null with *err set (and the
  // OpenSSL reason logged) when a file cannot be read or a setting is refused.
  static std::shared_ptr<TlsContext> Create(const TlsOptions& o, std::string* err);
  TlsContext() = default;
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A transport for an accepted connection (server side) or one this server opened (client
  // side). The handshake runs on the first Read/Write. Takes ownership of fd.
  std::unique_ptr<Transport> Accept(int fd) const;
  std::unique_ptr<Transport> Connect(int fd) const;

 private:
  SSL_CTX* server_ = nullptr;
  SSL_CTX* client_ = nullptr;
};

// The context in force, swapped as a whole when the configuration changes.
class TlsState {
 public:
  std::shared_ptr<TlsContext> get() const {
    std::lock_guard<std::mutex> l(mu_);
    return ctx_;
  }
  void set(std::shared_ptr<TlsContext> c) {
    std::lock_guard<std::mutex> l(mu_);
    ctx_ = std::move(c);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<TlsContext> ctx_;
};

}  // namespace carmine::net
