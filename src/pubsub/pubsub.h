// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Pub/Sub registry: which clients listen on which channels, glob patterns and shard channels, and
// the fan-out of PUBLISH (and of keyspace notifications and tracking invalidations, which are
// published the same way).
//
// A subscriber lives on its owner worker thread. A publisher on that same thread appends the
// message to the subscriber's output directly; a publisher on another thread posts it to the
// owner's loop. Posts from one thread to one loop run in order, so every subscriber sees each
// publisher's messages in publish order. The registry lock is a leaf lock: publishing while a
// command holds shard locks (keyspace events) is fine.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/strutil.h"

namespace carmine {

// The worker thread the calling code runs on (-1 outside workers, e.g. unit tests).
int CurrentWorker();
void SetCurrentWorker(int index);

// While a blocked client's command is served on this thread, the pushes it causes to that same
// client (an invalidation of the key it just wrote) are held here and follow its reply.
struct HeldPushes {
  uint64_t client_id = 0;
  std::string* out = nullptr;
};
inline thread_local HeldPushes t_held_pushes;

// Bytes of messages posted to a subscriber's thread and not yet handed to its connection. Redis
// writes a message to the subscriber's socket in the same loop iteration; here it crosses
// threads first, and eviction must not take that short wait for memory that lasts (evicting a
// key sends invalidations, which would evict more keys while they wait to be delivered).
inline std::atomic<int64_t> g_pushes_in_flight{0};

// One client as the registry sees it.
struct Subscriber {
  uint64_t client_id = 0;
  int owner = -1;  // worker index of the owner thread
  std::atomic<int> resp{2};
  // Appends an encoded message to the client's output (after the reply of the command the client
  // is running, if any). Owner thread only.
  std::function<void(std::string_view)> push_local;
  // Hands encoded messages to the owner thread (any thread).
  std::function<void(std::string)> post;
  std::atomic<bool> subscribed{false};  // has any subscription (RESP2 redirect targets need one)
  std::atomic<bool> closed{false};  // the client went away (tracking redirection checks it)

  void Deliver(std::string_view msg) {
    if (client_id == t_held_pushes.client_id && t_held_pushes.out != nullptr) {
      t_held_pushes.out->append(msg);
    } else if (owner == CurrentWorker()) {
      push_local(msg);
    } else {
      post(std::string(msg));
    }
  }
};

enum class SubKind : uint8_t { kChannel, kPattern, kShard };

class PubSubRegistry {
 public:
  // Adds/removes one subscription; returns false if it was already there / was not there.
  bool Subscribe(SubKind kind, std::string_view name, const std::shared_ptr<Subscriber>& s);
  bool Unsubscribe(SubKind kind, std::string_view name, const Subscriber* s);

  // Sends `message` on `channel` to channel and pattern subscribers; returns how many received
  // it. (A client that receives its own message gets it after the reply of the command it is
  // running: see Subscriber::push_local.)
  int64_t Publish(std::string_view channel, std::string_view message);
  int64_t PublishShard(std::string_view channel, std::string_view message);

  // True when nobody is subscribed to anything (keyspace events skip building messages).
  bool empty() const { return total_.load(std::memory_order_relaxed) == 0; }

  // PUBSUB introspection.
  std::vector<std::string> Channels(SubKind kind, std::string_view pattern);
  int64_t NumSubscribers(SubKind kind, std::string_view channel);
  size_t NumPatterns();
  size_t NumChannels(SubKind kind);

 private:
  using Map = std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>,
                                 StringViewHash, std::equal_to<>>;
  Map& MapFor(SubKind kind) {
    return kind == SubKind::kChannel ? channels_ : kind == SubKind::kPattern ? patterns_ : shard_;
  }

  mutable std::shared_mutex mu_;
  Map channels_, patterns_, shard_;
  std::atomic<int64_t> total_{0};
};

// The RESP encoding of a delivered message: message/smessage (3 items) or pmessage (4 items), as a
// RESP2 array or a RESP3 push.
std::string EncodePubSubMessage(int resp, std::string_view kind, std::string_view pattern,
                                std::string_view channel, std::string_view message);

}  // namespace carmine
