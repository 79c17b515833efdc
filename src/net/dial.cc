// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/dial.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"

namespace carmine::net {
namespace {

// Binds `fd` to `source_addr` (any port), as bind-source-addr asks for outgoing connections.
bool BindSource(int fd, int family, const std::string& source_addr, std::string* err) {
  struct addrinfo hints {}, *res = nullptr;
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  if (getaddrinfo(source_addr.c_str(), nullptr, &hints, &res) != 0) {
    *err = "Invalid bind-source-addr '" + source_addr + "'";
    return false;
  }
  bool ok = bind(fd, res->ai_addr, res->ai_addrlen) == 0;
  if (!ok) *err = strerror(errno);
  freeaddrinfo(res);
  return ok;
}

// Waits until `fd` is ready for `events` or the deadline passes. false with errno ETIMEDOUT on
// the deadline, or with poll's errno.
bool WaitReady(int fd, short events, int64_t deadline_us) {
  for (;;) {
    int64_t left_us = deadline_us - clock::MonotonicUs();
    if (left_us <= 0) {
      errno = ETIMEDOUT;
      return false;
    }
    struct pollfd p {};
    p.fd = fd;
    p.events = events;
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>((left_us + 999) / 1000, 1 << 30)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<int> StartConnect(const std::string& host, int port, const std::string& source_addr) {
  struct addrinfo hints {}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string portstr = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), portstr.c_str(), &hints, &res); rc != 0) {
    return Status::Error(gai_strerror(rc));
  }
  std::string err = "no usable address";
  int fd = -1;
  // The first address that a connect can start on wins (IPv4 or IPv6, as the name resolves).
  for (auto* p = res; p != nullptr; p = p->ai_next) {
    fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
    if (fd < 0) {
      err = strerror(errno);
      continue;
    }
    if ((source_addr.empty() || BindSource(fd, p->ai_family, source_addr, &err)) &&
        (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS)) {
      break;
    }
    if (err == "no usable address" || source_addr.empty()) err = strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return Status::Error(err);
  return fd;
}

Status FinishConnect(int fd) {
  int soerr = 0;
  socklen_t len = sizeof(soerr);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
  if (soerr != 0) return Status::Error(strerror(soerr));
  return Status::Ok();
}

Result<int> ConnectWithTimeout(const std::string& host, int port, const std::string& source_addr,
                               int64_t timeout_ms, bool* answered) {
  if (answered != nullptr) *answered = false;
  int64_t deadline = clock::MonotonicUs() + timeout_ms * 1000;
  Result<int> r = StartConnect(host, port, source_addr);
  if (!r.ok()) return r;
  int fd = r.value();
  if (!WaitReady(fd, POLLOUT, deadline)) {
    std::string e = strerror(errno);
    close(fd);
    return Status::Error(e);
  }
  if (Status s = FinishConnect(fd); !s.ok()) {
    if (answered != nullptr) *answered = true;
    close(fd);
    return s;
  }
  return fd;
}

bool SyncWrite(Transport& t, std::string_view data, int64_t deadline_us) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = t.Write(data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!WaitReady(t.fd(), POLLOUT, deadline_us)) return false;
  }
  return true;
}

ssize_t SyncRead(Transport& t, IoBuffer* in, int64_t deadline_us) {
  for (;;) {
    in->Reserve(16 * 1024);
    ssize_t n = t.Read(in->write_ptr(), in->writable());
    if (n >= 0) {
      in->Commit(static_cast<size_t>(n));
      return n;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!WaitReady(t.fd(), POLLIN, deadline_us)) return -1;
  }
}

}  // namespace carmine::net
