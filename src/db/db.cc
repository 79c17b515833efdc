// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/db.h"

#include "base/clock.h"
#include "db/evict.h"
#include "db/lazyfree.h"

namespace carmine {

bool Db::ExpireIfNeeded(ShardData& d, Entry* e, bool write) {
  if (!IsExpired(e)) return false;
  // Gone for readers, deleted after the pause (or by the next lookup that may delete). A
  // replica leaves deleting to its master, except for a write of its own when it is writable.
  if (keep_expired_ || set_->expire_paused(now_ms_)) return true;
  if (set_->replica() && !force_expire_ && !(write && set_->replica_writable())) return true;
  std::string key(e->key());
  RemoveFromVolatile(d, e);
  Dispose(d.table.Remove(key), set_->lazy_expire());
  set_->stats().expired_keys.Add();
  set_->stats().dirty.Add();
  if (set_->any_watched()) set_->TouchWatched(index_, key);
  Notify(kNotifyExpired, "expired", key);
  if (auto* o = set_->observer()) o->OnKeyExpired(index_, key);
  return true;
}

Entry* Db::Find(std::string_view key) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e == nullptr || ExpireIfNeeded(d, e)) return nullptr;
  return e;
}

bool Db::ExpireReplicaLocalKey(std::string_view key) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e == nullptr || !e->has_expire()) return false;
  if (!IsExpired(e)) return true;
  force_expire_ = true;
  ExpireIfNeeded(d, e);
  force_expire_ = false;
  return false;
}

Entry* Db::Peek(std::string_view key) { return DataFor(key).table.Find(key); }

Entry* Db::FindRead(std::string_view key, bool touch) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e != nullptr && ExpireIfNeeded(d, e, false)) e = nullptr;
  if (e == nullptr) {
    set_->stats().keyspace_misses.Add();
    Notify(kNotifyKeyMiss, "keymiss", key);
    return nullptr;
  }
  set_->stats().keyspace_hits.Add();
  if (touch_ && touch) Touch(e);
  return e;
}

OpResult<Entry*> Db::FindReadOfType(std::string_view key, ObjType type) {
  Entry* e = FindRead(key);
  if (e == nullptr) return OpStatus::kKeyNotFound;
  if (e->value.type() != type) return OpStatus::kWrongType;
  return e;
}

OpResult<Entry*> Db::FindOfType(std::string_view key, ObjType type) {
  Entry* e = Find(key);
  if (e == nullptr) return OpStatus::kKeyNotFound;
  TouchForWrite(e);
  if (e->value.type() != type) return OpStatus::kWrongType;
  return e;
}

Entry* Db::Add(std::string_view key, bool expiry_room) {
  Entry* e = AddQuiet(key, expiry_room);
  Notify(kNotifyNew, "new", key);
  return e;
}

Entry* Db::AddQuiet(std::string_view key, bool expiry_room) {
  Entry* e = DataFor(key).table.Insert(MakeEntry(key, expiry_room));
  e->lru = set_->lfu() ? lfu::Initial(now_ms_) : LruClock(now_ms_);
  if (ready_ != nullptr) ready_->KeyReady(index_, key);
  return e;
}

void Db::RemoveFromVolatile(ShardData& d, Entry* e) {
  if (!e->has_expire()) return;
  auto& v = d.volatile_keys;
  uint32_t pos = e->vol_pos();
  Entry* last = v.back();
  v[pos] = last;
  last->set_vol_pos(pos);
  v.pop_back();
  e->flags &= ~kEntryHasExpire;
}

bool Db::Delete(std::string_view key, Free how) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e == nullptr || ExpireIfNeeded(d, e)) return false;
  RemoveFromVolatile(d, e);
  // Readers of a consumer group blocked on a deleted stream are woken with an error.
  if (e->value.type() == ObjType::kStream) SignalReady(key);
  Dispose(d.table.Remove(key), how == Free::kLazy || (how == Free::kServer && set_->lazy_server_del()));
  return true;
}

void Db::ReleaseValue(Entry* e) {
  if (e->value.type() == ObjType::kStream) SignalReady(e->key());  // see Delete
  if (!set_->lazy_server_del() || set_->lazy_freer() == nullptr ||
      FreeEffort(e) <= kLazyFreeThreshold) {
    return;
  }
  EntryPtr holder = MakeEntry({});
  holder->value = std::move(e->value);
  set_->lazy_freer()->Free(std::move(holder));
}

bool Db::Evict(std::string_view key, bool lazy, const std::function<void()>& freed) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e == nullptr || ExpireIfNeeded(d, e)) return false;
  RemoveFromVolatile(d, e);
  EntryPtr p = d.table.Remove(key);
  if (lazy && set_->lazy_freer() != nullptr && FreeEffort(p.get()) > kLazyFreeThreshold) {
    // Eviction must know what is still to be freed, or it would go on evicting while the
    // lazy-free thread catches up.
    size_t bytes = EntryAllocSize(p.get()) + p->value.HeapBytes();
    set_->lazy_freer()->Free(std::move(p), bytes);
  }
  p.reset();
  if (freed) freed();
  if (set_->any_watched()) set_->TouchWatched(index_, key);
  if (auto* o = set_->observer()) o->OnKeyModified(index_, key);
  Notify(kNotifyEvicted, "evicted", key);
  return true;
}

void Db::Dispose(EntryPtr e, bool lazy) {
  if (lazy && set_->lazy_freer() != nullptr) set_->lazy_freer()->Free(std::move(e));
}

void Db::Touch(Entry* e) {
  if (set_->lfu()) {
    e->lru = lfu::Touched(e->lru, now_ms_, set_->lfu_log_factor(), set_->lfu_decay_time(),
                          set_->Data(index_, set_->ShardOf(e->key())).rng);
  } else {
    e->lru = LruClock(now_ms_);
  }
}

EntryPtr Db::Take(std::string_view key) {
  ShardData& d = DataFor(key);
  Entry* e = d.table.Find(key);
  if (e == nullptr || ExpireIfNeeded(d, e)) return nullptr;
  bool had = e->has_expire();
  RemoveFromVolatile(d, e);
  EntryPtr p = d.table.Remove(key);
  // The trailer still holds the deadline; Put() re-indexes it.
  if (had) p->flags |= kEntryHasExpire;
  return p;
}

Entry* Db::Put(EntryPtr ep) {
  ShardData& d = DataFor(ep->key());
  bool had = ep->has_expire();
  int64_t when = had ? ep->expire_at() : 0;
  ep->flags &= ~kEntryHasExpire;
  Entry* e = d.table.Insert(std::move(ep));
  if (had) e = SetExpire(e, when);
  Notify(kNotifyNew, "new", e->key());
  if (ready_ != nullptr) ready_->KeyReady(index_, e->key());
  return e;
}

Entry* Db::SetExpire(Entry* e, int64_t when_ms) {
  if (!e->has_expire()) {
    ShardData& d = DataFor(e->key());
    uintptr_t old = reinterpret_cast<uintptr_t>(e);
    e = GrowEntryForExpiry(e);
    if (reinterpret_cast<uintptr_t>(e) != old) d.table.Relink(old, e);
    e->set_vol_pos(static_cast<uint32_t>(d.volatile_keys.size()));
    d.volatile_keys.push_back(e);
    e->flags |= kEntryHasExpire;
  }
  e->set_expire_at(when_ms);
  if (set_->replica() && !ignore_ttl_ && !set_->loading()) {
    set_->NoteReplicaLocalExpire(index_, e->key());
  }
  return e;
}

void Db::ClearExpire(Entry* e) {
  if (!e->has_expire()) return;
  RemoveFromVolatile(DataFor(e->key()), e);
}

void Db::Modified(std::string_view key, uint64_t changes) {
  set_->stats().dirty.Add(changes);
  if (changes_ != nullptr) *changes_ += changes;
  if (set_->any_watched()) set_->TouchWatched(index_, key);
  if (auto* o = set_->observer()) o->OnKeyModified(index_, key);
}

size_t Db::Flush(bool lazy) {
  set_->TouchWatchedDb(index_, -1, now_ms_);
  size_t n = 0;
  for (int s = 0; s < set_->num_shards(); s++) {
    ShardData& d = set_->Data(index_, s);
    n += d.table.size();
    d.volatile_keys.clear();
    d.volatile_keys.shrink_to_fit();
    if (lazy && set_->lazy_freer() != nullptr && d.table.size() > 0) {
      auto old = std::make_unique<KeyTable>();
      old->Swap(d.table);
      set_->lazy_freer()->FreeTable(std::move(old));
    } else {
      d.table.Clear();
    }
  }
  return n;
}

uint64_t Db::IdleSeconds(const Entry* e) const {
  // The clock is 24 bits of seconds (194 days) and wraps: subtract modulo 2^24.
  return (LruClock(now_ms_) - e->lru) & 0xFFFFFF;
}

size_t ActiveExpireShard(DbSet& set, int db, uint32_t shard, int64_t now_ms, int64_t budget_us,
                         int effort) {
  ShardData& d = set.Data(db, shard);
  // A replica deletes nothing by itself: its master's DELs end the keys.
  if (d.volatile_keys.empty() || set.replica()) return 0;
  // Effort 1..10 scales the sample size and lowers the tolerated stale ratio, as Redis's
  // active-expire-effort does (20 keys / 10% at effort 1).
  const size_t per_loop = 20 + 20 / 4 * (effort - 1);
  const double acceptable = 10 - (effort - 1);
  int64_t start = clock::MonotonicUs();
  size_t total = 0, sampled_all = 0, expired_all = 0;
  Db view(set, db, now_ms, false);
  for (int iter = 0;; iter++) {
    size_t n = std::min(per_loop, d.volatile_keys.size());
    if (n == 0) break;
    size_t expired = 0;
    for (size_t i = 0; i < n && !d.volatile_keys.empty(); i++) {
      Entry* e = d.volatile_keys[d.rng() % d.volatile_keys.size()];
      if (e->expire_at() <= now_ms) {
        std::string key(e->key());
        if (view.Find(key) == nullptr) expired++;
      }
    }
    total += expired;
    sampled_all += n;
    expired_all += expired;
    if ((iter & 15) == 15 && clock::MonotonicUs() - start > budget_us) {
      set.stats().expired_time_cap_reached.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (expired * 100 <= n * acceptable) break;
  }
  if (sampled_all > 0) {
    double cur = static_cast<double>(expired_all) / sampled_all;
    auto& avg = set.stats().expired_stale;
    avg.store(cur * 0.05 + avg.load(std::memory_order_relaxed) * 0.95, std::memory_order_relaxed);
  }
  set.stats().expire_cycle_cpu_us.fetch_add(clock::MonotonicUs() - start,
                                            std::memory_order_relaxed);
  return total;
}

}  // namespace carmine
