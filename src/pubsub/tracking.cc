// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "pubsub/tracking.h"

#include "protocol/reply_builder.h"

namespace carmine {
namespace {
constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";
}  // namespace

void TrackingRegistry::Enable(const std::shared_ptr<ClientTracking>& t) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = by_id_.insert_or_assign(t->client_id, t);
  if (inserted) clients_.fetch_add(1, std::memory_order_relaxed);
  for (auto& p : t->prefixes) prefixes_[p].insert(t->client_id);
}

void TrackingRegistry::Disable(uint64_t client_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_id_.find(client_id);
  if (it == by_id_.end()) return;
  for (auto& p : it->second->prefixes) {
    auto pit = prefixes_.find(p);
    if (pit == prefixes_.end()) continue;
    pit->second.erase(client_id);
    if (pit->second.empty()) prefixes_.erase(pit);
  }
  by_id_.erase(it);
  clients_.fetch_sub(1, std::memory_order_relaxed);
  // Keys it read stay in the table until they change (Redis does the same); sending then finds
  // no client and drops the id.
}

void TrackingRegistry::SendLocked(ClientTracking& t, const std::vector<std::string_view>* keys) {
  Subscriber* target = t.target.get();
  if (target == nullptr) return;
  if (target->closed.load(std::memory_order_relaxed)) {
    // The redirect client went away: tell the tracking client once (RESP3 only, as Redis).
    if (t.self && t.self->resp.load() == 3 && !t.redir_broken_sent.exchange(true)) {
      std::string msg;
      ReplyBuilder rb(&msg);
      rb.SetProtocol(3);
      rb.PushLen(2);
      rb.Bulk("tracking-redir-broken");
      rb.Int(static_cast<int64_t>(t.redirect));
      t.self->Deliver(msg);
    }
    return;
  }
  int resp = target->resp.load(std::memory_order_relaxed);
  std::string msg;
  ReplyBuilder rb(&msg);
  rb.SetProtocol(resp);
  if (resp == 3) {
    rb.PushLen(2);
    rb.Bulk("invalidate");
  } else if (t.redirect != 0) {
    // A RESP2 redirect target hears it as a pub/sub message whose payload is the key array; the
    // client must be subscribed to something, as Redis requires.
    if (!target->subscribed.load(std::memory_order_relaxed)) return;
    rb.ArrayLen(3);
    rb.Bulk("message");
    rb.Bulk(kInvalidateChannel);
  } else {
    return;  // RESP2 without redirection has no way to receive pushes
  }
  if (keys == nullptr) {
    rb.Null();
  } else {
    rb.ArrayLen(static_cast<int64_t>(keys->size()));
    for (auto k : *keys) rb.Bulk(k);
  }
  target->Deliver(msg);
}

void TrackingRegistry::Remember(const std::shared_ptr<ClientTracking>& t, std::string_view key,
                                int64_t max_keys) {
  std::lock_guard<std::mutex> l(mu_);
  keys_[std::string(key)].insert(t->client_id);
  TrimLocked(max_keys);
}

void TrackingRegistry::Trim(int64_t max_keys) {
  std::lock_guard<std::mutex> l(mu_);
  TrimLocked(max_keys);
}

void TrackingRegistry::TrimLocked(int64_t max_keys) {
  // Over the limit: invalidate keys until it fits. Any victim is valid, since an invalidation only
  // makes clients drop a cached copy (Redis picks random ones).
  while (max_keys > 0 && keys_.size() > static_cast<size_t>(max_keys)) {
    auto vit = keys_.begin();
    std::vector<std::string_view> one{vit->first};
    for (uint64_t id : vit->second) {
      auto cit = by_id_.find(id);
      if (cit != by_id_.end()) SendLocked(*cit->second, &one);
    }
    keys_.erase(vit);
  }
}

void TrackingRegistry::Invalidate(std::string_view key, uint64_t writer) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string_view> one{key};
  for (auto& [prefix, ids] : prefixes_) {
    if (key.substr(0, prefix.size()) != prefix) continue;
    pending_[prefix].emplace_back(std::string(key), writer);
    bcast_pending_.store(true, std::memory_order_relaxed);
  }
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  for (uint64_t id : it->second) {
    auto cit = by_id_.find(id);
    if (cit == by_id_.end() || cit->second->bcast) continue;
    if (cit->second->noloop && id == writer) continue;
    SendLocked(*cit->second, &one);
  }
  keys_.erase(it);
}

void TrackingRegistry::FlushBroadcast() {
  std::lock_guard<std::mutex> l(mu_);
  bcast_pending_.store(false, std::memory_order_relaxed);
  for (auto& [prefix, changes] : pending_) {
    auto pit = prefixes_.find(prefix);
    if (pit == prefixes_.end()) continue;
    for (uint64_t id : pit->second) {
      auto cit = by_id_.find(id);
      if (cit == by_id_.end()) continue;
      std::vector<std::string_view> keys;
      for (auto& [key, writer] : changes) {
        if (cit->second->noloop && writer == id) continue;
        keys.push_back(key);
      }
      if (!keys.empty()) SendLocked(*cit->second, &keys);
    }
  }
  pending_.clear();
}

void TrackingRegistry::InvalidateAll() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, t] : by_id_) SendLocked(*t, nullptr);
  keys_.clear();
}

size_t TrackingRegistry::tracked_keys() {
  std::lock_guard<std::mutex> l(mu_);
  return keys_.size();
}

size_t TrackingRegistry::tracked_items() {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (auto& [key, ids] : keys_) n += ids.size();
  return n;
}

size_t TrackingRegistry::num_prefixes() {
  std::lock_guard<std::mutex> l(mu_);
  return prefixes_.size();
}

}  // namespace carmine
