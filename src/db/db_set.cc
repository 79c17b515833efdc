// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/db_set.h"

#include <algorithm>

#include "base/crc16.h"

namespace carmine {
namespace {
thread_local bool t_all_held = false;
}  // namespace

// Nested holders (a script inside EXEC) leave the outer one's state as they found it.
AllShardsHeld::AllShardsHeld() : was_held_(t_all_held) { t_all_held = true; }
AllShardsHeld::~AllShardsHeld() { t_all_held = was_held_; }

DbSet::DbSet(int num_dbs, int shards_per_db, bool locking)
    : num_dbs_(num_dbs), shards_(shards_per_db), locking_(locking) {
  size_t n = static_cast<size_t>(num_dbs) * shards_per_db;
  mutexes_ = std::make_unique<PaddedMutex[]>(n);
  watches_.resize(n);
  data_.reserve(n);
  for (size_t i = 0; i < n; i++) {
    data_.push_back(std::make_unique<ShardData>());
    data_.back()->rng.seed(0x9e3779b97f4a7c15ULL + i);
  }
}

uint32_t DbSet::ShardOf(std::string_view key) const {
  if (shards_ == 1) return 0;
  return KeySlot(key) % static_cast<uint32_t>(shards_);
}

size_t DbSet::SlotKeyCount(int db, uint32_t slot) {
  if (slot_sharded()) return Data(db, slot).table.size();
  size_t n = 0;
  ForEachKeyInSlot(db, slot, [&](Entry*) {
    n++;
    return true;
  });
  return n;
}

void DbSet::SwapDbs(int a, int b, int64_t now_ms) {
  TouchWatchedDb(a, b, now_ms);
  TouchWatchedDb(b, a, now_ms);
  for (int s = 0; s < shards_; s++) std::swap(data_[Index(a, s)], data_[Index(b, s)]);
}

void DbSet::SwapAllData(DbSet& other, int64_t now_ms) {
  for (int db = 0; db < num_dbs_; db++) TouchWatchedDb(db, -1, now_ms);
  for (size_t i = 0; i < data_.size() && i < other.data_.size(); i++) {
    std::swap(data_[i], other.data_[i]);
  }
  for (int db = 0; db < num_dbs_; db++) TouchWatchedDb(db, -1, now_ms);
}

void DbSet::Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& w,
                  bool expired) {
  auto& list = watches_[Index(db, ShardOf(key))][std::string(key)];
  for (auto& x : list) {
    if (x.state == w) return;
  }
  list.push_back({w, expired});
  watched_.fetch_add(1, std::memory_order_relaxed);
}

bool DbSet::WatchedExpired(int db, std::string_view key, const WatchState* w) {
  WatchMap& m = watches_[Index(db, ShardOf(key))];
  auto it = m.find(std::string(key));
  if (it == m.end()) return false;
  for (auto& x : it->second) {
    if (x.state.get() == w) return x.expired;
  }
  return false;
}

void DbSet::Unwatch(int db, std::string_view key, const WatchState* w) {
  WatchMap& m = watches_[Index(db, ShardOf(key))];
  auto it = m.find(std::string(key));
  if (it == m.end()) return;
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); i++) {
    if (list[i].state.get() == w) {
      list.erase(list.begin() + static_cast<long>(i));
      watched_.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
  }
  if (list.empty()) m.erase(it);
}

void DbSet::TouchWatched(int db, std::string_view key) {
  WatchMap& m = watches_[Index(db, ShardOf(key))];
  if (m.empty()) return;
  auto it = m.find(std::string(key));
  if (it == m.end()) return;
  bool gone = data_[Index(db, ShardOf(key))]->table.Find(key) == nullptr;
  for (auto& w : it->second) {
    if (w.expired && gone) {
      w.expired = false;  // the stale key is deleted: logically no change
      continue;
    }
    w.expired = false;
    w.state->dirty.store(true, std::memory_order_relaxed);
  }
}

void DbSet::TouchWatchedDb(int db, int other, int64_t now_ms) {
  if (!any_watched()) return;
  auto stale = [now_ms](const Entry* e) {
    return e != nullptr && e->has_expire() && e->expire_at() <= now_ms;
  };
  for (int s = 0; s < shards_; s++) {
    for (auto& [key, list] : watches_[Index(db, s)]) {
      const Entry* here = data_[Index(db, s)]->table.Find(key);
      const Entry* incoming = other >= 0 ? data_[Index(other, s)]->table.Find(key) : nullptr;
      if (here == nullptr && incoming == nullptr) continue;
      for (auto& w : list) {
        if (w.expired) {
          // Seen expired: replaced by nothing, or by another expired key, is no change.
          if (incoming == nullptr) {
            w.expired = false;
            continue;
          }
          if (stale(incoming)) continue;
        } else if (here == nullptr && stale(incoming)) {
          w.expired = true;  // a missing key replaced with an expired one: still missing
          continue;
        }
        w.state->dirty.store(true, std::memory_order_relaxed);
      }
    }
  }
}

size_t DbSet::KeyCount(int db) const {
  size_t n = 0;
  for (int s = 0; s < shards_; s++) n += data_[Index(db, s)]->table.size();
  return n;
}

size_t DbSet::VolatileCount(int db) const {
  size_t n = 0;
  for (int s = 0; s < shards_; s++) n += data_[Index(db, s)]->volatile_keys.size();
  return n;
}

void ShardLocks::Add(DbSet& set, int db, uint32_t shard) {
  set_ = &set;
  if (!set.locking()) return;
  idx_.push_back(set.Index(db, shard));
}

void ShardLocks::AddDb(DbSet& set, int db) {
  for (int s = 0; s < set.num_shards(); s++) Add(set, db, s);
}

void ShardLocks::AddAll(DbSet& set) {
  for (int d = 0; d < set.num_dbs(); d++) AddDb(set, d);
}

void ShardLocks::Acquire() {
  if (set_ == nullptr || idx_.empty() || t_all_held) return;
  std::sort(idx_.begin(), idx_.end());
  idx_.erase(std::unique(idx_.begin(), idx_.end()), idx_.end());
  int shards = set_->num_shards();
  held_.reserve(idx_.size());
  for (uint32_t i : idx_) {
    std::mutex* m = &set_->Mutex(static_cast<int>(i / shards), i % shards);
    m->lock();
    held_.push_back(m);
  }
}

void ShardLocks::Release() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->unlock();
  held_.clear();
  idx_.clear();
}

}  // namespace carmine
