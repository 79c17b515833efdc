// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ChainTable: a hash table of intrusive nodes keyed by byte strings, shared by the keyspace
// (KeyTable, nodes are keyspace entries) and by the big encodings of hashes, sets and sorted sets.
// Chained hashing over power-of-two bucket arrays with incremental rehashing: while the table grows
// or shrinks two arrays coexist and every operation moves a bucket, so a 10M-element table never
// stalls to resize.
//
// A Node type provides `Node* next` and `std::string_view key() const`; Deleter frees one node.
// The table owns its nodes. Node pointers stay valid until the node is removed: rehashing moves
// chains, not nodes.
//
// Scan uses a reverse-binary cursor (increment the high bits first). Buckets of a smaller table map
// to a contiguous set of buckets of a larger one under that order, so a scan that runs while the
// table grows or shrinks still returns every element present from start to end (some possibly
// twice).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carmine {

// Set while a forked child (BGSAVE, AOF rewrite) shares the parent's memory: tables then grow only
// when badly overloaded and never shrink, because a new bucket array copies pages the child
// still shares (copy-on-write), as Redis avoids resizing its dicts then.
inline std::atomic<bool> g_avoid_table_resize{false};
inline bool AvoidTableResize() { return g_avoid_table_resize.load(std::memory_order_relaxed); }

// The process-seeded hash all tables use (unpredictable to clients: no hash flooding).
uint64_t HashKey(std::string_view key);
// Reverses the bits of v (the SCAN cursor is incremented in reversed bit order).
uint64_t ReverseBits(uint64_t v);

template <typename Node, typename Deleter>
class ChainTable {
 public:
  using Ptr = std::unique_ptr<Node, Deleter>;
  static constexpr size_t kInitialSize = 4;
  // Elements per bucket past which a table grows even while a fork child runs.
  static constexpr size_t kForcedResizeRatio = 5;

  ChainTable() = default;
  ~ChainTable() { Clear(); }
  ChainTable(const ChainTable&) = delete;
  ChainTable& operator=(const ChainTable&) = delete;

  size_t size() const { return count_; }
  bool rehashing() const { return rehash_idx_ >= 0; }
  size_t bucket_count() const { return size0_; }
  // Bytes held by bucket arrays (not nodes).
  size_t BucketBytes() const { return (size0_ + size1_) * sizeof(Node*); }

  // Returns the node or nullptr. Does one incremental rehash step.
  Node* Find(std::string_view key) {
    if (count_ == 0) return nullptr;
    if (rehashing()) RehashStep(1);
    uint64_t h = HashKey(key);
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      if (n == 0) break;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (Node* e = tab[h & (n - 1)]; e != nullptr; e = e->next) {
        if (e->key() == key) return e;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Inserts a node whose key must not be present. Takes ownership.
  Node* Insert(Ptr ep) {
    if (rehashing()) RehashStep(1);
    GrowIfNeeded();
    Node* e = ep.release();
    uint64_t h = HashKey(e->key());
    Node** tab = rehashing() ? t1_.get() : t0_.get();
    size_t idx = h & ((rehashing() ? size1_ : size0_) - 1);
    e->next = tab[idx];
    tab[idx] = e;
    count_++;
    return e;
  }

  // Removes and returns the node (the caller decides when to free it), or null if absent.
  Ptr Remove(std::string_view key) {
    if (count_ == 0) return nullptr;
    if (rehashing()) RehashStep(1);
    uint64_t h = HashKey(key);
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      if (n == 0) break;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (Node** link = &tab[h & (n - 1)]; *link != nullptr; link = &(*link)->next) {
        Node* e = *link;
        if (e->key() == key) {
          *link = e->next;
          e->next = nullptr;
          count_--;
          return Ptr(e);
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // After a node moved in memory (realloc), points the chain link that held `old_addr` at
  // `moved`, which has the same key. `old_addr` is only compared, never read.
  void Relink(uintptr_t old_addr, Node* moved) {
    uint64_t h = HashKey(moved->key());
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      if (n == 0) continue;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (Node** link = &tab[h & (n - 1)]; *link != nullptr; link = &(*link)->next) {
        if (reinterpret_cast<uintptr_t>(*link) == old_addr) {
          *link = moved;
          return;
        }
      }
    }
  }

  // Active defragmentation: offers every node to `move`, which returns the node's new address
  // (same contents) or nullptr to keep it; the chain link is pointed at the new address.
  // Returns how many moved.
  template <typename Fn>
  size_t MoveNodes(Fn&& move) {
    uint64_t cursor = 0;
    return MoveNodes(move, &cursor, SIZE_MAX);
  }
  // The same for at most `max_buckets` buckets from `*cursor` (a bucket index over the main table
  // then the rehash target; 0 to start); sets `*cursor` to where to resume, 0 once every bucket
  // was offered. A resize between two calls may offer some nodes twice or skip some, which a
  // defragmentation pass can afford.
  template <typename Fn>
  size_t MoveNodes(Fn&& move, uint64_t* cursor, size_t max_buckets) {
    size_t moved = 0;
    uint64_t i = *cursor;
    const uint64_t total = size0_ + size1_;
    for (size_t visited = 0; i < total && visited < max_buckets; i++, visited++) {
      Node** link = i < size0_ ? &t0_[i] : &t1_[i - size0_];
      for (; *link != nullptr; link = &(*link)->next) {
        if (Node* fresh = move(*link)) {
          *link = fresh;
          moved++;
        }
      }
    }
    *cursor = i < total ? i : 0;
    return moved;
  }

  void Clear() {
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (size_t i = 0; i < n; i++) {
        for (Node* e = tab[i]; e != nullptr;) {
          Node* next = e->next;
          Deleter()(e);
          e = next;
        }
      }
    }
    t0_.reset();
    t1_.reset();
    size0_ = size1_ = 0;
    rehash_idx_ = -1;
    count_ = 0;
  }

  // Exchanges contents with `other` (O(1)).
  void Swap(ChainTable& other) {
    std::swap(t0_, other.t0_);
    std::swap(t1_, other.t1_);
    std::swap(size0_, other.size0_);
    std::swap(size1_, other.size1_);
    std::swap(rehash_idx_, other.rehash_idx_);
    std::swap(count_, other.count_);
  }

  // Visits the buckets at `cursor` (and their expansions while rehashing), calling fn(Node*) for
  // each node; returns the next cursor, 0 when the scan is complete. fn must not remove nodes.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (count_ == 0 || size0_ == 0) return 0;
    auto visit = [&](Node** tab, size_t idx) {
      for (Node* e = tab[idx]; e != nullptr;) {
        Node* next = e->next;
        fn(e);
        e = next;
      }
    };
    if (!rehashing()) {
      uint64_t mask = size0_ - 1;
      visit(t0_.get(), cursor & mask);
      cursor |= ~mask;
      return ReverseBits(ReverseBits(cursor) + 1);
    }
    // Two tables: the bucket in the smaller one, then every bucket of the larger one it expands
    // to (those share the low bits of the cursor).
    Node** small = t0_.get();
    Node** large = t1_.get();
    uint64_t m0 = size0_ - 1, m1 = size1_ - 1;
    if (size0_ > size1_) {
      std::swap(small, large);
      std::swap(m0, m1);
    }
    visit(small, cursor & m0);
    do {
      visit(large, cursor & m1);
      cursor |= ~m1;
      cursor = ReverseBits(ReverseBits(cursor) + 1);
    } while (cursor & (m0 ^ m1));
    return cursor;
  }

  // A uniformly random node, or nullptr if empty. Rejection sampling: a uniform bucket and a
  // uniform slot among `depth` slots, kept only if the chain reaches that slot, so every node
  // has the same chance whatever the length of its chain (picking a bucket and then a member of
  // its chain would favour nodes in short chains). `depth` starts above the chain lengths a
  // table at load factor <= 1 has, and grows (restarting the draw) when a longer chain shows up.
  template <typename Rng>
  Node* Random(Rng& rng) {
    if (count_ == 0) return nullptr;
    // Random reads move the rehash on as lookups do (a set only read with SRANDMEMBER must not
    // stay half-rehashed, holding both arrays, forever).
    if (rehashing()) RehashStep(1);
    size_t depth = 8;
    for (int attempt = 0; attempt < 1000000; attempt++) {
      Node* head;
      if (rehashing()) {
        // Buckets of t0 below rehash_idx_ are empty; choose among the rest of t0 and all of t1.
        size_t left = size0_ - rehash_idx_;
        size_t r = rng() % (left + size1_);
        head = r < left ? t0_[rehash_idx_ + r] : t1_[r - left];
      } else {
        head = t0_[rng() % size0_];
      }
      if (head == nullptr) continue;
      size_t len = 0;
      for (Node* e = head; e != nullptr; e = e->next) len++;
      if (len > depth) {
        depth = len;
        continue;
      }
      size_t pick = rng() % depth;
      if (pick >= len) continue;
      Node* e = head;
      while (pick-- > 0) e = e->next;
      return e;
    }
    Node* any = nullptr;
    ForEach([&](Node* e) {
      if (any == nullptr) any = e;
    });
    return any;
  }

  // Calls fn(Node*) for up to `n` nodes found by reading consecutive buckets from a random one:
  // one random position, then sequential reads of the bucket array, so sampling many keys costs
  // few cache misses. The keys are still a fair sample because their hashes place them. Returns
  // how many nodes were visited. fn must not modify the table.
  template <typename Rng, typename Fn>
  size_t SampleRun(Rng& rng, size_t n, Fn&& fn) {
    if (count_ == 0 || n == 0) return 0;
    if (rehashing()) RehashStep(1);
    // While rehashing, t0's buckets below rehash_idx_ are empty: the walk reads t0's remaining
    // buckets and then t1's as one ring, so a run is never cut short by the table it started in.
    const size_t first = rehashing() ? static_cast<size_t>(rehash_idx_) : 0;
    const size_t left = size0_ - first;
    const size_t span = left + (rehashing() ? size1_ : 0);
    size_t idx = rng() % span;
    size_t seen = 0;
    // A bounded walk: a sparse table (many empty buckets) must not turn sampling into a scan.
    for (size_t steps = 0; steps < span && steps < n * 16 && seen < n; steps++) {
      Node* head = idx < left ? t0_[first + idx] : t1_[idx - left];
      for (Node* e = head; e != nullptr && seen < n; e = e->next) {
        fn(e);
        seen++;
      }
      if (++idx == span) idx = 0;
    }
    return seen;
  }

  // DEBUG HTSTATS text for this table, in Redis's layout: per bucket array (the main one, and
  // the rehashing target while rehashing) its size and elements; with `full` also the used
  // buckets, the longest chain and the distribution of chain lengths.
  void AppendStats(std::string* out, bool full) const {
    if (count_ == 0) {
      out->append("No stats available for empty dictionaries\n");
      return;
    }
    for (int t = 0; t < (rehashing() ? 2 : 1); t++) {
      size_t n = t == 0 ? size0_ : size1_;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      size_t elements = 0, used = 0, longest = 0;
      std::vector<size_t> lengths(50, 0);
      for (size_t b = 0; b < n; b++) {
        size_t len = 0;
        for (Node* e = tab[b]; e != nullptr; e = e->next) len++;
        elements += len;
        used += len > 0;
        longest = std::max(longest, len);
        lengths[std::min<size_t>(len, lengths.size() - 1)]++;
      }
      out->append(t == 0 ? "Hash table 0 stats (main hash table):\n"
                         : "Hash table 1 stats (rehashing target):\n");
      out->append(" table size: " + std::to_string(n) + "\n");
      out->append(" number of elements: " + std::to_string(elements) + "\n");
      if (!full) continue;
      char buf[96];
      out->append(" different slots: " + std::to_string(used) + "\n");
      out->append(" max chain length: " + std::to_string(longest) + "\n");
      snprintf(buf, sizeof(buf), " avg chain length (counted): %.02f\n",
               used ? static_cast<double>(elements) / used : 0.0);
      out->append(buf);
      snprintf(buf, sizeof(buf), " avg chain length (computed): %.02f\n",
               used ? static_cast<double>(elements) / used : 0.0);
      out->append(buf);
      out->append(" Chain length distribution:\n");
      for (size_t len = 0; len < lengths.size(); len++) {
        if (lengths[len] == 0) continue;
        snprintf(buf, sizeof(buf), "   %zu: %zu (%.02f%%)\n", len, lengths[len],
                 100.0 * static_cast<double>(lengths[len]) / static_cast<double>(n));
        out->append(buf);
      }
    }
  }

  // Visits nodes until fn(Node*) returns false; returns false if it stopped early. fn must not
  // modify the table.
  template <typename Fn>
  bool ForEachWhile(Fn&& fn) const {
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (size_t i = 0; i < n; i++) {
        for (Node* e = tab[i]; e != nullptr; e = e->next) {
          if (!fn(e)) return false;
        }
      }
    }
    return true;
  }

  // Visits every node; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int t = 0; t < 2; t++) {
      size_t n = t == 0 ? size0_ : size1_;
      Node** tab = t == 0 ? t0_.get() : t1_.get();
      for (size_t i = 0; i < n; i++) {
        for (Node* e = tab[i]; e != nullptr;) {
          Node* next = e->next;
          fn(e);
          e = next;
        }
      }
    }
  }

  // Moves up to `buckets` buckets to the new array; returns true if rehashing is still going.
  bool RehashStep(int buckets) {
    if (!rehashing()) return false;
    int empty_visits = buckets * 10;
    while (buckets-- > 0 && count_ > 0) {
      while (static_cast<size_t>(rehash_idx_) < size0_ && t0_[rehash_idx_] == nullptr) {
        rehash_idx_++;
        if (--empty_visits == 0) return true;
      }
      if (static_cast<size_t>(rehash_idx_) >= size0_) break;
      for (Node* e = t0_[rehash_idx_]; e != nullptr;) {
        Node* next = e->next;
        size_t idx = HashKey(e->key()) & (size1_ - 1);
        e->next = t1_[idx];
        t1_[idx] = e;
        e = next;
      }
      t0_[rehash_idx_] = nullptr;
      rehash_idx_++;
    }
    if (static_cast<size_t>(rehash_idx_) < size0_ && count_ > 0) return true;
    // Anything left in t0 (only possible when count_ == 0) is empty buckets.
    t0_ = std::move(t1_);
    size0_ = size1_;
    size1_ = 0;
    rehash_idx_ = -1;
    return false;
  }

  // Sizes an empty table for `n` nodes up front (loading a file whose header says how many keys
  // follow), so filling it never rehashes.
  void Reserve(size_t n) {
    if (count_ == 0 && !rehashing() && n > size0_) {
      t0_.reset();
      size0_ = 0;
      Expand(n);
    }
  }

  // Starts shrinking when the table is mostly empty (called after removals and by the cron).
  void MaybeShrink() {
    if (rehashing() || size0_ <= kInitialSize || AvoidTableResize()) return;
    if (count_ * 8 < size0_) Expand(count_ < kInitialSize ? kInitialSize : count_);
  }

 private:
  void Expand(size_t new_size) {
    size_t sz = kInitialSize;
    while (sz < new_size) sz <<= 1;
    if (size0_ == 0) {
      t0_ = std::make_unique<Node*[]>(sz);
      size0_ = sz;
      return;
    }
    if (sz == size0_) return;
    t1_ = std::make_unique<Node*[]>(sz);
    size1_ = sz;
    rehash_idx_ = 0;
  }

  void GrowIfNeeded() {
    if (rehashing()) return;
    if (size0_ == 0) {
      Expand(kInitialSize);
    } else if (count_ >= size0_ && (count_ >= size0_ * kForcedResizeRatio || !AvoidTableResize())) {
      Expand(count_ + 1);
    }
  }

  std::unique_ptr<Node*[]> t0_, t1_;
  size_t size0_ = 0, size1_ = 0;
  int64_t rehash_idx_ = -1;
  size_t count_ = 0;
};

}  // namespace carmine
