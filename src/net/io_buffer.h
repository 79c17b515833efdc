// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// IoBuffer: a growable byte buffer for socket input. Unlike std::string it grows without
// zero-filling, so reading 16 KB from a socket costs a read, not a memset plus a read. Consumed
// bytes are dropped from the front by compaction when that is cheap (little unread data left).
#pragma once

#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/logging.h"

namespace carmine {

class IoBuffer {
 public:
  IoBuffer() = default;
  ~IoBuffer() { free(data_); }
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;

  const char* data() const { return data_ + start_; }
  size_t size() const { return end_ - start_; }
  size_t capacity() const { return cap_; }
  // Writable space after the data; at least `n` bytes once Reserve(n) returned.
  char* write_ptr() { return data_ + end_; }
  size_t writable() const { return cap_ - end_; }
  // Room not holding unread data: writable() plus what was consumed ahead of the data (taken
  // back by the next Reserve that needs it).
  size_t spare() const { return cap_ - (end_ - start_); }
  void Commit(size_t n) { end_ += n; }
  void Consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }
  void Reserve(size_t n) {
    if (cap_ - end_ >= n) return;
    // Move unread bytes to the front when that frees enough room.
    if (start_ > 0 && cap_ - (end_ - start_) >= n) {
      memmove(data_, data_ + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
      return;
    }
    size_t need = (end_ - start_) + n;
    size_t ncap = cap_ == 0 ? 16384 : cap_;
    while (ncap < need) ncap *= 2;
    // A large block asked for at once (the rest of a big argument) is allocated to size, as
    // Redis sizes its query buffer for a big bulk: doubling would hold up to twice the argument.
    if (n >= kExactGrowth) ncap = need;
    Resize(ncap);
  }
  static constexpr size_t kExactGrowth = 32 * 1024;

  // Reallocates to `ncap` bytes (at least size(); 0 frees an empty buffer), keeping the data.
  void Resize(size_t ncap) {
    if (ncap < size()) ncap = size();
    if (ncap == cap_ && start_ == 0) return;
    char* nd = nullptr;
    if (ncap > 0) {
      nd = static_cast<char*>(malloc(ncap));
      if (nd == nullptr) log::OutOfMemory(ncap);
      if (end_ > start_) memcpy(nd, data_ + start_, end_ - start_);
    }
    free(data_);
    data_ = nd;
    end_ -= start_;
    start_ = 0;
    cap_ = ncap;
  }

 private:
  char* data_ = nullptr;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

}  // namespace carmine
