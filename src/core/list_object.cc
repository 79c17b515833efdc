// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/list_object.h"

#include <lz4.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/defrag_advisor.h"
#include "base/logging.h"

namespace carmine {
namespace {

// Node byte limits for list-max-listpack-size -1..-5.
constexpr size_t kSizeLevels[] = {4096, 8192, 16384, 32768, 65536};
// A count-limited node still stops growing past this many bytes (as Redis's safety limit).
constexpr size_t kSafetyBytes = 8192;
// Nodes smaller than this, or that would not shrink by at least kMinGain, stay plain.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinGain = 8;

size_t ByteLimit(int64_t fill) {
  if (fill >= 0) return kSizeLevels[1];
  int64_t level = std::min<int64_t>(-fill, 5) - 1;
  return kSizeLevels[level];
}

// Bytes one element adds to a node (tag, payload, back length; an upper bound).
size_t EncodedSize(std::string_view v) { return v.size() + 11; }

size_t Depth(const EncodingLimits& lim) {
  return static_cast<size_t>(std::max<int64_t>(lim.list_compress_depth, 1));
}

PackedList Decompress(const uint8_t* lz, uint32_t lz_len, uint32_t raw_len) {
  auto* raw = static_cast<uint8_t*>(malloc(raw_len));
  if (raw == nullptr) log::OutOfMemory(raw_len);
  int n = LZ4_decompress_safe(reinterpret_cast<const char*>(lz), reinterpret_cast<char*>(raw),
                              static_cast<int>(lz_len), static_cast<int>(raw_len));
  CHECK(n == static_cast<int>(raw_len));  // our own block: anything else is memory corruption
  return PackedList::Adopt(raw);
}

}  // namespace

ListObject::Node::Node(Node&& o) noexcept
    : lp(std::move(o.lp)), lz(o.lz), lz_len(o.lz_len), raw_len(o.raw_len), count(o.count) {
  o.lz = nullptr;
}

ListObject::Node& ListObject::Node::operator=(Node&& o) noexcept {
  if (this != &o) {
    free(lz);
    lp = std::move(o.lp);
    lz = o.lz;
    lz_len = o.lz_len;
    raw_len = o.raw_len;
    count = o.count;
    o.lz = nullptr;
  }
  return *this;
}

ListObject::Node::~Node() { free(lz); }

std::unique_ptr<DataObject> ListObject::Clone() const {
  auto l = std::make_unique<ListObject>();
  for (auto& n : nodes_) {
    Node c;
    if (n.compressed()) {
      c.lz = static_cast<uint8_t*>(malloc(n.lz_len));
      if (c.lz == nullptr) log::OutOfMemory(n.lz_len);
      memcpy(c.lz, n.lz, n.lz_len);
      c.lz_len = n.lz_len;
      c.raw_len = n.raw_len;
      c.count = n.count;
    } else {
      c.lp = n.lp.Clone();
    }
    l->nodes_.push_back(std::move(c));
  }
  l->size_ = size_;
  l->quick_ = quick_;
  return l;
}

size_t ListObject::MemoryUsage() const {
  size_t total = sizeof(*this) + nodes_.size() * sizeof(Node);
  for (auto& n : nodes_) {
    total += n.compressed() ? malloc_usable_size(n.lz) : n.lp.AllocatedBytes();
  }
  return total;
}

size_t ListObject::CompressedNodes() const {
  size_t c = 0;
  for (auto& n : nodes_) c += n.compressed();
  return c;
}

const PackedList& ListObject::View(size_t i, PackedList* scratch) const {
  const Node& n = nodes_[i];
  if (!n.compressed()) return n.lp;
  *scratch = Decompress(n.lz, n.lz_len, n.raw_len);
  return *scratch;
}

PackedList& ListObject::Open(size_t i) {
  Node& n = nodes_[i];
  if (n.compressed()) {
    n.lp = Decompress(n.lz, n.lz_len, n.raw_len);
    free(n.lz);
    n.lz = nullptr;
  }
  return n.lp;
}

void ListObject::MaybeCompress(size_t i, const EncodingLimits& lim) {
  size_t depth = Depth(lim);
  if (i >= nodes_.size() || i < depth || i + depth >= nodes_.size()) return;
  Node& n = nodes_[i];
  if (n.compressed() || n.lp.bytes() < kMinCompressBytes) return;
  int raw = static_cast<int>(n.lp.bytes());
  int bound = LZ4_compressBound(raw);
  auto* out = static_cast<uint8_t*>(malloc(static_cast<size_t>(bound)));
  if (out == nullptr) log::OutOfMemory(static_cast<size_t>(bound));
  int z = LZ4_compress_default(reinterpret_cast<const char*>(n.lp.data()),
                               reinterpret_cast<char*>(out), raw, bound);
  if (z <= 0 || static_cast<size_t>(z) + kMinGain > static_cast<size_t>(raw)) {
    free(out);  // incompressible: keep it plain
    return;
  }
  auto* fit = static_cast<uint8_t*>(realloc(out, static_cast<size_t>(z)));
  n.lz = fit != nullptr ? fit : out;
  n.lz_len = static_cast<uint32_t>(z);
  n.raw_len = static_cast<uint32_t>(raw);
  n.count = n.lp.size();
  n.lp.Reset();
}

void ListObject::CompressInterior(const EncodingLimits& lim) {
  size_t depth = Depth(lim);
  for (size_t i = 0; i < nodes_.size(); i++) {
    if (i < depth || i + depth >= nodes_.size()) {
      Open(i);  // end nodes stay plain
    } else {
      MaybeCompress(i, lim);
    }
  }
}

bool ListObject::NodeHasRoom(const PackedList& n, size_t add, const EncodingLimits& lim) const {
  if (n.empty()) return true;
  // A big element never shares a node, on either side.
  int64_t plain = lim.list_packed_threshold;
  if (static_cast<int64_t>(add) >= plain || static_cast<int64_t>(n.bytes()) >= plain) return false;
  int64_t fill = lim.list_max_listpack_size;
  size_t bytes = n.bytes() + add;
  if (fill >= 0) {
    return static_cast<int64_t>(n.size()) < std::max<int64_t>(fill, 1) && bytes <= kSafetyBytes;
  }
  return bytes <= ByteLimit(fill);
}

void ListObject::UpdateEncoding(const EncodingLimits& lim) {
  if (nodes_.size() > 1) {
    quick_ = true;
    return;
  }
  if (nodes_.empty()) return;
  {
    // One node over the limits (one big element) is a quicklist too, as in Redis.
    const PackedList& only = Open(0);
    int64_t fill = lim.list_max_listpack_size;
    bool over = fill >= 0 ? static_cast<int64_t>(only.size()) > std::max<int64_t>(fill, 1) ||
                                only.bytes() > kSafetyBytes
                          : only.bytes() > ByteLimit(fill);
    if (over || static_cast<int64_t>(only.bytes()) >= lim.list_packed_threshold) {
      quick_ = true;
      return;
    }
  }
  if (!quick_) return;
  // Back to a single listpack once it is at most half the limit.
  int64_t fill = lim.list_max_listpack_size;
  const PackedList& n = Open(0);
  bool small = fill >= 0 ? static_cast<int64_t>(n.size()) <= fill / 2
                         : n.bytes() <= ByteLimit(fill) / 2;
  if (small) quick_ = false;
}

void ListObject::PushFront(std::string_view v, const EncodingLimits& lim) {
  if (nodes_.empty() || !NodeHasRoom(Open(0), EncodedSize(v), lim)) {
    nodes_.emplace_front();
    MaybeCompress(Depth(lim), lim);  // the node pushed inwards
  }
  nodes_.front().lp.PushFront(v);
  size_++;
  UpdateEncoding(lim);
}

void ListObject::PushBack(std::string_view v, const EncodingLimits& lim) {
  if (nodes_.empty() || !NodeHasRoom(Open(nodes_.size() - 1), EncodedSize(v), lim)) {
    nodes_.emplace_back();
    if (nodes_.size() > Depth(lim)) MaybeCompress(nodes_.size() - 1 - Depth(lim), lim);
  }
  nodes_.back().lp.PushBack(v);
  size_++;
  UpdateEncoding(lim);
}

std::string ListObject::PopFront(const EncodingLimits& lim) {
  PackedList& n = Open(0);
  std::string v = n.GetString(n.begin());
  n.Erase(n.begin());
  if (n.empty()) nodes_.pop_front();
  size_--;
  UpdateEncoding(lim);
  return v;
}

std::string ListObject::PopBack(const EncodingLimits& lim) {
  PackedList& n = Open(nodes_.size() - 1);
  uint32_t off = n.last();
  std::string v = n.GetString(off);
  n.Erase(off);
  if (n.empty()) nodes_.pop_back();
  size_--;
  UpdateEncoding(lim);
  return v;
}

void ListObject::Locate(size_t index, size_t* node, size_t* pos) const {
  if (index < size_ / 2) {
    size_t i = 0;
    while (index >= nodes_[i].size()) index -= nodes_[i++].size();
    *node = i;
    *pos = index;
    return;
  }
  size_t from_end = size_ - 1 - index;  // 0 = last element
  size_t i = nodes_.size() - 1;
  while (from_end >= nodes_[i].size()) from_end -= nodes_[i--].size();
  *node = i;
  *pos = nodes_[i].size() - 1 - from_end;
}

bool ListObject::Index(int64_t index, std::string* out) const {
  int64_t n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  size_t node, pos;
  Locate(static_cast<size_t>(index), &node, &pos);
  PackedList scratch;
  const PackedList& p = View(node, &scratch);
  *out = p.GetString(p.Seek(static_cast<int64_t>(pos)));
  return true;
}

bool ListObject::Set(int64_t index, std::string_view v, const EncodingLimits& lim) {
  int64_t n = static_cast<int64_t>(size_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  size_t node, pos;
  Locate(static_cast<size_t>(index), &node, &pos);
  PackedList& p = Open(node);
  if (!quick_) {
    // Redis sizes an LSET as if the new element were added to the listpack: one over the limits
    // makes the list a quicklist.
    int64_t fill = lim.list_max_listpack_size;
    size_t bytes = p.bytes() + v.size();
    if (fill >= 0 ? static_cast<int64_t>(p.size()) + 1 > std::max<int64_t>(fill, 1) ||
                        bytes > kSafetyBytes
                  : bytes > ByteLimit(fill)) {
      quick_ = true;
    }
  }
  p.Replace(p.Seek(static_cast<int64_t>(pos)), v);
  Compact(lim);
  return true;
}

bool ListObject::InsertAt(std::string_view pivot, std::string_view v, bool after,
                          const EncodingLimits& lim) {
  for (size_t i = 0; i < nodes_.size(); i++) {
    PackedList scratch;
    const PackedList& view = View(i, &scratch);
    if (view.Find(pivot) >= view.end()) continue;
    PackedList& n = Open(i);
    uint32_t off = n.Find(pivot);
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
      PackedList& n = Open(i);
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
      PackedList& n = Open(i);
      uint32_t off = n.empty() ? n.end() : n.last();
      while (off < n.end() && removed < limit) {
        uint32_t prev = off == n.begin() ? n.end() : n.Prev(off);
        if (n.Get(off).Equals(v)) {
          n.Erase(off);  // offsets before the erased element are unchanged
          removed++;
        }
        off = prev;
      }
    }
  }
  size_ -= removed;
  Compact(lim);
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
  size_t whole = 0;  // nodes dropped entirely from the front, erased in one go
  while (drop_head > 0 && nodes_[whole].size() <= drop_head) {
    drop_head -= nodes_[whole].size();
    size_ -= nodes_[whole].size();
    whole++;
  }
  nodes_.erase_front(whole);
  if (drop_head > 0) {
    PackedList& p = Open(0);
    p.Erase(p.begin(), static_cast<uint32_t>(drop_head));
    size_ -= drop_head;
  }
  while (drop_tail > 0) {
    Node& n = nodes_.back();
    if (n.size() <= drop_tail) {
      drop_tail -= n.size();
      size_ -= n.size();
      nodes_.pop_back();
    } else {
      PackedList& p = Open(nodes_.size() - 1);
      p.Erase(p.Seek(-static_cast<int64_t>(drop_tail)), static_cast<uint32_t>(drop_tail));
      size_ -= drop_tail;
      drop_tail = 0;
    }
  }
  Compact(lim);
}

void ListObject::Compact(const EncodingLimits& lim) {
  std::vector<Node> out;
  out.reserve(nodes_.size() + 1);
  auto over_limit = [&](const PackedList& n) {
    return lim.list_max_listpack_size >= 0
               ? n.size() > static_cast<size_t>(std::max<int64_t>(lim.list_max_listpack_size, 1))
               : n.bytes() > ByteLimit(lim.list_max_listpack_size);
  };
  for (size_t i = 0; i < nodes_.size(); i++) {
    Node& node = nodes_[i];
    if (node.compressed()) {  // untouched interior node: keep as is
      out.push_back(std::move(node));
      continue;
    }
    PackedList& n = node.lp;
    if (n.empty()) continue;
    if (over_limit(n) && n.size() > 1) {
      // Split an overfull node (after LINSERT/LSET) in two halves.
      Node right;
      uint32_t half = n.size() / 2;
      uint32_t off = n.Seek(half);
      for (uint32_t o = off; o < n.end(); o = n.Next(o)) right.lp.PushBack(n.GetString(o));
      n.Erase(off, n.size() - half);
      out.push_back(std::move(node));
      out.push_back(std::move(right));
      continue;
    }
    if (!out.empty() && !out.back().compressed()) {
      PackedList& prev = out.back().lp;
      bool fits = lim.list_max_listpack_size >= 0
                      ? static_cast<int64_t>(prev.size() + n.size()) <=
                            std::max<int64_t>(lim.list_max_listpack_size, 1)
                      : prev.bytes() + n.bytes() <= ByteLimit(lim.list_max_listpack_size);
      if (fits) {
        for (uint32_t o = n.begin(); o < n.end(); o = n.Next(o)) prev.PushBack(n.GetString(o));
        continue;
      }
    }
    out.push_back(std::move(node));
  }
  nodes_ = std::move(out);
  nodes_.shrink_to_fit();
  CompressInterior(lim);
  UpdateEncoding(lim);
}

size_t ListObject::DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) {
  size_t moved = 0;
  size_t i = *cursor;
  for (size_t visited = 0; i < nodes_.size() && visited < budget; i++, visited++) {
    Node& n = nodes_[i];
    if (n.compressed()) {
      if (advisor.MoveInPlace(n.lz)) moved++;
    } else if (n.lp.data() != nullptr && n.lp.Defrag(advisor)) {
      moved++;
    }
  }
  *cursor = i < nodes_.size() ? i : 0;
  return moved;
}

}  // namespace carmine
