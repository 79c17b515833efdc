// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/list_object.h"

#include <algorithm>

namespace carmine {
namespace {

// Node byte limits for list-max-listpack-size -1..-5.
constexpr size_t kSizeLevels[] = {4096, 8192, 16384, 32768, 65536};
// A count-limited node still stops growing past this many bytes (as Redis's safety limit).
constexpr size_t kSafetyBytes = 8192;

size_t ByteLimit(int64_t fill) {
  if (fill >= 0) return kSizeLevels[1];
  int64_t level = std::min<int64_t>(-fill, 5) - 1;
  return kSizeLevels[level];
}

// Bytes one element adds to a node (tag, payload, back length; an upper bound).
size_t EncodedSize(std::string_view v) { return v.size() + 11; }

}  // namespace

std::unique_ptr<DataObject> ListObject::Clone() const {
  auto l = std::make_unique<ListObject>();
  for (auto& n : nodes_) l->nodes_.push_back(n.Clone());
  l->size_ = size_;
  l->quick_ = quick_;
  return l;
}

size_t ListObject::MemoryUsage() const {
  size_t total = sizeof(*this) + nodes_.size() * sizeof(PackedList);
  for (auto& n : nodes_) total += n.AllocatedBytes();
  return total;
}

bool ListObject::NodeHasRoom(const PackedList& n, size_t add, const EncodingLimits& lim) const {
  if (n.empty()) return true;
  int64_t fill = lim.list_max_listpack_size;
  size_t bytes = n.bytes() + add;
  if (fill >= 0) return static_cast<int64_t>(n.size()) < std::max<int64_t>(fill, 1) &&
                        bytes <= kSafetyBytes;
  return bytes <= ByteLimit(fill);
}

void ListObject::UpdateEncoding(const EncodingLimits& lim) {
  if (nodes_.size() > 1) {
    quick_ = true;
    return;
  }
  if (!quick_ || nodes_.empty()) return;
  // Back to a single listpack once it is at most half the limit.
  int64_t fill = lim.list_max_listpack_size;
  const PackedList& n = nodes_.front();
  bool small = fill >= 0 ? static_cast<int64_t>(n.size()) <= fill / 2
                         : n.bytes() <= ByteLimit(fill) / 2;
  if (small) quick_ = false;
}

void ListObject::PushFront(std::string_view v, const EncodingLimits& lim) {
  if (nodes_.empty() || !NodeHasRoom(nodes_.front(), EncodedSize(v), lim)) {
    nodes_.emplace_front();
  }
  nodes_.front().PushFront(v);
  size_++;
  UpdateEncoding(lim);
}

void ListObject::PushBack(std::string_view v, const EncodingLimits& lim) {
  if (nodes_.empty() || !NodeHasRoom(nodes_.back(), EncodedSize(v), lim)) {
    nodes_.emplace_back();
  }
  nodes_.back().PushBack(v);
  size_++;
  UpdateEncoding(lim);
}

std::string ListObject::PopFront(const EncodingLimits& lim) {
  PackedList& n = nodes_.front();
  std::string v = n.GetString(n.begin());
  n.Erase(n.begin());
  if (n.empty()) nodes_.pop_front();
  size_--;
  UpdateEncoding(lim);
  return v;
}

std::string ListObject::PopBack(const EncodingLimits& lim) {
  PackedList& n = nodes_.back();
  uint32_t off = n.last();
  std::string v = n.GetString(off);
  n.Erase(off);
  if (n.empty()) nodes_.pop_back();
  size_--;
  UpdateEncoding(lim);
  return v;
}

void ListObject::Locate(size_t index, size_t* node, uint32_t* off) const {
  if (index < size_ / 2) {
    size_t i = 0;
    while (index >= nodes_[i].size()) index -= nodes_[i++].size();
    *node = i;
    *off = nodes_[i].Seek(static_cast<int64_t>(index));
    return;
  }
  size_t from_end = size_ - 1 - index;  // 0 = last element
  size_t i = nodes_.size() - 1;
  while (from_end >= nodes_[i].size()) from_end -= nodes_[i--].size();
  *node = i;
  *off = nodes_[i].Seek(-1 - static_cast<int64_t>(from_end));
}

bool ListObject::Index(int64_t index, std::string* out) const {
  int64_t n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  size_t node;
  uint32_t off;
  Locate(static_cast<size_t>(index), &node, &off);
  *out = nodes_[node].GetString(off);
  return true;
}

bool ListObject::Set(int64_t index, std::string_view v, const EncodingLimits& lim) {
  int64_t n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  size_t node;
  uint32_t off;
  Locate(static_cast<size_t>(index), &node, &off);
  nodes_[node].Replace(off, v);
  Compact(lim);
  return true;
}

bool ListObject::InsertAt(std::string_view pivot, std::string_view v, bool after,
                          const EncodingLimits& lim) {
  for (size_t i = 0; i < nodes_.size(); i++) {
    PackedList& n = nodes_[i];
    uint32_t off = n.Find(pivot);
    if (off >= n.end()) continue;
    n.Insert(after ? n.Next(off) : off, v);
    size_++;
    Compact(lim);
    return true;
  }
  return false;
}

size_t ListObject::Remove(std::string_view v, int64_t count, const EncodingLimits& lim) {
  size_t removed = 0;
  size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -count : count);
  if (count >= 0) {
    for (size_t i = 0; i < nodes_.size() && removed < limit; i++) {
      PackedList& n = nodes_[i];
      for (uint32_t off = n.begin(); off < n.end() && removed < limit;) {
        if (n.Get(off).Equals(v)) {
          off = n.Erase(off);
          removed++;
        } else {
          off = n.Next(off);
        }
      }
    }
  } else {
    for (size_t i = nodes_.size(); i-- > 0 && removed < limit;) {
      PackedList& n = nodes_[i];
      uint32_t off = n.empty() ? n.end() : n.last();
      while (off < n.end() && removed < limit) {
        uint32_t prev = off == n.begin() ? n.end() : n.Prev(off);
        if (n.Get(off).Equals(v)) {
          n.Erase(off);
          removed++;
          // Offsets before the erased element are unchanged.
        }
        off = prev;
      }
    }
  }
  size_ -= removed;
  if (removed > 0) Compact(lim);
  return removed;
}

void ListObject::Trim(size_t start, size_t end, const EncodingLimits& lim) {
  if (start > end || start >= size_) {
    nodes_.clear();
    size_ = 0;
    return;
  }
  end = std::min(end, size_ - 1);
  size_t drop_tail = size_ - 1 - end;
  size_t drop_head = start;
  while (drop_head > 0) {
    PackedList& n = nodes_.front();
    if (n.size() <= drop_head) {
      drop_head -= n.size();
      size_ -= n.size();
      nodes_.pop_front();
    } else {
      n.Erase(n.begin(), static_cast<uint32_t>(drop_head));
      size_ -= drop_head;
      drop_head = 0;
    }
  }
  while (drop_tail > 0) {
    PackedList& n = nodes_.back();
    if (n.size() <= drop_tail) {
      drop_tail -= n.size();
      size_ -= n.size();
      nodes_.pop_back();
    } else {
      n.Erase(n.Seek(-static_cast<int64_t>(drop_tail)), static_cast<uint32_t>(drop_tail));
      size_ -= drop_tail;
      drop_tail = 0;
    }
  }
  Compact(lim);
}

void ListObject::Compact(const EncodingLimits& lim) {
  std::deque<PackedList> out;
  for (auto& n : nodes_) {
    if (n.empty()) continue;
    bool over = lim.list_max_listpack_size >= 0
                    ? n.size() > static_cast<size_t>(std::max<int64_t>(lim.list_max_listpack_size, 1))
                    : n.bytes() > ByteLimit(lim.list_max_listpack_size);
    if (over && n.size() > 1) {
      // Split an overfull node (after LINSERT/LSET) in two halves.
      PackedList right;
      uint32_t half = n.size() / 2;
      uint32_t off = n.Seek(half);
      for (uint32_t o = off; o < n.end(); o = n.Next(o)) right.PushBack(n.GetString(o));
      n.Erase(off, n.size() - half);
      out.push_back(std::move(n));
      out.push_back(std::move(right));
      continue;
    }
    if (!out.empty()) {
      PackedList& prev = out.back();
      bool fits = lim.list_max_listpack_size >= 0
                      ? static_cast<int64_t>(prev.size() + n.size()) <=
                            std::max<int64_t>(lim.list_max_listpack_size, 1)
                      : prev.bytes() + n.bytes() <= ByteLimit(lim.list_max_listpack_size);
      if (fits) {
        for (uint32_t o = n.begin(); o < n.end(); o = n.Next(o)) prev.PushBack(n.GetString(o));
        continue;
      }
    }
    out.push_back(std::move(n));
  }
  nodes_ = std::move(out);
  UpdateEncoding(lim);
}

}  // namespace carmine
