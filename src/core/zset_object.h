// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ZSetObject: the value of a sorted-set key. Small sets are a PackedList of member,score pairs
// kept in (score, member) order ("listpack"); past zset-max-listpack-entries members or with a
// member longer than zset-max-listpack-value bytes the set moves to a ZTable (member -> score, one
// block per member) plus a ScoreTree order index (reported as "skiplist", the name clients know).
//
// Every range operation is expressed in ranks: the family turns score and lex bounds into a rank
// interval with the LowerBound* calls, then reads or removes that interval.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "core/compact_value.h"
#include "core/encoding_limits.h"
#include "core/packed_list.h"
#include "core/score_tree.h"
#include "core/str_nodes.h"

namespace carmine {

class ZSetObject : public DataObject {
 public:
  ObjType type() const override { return ObjType::kZSet; }
  const char* encoding_name() const override { return table_ ? "skiplist" : "listpack"; }
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;
  size_t FreeEffort() const override { return table_ ? size() : 1; }
  // The packed block; or the members' nodes (repointed in the order index too), bucket by
  // bucket, then the index's own nodes, leaf by leaf.
  size_t DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) override;
  // Whether the order index holds together (ScoreTree::CheckLinks); for tests.
  bool CheckIndex() const { return tree_ == nullptr || tree_->CheckLinks(); }
  bool AppendTableStats(std::string* out, bool full) const override {
    if (table_ == nullptr) return false;
    table_->AppendStats(out, full);
    return true;
  }

  size_t size() const { return table_ ? table_->size() : packed_.size() / 2; }
  bool is_packed() const { return table_ == nullptr; }

  bool Score(std::string_view member, double* score) const;
  // Inserts or updates; returns true when the member is new.
  bool Set(std::string_view member, double score, const EncodingLimits& lim);
  bool Remove(std::string_view member);
  // 0-based rank in ascending order; false if absent.
  bool Rank(std::string_view member, size_t* rank) const;

  // Rank of the first element with score >= s (> s when exclusive).
  size_t LowerBoundScore(double s, bool exclusive) const;
  // Rank of the first element whose member is >= m (> m when exclusive); meaningful when all
  // scores are equal, as for Redis's lex commands.
  size_t LowerBoundLex(std::string_view m, bool exclusive) const;

  // From rank `first`, the rank of the first element whose member fails `keep` (size() if none):
  // how Redis finds the end of a lex range in a listpack, which stays exact even when the scores
  // differ and the members are not in lex order.
  template <typename Pred>
  size_t PackedWalkWhile(size_t first, Pred&& keep) const {
    std::string scratch;
    size_t r = first;
    for (uint32_t off = PackedAt(first); off < packed_.end(); r++) {
      if (!keep(packed_.Get(off).View(&scratch))) break;
      off = packed_.Next(packed_.Next(off));
    }
    return r;
  }

  // Calls fn(member, score) for ranks start..end (inclusive, end < size()), descending from end
  // to start when reverse is set.
  template <typename Fn>
  void ForRanks(size_t start, size_t end, bool reverse, Fn&& fn) const;
  // Removes ranks start..end (inclusive).
  void RemoveRanks(size_t start, size_t end);

  // Moves a packed set to the table encoding (SORT does this to the sets it sorts, as Redis).
  void ConvertToTableEncoding() {
    if (table_ == nullptr) ConvertToTable();
  }

  // One ZSCAN step calling fn(member, score) (packed sets are returned whole with cursor 0).
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn);
  // A random member and its score.
  void Random(std::mt19937_64& rng, std::string* member, double* score) const;

 private:
  void ConvertToTable();
  uint32_t PackedFind(std::string_view member) const;
  // Offset of the member at `rank` in the packed list.
  uint32_t PackedAt(size_t rank) const { return packed_.Seek(static_cast<int64_t>(rank) * 2); }

  PackedList packed_;
  std::unique_ptr<ZTable> table_;
  std::unique_ptr<ScoreTree> tree_;
};

template <typename Fn>
void ZSetObject::ForRanks(size_t start, size_t end, bool reverse, Fn&& fn) const {
  if (start > end || end >= size()) return;
  std::string scratch;
  if (table_ == nullptr) {
    if (!reverse) {
      uint32_t off = PackedAt(start);
      for (size_t r = start; r <= end; r++) {
        uint32_t soff = packed_.Next(off);
        fn(packed_.Get(off).View(&scratch), packed_.Get(soff).AsDouble());
        off = packed_.Next(soff);
      }
    } else {
      uint32_t off = PackedAt(end);
      for (size_t r = end + 1; r-- > start;) {
        fn(packed_.Get(off).View(&scratch), packed_.Get(packed_.Next(off)).AsDouble());
        if (r > start) off = packed_.Prev(packed_.Prev(off));
      }
    }
    return;
  }
  ScoreTree::Iter it = tree_->Select(reverse ? end : start);
  for (size_t n = end - start + 1; n > 0 && it.valid(); n--) {
    ScoreEntry e = tree_->Get(it);
    fn(e.member(), e.score);
    it = reverse ? tree_->Prev(it) : tree_->Next(it);
  }
}

template <typename Fn>
uint64_t ZSetObject::Scan(uint64_t cursor, Fn&& fn) {
  if (table_ == nullptr) {
    if (size() > 0) ForRanks(0, size() - 1, false, fn);
    return 0;
  }
  return table_->Scan(cursor, [&](ZNode* n) { fn(n->key(), n->score()); });
}

}  // namespace carmine
