// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// FileSink: output buffered in memory and written with plain write(2) once it passes 1 MB, so a
// forked child writing a snapshot or an AOF base makes few system calls and takes no lock. It can
// keep the running CRC-64 of what it wrote (the RDB trailer).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "persist/rdb_format.h"

namespace carmine {

class FileSink {
 public:
  FileSink(int fd, bool crc) : fd_(fd), track_crc_(crc) {}
  std::string& buf() { return buf_; }
  bool MaybeFlush() { return buf_.size() < (1 << 20) || Flush(); }
  bool Flush() {
    if (track_crc_) crc_ = rdb::Crc64(crc_, buf_.data(), buf_.size());
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t n = write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    buf_.clear();
    return true;
  }
  uint64_t crc() const { return crc_; }

 private:
  int fd_;
  bool track_crc_;
  std::string buf_;
  uint64_t crc_ = 0;
};

}  // namespace carmine
