// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/score_tree.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "base/defrag_advisor.h"
#include "base/logging.h"

namespace carmine {

struct ScoreTree::Node {
  bool leaf;
  int n;  // entries (leaf) or children (inner)
};

struct ScoreTree::Leaf : Node {
  Leaf* prev;
  Leaf* next;
  ScoreEntry e[kLeafCap];
};

struct ScoreTree::Inner : Node {
  uint64_t cnt[kInnerCap];  // elements under each child
  ScoreEntry min[kInnerCap];  // each child's first element: the search separators
  Node* child[kInnerCap];
};

// The right half produced when a node splits.
struct ScoreTree::Split {
  Node* right = nullptr;
  uint64_t right_count = 0;
};

namespace {

template <typename T>
T* AllocNode() {
  void* p = malloc(sizeof(T));
  if (p == nullptr) log::OutOfMemory(sizeof(T));
  return new (p) T();
}

bool Less(const ScoreEntry& a, const ScoreEntry& b) {
  return CompareScoreMember(a.score, a.member(), b.score, b.member()) < 0;
}

}  // namespace

ScoreTree::~ScoreTree() {
  if (root_ != nullptr) FreeNode(root_);
}

void ScoreTree::FreeNode(Node* n) {
  if (!n->leaf) {
    auto* in = static_cast<Inner*>(n);
    for (int i = 0; i < in->n; i++) FreeNode(in->child[i]);
  }
  free(n);
}

bool ScoreTree::IsLeaf(const Node* n) { return n->leaf; }
int ScoreTree::CountOf(const Node* n) { return n->n; }
const ScoreTree::Node* ScoreTree::ChildOf(const Node* n, int i) {
  return static_cast<const Inner*>(n)->child[i];
}
size_t ScoreTree::SubtreeSize(const Node* n, int i) {
  return static_cast<size_t>(static_cast<const Inner*>(n)->cnt[i]);
}
ScoreEntry ScoreTree::MinOf(const Node* n) {
  return n->leaf ? static_cast<const Leaf*>(n)->e[0] : static_cast<const Inner*>(n)->min[0];
}

int ScoreTree::LeafLowerBound(const Node* n, const void* pred_ctx,
                              bool (*pred)(const void*, const ScoreEntry&)) {
  const Leaf* l = static_cast<const Leaf*>(n);
  int lo = 0, hi = l->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (pred(pred_ctx, l->e[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

void ScoreTree::Insert(double score, const ZNode* node) {
  ScoreEntry e{score, node};
  if (root_ == nullptr) {
    Leaf* l = AllocNode<Leaf>();
    l->leaf = true;
    l->n = 0;
    l->prev = l->next = nullptr;
    root_ = l;
  }
  Split split;
  if (InsertRec(root_, e, &split)) {
    Inner* r = AllocNode<Inner>();
    r->leaf = false;
    r->n = 2;
    r->child[0] = root_;
    r->child[1] = split.right;
    r->cnt[1] = split.right_count;
    r->cnt[0] = size_ + 1 - split.right_count;
    r->min[0] = MinOf(root_);
    r->min[1] = MinOf(split.right);
    root_ = r;
  }
  size_++;
}

bool ScoreTree::InsertRec(Node* n, const ScoreEntry& e, Split* split) {
  if (n->leaf) {
    Leaf* l = static_cast<Leaf*>(n);
    int lo = 0, hi = l->n;
    while (lo < hi) {  // upper bound: first entry greater than e
      int mid = (lo + hi) / 2;
      if (Less(e, l->e[mid])) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    memmove(&l->e[lo + 1], &l->e[lo], sizeof(ScoreEntry) * (l->n - lo));
    l->e[lo] = e;
    l->n++;
    if (l->n < kLeafCap) return false;
    Leaf* r = AllocNode<Leaf>();
    r->leaf = true;
    int half = l->n / 2;
    r->n = l->n - half;
    memcpy(r->e, &l->e[half], sizeof(ScoreEntry) * r->n);
    l->n = half;
    r->next = l->next;
    r->prev = l;
    if (l->next != nullptr) l->next->prev = r;
    l->next = r;
    split->right = r;
    split->right_count = static_cast<uint64_t>(r->n);
    return true;
  }
  Inner* in = static_cast<Inner*>(n);
  size_t ignored = 0;
  int i = ChildFor(n, [&](const ScoreEntry& m) { return Less(e, m); }, &ignored);
  Split child_split;
  bool did_split = InsertRec(in->child[i], e, &child_split);
  in->cnt[i]++;
  in->min[i] = MinOf(in->child[i]);
  if (!did_split) return false;
  int at = i + 1;
  memmove(&in->child[at + 1], &in->child[at], sizeof(Node*) * (in->n - at));
  memmove(&in->cnt[at + 1], &in->cnt[at], sizeof(uint64_t) * (in->n - at));
  memmove(&in->min[at + 1], &in->min[at], sizeof(ScoreEntry) * (in->n - at));
  in->child[at] = child_split.right;
  in->cnt[at] = child_split.right_count;
  in->cnt[i] -= child_split.right_count;
  in->min[at] = MinOf(child_split.right);
  in->n++;
  if (in->n < kInnerCap) return false;
  Inner* r = AllocNode<Inner>();
  r->leaf = false;
  int half = in->n / 2;
  r->n = in->n - half;
  memcpy(r->child, &in->child[half], sizeof(Node*) * r->n);
  memcpy(r->cnt, &in->cnt[half], sizeof(uint64_t) * r->n);
  memcpy(r->min, &in->min[half], sizeof(ScoreEntry) * r->n);
  in->n = half;
  uint64_t moved = 0;
  for (int j = 0; j < r->n; j++) moved += r->cnt[j];
  split->right = r;
  split->right_count = moved;
  return true;
}

bool ScoreTree::Erase(double score, std::string_view member) {
  if (root_ == nullptr || !EraseRec(root_, score, member)) return false;
  size_--;
  if (root_->n == 0) {
    free(root_);
    root_ = nullptr;
  } else if (!root_->leaf && root_->n == 1) {
    Inner* old = static_cast<Inner*>(root_);
    root_ = old->child[0];
    free(old);
  }
  return true;
}

bool ScoreTree::EraseRec(Node* n, double score, std::string_view member) {
  if (n->leaf) {
    Leaf* l = static_cast<Leaf*>(n);
    int lo = 0, hi = l->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (CompareScoreMember(l->e[mid].score, l->e[mid].member(), score, member) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo >= l->n || CompareScoreMember(l->e[lo].score, l->e[lo].member(), score, member) != 0) {
      return false;
    }
    memmove(&l->e[lo], &l->e[lo + 1], sizeof(ScoreEntry) * (l->n - lo - 1));
    l->n--;
    return true;
  }
  Inner* in = static_cast<Inner*>(n);
  size_t ignored = 0;
  int i = ChildFor(
      n,
      [&](const ScoreEntry& m) {
        return CompareScoreMember(m.score, m.member(), score, member) > 0;
      },
      &ignored);
  if (!EraseRec(in->child[i], score, member)) return false;
  in->cnt[i]--;
  Node* c = in->child[i];
  if (c->n == 0) {
    if (c->leaf) {
      Leaf* l = static_cast<Leaf*>(c);
      if (l->prev != nullptr) l->prev->next = l->next;
      if (l->next != nullptr) l->next->prev = l->prev;
    }
    free(c);
    memmove(&in->child[i], &in->child[i + 1], sizeof(Node*) * (in->n - i - 1));
    memmove(&in->cnt[i], &in->cnt[i + 1], sizeof(uint64_t) * (in->n - i - 1));
    memmove(&in->min[i], &in->min[i + 1], sizeof(ScoreEntry) * (in->n - i - 1));
    in->n--;
    return true;
  }
  in->min[i] = MinOf(c);
  Rebalance(in, i);
  return true;
}

// Merges an underfull child with a neighbour when both fit in one node, so the tree stays dense
// under deletions.
void ScoreTree::Rebalance(Inner* parent, int i) {
  Node* c = parent->child[i];
  int cap = c->leaf ? kLeafCap : kInnerCap;
  if (c->n >= cap / 4 || parent->n < 2) return;
  int l = i + 1 < parent->n ? i : i - 1;
  int r = l + 1;
  Node* ln = parent->child[l];
  Node* rn = parent->child[r];
  if (ln->n + rn->n >= cap) return;
  if (ln->leaf) {
    Leaf* a = static_cast<Leaf*>(ln);
    Leaf* b = static_cast<Leaf*>(rn);
    memcpy(&a->e[a->n], b->e, sizeof(ScoreEntry) * b->n);
    a->n += b->n;
    a->next = b->next;
    if (b->next != nullptr) b->next->prev = a;
  } else {
    Inner* a = static_cast<Inner*>(ln);
    Inner* b = static_cast<Inner*>(rn);
    memcpy(&a->child[a->n], b->child, sizeof(Node*) * b->n);
    memcpy(&a->cnt[a->n], b->cnt, sizeof(uint64_t) * b->n);
    memcpy(&a->min[a->n], b->min, sizeof(ScoreEntry) * b->n);
    a->n += b->n;
  }
  free(rn);
  parent->cnt[l] += parent->cnt[r];
  memmove(&parent->child[r], &parent->child[r + 1], sizeof(Node*) * (parent->n - r - 1));
  memmove(&parent->cnt[r], &parent->cnt[r + 1], sizeof(uint64_t) * (parent->n - r - 1));
  memmove(&parent->min[r], &parent->min[r + 1], sizeof(ScoreEntry) * (parent->n - r - 1));
  parent->n--;
}

ScoreTree::Iter ScoreTree::Select(size_t rank) const {
  if (rank >= size_) return {};
  const Node* n = root_;
  while (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    int i = 0;
    while (rank >= in->cnt[i]) rank -= in->cnt[i++];
    n = in->child[i];
  }
  return {n, static_cast<int>(rank)};
}

ScoreEntry ScoreTree::Get(Iter it) const { return static_cast<const Leaf*>(it.leaf)->e[it.idx]; }

ScoreTree::Iter ScoreTree::Next(Iter it) const {
  const Leaf* l = static_cast<const Leaf*>(it.leaf);
  if (it.idx + 1 < l->n) return {l, it.idx + 1};
  return l->next == nullptr ? Iter{} : Iter{l->next, 0};
}

ScoreTree::Iter ScoreTree::Prev(Iter it) const {
  const Leaf* l = static_cast<const Leaf*>(it.leaf);
  if (it.idx > 0) return {l, it.idx - 1};
  return l->prev == nullptr ? Iter{} : Iter{l->prev, l->prev->n - 1};
}

size_t ScoreTree::MemoryRec(const Node* n) const {
  size_t total = malloc_usable_size(const_cast<Node*>(n));
  if (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    for (int i = 0; i < in->n; i++) total += MemoryRec(in->child[i]);
  }
  return total;
}

size_t ScoreTree::MemoryUsage() const { return root_ == nullptr ? 0 : MemoryRec(root_); }

ZNode* ScoreTree::MoveMember(ZNode* node, mem::DefragAdvisor& advisor) {
  if (root_ == nullptr) return nullptr;
  const double score = node->score();
  const std::string_view member = node->key();
  auto after = [&](const ScoreEntry& e) {
    return CompareScoreMember(e.score, e.member(), score, member) > 0;
  };
  // Find every slot that holds `node` before the move frees its block: the separators on the
  // way down (an element heads every subtree whose separator it is, all on its own path) and
  // its leaf entry.
  const ZNode** slots[32];
  int nslots = 0;
  Node* n = root_;
  size_t skipped = 0;
  while (!n->leaf) {
    auto* in = static_cast<Inner*>(n);
    int i = ChildFor(n, after, &skipped);
    if (in->min[i].node == node && nslots < 31) slots[nslots++] = &in->min[i].node;
    n = in->child[i];
  }
  auto* l = static_cast<Leaf*>(n);
  auto at_or_after = [&](const ScoreEntry& e) {
    return CompareScoreMember(e.score, e.member(), score, member) >= 0;
  };
  int at = LeafLowerBound(n, &at_or_after, [](const void* ctx, const ScoreEntry& e) {
    return (*static_cast<const decltype(at_or_after)*>(ctx))(e);
  });
  if (at >= l->n || l->e[at].node != node) return nullptr;  // not indexed here: leave it
  slots[nslots++] = &l->e[at].node;
  auto* fresh = static_cast<ZNode*>(advisor.Move(node));
  if (fresh == nullptr) return nullptr;
  for (int k = 0; k < nslots; k++) *slots[k] = fresh;
  return fresh;
}

size_t ScoreTree::MoveNodes(mem::DefragAdvisor& advisor, uint64_t* rank, size_t max_leaves) {
  size_t moved = 0;
  for (size_t leaves = 0; leaves < max_leaves && root_ != nullptr && *rank < size_; leaves++) {
    // Descend to the leaf holding element *rank, always the first element of a leaf: a node
    // is offered when *rank is its own first element, so each one is offered exactly once.
    Node** link = &root_;
    uint64_t r = *rank;
    for (;;) {
      if (r == 0) {
        if (void* fresh = advisor.Move(*link)) {
          *link = static_cast<Node*>(fresh);
          moved++;
          if ((*link)->leaf) {
            auto* l = static_cast<Leaf*>(*link);
            if (l->prev != nullptr) l->prev->next = l;
            if (l->next != nullptr) l->next->prev = l;
          }
        }
      }
      if ((*link)->leaf) break;
      auto* in = static_cast<Inner*>(*link);
      int i = 0;
      while (i + 1 < in->n && r >= in->cnt[i]) r -= in->cnt[i++];
      link = &in->child[i];
    }
    auto* l = static_cast<Leaf*>(*link);
    if (static_cast<uint64_t>(l->n) <= r) {  // counts out of step: end this pass here
      *rank = 0;
      return moved;
    }
    *rank += static_cast<uint64_t>(l->n) - r;  // the next leaf's first element
  }
  if (*rank >= size_ || root_ == nullptr) *rank = 0;
  return moved;
}

bool ScoreTree::CheckLinks() const {
  if (root_ == nullptr) return size_ == 0;
  const Leaf* last = nullptr;
  size_t count = 0;
  return CheckRec(root_, &last, &count) && count == size_ && last->next == nullptr;
}

bool ScoreTree::CheckRec(const Node* n, const Leaf** prev, size_t* count) {
  if (n->leaf) {
    auto* l = static_cast<const Leaf*>(n);
    if (l->prev != *prev || (*prev != nullptr && (*prev)->next != l)) return false;
    *prev = l;
    *count += static_cast<size_t>(l->n);
    return true;
  }
  auto* in = static_cast<const Inner*>(n);
  for (int i = 0; i < in->n; i++) {
    size_t before = *count;
    if (!CheckRec(in->child[i], prev, count) || *count - before != in->cnt[i]) return false;
    ScoreEntry first = MinOf(in->child[i]);
    if (first.node != in->min[i].node || first.score != in->min[i].score) return false;
  }
  return true;
}

}  // namespace carmine
