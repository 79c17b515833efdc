// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "sentinel/link.h"

#include "base/clock.h"
#include "protocol/request.h"

namespace carmine::sentinel {

InstanceLink::InstanceLink(EventLoop& loop, Callback on_message,
                           std::function<void(bool)> on_close)
    : loop_(loop), on_message_(std::move(on_message)), on_close_(std::move(on_close)) {}

InstanceLink::~InstanceLink() { Close(); }

void InstanceLink::Connect(const std::string& host, int port, int64_t timeout_ms) {
  Close();
  connected_ms_ = clock::NowMs();
  last_activity_ms_ = connected_ms_;
  std::weak_ptr<bool> alive = alive_;
  auto dropped = [this, alive](const Status&) {
    if (alive.expired()) return;
    // The link object goes on the next loop turn: this handler still runs inside it.
    std::shared_ptr<net::Link> old(link_.release());
    loop_.AddTimer(0, [old] {});
    callbacks_.clear();
    reader_ = ReplyReader();
    if (on_close_) on_close_(established_);
  };
  net::Link::Handlers h;
  h.connected = [this, alive, dropped](const Status& s) {
    if (!s.ok()) return dropped(s);
    if (!alive.expired()) established_ = true;
  };
  h.readable = [this, alive] {
    if (!alive.expired()) Readable();
  };
  h.closed = dropped;
  link_ = std::make_unique<net::Link>(loop_, std::move(h));
  link_->Connect(host, port, "", timeout_ms);
}

void InstanceLink::Send(const std::vector<std::string>& args, Callback cb) {
  if (link_ == nullptr) return;
  std::string out;
  protocol::AppendRequest(&out, args);
  link_->Send(out);
  if (on_message_ == nullptr) callbacks_.push_back(std::move(cb));
}

std::string InstanceLink::local_ip() const {
  if (link_ == nullptr) return "";
  std::string addr = link_->local();
  size_t colon = addr.rfind(':');
  if (colon != std::string::npos) addr.resize(colon);
  if (addr.size() >= 2 && addr.front() == '[') addr = addr.substr(1, addr.size() - 2);
  return addr;
}

void InstanceLink::Close() {
  if (link_ != nullptr) {
    link_->Close();
    // Freed on the loop's next turn, not now: an event for its socket may still be waiting in
    // the batch the loop is going through (a closed Link ignores it).
    std::shared_ptr<net::Link> old(link_.release());
    loop_.AddTimer(0, [old] {});
  }
  callbacks_.clear();
  reader_ = ReplyReader();
}

void InstanceLink::Readable() {
  std::weak_ptr<bool> alive = alive_;
  while (link_ != nullptr) {
    IoBuffer& in = link_->input();
    if (in.size() == 0) return;
    RespValue v;
    ReplyReader::State st = reader_.Parse(std::string_view(in.data(), in.size()), &v);
    if (st == ReplyReader::State::kIncomplete) return;
    if (st == ReplyReader::State::kError) {
      // Garbage from the peer: the connection cannot be trusted any further.
      Close();
      if (on_close_) on_close_(true);
      return;
    }
    in.Consume(reader_.consumed());
    last_activity_ms_ = clock::NowMs();
    if (on_message_ != nullptr) {
      on_message_(v);
    } else if (!callbacks_.empty()) {
      Callback cb = std::move(callbacks_.front());
      callbacks_.pop_front();
      if (cb) cb(v);
    }
    // The callback may have closed the link or destroyed its owner (and this object).
    if (alive.expired()) return;
  }
}

}  // namespace carmine::sentinel
