// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Client-side caching (CLIENT TRACKING). In the default mode the server remembers which clients
// read which keys (by name, across databases, as Redis does) and sends each of them one
// invalidation when the key changes, then forgets the pair. In BCAST mode clients name key
// prefixes instead and hear about every change under them. Invalidations go to the client itself
// as a RESP3 push, or to its REDIRECT target: as a push if that client speaks RESP3, or as a
// message on `__redis__:invalidate` if it is a RESP2 client in subscribed mode.
//
// Changes are reported from inside the writing command (under its shard locks); the registry lock
// is a leaf lock and delivery goes through Subscriber, so nothing here blocks.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pubsub/pubsub.h"

namespace carmine {

struct ClientTracking {
  uint64_t client_id = 0;
  bool bcast = false, optin = false, optout = false, noloop = false;
  uint64_t redirect = 0;  // 0: the client itself
  std::vector<std::string> prefixes;
  // CLIENT CACHING yes|no: applies to the next command only.
  bool caching = false;
  bool caching_pending = false;  // set by CLIENT CACHING, cleared after the next command
  std::shared_ptr<Subscriber> self;    // the client's own delivery handle
  std::shared_ptr<Subscriber> target;  // where invalidations go (self or the redirect client)
  std::atomic<bool> redir_broken_sent{false};
};

class TrackingRegistry {
 public:
  // Turns tracking on for `t` (replacing an earlier registration) / off.
  void Enable(const std::shared_ptr<ClientTracking>& t);
  void Disable(uint64_t client_id);
  // Remembers that a default-mode client read `key`; over `max_keys` (0: unlimited) other
  // remembered keys are invalidated to make room.
  void Remember(const std::shared_ptr<ClientTracking>& t, std::string_view key, int64_t max_keys);
  // A lowered tracking-table-max-keys: invalidates remembered keys until the table fits.
  void Trim(int64_t max_keys);
  // `key` changed, by the client `writer` (0: the server itself, e.g. expiry). Default-mode
  // clients get one message per key at once; BCAST clients get the keys gathered under each of
  // their prefixes as one message at the next FlushBroadcast().
  void Invalidate(std::string_view key, uint64_t writer);
  // Sends the gathered BCAST invalidations: one message per client and prefix listing every key
  // changed since the last flush (after a command, and before a worker sleeps, as Redis sends
  // them once per event-loop iteration).
  void FlushBroadcast();
  bool broadcast_pending() const { return bcast_pending_.load(std::memory_order_relaxed); }
  // FLUSHDB/FLUSHALL: every tracking client gets a null invalidation.
  void InvalidateAll();
  bool active() const { return clients_.load(std::memory_order_relaxed) > 0; }
  size_t tracked_keys();
  size_t tracked_items();  // (key, client) pairs
  size_t num_prefixes();
  size_t num_clients() const { return clients_.load(std::memory_order_relaxed); }

 private:
  void TrimLocked(int64_t max_keys);  // mu_ held
  void SendLocked(ClientTracking& t, const std::vector<std::string_view>* keys);

  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<ClientTracking>> by_id_;
  using KeyMap = std::unordered_map<std::string, std::unordered_set<uint64_t>, StringViewHash,
                                    std::equal_to<>>;
  KeyMap keys_;
  std::unordered_map<std::string, std::unordered_set<uint64_t>> prefixes_;
  // BCAST keys changed since the last flush, per prefix, with the client that changed each.
  std::unordered_map<std::string, std::vector<std::pair<std::string, uint64_t>>> pending_;
  std::atomic<bool> bcast_pending_{false};
  std::atomic<size_t> clients_{0};
};

// The client whose command runs on this thread (0 outside commands): NOLOOP compares with it.
// Inline: the dispatcher sets it around every command.
inline thread_local uint64_t t_current_client = 0;
inline uint64_t CurrentClientId() { return t_current_client; }
inline void SetCurrentClientId(uint64_t id) { t_current_client = id; }

}  // namespace carmine
