// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...). A blocking command that finds no data
// registers a BlockedClient here while it still holds the shard locks of its keys, so a push on
// any thread that takes those locks afterwards is certain to see it. The pusher's command records
// the key as ready (ReadyCollector); once the pusher's locks are released the dispatcher serves
// the key's waiters in FIFO order on the pusher's thread: it claims a waiter, runs the waiter's
// command under the waiter's own key locks, and hands the reply bytes to the waiter's owner
// thread through `deliver`. A waiter whose command finds the data gone keeps its place.
//
// Exactly one party finishes a waiter: a server claiming it (kWaiting -> kServing -> kDone), its
// own thread on timeout or disconnect, or CLIENT UNBLOCK (kWaiting -> kDone). The compare-and-swap
// on `state` decides the race.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "db/db.h"

namespace carmine {

class AclUserRef;  // acl/user.h

struct BlockedClient {
  enum State : int { kWaiting, kServing, kDone };
  std::atomic<int> state{kWaiting};
  // Set when another thread found this client busy being served for a different key: if that
  // serving finds nothing, all of the client's keys are checked again (no lost wake-up).
  std::atomic<bool> rescan{false};
  uint64_t client_id = 0;
  int db = 0;
  int resp = 2;
  std::vector<std::string> args;  // the command to run again when a key gets data
  std::vector<std::string> keys;  // the keys it waits on
  std::string addr, name;         // the client's, for the slow log entry made when it is served
  // The client's ACL user: its permissions are checked again when the command is served.
  std::shared_ptr<AclUserRef> acl_user;
  int64_t deadline_ms = 0;        // 0: no timeout
  // READONLY in cluster mode: a replica may keep serving its reads while it follows the owner.
  bool cluster_readonly = false;
  bool tls = false;  // connected over TLS: a -MOVED names the TLS port
  // Woken when its key is deleted (XREADGROUP: its group goes with the key), which INFO's
  // total_blocking_keys_on_nokey counts.
  bool on_nokey = false;
  // Hands reply bytes to the client's owner thread (thread-safe; set by the connection layer).
  std::function<void(std::string)> deliver;
  // A wait on something other than keys (WAIT for replica acknowledgements): the reply when
  // the timeout passes. Empty for key waits.
  std::function<std::string()> timeout_reply;

  bool TryFinish() {
    int expected = kWaiting;
    return state.compare_exchange_strong(expected, kDone);
  }
  // The reply for a timeout or CLIENT UNBLOCK ... TIMEOUT in this client's protocol (a null
  // array for every blocking command).
  std::string TimeoutReply() const;
};

class BlockingRegistry {
 public:
  // True when any client is blocked (one relaxed load: the cost pushes pay when nobody waits).
  bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  bool HasWaiters(int db, std::string_view key);
  void Add(std::shared_ptr<BlockedClient> c);
  // Unregisters from every key (idempotent).
  void Remove(const BlockedClient* c);
  // The first waiting client on the key that `skip` (if given) does not pass over, moved to
  // kServing; null if none.
  std::shared_ptr<BlockedClient> ClaimFirst(
      int db, std::string_view key,
      const std::function<bool(const BlockedClient&)>& skip = nullptr);
  std::shared_ptr<BlockedClient> Find(uint64_t client_id);
  // Every blocked client now.
  std::vector<std::shared_ptr<BlockedClient>> All();
  // The keys of database `db` that clients wait on (SWAPDB checks them).
  std::vector<std::string> KeysInDb(int db);
  // INFO clients: keys with waiters, and waiters with a timeout.
  size_t KeyCount();
  size_t KeyCountOnNoKey();
  size_t TimeoutCount();

 private:
  static std::string Slot(int db, std::string_view key);

  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<BlockedClient>>> by_key_;
  std::unordered_map<uint64_t, std::shared_ptr<BlockedClient>> by_id_;
  std::atomic<size_t> count_{0};
};

// Collects the keys a command made ready for blocked clients (Db calls KeyReady on key creation;
// pushes into existing collections call Db::SignalReady).
class ReadyCollector : public ReadyListener {
 public:
  explicit ReadyCollector(BlockingRegistry* reg) : reg_(reg) {}
  void set_registry(BlockingRegistry* reg) { reg_ = reg; }
  void KeyReady(int db, std::string_view key) override {
    if (reg_ != nullptr && reg_->any() && reg_->HasWaiters(db, key)) keys.emplace_back(db, key);
  }
  std::vector<std::pair<int, std::string>> keys;

 private:
  BlockingRegistry* reg_;
};

}  // namespace carmine
