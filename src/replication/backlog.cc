// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "replication/backlog.h"

#include <algorithm>

namespace carmine {
namespace {
// Appends fill chunks of this size: big enough that a write is one memcpy, small enough that
// trimming frees memory in steps well below the usual 1 MB backlog. One byte under 16 KB, as a
// string allocates its terminator too: 16 KB is an allocator size class, 16 KB + 1 would take
// the next one (20 KB), and a lagging replica's stream would cost a quarter more than it holds.
constexpr size_t kChunk = 16 * 1024 - 1;
}  // namespace

ReplBacklog::ReplBacklog(uint64_t size, uint64_t start_offset)
    : size_(std::max<uint64_t>(size, 1)), end_(start_offset) {}

void ReplBacklog::Append(std::string_view bytes) {
  std::lock_guard<std::mutex> l(mu_);
  while (!bytes.empty()) {
    if (chunks_.empty() || chunks_.back().data.size() >= kChunk) {
      chunks_.push_back(Chunk{end_ + 1, std::string()});
      chunks_.back().data.reserve(kChunk);
    }
    std::string& d = chunks_.back().data;
    size_t take = std::min(bytes.size(), kChunk - d.size());
    d.append(bytes.data(), take);
    bytes.remove_prefix(take);
    end_ += take;
    held_ += take;
  }
  TrimLocked();
}

void ReplBacklog::Reset(uint64_t end_offset) {
  std::lock_guard<std::mutex> l(mu_);
  chunks_.clear();
  held_ = 0;
  end_ = end_offset;
  readers_.clear();
}

void ReplBacklog::TrimLocked() {
  // The oldest offset anyone may still ask for: the configured history, or a reader's position.
  uint64_t keep_from = end_ + 1 > size_ ? end_ + 1 - size_ : 1;
  for (auto& [id, from] : readers_) keep_from = std::min(keep_from, from);
  while (chunks_.size() > 1) {
    const Chunk& c = chunks_.front();
    if (c.start + c.data.size() > keep_from) break;
    held_ -= c.data.size();
    chunks_.pop_front();
  }
}

uint64_t ReplBacklog::end_offset() const {
  std::lock_guard<std::mutex> l(mu_);
  return end_;
}

uint64_t ReplBacklog::first_offset() const {
  std::lock_guard<std::mutex> l(mu_);
  return chunks_.empty() ? end_ + 1 : chunks_.front().start;
}

uint64_t ReplBacklog::histlen() const {
  std::lock_guard<std::mutex> l(mu_);
  return held_;
}

uint64_t ReplBacklog::held_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  // Every chunk is allocated whole when started (its capacity and the terminator), and has
  // its entry in the deque.
  return chunks_.size() * (kChunk + 1 + sizeof(Chunk));
}

uint64_t ReplBacklog::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return size_;
}

void ReplBacklog::set_size(uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  size_ = std::max<uint64_t>(size, 1);
  TrimLocked();
}

bool ReplBacklog::CanServe(uint64_t from) const {
  std::lock_guard<std::mutex> l(mu_);
  if (from == end_ + 1) return true;
  return !chunks_.empty() && from >= chunks_.front().start && from <= end_ + 1;
}

int64_t ReplBacklog::Read(uint64_t from, size_t max, std::string* out) const {
  std::lock_guard<std::mutex> l(mu_);
  if (from == end_ + 1) return 0;
  if (chunks_.empty() || from < chunks_.front().start || from > end_ + 1) return -1;
  // Chunks are contiguous: find the one holding `from` by its start.
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), from,
                             [](uint64_t off, const Chunk& c) { return off < c.start; });
  --it;
  size_t copied = 0;
  for (; it != chunks_.end() && copied < max; ++it) {
    size_t skip = static_cast<size_t>(from + copied - it->start);
    size_t n = std::min(it->data.size() - skip, max - copied);
    out->append(it->data, skip, n);
    copied += n;
  }
  return static_cast<int64_t>(copied);
}

void ReplBacklog::Retain(uint64_t reader, uint64_t from) {
  std::lock_guard<std::mutex> l(mu_);
  readers_[reader] = from;
  TrimLocked();
}

void ReplBacklog::Release(uint64_t reader) {
  std::lock_guard<std::mutex> l(mu_);
  readers_.erase(reader);
  TrimLocked();
}

}  // namespace carmine
