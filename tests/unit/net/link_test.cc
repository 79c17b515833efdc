// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Outbound connections on real loopback sockets: the loop's timers, a Link connecting, talking,
// seeing the peer's last bytes before its close, failing to connect, and being destroyed from its
// own handler; the blocking forms MIGRATE uses, with their deadlines.
#include "net/link.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/clock.h"
#include "net/dial.h"
#include "net/socket.h"

namespace carmine::net {
namespace {

// A listening socket on a free loopback port.
struct Listener {
  Listener() {
    auto r = ListenTcp("127.0.0.1", 0, 16);
    EXPECT_TRUE(r.ok());
    fd = r.value();
    std::string name = SockName(fd);
    port = std::stoi(name.substr(name.rfind(':') + 1));
  }
  ~Listener() { close(fd); }
  // Waits for the next connection (the listener is non-blocking).
  int Accept() {
    for (int i = 0; i < 5000; i++) {
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) return c;
      usleep(1000);
    }
    return -1;
  }
  int fd, port;
};

// Runs `loop` until a handler stops it, with a safety deadline.
void RunFor(EventLoop& loop, int64_t max_ms = 5000) {
  loop.AddTimer(max_ms, [&] {
    ADD_FAILURE() << "loop deadline";
    loop.Stop();
  });
  loop.Run();
}

TEST(EventLoopTimers, RunInDueOrderAndCancelled) {
  EventLoop loop;
  std::vector<int> order;
  loop.AddTimer(30, [&] {
    order.push_back(30);
    loop.Stop();
  });
  loop.AddTimer(0, [&] { order.push_back(0); });
  auto gone = loop.AddTimer(10, [&] { order.push_back(-1); });
  loop.AddTimer(20, [&] { order.push_back(20); });
  loop.CancelTimer(gone);
  loop.CancelTimer(gone);  // twice is harmless
  int64_t start = clock::MonotonicUs();
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{0, 20, 30}));
  EXPECT_GE(clock::MonotonicUs() - start, 30000);
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(Link, ConnectsTalksAndReadsThePeersLastBytes) {
  Listener l;
  EventLoop loop;
  std::string got;
  std::string closed_why;
  bool connected = false;
  int peer = -1;
  Link link(loop, {.connected =
                       [&](const Status& s) {
                         connected = s.ok();
                         peer = l.Accept();
                         // The peer answers once the request queued before the connect
                         // completed has gone out (after this handler), then hangs up.
                         loop.AddTimer(20, [&] {
                           char buf[16];
                           ssize_t n = read(peer, buf, sizeof(buf));
                           EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "PING\r\n");
                           EXPECT_EQ(write(peer, "+PONG\r\n", 7), 7);
                           close(peer);
                         });
                       },
                   .readable =
                       [&] {
                         got.append(link.input().data(), link.input().size());
                         link.input().Consume(link.input().size());
                       },
                   .closed =
                       [&](const Status& s) {
                         closed_why = s.message();
                         loop.Stop();
                       }});
  link.Connect("127.0.0.1", l.port, "", 1000);
  link.Send("PING\r\n");
  RunFor(loop);
  EXPECT_TRUE(connected);
  EXPECT_EQ(got, "+PONG\r\n");
  EXPECT_EQ(closed_why, "Connection closed by peer");
  EXPECT_FALSE(link.connected());
}

TEST(Link, RefusedConnectReportsTheReason) {
  int port;
  {
    Listener gone;  // a port that was free a moment ago and has no listener now
    port = gone.port;
  }
  EventLoop loop;
  std::string why;
  Link link(loop, {.connected = [&](const Status& s) {
    why = s.ok() ? "ok" : s.message();
    loop.Stop();
  }});
  link.Connect("127.0.0.1", port, "", 1000);
  RunFor(loop);
  EXPECT_EQ(why, "Connection refused");
  // A bad source address is reported the same way, from the loop.
  link.Connect("127.0.0.1", port, "not-an-address", 1000);
  RunFor(loop);
  EXPECT_NE(why.find("bind-source-addr"), std::string::npos);
}

TEST(Link, HandlerMayDestroyTheLink) {
  Listener l;
  EventLoop loop;
  std::unique_ptr<Link> link;
  int peer = -1;
  link = std::make_unique<Link>(
      loop, Link::Handlers{.connected =
                               [&](const Status& s) {
                                 ASSERT_TRUE(s.ok());
                                 peer = l.Accept();
                                 EXPECT_EQ(write(peer, "+A\r\n", 4), 4);
                                 close(peer);  // the data and the close arrive together
                               },
                           .readable =
                               [&] {
                                 // Gone inside its own handler: destroying the link destroys
                                 // this closure too, so it is the handler's last act.
                                 loop.Stop();
                                 link.reset();
                               },
                           .closed = [&](const Status&) { ADD_FAILURE() << "closed after reset"; }});
  link->Connect("127.0.0.1", l.port, "", 1000);
  RunFor(loop);
  EXPECT_EQ(link, nullptr);
  // Its connect deadline timer was cancelled with it.
  EXPECT_EQ(loop.pending_timers(), 1u);  // only RunFor's safety timer is left
}

TEST(SyncIo, DeadlinesAndEndOfStream) {
  Listener l;
  auto r = ConnectWithTimeout("127.0.0.1", l.port, "127.0.0.1", 1000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  PlainTransport t(r.value());
  int peer = l.Accept();
  ASSERT_GE(peer, 0);
  IoBuffer in;
  int64_t start = clock::MonotonicUs();
  EXPECT_EQ(SyncRead(t, &in, start + 50000), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  EXPECT_GE(clock::MonotonicUs() - start, 50000);
  EXPECT_EQ(write(peer, "+OK\r\n", 5), 5);
  EXPECT_EQ(SyncRead(t, &in, clock::MonotonicUs() + 1000000), 5);
  EXPECT_EQ(std::string(in.data(), in.size()), "+OK\r\n");
  shutdown(peer, SHUT_WR);
  EXPECT_EQ(SyncRead(t, &in, clock::MonotonicUs() + 1000000), 0);
  std::string big(8 << 20, 'x');  // more than the socket buffers hold: the write must wait
  start = clock::MonotonicUs();
  EXPECT_FALSE(SyncWrite(t, big, start + 50000));
  EXPECT_EQ(errno, ETIMEDOUT);
  EXPECT_GE(clock::MonotonicUs() - start, 50000);
  close(peer);
}

}  // namespace
}  // namespace carmine::net
