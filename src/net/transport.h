// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Transport: how bytes cross one connected socket. Every connection (clients', links to other
// servers, the replication stream, MIGRATE) reads and writes through one, so encryption is a
// question of which Transport a socket is given, not of the code above it: plain sockets now,
// TLS later behind the same calls. A Transport owns its descriptor and closes it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string_view>

namespace carmine::net {

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  virtual ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }
  // As read(2) and write(2): bytes moved; 0 from Read when the peer closed; -1 with errno set
  // otherwise (EAGAIN when the socket would block, EINTR is retried here).
  virtual ssize_t Read(void* buf, size_t n) = 0;
  virtual ssize_t Write(const void* buf, size_t n) = 0;
  // What CLIENT LIST and logs call the connection type.
  virtual std::string_view kind() const = 0;
  // Bytes already received and decrypted but not read yet (TLS): the socket will not signal
  // them, so the reader must come back for them.
  virtual size_t pending() const { return 0; }

 protected:
  int fd_;
};

// A plain TCP or unix socket.
class PlainTransport final : public Transport {
 public:
  using Transport::Transport;
  ssize_t Read(void* buf, size_t n) override;
  ssize_t Write(const void* buf, size_t n) override;
  std::string_view kind() const override { return "tcp"; }
};

inline std::unique_ptr<Transport> MakePlainTransport(int fd) {
  return std::make_unique<PlainTransport>(fd);
}

}  // namespace carmine::net
