// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace carmine::net {

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void SetNoDelay(int fd) {
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
}

void SetKeepAlive(int fd, int interval) {
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
  if (interval <= 0) return;
  int idle = interval, intvl = interval / 3 > 0 ? interval / 3 : 1, cnt = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

Result<int> ListenTcp(const std::string& addr_in, int port, int backlog) {
  bool optional = !addr_in.empty() && addr_in[0] == '-';
  std::string addr = optional ? addr_in.substr(1) : addr_in;
  struct addrinfo hints {
  }, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  std::string host = addr;
  if (addr == "*") {
    host = "0.0.0.0";
  } else if (addr == "::*") {
    host = "::";
  }
  std::string portstr = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), portstr.c_str(), &hints, &res);
  if (rc != 0) {
    if (optional) return -1;
    return Status::Error(std::string("Invalid bind address '") + addr + "': " + gai_strerror(rc));
  }
  int fd = -1;
  std::string error;
  for (auto* p = res; p != nullptr; p = p->ai_next) {
    fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
    if (fd < 0) {
      error = strerror(errno);
      continue;
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
    if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
    error = strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    if (optional && (error == strerror(EADDRNOTAVAIL) || error == strerror(EAFNOSUPPORT)))
      return -1;
    return Status::Error("Could not create server TCP listening socket " + addr + ":" + portstr +
                         ": " + error);
  }
  return fd;
}

Result<int> ListenUnix(const std::string& path, int perm, int backlog) {
  struct sockaddr_un sa {};
  if (path.size() >= sizeof(sa.sun_path)) return Status::Error("unixsocket path too long");
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path.c_str(), path.size());
  unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::Error(strerror(errno));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || listen(fd, backlog) != 0) {
    std::string e = strerror(errno);
    close(fd);
    return Status::Error("Failed opening Unix socket: " + e);
  }
  if (perm != 0) chmod(path.c_str(), static_cast<mode_t>(perm));
  return fd;
}

namespace {
std::string Format(const sockaddr_storage& ss, socklen_t len, bool peer, int fd) {
  char ip[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(s->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(s->sin6_port));
  }
  if (ss.ss_family == AF_UNIX) {
    auto* s = reinterpret_cast<const sockaddr_un*>(&ss);
    std::string path = len > sizeof(sa_family_t) ? s->sun_path : "";
    return path + ":0";
  }
  return "?:0";
}
}  // namespace

std::string PeerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  return Format(ss, len, true, fd);
}

std::string SockName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  return Format(ss, len, false, fd);
}

bool IsLoopbackPeer(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  if (ss.ss_family == AF_UNIX) return true;
  if (ss.ss_family == AF_INET) {
    auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
  }
  return false;
}

}  // namespace carmine::net
