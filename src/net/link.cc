// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/link.h"

#include <cerrno>
#include <cstring>

#include "net/dial.h"
#include "net/socket.h"

namespace carmine::net {

Link::Link(EventLoop& loop, Handlers handlers) : loop_(loop), handlers_(std::move(handlers)) {}

Link::~Link() { Close(); }

void Link::Connect(const std::string& host, int port, const std::string& source_addr,
                   int64_t timeout_ms) {
  Close();
  state_ = State::kConnecting;
  Result<int> r = StartConnect(host, port, source_addr);
  if (!r.ok()) {
    // Reported from the loop, as a connect that fails later would be: the caller's handler never
    // runs inside its own Connect() call.
    std::weak_ptr<bool> alive = alive_;
    Status s = r.status();
    deadline_ = loop_.AddTimer(0, [this, alive, s] {
      if (alive.expired()) return;
      deadline_ = 0;
      Fail(s, true);
    });
    return;
  }
  // With TLS the handshake starts with the first write once the socket is connected.
  transport_ = tls_ ? tls_->Connect(r.value()) : MakePlainTransport(r.value());
  loop_.Add(transport_->fd(), EPOLLOUT, this);
  std::weak_ptr<bool> alive = alive_;
  deadline_ = loop_.AddTimer(timeout_ms, [this, alive] {
    if (alive.expired()) return;
    deadline_ = 0;
    if (state_ == State::kConnecting) Fail(Status::Error("Connection timed out"), true);
  });
}

void Link::Adopt(std::unique_ptr<Transport> t) {
  Close();
  transport_ = std::move(t);
  state_ = State::kConnected;
  peer_ = PeerName(transport_->fd());
  local_ = SockName(transport_->fd());
  SetNoDelay(transport_->fd());
  want_write_ = false;
  loop_.Add(transport_->fd(), EPOLLIN, this);
}

void Link::Send(std::string_view bytes) {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  out_.append(bytes);
  if (state_ == State::kConnected) WriteAvailable();
}

void Link::Close() {
  if (deadline_ != 0) {
    loop_.CancelTimer(deadline_);
    deadline_ = 0;
  }
  if (transport_ != nullptr) {
    loop_.Remove(transport_->fd());
    transport_.reset();
  }
  if (state_ != State::kIdle) state_ = State::kClosed;
  out_.clear();
  out_pos_ = 0;
  want_write_ = false;
}

std::unique_ptr<Transport> Link::Release() {
  if (deadline_ != 0) {
    loop_.CancelTimer(deadline_);
    deadline_ = 0;
  }
  if (transport_ != nullptr) loop_.Remove(transport_->fd());
  state_ = State::kClosed;
  return std::move(transport_);
}

void Link::OnEvent(uint32_t events) {
  if (state_ == State::kConnecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) Connected();
    return;
  }
  if (state_ != State::kConnected) return;
  std::weak_ptr<bool> alive = alive_;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    ReadAvailable();
    if (alive.expired() || state_ != State::kConnected) return;
  }
  if (events & EPOLLOUT) WriteAvailable();
}

void Link::Connected() {
  Status s = FinishConnect(transport_->fd());
  if (!s.ok()) return Fail(s, true);
  if (deadline_ != 0) {
    loop_.CancelTimer(deadline_);
    deadline_ = 0;
  }
  state_ = State::kConnected;
  peer_ = PeerName(transport_->fd());
  local_ = SockName(transport_->fd());
  SetNoDelay(transport_->fd());
  want_write_ = false;
  loop_.Modify(transport_->fd(), EPOLLIN, this);
  std::weak_ptr<bool> alive = alive_;
  if (handlers_.connected) handlers_.connected(Status::Ok());
  if (alive.expired() || state_ != State::kConnected) return;
  if (pending_output() > 0) WriteAvailable();
}

void Link::Fail(const Status& s, bool connecting) {
  Close();
  auto& h = connecting ? handlers_.connected : handlers_.closed;
  if (h) h(s);
}

void Link::ReadAvailable() {
  bool got = false;
  Status end = Status::Ok();
  for (;;) {
    in_.Reserve(16 * 1024);
    size_t room = in_.writable();
    ssize_t n = transport_->Read(in_.write_ptr(), room);
    if (n > 0) {
      in_.Commit(static_cast<size_t>(n));
      got = true;
      if (static_cast<size_t>(n) < room) break;  // drained the socket
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    end = Status::Error(n == 0 ? "Connection closed by peer" : strerror(errno));
    break;
  }
  // What arrived before the peer closed is handed over first: an error reply followed by a
  // close must be read, not lost.
  std::weak_ptr<bool> alive = alive_;
  if (got && handlers_.readable) handlers_.readable();
  if (alive.expired() || state_ != State::kConnected) return;
  if (!end.ok()) Fail(end, false);
}

void Link::WriteAvailable() {
  while (out_pos_ < out_.size()) {
    ssize_t n = transport_->Write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (n > 0) {
      out_pos_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Fail(Status::Error(n < 0 ? strerror(errno) : "write failed"), false);
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  }
  UpdateInterest();
}

void Link::UpdateInterest() {
  bool want = pending_output() > 0;
  if (want == want_write_) return;
  want_write_ = want;
  loop_.Modify(transport_->fd(), EPOLLIN | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u), this);
}

}  // namespace carmine::net
