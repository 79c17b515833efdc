// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "replication/snapshot_stream.h"

#include <algorithm>
#include <vector>

namespace carmine {

void SnapshotStream::AddReader(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  readers_[id] = base_;
}

void SnapshotStream::RemoveReader(uint64_t id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    readers_.erase(id);
    TrimLocked();
  }
  cv_.notify_all();
}

void SnapshotStream::TrimLocked() {
  uint64_t keep = total_;
  for (const auto& [id, pos] : readers_) keep = std::min(keep, pos);
  if (keep > base_) {
    buf_.erase(0, static_cast<size_t>(keep - base_));
    base_ = keep;
  }
}

size_t SnapshotStream::readers() const {
  std::lock_guard<std::mutex> l(mu_);
  return readers_.size();
}

bool SnapshotStream::Append(std::string_view bytes) {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return readers_.empty() || total_ - base_ < window_; });
    if (readers_.empty()) {
      // Nobody left to send to: the rest of the image is dropped as it arrives.
      total_ += bytes.size();
      base_ = total_;
      buf_.clear();
      return false;
    }
    buf_.append(bytes);
    total_ += bytes.size();
  }
  Wake();
  return true;
}

void SnapshotStream::EndOfData() {
  {
    std::lock_guard<std::mutex> l(mu_);
    end_ = true;
  }
  Wake();
}

void SnapshotStream::Finish(bool ok) {
  {
    std::lock_guard<std::mutex> l(mu_);
    outcome_ = ok ? 1 : -1;
    if (!ok) cv_.notify_all();
  }
  Wake();
}

SnapshotStream::ReadState SnapshotStream::Read(uint64_t id, size_t max, std::string* out) {
  bool trimmed = false;
  ReadState st;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (outcome_ < 0) return ReadState::kFailed;
    auto it = readers_.find(id);
    if (it == readers_.end()) return ReadState::kFailed;
    uint64_t pos = it->second;
    if (pos < total_) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(max, total_ - pos));
      out->append(buf_, static_cast<size_t>(pos - base_), n);
      it->second = pos + n;
      if (pos == base_) {
        TrimLocked();
        trimmed = true;
      }
      st = ReadState::kMore;
    } else if (end_ && outcome_ > 0) {
      st = ReadState::kDone;
    } else {
      st = ReadState::kWait;
    }
  }
  if (trimmed) cv_.notify_all();
  return st;
}

uint64_t SnapshotStream::total() const {
  std::lock_guard<std::mutex> l(mu_);
  return total_;
}

void SnapshotStream::Wake() {
  if (!waker_) return;
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [id, pos] : readers_) ids.push_back(id);
  }
  for (uint64_t id : ids) waker_(id);
}

}  // namespace carmine
