// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/zset_object.h"

#include <vector>

namespace carmine {

std::unique_ptr<DataObject> ZSetObject::Clone() const {
  auto z = std::make_unique<ZSetObject>();
  if (table_ == nullptr) {
    z->packed_ = packed_.Clone();
    return z;
  }
  z->table_ = std::make_unique<ZTable>();
  z->tree_ = std::make_unique<ScoreTree>();
  if (size() > 0) {
    ForRanks(0, size() - 1, false, [&](std::string_view m, double s) {
      ZNode* n = z->table_->Insert(MakeZNode(m, s));
      z->tree_->Insert(s, n);
    });
  }
  return z;
}

size_t ZSetObject::DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) {
  if (table_ == nullptr) {
    *cursor = 0;
    return packed_.data() != nullptr && packed_.Defrag(advisor) ? 1 : 0;
  }
  // The top bit tells the two passes apart: a bucket index over the table, then a rank in the
  // order index.
  constexpr uint64_t kIndexPass = uint64_t{1} << 63;
  if ((*cursor & kIndexPass) != 0) {
    uint64_t rank = *cursor & ~kIndexPass;
    size_t moved = tree_->MoveNodes(advisor, &rank, budget);
    *cursor = rank == 0 ? 0 : rank | kIndexPass;
    return moved;
  }
  size_t moved = table_->MoveNodes([&](ZNode* n) { return tree_->MoveMember(n, advisor); },
                                   cursor, budget);
  if (*cursor == 0) *cursor = kIndexPass;
  return moved;
}

size_t ZSetObject::MemoryUsage() const {
  size_t n = sizeof(*this) + packed_.AllocatedBytes();
  if (table_ == nullptr) return n;
  n += sizeof(ZTable) + table_->BucketBytes() + sizeof(ScoreTree) + tree_->MemoryUsage();
  table_->ForEach([&](ZNode* node) { n += strnode::AllocSize(node); });
  return n;
}

uint32_t ZSetObject::PackedFind(std::string_view member) const {
  return packed_.Find(member, 2);
}

bool ZSetObject::Score(std::string_view member, double* score) const {
  if (table_ != nullptr) {
    ZNode* n = table_->Find(member);
    if (n == nullptr) return false;
    *score = n->score();
    return true;
  }
  uint32_t off = PackedFind(member);
  if (off >= packed_.end()) return false;
  *score = packed_.Get(packed_.Next(off)).AsDouble();
  return true;
}

bool ZSetObject::Set(std::string_view member, double score, const EncodingLimits& lim) {
  if (table_ == nullptr && static_cast<int64_t>(member.size()) > lim.zset_max_listpack_value) {
    ConvertToTable();
  }
  if (table_ != nullptr) {
    ZNode* n = table_->Find(member);
    if (n != nullptr) {
      if (n->score() != score) {
        tree_->Erase(n->score(), member);
        n->set_score(score);
        tree_->Insert(score, n);
      }
      return false;
    }
    n = table_->Insert(MakeZNode(member, score));
    tree_->Insert(score, n);
    return true;
  }
  bool added = true;
  uint32_t found = PackedFind(member);
  if (found < packed_.end()) {
    if (packed_.Get(packed_.Next(found)).AsDouble() == score) return false;
    packed_.Erase(found, 2);
    added = false;
  }
  // Insert before the first pair that sorts after (score, member).
  std::string scratch;
  uint32_t off = packed_.begin();
  while (off < packed_.end()) {
    uint32_t soff = packed_.Next(off);
    double s = packed_.Get(soff).AsDouble();
    if (CompareScoreMember(s, packed_.Get(off).View(&scratch), score, member) > 0) break;
    off = packed_.Next(soff);
  }
  uint32_t at = packed_.Insert(off, member);
  packed_.InsertDouble(packed_.Next(at), score);
  if (static_cast<int64_t>(size()) > lim.zset_max_listpack_entries) ConvertToTable();
  return added;
}

bool ZSetObject::Remove(std::string_view member) {
  if (table_ != nullptr) {
    ZNode* n = table_->Find(member);
    if (n == nullptr) return false;
    tree_->Erase(n->score(), member);
    table_->Remove(member);
    table_->MaybeShrink();
    return true;
  }
  uint32_t off = PackedFind(member);
  if (off >= packed_.end()) return false;
  packed_.Erase(off, 2);
  return true;
}

bool ZSetObject::Rank(std::string_view member, size_t* rank) const {
  if (table_ != nullptr) {
    ZNode* n = table_->Find(member);
    if (n == nullptr) return false;
    *rank = tree_->Rank(n->score(), member);
    return true;
  }
  std::string scratch;
  size_t r = 0;
  for (uint32_t off = packed_.begin(); off < packed_.end(); r++) {
    if (packed_.Get(off).Equals(member)) {
      *rank = r;
      return true;
    }
    off = packed_.Next(packed_.Next(off));
  }
  return false;
}

size_t ZSetObject::LowerBoundScore(double s, bool exclusive) const {
  auto pred = [&](double v) { return exclusive ? v > s : v >= s; };
  if (table_ != nullptr) return tree_->LowerBound([&](const ScoreEntry& e) { return pred(e.score); });
  size_t r = 0;
  for (uint32_t off = packed_.begin(); off < packed_.end(); r++) {
    uint32_t soff = packed_.Next(off);
    if (pred(packed_.Get(soff).AsDouble())) break;
    off = packed_.Next(soff);
  }
  return r;
}

size_t ZSetObject::LowerBoundLex(std::string_view m, bool exclusive) const {
  auto pred = [&](std::string_view v) { return exclusive ? v > m : v >= m; };
  if (table_ != nullptr) {
    return tree_->LowerBound([&](const ScoreEntry& e) { return pred(e.member()); });
  }
  std::string scratch;
  size_t r = 0;
  for (uint32_t off = packed_.begin(); off < packed_.end(); r++) {
    if (pred(packed_.Get(off).View(&scratch))) break;
    off = packed_.Next(packed_.Next(off));
  }
  return r;
}

void ZSetObject::RemoveRanks(size_t start, size_t end) {
  if (start > end || end >= size()) return;
  if (table_ == nullptr) {
    packed_.Erase(PackedAt(start), static_cast<uint32_t>(2 * (end - start + 1)));
    return;
  }
  std::vector<std::string> doomed;
  doomed.reserve(end - start + 1);
  ForRanks(start, end, false, [&](std::string_view m, double) { doomed.emplace_back(m); });
  for (auto& m : doomed) Remove(m);
}

void ZSetObject::Random(std::mt19937_64& rng, std::string* member, double* score) const {
  if (table_ != nullptr) {
    ZNode* n = table_->Random(rng);
    member->assign(n->key());
    *score = n->score();
    return;
  }
  uint32_t off = PackedAt(rng() % size());
  *member = packed_.GetString(off);
  *score = packed_.Get(packed_.Next(off)).AsDouble();
}

void ZSetObject::ConvertToTable() {
  auto table = std::make_unique<ZTable>();
  auto tree = std::make_unique<ScoreTree>();
  std::string scratch;
  for (uint32_t off = packed_.begin(); off < packed_.end();) {
    uint32_t soff = packed_.Next(off);
    double s = packed_.Get(soff).AsDouble();
    ZNode* n = table->Insert(MakeZNode(packed_.Get(off).View(&scratch), s));
    tree->Insert(s, n);
    off = packed_.Next(soff);
  }
  packed_.Reset();
  table_ = std::move(table);
  tree_ = std::move(tree);
}

}  // namespace carmine
