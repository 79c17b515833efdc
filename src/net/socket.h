// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Socket helpers: listening sockets for TCP (IPv4/IPv6) and unix paths, socket options, and
// printable peer addresses in Redis's "ip:port" form. All sockets are non-blocking and
// close-on-exec. Errors come back as Status with errno text.
#pragma once

#include <string>

#include "base/status.h"

namespace carmine::net {

// Listens on addr:port. A leading '-' on addr (Redis's "-::1") means "optional": failure to bind
// an unavailable address family is not an error and returns -1 with an ok status.
Result<int> ListenTcp(const std::string& addr, int port, int backlog);
Result<int> ListenUnix(const std::string& path, int perm, int backlog);
void SetNonBlocking(int fd);
void SetNoDelay(int fd);
void SetKeepAlive(int fd, int interval);
// "ip:port" of the peer / local end; "/path:0" for unix sockets.
std::string PeerName(int fd);
std::string SockName(int fd);
bool IsLoopbackPeer(int fd);

}  // namespace carmine::net
