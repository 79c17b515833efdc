// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/blocking.h"

#include <algorithm>

namespace carmine {

std::string BlockedClient::TimeoutReply() const {
  if (timeout_reply) return timeout_reply();
  return resp == 3 ? "_\r\n" : "*-1\r\n";
}

std::string BlockingRegistry::Slot(int db, std::string_view key) {
  std::string s = std::to_string(db);
  s.push_back(':');
  s.append(key);
  return s;
}

bool BlockingRegistry::HasWaiters(int db, std::string_view key) {
  std::lock_guard<std::mutex> l(mu_);
  return by_key_.count(Slot(db, key)) > 0;
}

void BlockingRegistry::Add(std::shared_ptr<BlockedClient> c) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& k : c->keys) {
    auto& q = by_key_[Slot(c->db, k)];
    if (std::find(q.begin(), q.end(), c) == q.end()) q.push_back(c);
  }
  if (by_id_.emplace(c->client_id, c).second) count_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::Remove(const BlockedClient* c) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& k : c->keys) {
    auto it = by_key_.find(Slot(c->db, k));
    if (it == by_key_.end()) continue;
    auto& q = it->second;
    q.erase(std::remove_if(q.begin(), q.end(), [&](auto& p) { return p.get() == c; }), q.end());
    if (q.empty()) by_key_.erase(it);
  }
  auto it = by_id_.find(c->client_id);
  if (it != by_id_.end() && it->second.get() == c) {
    by_id_.erase(it);
    count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

std::shared_ptr<BlockedClient> BlockingRegistry::ClaimFirst(
    int db, std::string_view key, const std::function<bool(const BlockedClient&)>& skip) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_key_.find(Slot(db, key));
  if (it == by_key_.end()) return nullptr;
  for (auto& c : it->second) {
    if (skip && skip(*c)) continue;
    while (true) {
      int expected = BlockedClient::kWaiting;
      if (c->state.compare_exchange_strong(expected, BlockedClient::kServing)) return c;
      if (expected != BlockedClient::kServing) break;
      // Busy on another key: ask its server to look again if it finds nothing. If that server
      // already put it back to waiting, claim it ourselves.
      c->rescan.store(true);
      if (c->state.load() != BlockedClient::kWaiting) break;
    }
  }
  return nullptr;
}

std::shared_ptr<BlockedClient> BlockingRegistry::Find(uint64_t client_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_id_.find(client_id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<BlockedClient>> BlockingRegistry::All() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::shared_ptr<BlockedClient>> out;
  out.reserve(by_id_.size());
  for (auto& [id, c] : by_id_) out.push_back(c);
  return out;
}

std::vector<std::string> BlockingRegistry::KeysInDb(int db) {
  std::string prefix = Slot(db, "");
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (auto& [slot, q] : by_key_) {
    if (slot.compare(0, prefix.size(), prefix) == 0) out.push_back(slot.substr(prefix.size()));
  }
  return out;
}

size_t BlockingRegistry::KeyCount() {
  std::lock_guard<std::mutex> l(mu_);
  return by_key_.size();
}

size_t BlockingRegistry::KeyCountOnNoKey() {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (auto& [slot, q] : by_key_) {
    n += std::any_of(q.begin(), q.end(), [](auto& c) { return c->on_nokey; });
  }
  return n;
}

size_t BlockingRegistry::TimeoutCount() {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (auto& [id, c] : by_id_) n += c->deadline_ms != 0;
  return n;
}

}  // namespace carmine
