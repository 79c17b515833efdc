// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// DbSet: all logical databases, each split into shards by hash slot (slot = CRC16 of the key or its
// {hash tag}, shard = slot mod shard count). A shard's data (its KeyTable and the vector of keys
// that carry a TTL) is guarded by that shard's lock. Locks live apart from the data so SWAPDB can
// exchange the data of two databases while holding both sets of locks, and a thread that waited for
// a lock always reads the data pointer after it acquired the lock.
//
// Lock order: ascending global index (db * shards + shard). Every multi-lock user goes through
// ShardLocks, which sorts, so no two commands can deadlock. With one worker thread, locking is
// switched off entirely (there is nobody to exclude), which keeps `threads 1` free of lock cost.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/counter.h"
#include "base/crc16.h"
#include "base/rng.h"
#include "core/key_table.h"

namespace carmine {

struct ShardData {
  KeyTable table;
  // Keys with an expiry; Entry::vol_pos is each key's index here. Sampling it uniformly is how the
  // active expiry cycle finds candidates, as Redis samples its expires dict.
  std::vector<Entry*> volatile_keys;
  SmallRng rng;
};

// Counters readable from any thread (INFO). Relaxed atomics: they are statistics.
struct DbStats {
  Counter expired_keys;
  std::atomic<uint64_t> expired_time_cap_reached{0};
  Counter keyspace_hits, keyspace_misses;
  Counter dirty;  // changes since the last save
  std::atomic<uint64_t> expire_cycle_cpu_us{0};
  // Running average of the fraction of sampled volatile keys the active cycle found expired
  // (INFO expired_stale_perc). Shards update it without ordering; it is an estimate.
  std::atomic<double> expired_stale{0};
  void Reset() {
    expired_stale = 0;
    expired_keys.Reset();
    expired_time_cap_reached = 0;
    keyspace_hits.Reset();
    keyspace_misses.Reset();
    expire_cycle_cpu_us = 0;
  }
};

// One client's WATCH: the keys it watches and whether any of them changed since. `dirty` is set by
// whichever thread modifies a watched key (under that key's shard lock) and read by EXEC.
struct WatchState {
  std::atomic<bool> dirty{false};
  std::vector<std::pair<int, std::string>> keys;  // (db, key); owner thread only
};

// Receives keyspace changes so that upper layers (WATCH, keyspace events, propagation to AOF and
// replicas) hear about every modification. Called with the shard lock held; must not block.
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  virtual void OnKeyModified(int db, std::string_view key) = 0;
  // The key was removed because its TTL passed (lazily or by the active cycle).
  virtual void OnKeyExpired(int db, std::string_view key) = 0;
  // Whole databases changed (FLUSHDB/FLUSHALL: db = -1 for all, SWAPDB).
  virtual void OnDbChanged(int db) = 0;
  // A keyspace event of an enabled class (see db/notify.h).
  virtual void OnEvent(int db, uint32_t type, std::string_view event, std::string_view key) = 0;
};

class DbSet {
 public:
  DbSet(int num_dbs, int shards_per_db, bool locking);

  int num_dbs() const { return num_dbs_; }
  int num_shards() const { return shards_; }
  bool locking() const { return locking_; }
  // A script holds every shard for its whole run: periodic work (active expiry) skips its turn
  // rather than wait, so the other threads keep serving (and answer -BUSY) meanwhile.
  void set_exclusive(bool on) { exclusive_.store(on, std::memory_order_relaxed); }
  bool exclusive() const { return exclusive_.load(std::memory_order_relaxed); }
  uint32_t ShardOf(std::string_view key) const;

  // Data of one shard; the caller holds its lock (or locking is off).
  ShardData& Data(int db, uint32_t shard) { return *data_[Index(db, shard)]; }
  std::mutex& Mutex(int db, uint32_t shard) { return mutexes_[Index(db, shard)].mu; }
  uint32_t Index(int db, uint32_t shard) const {
    return static_cast<uint32_t>(db) * shards_ + shard;
  }

  // Hash slots, as Redis Cluster numbers them. With one shard per slot (num_shards() == kSlots,
  // the layout Cluster mode asks for) a slot's keys are exactly one shard's table: counting them
  // is O(1) and visiting them touches no other key, which is what CLUSTER COUNTKEYSINSLOT,
  // GETKEYSINSLOT and slot migration need. With fewer shards a slot's keys are the subset of
  // shard ShardOfSlot(slot) whose key hashes to it, found by filtering that shard.
  static constexpr uint32_t kSlots = 16384;
  bool slot_sharded() const { return static_cast<uint32_t>(shards_) == kSlots; }
  uint32_t ShardOfSlot(uint32_t slot) const { return slot % static_cast<uint32_t>(shards_); }
  // Number of keys (expired ones included, as Redis counts them) of `slot` in `db`. The caller
  // holds the lock of ShardOfSlot(slot).
  size_t SlotKeyCount(int db, uint32_t slot);
  // Calls fn(Entry*) for the keys of `slot` in `db` until it returns false; fn must not modify
  // the table. The caller holds the lock of ShardOfSlot(slot).
  template <typename Fn>
  void ForEachKeyInSlot(int db, uint32_t slot, Fn&& fn);

  // Swaps all data of two databases. Caller holds every lock of both.
  void SwapDbs(int a, int b, int64_t now_ms);
  // Exchanges the contents of every database with `other` (same numbers of databases and
  // shards): a replica's new dataset, loaded aside, replaces the live one in one step. The
  // caller holds every lock of this set; `other` is private to the caller. Watchers of keys
  // present on either side are dirtied.
  void SwapAllData(DbSet& other, int64_t now_ms);
  // Number of keys / volatile keys in a db. Caller holds the db's locks (or accepts a racy count).
  size_t KeyCount(int db) const;
  size_t VolatileCount(int db) const;

  // WATCH bookkeeping. The caller holds the shard lock of `key` in `db` (for the Db variants, the
  // locks of every shard of the databases named).
  // `expired`: the key exists but is past its TTL as WATCH sees it. Such a key going away (by
  // expiry, or replaced by nothing in SWAPDB) is no change for this watcher, as in Redis.
  void Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& w, bool expired);
  // Whether `w` watched `key` while it was already expired (and it has not changed since).
  bool WatchedExpired(int db, std::string_view key, const WatchState* w);
  void Unwatch(int db, std::string_view key, const WatchState* w);
  bool any_watched() const { return watched_.load(std::memory_order_relaxed) > 0; }
  // Marks the watchers of `key` dirty (any modification, expiry included), except watchers that
  // saw the key already expired when it is now gone.
  void TouchWatched(int db, std::string_view key);
  // FLUSHDB / SWAPDB: watchers of `db` whose key exists in `db`, or in `other` (>= 0) that is
  // about to replace it, are marked dirty, as Redis does; keys past their TTL at `now_ms` count
  // as absent on both sides.
  void TouchWatchedDb(int db, int other, int64_t now_ms);

  DbStats& stats() { return stats_; }
  // Set while a dataset is loaded from disk (keys do not expire then).
  // Acquire: what the loader wrote before clearing the flag is visible to whoever sees it clear.
  bool loading() const { return loading_.load(std::memory_order_acquire); }
  void set_loading(bool v) { loading_.store(v); }
  // A replica receives and loads its master's new dataset aside while this one keeps serving
  // (repl-diskless-load swapdb from the same replication history: Redis's async loading).
  bool async_loading() const { return async_loading_.load(std::memory_order_acquire); }
  void set_async_loading(bool v) { async_loading_.store(v); }
  // CLIENT PAUSE (WRITE or ALL) until this time: keys past their TTL read as missing but are
  // not deleted, actively or lazily, until the pause ends (a deletion is a write).
  void set_expire_paused_until(int64_t ms) { expire_paused_until_.store(ms); }
  bool expire_paused(int64_t now_ms) const {
    return now_ms < expire_paused_until_.load(std::memory_order_relaxed);
  }
  // A replica: its master deletes expired keys (the DELs come in the stream), so here keys past
  // their TTL read as missing but are never deleted, actively or lazily.
  // A writable replica (replica-read-only no) still deletes a key past its TTL that a local
  // write looks up (the write re-creates it), and expires the keys its own clients gave a TTL
  // (TakeReplicaLocalExpires), as Redis does.
  void set_replica(bool v, bool writable) {
    replica_writable_.store(writable, std::memory_order_relaxed);
    replica_.store(v, std::memory_order_relaxed);
  }
  bool replica() const { return replica_.load(std::memory_order_relaxed); }
  bool replica_writable() const { return replica_writable_.load(std::memory_order_relaxed); }
  // Keys a client of a writable replica set a TTL on (database, key).
  void NoteReplicaLocalExpire(int db, std::string_view key) {
    std::lock_guard<std::mutex> l(replica_local_mu_);
    replica_local_expires_.emplace(db, std::string(key));
  }
  std::set<std::pair<int, std::string>> TakeReplicaLocalExpires() {
    std::lock_guard<std::mutex> l(replica_local_mu_);
    return std::move(replica_local_expires_);
  }
  // maxmemory is not enforced (a replica with replica-ignore-maxmemory: its master evicts).
  void set_ignore_maxmemory(bool v) { ignore_maxmemory_.store(v, std::memory_order_relaxed); }
  bool ignore_maxmemory() const { return ignore_maxmemory_.load(std::memory_order_relaxed); }
  void set_observer(KeyspaceObserver* o) { observer_ = o; }
  KeyspaceObserver* observer() const { return observer_; }
  // notify-keyspace-events classes (db/notify.h); 0 keeps every Notify call a single load.
  void set_notify_flags(uint32_t f) { notify_flags_.store(f, std::memory_order_relaxed); }
  uint32_t notify_flags() const { return notify_flags_.load(std::memory_order_relaxed); }

  // How an access updates an entry's 24-bit lru field: an LRU clock, or (with an LFU
  // maxmemory-policy) the LFU counter with lfu-log-factor and lfu-decay-time.
  void set_lfu(bool on, int64_t log_factor, int64_t decay_time) {
    lfu_log_factor_.store(log_factor, std::memory_order_relaxed);
    lfu_decay_time_.store(decay_time, std::memory_order_relaxed);
    lfu_.store(on, std::memory_order_relaxed);
  }
  bool lfu() const { return lfu_.load(std::memory_order_relaxed); }
  int64_t lfu_log_factor() const { return lfu_log_factor_.load(std::memory_order_relaxed); }
  int64_t lfu_decay_time() const { return lfu_decay_time_.load(std::memory_order_relaxed); }

  // Where big deleted values go to be freed off the event loop (null: freed in place), and
  // whether expired keys take that path (lazyfree-lazy-expire).
  void set_lazy_freer(class LazyFreer* f) { lazy_freer_ = f; }
  class LazyFreer* lazy_freer() const { return lazy_freer_; }
  void set_lazy_expire(bool on) { lazy_expire_.store(on, std::memory_order_relaxed); }
  bool lazy_expire() const { return lazy_expire_.load(std::memory_order_relaxed); }
  // lazyfree-lazy-server-del: implicit deletes and overwrites free big values lazily.
  void set_lazy_server_del(bool on) { lazy_server_del_.store(on, std::memory_order_relaxed); }
  bool lazy_server_del() const { return lazy_server_del_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) PaddedMutex {
    std::mutex mu;
  };
  int num_dbs_;
  int shards_;
  bool locking_;
  std::atomic<bool> exclusive_{false};
  std::unique_ptr<PaddedMutex[]> mutexes_;
  std::vector<std::unique_ptr<ShardData>> data_;
  DbStats stats_;
  KeyspaceObserver* observer_ = nullptr;
  std::atomic<uint32_t> notify_flags_{0};
  std::atomic<bool> lfu_{false};
  std::atomic<int64_t> lfu_log_factor_{10}, lfu_decay_time_{1};
  class LazyFreer* lazy_freer_ = nullptr;
  std::atomic<bool> lazy_expire_{false};
  std::atomic<bool> lazy_server_del_{false};
  std::atomic<bool> loading_{false};
  std::atomic<bool> async_loading_{false};
  std::atomic<int64_t> expire_paused_until_{0};
  std::atomic<bool> replica_{false};
  std::atomic<bool> replica_writable_{false};
  std::mutex replica_local_mu_;
  std::set<std::pair<int, std::string>> replica_local_expires_;
  std::atomic<bool> ignore_maxmemory_{false};
  // Indexed like data_, but never swapped: a WATCH names a database number, not its contents.
  struct Watcher {
    std::shared_ptr<WatchState> state;
    bool expired;  // the key was past its TTL when watched (guarded by the shard lock)
  };
  using WatchMap = std::unordered_map<std::string, std::vector<Watcher>>;
  std::vector<WatchMap> watches_;
  std::atomic<int64_t> watched_{0};
};

// While alive on a thread, that thread holds every shard lock (EXEC of a transaction that runs
// SCAN, INFO or other self-locking commands): ShardLocks::Acquire on this thread does nothing.
class AllShardsHeld {
 public:
  AllShardsHeld();
  ~AllShardsHeld();
  AllShardsHeld(const AllShardsHeld&) = delete;
  AllShardsHeld& operator=(const AllShardsHeld&) = delete;

 private:
  bool was_held_;
};

// Calls fn(shard index, ShardData&) for each shard of `db`, holding that shard's lock (and only
// it) during the call: for statistics that need no snapshot of the whole database.
template <typename Fn>
void DbSet::ForEachKeyInSlot(int db, uint32_t slot, Fn&& fn) {
  KeyTable& t = Data(db, ShardOfSlot(slot)).table;
  if (slot_sharded()) {
    t.ForEachWhile(fn);
    return;
  }
  t.ForEachWhile([&](Entry* e) { return KeySlot(e->key()) != slot || fn(e); });
}

template <typename Fn>
void VisitShardsLocked(DbSet& set, int db, Fn&& fn);

// Holds a set of shard locks, acquired in ascending global order, released on destruction.
class ShardLocks {
 public:
  ShardLocks() = default;
  ~ShardLocks() { Release(); }
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;

  // Adds a shard to lock; call Acquire() once all are added.
  void Add(DbSet& set, int db, uint32_t shard);
  void AddDb(DbSet& set, int db);
  void AddAll(DbSet& set);
  void Acquire();
  void Release();

 private:
  DbSet* set_ = nullptr;
  std::vector<uint32_t> idx_;
  std::vector<std::mutex*> held_;
};

template <typename Fn>
void VisitShardsLocked(DbSet& set, int db, Fn&& fn) {
  for (int sh = 0; sh < set.num_shards(); sh++) {
    ShardLocks lock;
    lock.Add(set, db, static_cast<uint32_t>(sh));
    lock.Acquire();
    fn(static_cast<uint32_t>(sh), set.Data(db, static_cast<uint32_t>(sh)));
  }
}

}  // namespace carmine
