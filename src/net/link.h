// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Link: a connection this server opened to another server, driven by one EventLoop: a
// non-blocking connect with a deadline, buffered writes flushed as the socket accepts them, and
// a callback each time bytes arrive. A replica's link to its master, Sentinel's links and the
// cluster bus are built on it; what the bytes mean is up to them (protocol/reply_reader.h reads
// RESP replies from input()).
//
// Handlers run on the loop thread. A handler may Close() the link or destroy it outright: the
// link notices and touches nothing afterwards. Destroying the link destroys the running handler's
// closure with it, so that must be the handler's last act (no captures used after it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "net/event_loop.h"
#include "net/io_buffer.h"
#include "net/tls.h"
#include "net/transport.h"

namespace carmine::net {

class Link : public IoHandler {
 public:
  struct Handlers {
    std::function<void(const Status&)> connected;  // ok, or why connecting failed (link closed)
    std::function<void()> readable;                // new bytes are in input()
    std::function<void(const Status&)> closed;     // peer closed / I/O error (not after Close())
  };

  Link(EventLoop& loop, Handlers handlers);
  ~Link() override;
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Starts connecting; `connected` runs once with the outcome, at the latest after `timeout_ms`.
  void Connect(const std::string& host, int port, const std::string& source_addr,
               int64_t timeout_ms);
  // Takes an accepted, non-blocking socket as an established link (a cluster node that
  // connected to this one).
  void Adopt(std::unique_ptr<Transport> t);
  // Connections made from now on speak TLS with this context's client side (null: plain).
  void set_tls(std::shared_ptr<TlsContext> tls) { tls_ = std::move(tls); }
  // Queues bytes; they are written as soon as the socket takes them (connected or not yet).
  void Send(std::string_view bytes);
  IoBuffer& input() { return in_; }
  size_t pending_output() const { return out_.size() - out_pos_; }
  bool connected() const { return state_ == State::kConnected; }
  bool connecting() const { return state_ == State::kConnecting; }
  // Closes the socket and cancels the deadline; no handler runs afterwards.
  void Close();
  // Hands the connected socket to a new owner (a replica's master link becomes a client
  // connection once the handshake is over); the link is closed without closing the socket.
  // Unsent output and unread input stay here: take them first.
  std::unique_ptr<Transport> Release();
  // "ip:port" of the peer, once connected.
  const std::string& peer() const { return peer_; }
  // "ip:port" of this end, once connected.
  const std::string& local() const { return local_; }

  void OnEvent(uint32_t events) override;

 private:
  enum class State { kIdle, kConnecting, kConnected, kClosed };
  void Connected();
  void Fail(const Status& s, bool connecting);
  void ReadAvailable();
  void WriteAvailable();
  void UpdateInterest();

  EventLoop& loop_;
  Handlers handlers_;
  std::unique_ptr<Transport> transport_;
  std::shared_ptr<TlsContext> tls_;
  State state_ = State::kIdle;
  EventLoop::TimerId deadline_ = 0;
  IoBuffer in_;
  std::string out_;
  size_t out_pos_ = 0;
  bool want_write_ = false;
  std::string peer_;
  std::string local_;
  // Dies with the link: a handler that destroyed the link is detected (through a weak_ptr) after
  // it returns, and timers that outlive the link do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace carmine::net
