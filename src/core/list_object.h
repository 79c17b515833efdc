// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ListObject: the value of a list key. A sequence of PackedList nodes, each bounded by
// list-max-listpack-size (a positive value caps the elements per node, -1..-5 cap node bytes at
// 4..64 KB). A list that fits in one node is reported as "listpack" (Redis 7.2); longer lists are
// "quicklist". It goes back to "listpack" when it shrinks to a single node of at most half the
// limit, so a list bouncing around the threshold does not convert on every push.
//
// Interior nodes are kept LZ4-compressed: only the `depth` nodes at each end stay plain
// (list-compress-depth, at least 1), so pushes and pops at the ends never touch compressed data
// while the bulk of a long list costs about half its plain size. Reads of an interior node
// decompress it into a scratch copy; writes decompress it in place and compress it again after.
//
// Pushes and pops at either end are O(1); indexed access walks node element counts and then one
// node.
#pragma once

#include <cstdint>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

#include "core/compact_value.h"
#include "core/encoding_limits.h"
#include "core/gap_vector.h"
#include "core/packed_list.h"

namespace carmine {

class ListObject : public DataObject {
 public:
  ObjType type() const override { return ObjType::kList; }
  const char* encoding_name() const override { return quick_ ? "quicklist" : "listpack"; }
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;
  size_t FreeEffort() const override { return nodes_.size(); }
  // Each node's block (plain or compressed) may move.
  // The nodes' blocks, `budget` nodes at a time.
  size_t DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) override;

  size_t size() const { return size_; }
  void PushFront(std::string_view v, const EncodingLimits& lim);
  void PushBack(std::string_view v, const EncodingLimits& lim);
  std::string PopFront(const EncodingLimits& lim);
  std::string PopBack(const EncodingLimits& lim);

  // Element at index (negative from the tail); false if out of range.
  bool Index(int64_t index, std::string* out) const;
  bool Set(int64_t index, std::string_view v, const EncodingLimits& lim);
  // Inserts before/after the first element equal to pivot; false if pivot is absent.
  bool InsertAt(std::string_view pivot, std::string_view v, bool after, const EncodingLimits& lim);
  // Removes up to |count| elements equal to v (from the head if count >= 0, from the tail if
  // negative; 0 removes all). Returns how many.
  size_t Remove(std::string_view v, int64_t count, const EncodingLimits& lim);
  // Keeps elements [start, end] (already clamped, inclusive); an empty range clears the list.
  void Trim(size_t start, size_t end, const EncodingLimits& lim);

  // Calls fn(element) for indexes start..end (inclusive, end < size()); stops early when fn
  // returns false. Reverse walks from end down to start.
  template <typename Fn>
  void ForRange(size_t start, size_t end, bool reverse, Fn&& fn) const;

  // Number of nodes currently compressed (for tests and MEMORY-style reports).
  size_t CompressedNodes() const;

 private:
  struct Node {
    PackedList lp;             // the elements, unless compressed
    uint8_t* lz = nullptr;     // LZ4 block of lp's bytes while compressed (malloc'd)
    uint32_t lz_len = 0, raw_len = 0, count = 0;

    Node() = default;
    Node(Node&& o) noexcept;
    Node& operator=(Node&& o) noexcept;
    ~Node();
    bool compressed() const { return lz != nullptr; }
    size_t size() const { return compressed() ? count : lp.size(); }
  };

  // Locates element `index` (0 <= index < size): its node and the element's position in it.
  void Locate(size_t index, size_t* node, size_t* pos) const;
  bool NodeHasRoom(const PackedList& n, size_t add, const EncodingLimits& lim) const;
  // The node's elements: the plain list, or a decompressed copy in *scratch.
  const PackedList& View(size_t i, PackedList* scratch) const;
  // Decompresses node i in place and returns its list.
  PackedList& Open(size_t i);
  // Compresses node i if it is interior for the configured depth and worth compressing.
  void MaybeCompress(size_t i, const EncodingLimits& lim);
  void CompressInterior(const EncodingLimits& lim);
  // After a removal: drops empty nodes, merges small neighbours, updates the encoding name.
  void Compact(const EncodingLimits& lim);
  void UpdateEncoding(const EncodingLimits& lim);

  // Pushes and pops of whole head nodes are O(1) too (core/gap_vector.h).
  GapVector<Node> nodes_;
  size_t size_ = 0;
  bool quick_ = false;  // reported as quicklist
};

template <typename Fn>
void ListObject::ForRange(size_t start, size_t end, bool reverse, Fn&& fn) const {
  if (start > end || end >= size_) return;
  std::string scratch;
  PackedList copy;
  size_t node, pos;
  size_t n = end - start + 1;
  Locate(reverse ? end : start, &node, &pos);
  const PackedList* p = &View(node, &copy);
  uint32_t off = p->Seek(static_cast<int64_t>(pos));
  while (n-- > 0) {
    if (!fn(p->Get(off).View(&scratch))) return;
    if (n == 0) return;
    if (!reverse) {
      off = p->Next(off);
      if (off >= p->end()) {
        p = &View(++node, &copy);
        off = p->begin();
      }
    } else if (off == p->begin()) {
      p = &View(--node, &copy);
      off = p->last();
    } else {
      off = p->Prev(off);
    }
  }
}

}  // namespace carmine
