// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// InstanceLink: one of Sentinel's connections to a monitored server or to another Sentinel.
// Commands go out in order and each reply is handed to the callback given with its command; a
// pub/sub link hands every message to one handler instead. The owner (an Instance) may be
// destroyed from inside a callback: the link notices and stops touching itself.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/link.h"
#include "protocol/reply_reader.h"

namespace carmine::sentinel {

class InstanceLink {
 public:
  using Callback = std::function<void(const RespValue&)>;

  // `on_message`: every reply of a pub/sub link (none for a command link). `on_close`: the
  // connection failed (false) or an established one dropped (true); not after Close().
  InstanceLink(EventLoop& loop, Callback on_message, std::function<void(bool)> on_close);
  ~InstanceLink();
  InstanceLink(const InstanceLink&) = delete;
  InstanceLink& operator=(const InstanceLink&) = delete;

  void Connect(const std::string& host, int port, int64_t timeout_ms);
  // Queues a command; `cb` (may be empty) gets its reply, or nothing if the link drops first.
  void Send(const std::vector<std::string>& args, Callback cb);
  void Close();

  bool connected() const { return link_ != nullptr && link_->connected(); }
  bool disconnected() const { return link_ == nullptr; }
  size_t pending() const { return callbacks_.size(); }
  int64_t connected_since_ms() const { return connected_ms_; }
  int64_t last_activity_ms() const { return last_activity_ms_; }
  // This end's IP address (what a hello message announces when no announce-ip is set).
  std::string local_ip() const;

 private:
  void Readable();

  EventLoop& loop_;
  Callback on_message_;
  std::function<void(bool)> on_close_;
  bool established_ = false;
  std::unique_ptr<net::Link> link_;
  ReplyReader reader_;
  std::deque<Callback> callbacks_;
  int64_t connected_ms_ = 0;
  int64_t last_activity_ms_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carmine::sentinel
