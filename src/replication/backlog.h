// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplBacklog: the replication stream's recent bytes, addressed by stream offset as Redis numbers
// them (master_repl_offset is the offset of the last byte written; a reader asks for the offset
// of the next byte it wants, last + 1). Every replica is fed from here, so the stream is held
// once whatever the number of replicas; the backlog keeps at least `repl-backlog-size` bytes of
// history for partial resyncs, and beyond that whatever a connected replica has not been sent
// yet (Redis 7 shares one replication buffer between its backlog and its replicas the same way).
// Thread-safe: writers append under the propagation order, readers copy from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace carmine {

class ReplBacklog {
 public:
  explicit ReplBacklog(uint64_t size, uint64_t start_offset = 0);

  // Appends stream bytes.
  void Append(std::string_view bytes);
  // Drops everything held and every reader: the stream continues after `end_offset` (a replica
  // that loaded its master's snapshot takes over the master's offset).
  void Reset(uint64_t end_offset);
  // master_repl_offset: offset of the last byte appended (the start offset when none).
  uint64_t end_offset() const;
  // repl_backlog_first_byte_offset: the oldest byte still held (end + 1 when nothing is).
  uint64_t first_offset() const;
  // repl_backlog_histlen: bytes held, all usable for partial resyncs. As in Redis 7 (whose
  // backlog and replica buffers are one), that is more than the configured size while a slow
  // replica still needs older bytes, and up to one chunk more otherwise (whole chunks are freed).
  uint64_t histlen() const;
  // Memory held in all, what readers still need included (mem_total_replication_buffers):
  // the chunks' allocations, the unfilled end of the newest one counted, as maxmemory sees it.
  uint64_t held_bytes() const;
  uint64_t size() const;
  void set_size(uint64_t size);

  // Whether a reader may continue from `from` (the offset of the next byte it wants): every
  // byte from there to the end is held.
  bool CanServe(uint64_t from) const;
  // Appends to *out up to `max` bytes starting at offset `from`; returns how many (0 when the
  // reader is at the end). Returns -1 if `from` is no longer held.
  int64_t Read(uint64_t from, size_t max, std::string* out) const;

  // A reader's position: bytes from it onwards are kept even past the configured size, until
  // Release (or until Advance moves it on).
  void Retain(uint64_t reader, uint64_t from);
  void Release(uint64_t reader);

 private:
  struct Chunk {
    uint64_t start;  // offset of data[0]
    std::string data;
  };
  void TrimLocked();

  mutable std::mutex mu_;
  uint64_t size_;
  uint64_t end_;          // offset of the last byte appended
  std::deque<Chunk> chunks_;
  uint64_t held_ = 0;     // bytes in chunks_
  std::map<uint64_t, uint64_t> readers_;  // reader id -> next offset it needs
};

}  // namespace carmine
