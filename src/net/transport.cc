// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/transport.h"

#include <unistd.h>

#include <cerrno>

namespace carmine::net {

Transport::~Transport() {
  if (fd_ >= 0) close(fd_);
}

ssize_t PlainTransport::Read(void* buf, size_t n) {
  for (;;) {
    ssize_t r = read(fd_, buf, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

ssize_t PlainTransport::Write(const void* buf, size_t n) {
  // write(2) rather than send(): SIGPIPE is ignored process-wide, and write takes the shorter
  // path through the socket layer.
  for (;;) {
    ssize_t r = write(fd_, buf, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

}  // namespace carmine::net
