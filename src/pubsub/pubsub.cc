// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "pubsub/pubsub.h"

#include <algorithm>
#include <mutex>

#include "base/strutil.h"
#include "protocol/reply_builder.h"

namespace carmine {
namespace {
thread_local int t_worker = -1;
}  // namespace

int CurrentWorker() { return t_worker; }
void SetCurrentWorker(int index) { t_worker = index; }

std::string EncodePubSubMessage(int resp, std::string_view kind, std::string_view pattern,
                                std::string_view channel, std::string_view message) {
  std::string out;
  out.reserve(48 + pattern.size() + channel.size() + message.size());
  ReplyBuilder rb(&out);
  rb.SetProtocol(resp);
  bool with_pattern = kind == "pmessage";
  rb.PushLen(with_pattern ? 4 : 3);
  rb.Bulk(kind);
  if (with_pattern) rb.Bulk(pattern);
  rb.Bulk(channel);
  rb.Bulk(message);
  return out;
}

bool PubSubRegistry::Subscribe(SubKind kind, std::string_view name,
                               const std::shared_ptr<Subscriber>& s) {
  std::unique_lock<std::shared_mutex> l(mu_);
  auto& list = MapFor(kind)[std::string(name)];
  for (auto& x : list) {
    if (x.get() == s.get()) return false;
  }
  list.push_back(s);
  total_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::Unsubscribe(SubKind kind, std::string_view name, const Subscriber* s) {
  std::unique_lock<std::shared_mutex> l(mu_);
  Map& m = MapFor(kind);
  auto it = m.find(name);
  if (it == m.end()) return false;
  auto& list = it->second;
  auto pos = std::find_if(list.begin(), list.end(), [s](auto& x) { return x.get() == s; });
  if (pos == list.end()) return false;
  list.erase(pos);
  if (list.empty()) m.erase(it);
  total_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

namespace {
// Messages are encoded once per protocol version and shared by all receivers.
struct Encoded {
  std::string_view kind, pattern, channel, message;
  std::string bytes[2];
  const std::string& For(int resp) {
    std::string& b = bytes[resp == 3 ? 1 : 0];
    if (b.empty()) b = EncodePubSubMessage(resp, kind, pattern, channel, message);
    return b;
  }
};

void Send(Encoded& enc, Subscriber& s) { s.Deliver(enc.For(s.resp.load(std::memory_order_relaxed))); }
}  // namespace

int64_t PubSubRegistry::Publish(std::string_view channel, std::string_view message) {
  if (empty()) return 0;
  std::shared_lock<std::shared_mutex> l(mu_);
  int64_t receivers = 0;
  auto it = channels_.find(channel);
  if (it != channels_.end()) {
    Encoded enc{"message", "", channel, message, {}};
    for (auto& s : it->second) Send(enc, *s);
    receivers += static_cast<int64_t>(it->second.size());
  }
  for (auto& [pattern, list] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    Encoded enc{"pmessage", pattern, channel, message, {}};
    for (auto& s : list) Send(enc, *s);
    receivers += static_cast<int64_t>(list.size());
  }
  return receivers;
}

int64_t PubSubRegistry::PublishShard(std::string_view channel, std::string_view message) {
  if (empty()) return 0;
  std::shared_lock<std::shared_mutex> l(mu_);
  auto it = shard_.find(channel);
  if (it == shard_.end()) return 0;
  Encoded enc{"smessage", "", channel, message, {}};
  for (auto& s : it->second) Send(enc, *s);
  return static_cast<int64_t>(it->second.size());
}

std::vector<std::string> PubSubRegistry::Channels(SubKind kind, std::string_view pattern) {
  std::shared_lock<std::shared_mutex> l(mu_);
  std::vector<std::string> out;
  for (auto& [name, list] : MapFor(kind)) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSubRegistry::NumSubscribers(SubKind kind, std::string_view channel) {
  std::shared_lock<std::shared_mutex> l(mu_);
  Map& m = MapFor(kind);
  auto it = m.find(channel);
  return it == m.end() ? 0 : static_cast<int64_t>(it->second.size());
}

size_t PubSubRegistry::NumPatterns() { return NumChannels(SubKind::kPattern); }

size_t PubSubRegistry::NumChannels(SubKind kind) {
  std::shared_lock<std::shared_mutex> l(mu_);
  return MapFor(kind).size();
}

}  // namespace carmine
