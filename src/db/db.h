// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Db: the keyspace API one command uses on one logical database. It is a short-lived view built
// by the dispatcher for each command (database index, the command's cached time, whether access
// updates LRU) over a DbSet whose relevant shard locks are already held.
//
// Every mutation goes through here so the bookkeeping each write needs cannot be forgotten: lazy
// expiry, the volatile-key index, the dirty counter, and the KeyspaceObserver (WATCH, keyspace
// events, propagation). Entry pointers returned stay valid until the next call that may delete
// (Delete, Find of an expired key, Flush); handlers must not keep them past the command.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "db/db_set.h"
#include "db/notify.h"
#include "db/op_status.h"

namespace carmine {

// Told when a key is created or gains elements, so clients blocked on it can be served.
class ReadyListener {
 public:
  virtual ~ReadyListener() = default;
  virtual void KeyReady(int db, std::string_view key) = 0;
};

class Db {
 public:
  Db(DbSet& set, int index, int64_t now_ms, bool touch = true, uint64_t* changes = nullptr,
     ReadyListener* ready = nullptr)
      : set_(&set),
        index_(index),
        now_ms_(now_ms),
        touch_(touch),
        changes_(changes),
        ready_(ready) {}

  int index() const { return index_; }
  int64_t now_ms() const { return now_ms_; }
  DbSet& set() { return *set_; }
  Db WithIndex(int index) const {
    Db d(*set_, index, now_ms_, touch_, changes_, ready_);
    d.keep_expired_ = keep_expired_;
    d.ignore_ttl_ = ignore_ttl_;
    return d;
  }
  // Lookups treat keys past their TTL as missing without deleting them (Redis's
  // LOOKUP_NOEXPIRE): a blocked client being served looks at its key without side effects, so
  // the key's expiry is propagated by whoever touches it next, as in Redis.
  Db& KeepExpired() {
    keep_expired_ = true;
    return *this;
  }
  // No key is past its TTL: a replica applies its master's stream to the keys as the master saw
  // them (the master's DEL ends a key, not the replica's clock).
  Db& IgnoreTtl() {
    ignore_ttl_ = true;
    return *this;
  }

  // Lookup for a read command: expired keys are deleted; counts keyspace hits/misses, reports a
  // miss as a "keymiss" event, and refreshes the LRU clock unless the client said NO-TOUCH or
  // `touch` is false (EXISTS, TYPE).
  Entry* FindRead(std::string_view key, bool touch = true);
  // Lookup for a write command: expires lazily, no hit/miss statistics.
  Entry* Find(std::string_view key);
  // Lookup that neither expires nor counts (OBJECT, TYPE-like introspection that must not mutate
  // is not one of them; this is for scans that filter expired keys themselves).
  Entry* Peek(std::string_view key);
  // Typed lookups: return kWrongType when the key holds another type, kKeyNotFound when absent.
  OpResult<Entry*> FindReadOfType(std::string_view key, ObjType type);
  OpResult<Entry*> FindOfType(std::string_view key, ObjType type);

  // Inserts a new key (which must not exist) with an empty string value; `expiry_room` reserves
  // the expiry trailer for a key that is about to get a TTL (saves a reallocation).
  Entry* Add(std::string_view key, bool expiry_room = false);
  // Add without the "new" event, for a key that replaces one just deleted (an overwrite).
  Entry* AddQuiet(std::string_view key, bool expiry_room = false);
  // How Delete frees a big value: as lazyfree-lazy-server-del says (implicit deletes: a
  // destination overwritten, an emptied collection), or as the caller decided (DEL, UNLINK).
  enum class Free : uint8_t { kServer, kSync, kLazy };
  // Removes a key; returns whether it existed (expired keys count as absent). A big value freed
  // lazily goes to the lazy-free thread.
  bool Delete(std::string_view key, Free how = Free::kServer);
  // Before a value is overwritten in place (SET over a big hash): hands the old value to the
  // lazy-free thread under lazyfree-lazy-server-del, leaving an empty string in the entry.
  void ReleaseValue(Entry* e);
  // Removes a key chosen by maxmemory eviction: watchers and tracking clients hear of it as a
  // modification, and the "evicted" event fires. Returns false if the key is gone or expired.
  // `freed` runs once the key's memory is released and before anyone is told: the messages
  // telling them (tracking invalidations) must not count against what eviction measures as
  // freed, or clients that track many keys would make eviction chase its own notifications.
  bool Evict(std::string_view key, bool lazy, const std::function<void()>& freed = {});
  // Detaches a key's entry (for RENAME/MOVE), keeping its value and expiry fields.
  EntryPtr Take(std::string_view key);
  // Inserts a detached entry under its own key, which must not exist; restores its TTL index and
  // reports the key as "new".
  Entry* Put(EntryPtr e);

  // Sets the deadline. The first TTL of a key may move its entry: use the returned pointer.
  [[nodiscard]] Entry* SetExpire(Entry* e, int64_t when_ms);
  void ClearExpire(Entry* e);
  // Nothing expires while a dataset is being loaded: the file's later commands may still refer
  // to the key, as they did when they were written.
  bool IsExpired(const Entry* e) const {
    return e->has_expire() && e->expire_at() <= now_ms_ && !set_->loading() && !ignore_ttl_;
  }

  // A list or sorted set gained elements: clients blocked on the key may now be served. (Key
  // creation signals by itself.)
  void SignalReady(std::string_view key) {
    if (ready_ != nullptr) ready_->KeyReady(index_, key);
  }

  // Records a modification of `key`: dirty counter and observer. Call once per changed key.
  void Modified(std::string_view key, uint64_t changes = 1);

  // Modified() plus the keyspace event that names the change.
  void Changed(std::string_view key, uint32_t type, std::string_view event, uint64_t changes = 1) {
    Modified(key, changes);
    Notify(type, event, key);
  }

  // Reports a keyspace event (Redis's notifyKeyspaceEvent) of class `type` named `event`.
  void Notify(uint32_t type, std::string_view event, std::string_view key) {
    if ((set_->notify_flags() & type) && set_->observer() != nullptr)
      set_->observer()->OnEvent(index_, type, event, key);
  }

  // Removes all keys of this db (caller holds all its shard locks). Returns how many. With
  // `lazy` the old tables are freed by the lazy-free thread (FLUSHDB ASYNC).
  size_t Flush(bool lazy = false);
  size_t Size() const { return set_->KeyCount(index_); }

  static uint32_t LruClock(int64_t now_ms) {
    return static_cast<uint32_t>(now_ms / 1000) & 0xFFFFFF;
  }
  // Seconds since the entry was last touched, handling the 24-bit clock wrap.
  uint64_t IdleSeconds(const Entry* e) const;
  // A writable replica's own volatile key: deleted when past its TTL (its master knows nothing
  // of it). Returns true while the key still waits for its deadline.
  bool ExpireReplicaLocalKey(std::string_view key);
  // Records an access in the entry's lru field (LRU clock or LFU counter, per the policy).
  void Touch(Entry* e);
  // A write's lookup counts as an access too, as in Redis (unless the client said NO-TOUCH).
  void TouchForWrite(Entry* e) {
    if (touch_) Touch(e);
  }

 private:
  ShardData& DataFor(std::string_view key) { return set_->Data(index_, set_->ShardOf(key)); }
  void RemoveFromVolatile(ShardData& d, Entry* e);
  // Deletes `e` if its TTL passed; returns true if it did.
  // `write`: the lookup of a write, which on a writable replica deletes the key as well.
  bool ExpireIfNeeded(ShardData& d, Entry* e, bool write = true);
  // Frees a removed entry, on the lazy-free thread when `lazy` and it is big.
  void Dispose(EntryPtr e, bool lazy);

  DbSet* set_;
  int index_;
  int64_t now_ms_;
  bool touch_;
  uint64_t* changes_;  // the running command's own change count (for propagation), may be null
  ReadyListener* ready_;
  bool keep_expired_ = false;
  bool ignore_ttl_ = false;
  bool force_expire_ = false;
};

// Removes expired keys from one shard, sampling the volatile-key vector with Redis's adaptive
// effort: repeat while more than `acceptable_stale` percent of a sample was expired and the time
// budget lasts. Returns the number of keys removed. Caller holds the shard lock.
size_t ActiveExpireShard(DbSet& set, int db, uint32_t shard, int64_t now_ms, int64_t budget_us,
                         int effort);

}  // namespace carmine
