// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ScoreTree: the order index of a big sorted set. A B+tree of (score, member) pairs ordered by
// score, then by member bytes, whose inner nodes keep the element count of every subtree, so rank
// queries (ZRANK, ZRANGE by index) are O(log n) like Redis's skiplist spans.
//
// Memory is the point: a leaf entry is 16 bytes (the score and a pointer to the member's ZNode,
// which the sorted set's ZTable owns and shares), and leaves are ~1 KB blocks kept at least a
// quarter full, so the index costs ~20-30 bytes per element where a skiplist node costs ~50-60.
//
// Leaves are linked both ways for range walks. The tree never owns ZNodes; erasing an entry
// leaves the node alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/str_nodes.h"

namespace carmine {

namespace mem {
class DefragAdvisor;
}

struct ScoreEntry {
  double score;
  const ZNode* node;
  std::string_view member() const { return node->key(); }
};

// Orders (score, member) pairs as a sorted set does: by score, then memcmp-style by member.
inline int CompareScoreMember(double s1, std::string_view m1, double s2, std::string_view m2) {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  int c = m1.compare(m2);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

class ScoreTree {
 public:
  static constexpr int kLeafCap = 62;
  static constexpr int kInnerCap = 48;

  ScoreTree() = default;
  ~ScoreTree();
  ScoreTree(const ScoreTree&) = delete;
  ScoreTree& operator=(const ScoreTree&) = delete;

  size_t size() const { return size_; }
  void Insert(double score, const ZNode* node);
  // Removes the entry for (score, member); returns false if absent.
  bool Erase(double score, std::string_view member);

  // Position of an element: a leaf and an index in it. Invalid when leaf is null.
  struct Iter {
    const void* leaf = nullptr;
    int idx = 0;
    bool valid() const { return leaf != nullptr; }
  };
  Iter Select(size_t rank) const;  // the element at a 0-based rank (invalid if out of range)
  ScoreEntry Get(Iter it) const;
  Iter Next(Iter it) const;
  Iter Prev(Iter it) const;

  // Rank of the first element for which pred(entry) is true, where pred is false for a prefix of
  // the order and true after it (size() if never true).
  template <typename Pred>
  size_t LowerBound(Pred&& pred) const;
  // 0-based rank of (score, member), which must be present.
  size_t Rank(double score, std::string_view member) const {
    return LowerBound([&](const ScoreEntry& e) {
      return CompareScoreMember(e.score, e.member(), score, member) >= 0;
    });
  }

  size_t MemoryUsage() const;

  // Active defragmentation. MoveMember offers an element's ZNode to `advisor`; when it moves,
  // the tree's references to it (its leaf entry and the separators above it that it heads) are
  // repointed, and the new address is returned for the caller to relink in the ZTable (nullptr:
  // it stayed). MoveNodes offers the tree's own nodes, the leaves from the one holding rank
  // `*rank` and the inner nodes they head, at most `max_leaves` leaves; it sets `*rank` to where
  // the next call resumes, 0 once the last leaf was offered, and returns how many moved.
  ZNode* MoveMember(ZNode* node, mem::DefragAdvisor& advisor);
  size_t MoveNodes(mem::DefragAdvisor& advisor, uint64_t* rank, size_t max_leaves);

  // Whether the structure holds together: each separator is its child's first entry (the same
  // node), each count its subtree's size, the leaves linked in order both ways. For tests.
  bool CheckLinks() const;

 private:
  struct Node;
  struct Leaf;
  struct Inner;
  struct Split;

  static void FreeNode(Node* n);
  bool InsertRec(Node* n, const ScoreEntry& e, Split* split);
  bool EraseRec(Node* n, double score, std::string_view member);
  void Rebalance(Inner* parent, int i);
  size_t MemoryRec(const Node* n) const;
  static bool CheckRec(const Node* n, const Leaf** prev, size_t* count);
  // First entry of the subtree (its minimum) for the inner separators.
  static ScoreEntry MinOf(const Node* n);
  static const Node* ChildOf(const Node* n, int i);
  static int CountOf(const Node* n);
  static bool IsLeaf(const Node* n);
  static size_t SubtreeSize(const Node* n, int i);
  // Index of the last child whose minimum satisfies !pred (0 if none), and the elements before it.
  template <typename Pred>
  static int ChildFor(const Node* n, Pred&& pred, size_t* skipped);
  static int LeafLowerBound(const Node* n, const void* pred_ctx,
                            bool (*pred)(const void*, const ScoreEntry&));

  Node* root_ = nullptr;
  size_t size_ = 0;
};

template <typename Pred>
int ScoreTree::ChildFor(const Node* n, Pred&& pred, size_t* skipped) {
  int count = CountOf(n);
  int lo = 0, hi = count;  // find the first child whose min satisfies pred
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (pred(MinOf(ChildOf(n, mid)))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  int i = lo == 0 ? 0 : lo - 1;
  for (int j = 0; j < i; j++) *skipped += SubtreeSize(n, j);
  return i;
}

template <typename Pred>
size_t ScoreTree::LowerBound(Pred&& pred) const {
  if (root_ == nullptr) return 0;
  size_t rank = 0;
  const Node* n = root_;
  while (!IsLeaf(n)) n = ChildOf(n, ChildFor(n, pred, &rank));
  auto thunk = [](const void* ctx, const ScoreEntry& e) {
    return (*static_cast<const std::remove_reference_t<Pred>*>(ctx))(e);
  };
  return rank + static_cast<size_t>(LeafLowerBound(n, &pred, thunk));
}

}  // namespace carmine
