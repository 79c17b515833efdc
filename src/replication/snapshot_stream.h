// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// SnapshotStream: an RDB image on its way from the fork child to the replicas of a diskless
// sync (repl-diskless-sync). One producer appends what it reads from the child's pipe; each
// replica reads from its own position. Bytes are kept only until the slowest reader has them,
// and the producer waits while that reader is more than `window` bytes behind, so a slow
// replica slows the child down instead of the snapshot piling up in memory (as Redis stops
// reading the child's pipe while a replica's socket is full). A reader that leaves frees the
// others. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace carmine {

class SnapshotStream {
 public:
  // Told that reader `id` has new bytes (or the end) to read; called without the lock held.
  using Waker = std::function<void(uint64_t id)>;

  explicit SnapshotStream(size_t window) : window_(window) {}

  void set_waker(Waker w) { waker_ = std::move(w); }
  void AddReader(uint64_t id);
  void RemoveReader(uint64_t id);
  size_t readers() const;

  // Producer: appends, waiting first while the slowest reader is a window behind. Returns
  // false when nobody reads any more (the producer may stop reading the child).
  bool Append(std::string_view bytes);
  // The producer reached the end of the child's output.
  void EndOfData();
  // The child's outcome, known once it is collected: readers finish only after a success.
  void Finish(bool ok);

  enum class ReadState { kMore, kWait, kDone, kFailed };
  // Appends to *out up to `max` bytes for reader `id`. kWait: nothing now (woken later);
  // kDone: the whole image was read and the child succeeded; kFailed: the child failed.
  ReadState Read(uint64_t id, size_t max, std::string* out);
  uint64_t total() const;

 private:
  void TrimLocked();
  void Wake();

  const size_t window_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string buf_;     // bytes from offset base_ on
  uint64_t base_ = 0;
  uint64_t total_ = 0;  // bytes appended
  bool end_ = false;    // the producer saw the end of the child's output
  int outcome_ = 0;     // 0 unknown, 1 ok, -1 failed
  std::map<uint64_t, uint64_t> readers_;  // reader id -> next offset
  Waker waker_;
};

}  // namespace carmine
