// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/logging.h"

namespace carmine::net {

namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// tls-protocols: "TLSv1.2 TLSv1.3" (any of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3); empty: 1.2 and 1.3.
bool ProtocolRange(const std::string& spec, int* lo, int* hi) {
  if (spec.empty()) {
    *lo = TLS1_2_VERSION;
    *hi = TLS1_3_VERSION;
    return true;
  }
  *lo = 0;
  *hi = 0;
  std::istringstream in(spec);
  std::string w;
  while (in >> w) {
    int v = 0;
    if (strcasecmp(w.c_str(), "tlsv1") == 0)
      v = TLS1_VERSION;
    else if (strcasecmp(w.c_str(), "tlsv1.1") == 0)
      v = TLS1_1_VERSION;
    else if (strcasecmp(w.c_str(), "tlsv1.2") == 0)
      v = TLS1_2_VERSION;
    else if (strcasecmp(w.c_str(), "tlsv1.3") == 0)
      v = TLS1_3_VERSION;
    else
      return false;
    if (*lo == 0 || v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
  return *lo != 0;
}

int PasswordCallback(char* buf, int size, int, void* user) {
  const std::string* pass = static_cast<const std::string*>(user);
  if (pass == nullptr || pass->empty()) return 0;
  int n = std::min<int>(size, static_cast<int>(pass->size()));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

// What both sides share: protocols, ciphers, the certificate and key, the CAs.
bool Configure(SSL_CTX* ctx, const TlsOptions& o, bool server, std::string* err) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
  SSL_CTX_set_options(ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
  // The reply buffer may move between a partial write and its retry.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  int lo = 0, hi = 0;
  if (!ProtocolRange(o.tls_protocols.get(), &lo, &hi)) {
    *err =
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
        "and 'TLSv1.3'.";
    return false;
  }
  SSL_CTX_set_min_proto_version(ctx, lo);
  SSL_CTX_set_max_proto_version(ctx, hi);
  if (o.tls_prefer_server_ciphers.get()) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  std::string ciphers = o.tls_ciphers.get(), suites = o.tls_ciphersuites.get();
  if (!ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, ciphers.c_str())) {
    *err = "Failed to configure ciphers: " + OpenSslError();
    return false;
  }
  if (!suites.empty() && !SSL_CTX_set_ciphersuites(ctx, suites.c_str())) {
    *err = "Failed to configure ciphersuites: " + OpenSslError();
    return false;
  }
  std::string cert = o.tls_cert_file.get(), key = o.tls_key_file.get();
  static thread_local std::string pass;  // read by the callback during the load below
  pass = o.tls_key_file_pass.get();
  if (!server && !o.tls_client_cert_file.get().empty()) {
    cert = o.tls_client_cert_file.get();
    key = o.tls_client_key_file.get();
    pass = o.tls_client_key_file_pass.get();
  }
  if (!cert.empty()) {
    SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &pass);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) <= 0) {
      *err = "Failed to load certificate: " + cert + ": " + OpenSslError();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) <= 0) {
      *err = "Failed to load private key: " + key + ": " + OpenSslError();
      return false;
    }
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  }
  std::string ca_file = o.tls_ca_cert_file.get(), ca_dir = o.tls_ca_cert_dir.get();
  if (!ca_file.empty() || !ca_dir.empty()) {
    if (!SSL_CTX_load_verify_locations(ctx, ca_file.empty() ? nullptr : ca_file.c_str(),
                                       ca_dir.empty() ? nullptr : ca_dir.c_str())) {
      *err = "Failed to configure CA certificate(s) file/directory: " + OpenSslError();
      return false;
    }
  }
  return true;
}

// A TLS connection over a non-blocking socket: the handshake, then SSL_read/SSL_write with
// "would block" mapped to EAGAIN so the connection code treats it as a plain socket.
class TlsTransport final : public Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : Transport(fd), ssl_(ssl) { SSL_set_fd(ssl_, fd); }
  ~TlsTransport() override { SSL_free(ssl_); }

  ssize_t Read(void* buf, size_t n) override {
    if (!Handshake()) return -1;
    int r = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(n, INT32_MAX)));
    return r > 0 ? r : Failed(r);
  }
  ssize_t Write(const void* buf, size_t n) override {
    if (!Handshake()) return -1;
    int r = SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(n, INT32_MAX)));
    return r > 0 ? r : Failed(r);
  }
  std::string_view kind() const override { return "tls"; }
  size_t pending() const override { return static_cast<size_t>(SSL_pending(ssl_)); }

 private:
  bool Handshake() {
    if (done_) return true;
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      done_ = true;
      return true;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return false;
    }
    LOG_VERBOSE("Error accepting a client connection: %s", OpenSslError().c_str());
    errno = ECONNRESET;
    return false;
  }
  ssize_t Failed(int r) {
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) return 0;
    ERR_clear_error();
    if (e != SSL_ERROR_SYSCALL) errno = ECONNRESET;
    return -1;
  }

  SSL* ssl_;
  bool done_ = false;
};

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Create(const TlsOptions& o, std::string* err) {
  auto c = std::make_shared<TlsContext>();
  c->server_ = SSL_CTX_new(TLS_server_method());
  c->client_ = SSL_CTX_new(TLS_client_method());
  if (c->server_ == nullptr || c->client_ == nullptr) {
    *err = "Failed to create TLS context: " + OpenSslError();
    return nullptr;
  }
  if (o.tls_cert_file.get().empty() || o.tls_key_file.get().empty()) {
    *err = "No tls-cert-file or tls-key-file configured";
    return nullptr;
  }
  int auth = o.tls_auth_clients.get();
  bool need_ca = auth != 0 || o.tls_replication.get() || o.tls_cluster.get();
  if (need_ca && o.tls_ca_cert_file.get().empty() && o.tls_ca_cert_dir.get().empty()) {
    *err =
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!";
    return nullptr;
  }
  if (!Configure(c->server_, o, true, err) || !Configure(c->client_, o, false, err)) {
    return nullptr;
  }
  std::string dh = o.tls_dh_params_file.get();
  if (!dh.empty()) {
    BIO* f = BIO_new_file(dh.c_str(), "r");
    EVP_PKEY* params = f ? PEM_read_bio_Parameters(f, nullptr) : nullptr;
    if (f) BIO_free(f);
    if (params == nullptr || !SSL_CTX_set0_tmp_dh_pkey(c->server_, params)) {
      if (params) EVP_PKEY_free(params);
      *err = "Failed to load DH params file: " + dh + ": " + OpenSslError();
      return nullptr;
    }
  } else {
    SSL_CTX_set_dh_auto(c->server_, 1);
  }
  SSL_CTX_set_verify(c->server_,
                     auth == 1   ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                     : auth == 2 ? SSL_VERIFY_PEER
                                 : SSL_VERIFY_NONE,
                     nullptr);
  SSL_CTX_set_verify(c->client_, SSL_VERIFY_PEER, nullptr);
  if (o.tls_session_caching.get()) {
    static const unsigned char kSid[] = "carmine";
    SSL_CTX_set_session_cache_mode(c->server_, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c->server_, o.tls_session_cache_size.get());
    SSL_CTX_set_timeout(c->server_, o.tls_session_cache_timeout.get());
    SSL_CTX_set_session_id_context(c->server_, kSid, sizeof(kSid) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(c->server_, SSL_SESS_CACHE_OFF);
  }
  return c;
}

TlsContext::~TlsContext() {
  if (server_) SSL_CTX_free(server_);
  if (client_) SSL_CTX_free(client_);
}

std::unique_ptr<Transport> TlsContext::Accept(int fd) const {
  SSL* ssl = SSL_new(server_);
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsTransport>(fd, ssl);
}

std::unique_ptr<Transport> TlsContext::Connect(int fd) const {
  SSL* ssl = SSL_new(client_);
  SSL_set_connect_state(ssl);
  return std::make_unique<TlsTransport>(fd, ssl);
}

}  // namespace carmine::net
