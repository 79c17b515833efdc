// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Connections this server opens to others: a replica to its master, Sentinel to the servers it
// watches, cluster nodes to each other, MIGRATE to its target. Connecting never blocks a loop:
// StartConnect begins a non-blocking connect and FinishConnect reads its outcome once the socket
// turns writable (Link drives both from an EventLoop). MIGRATE, which Redis runs synchronously
// inside the command, uses the blocking forms with a deadline.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "net/io_buffer.h"
#include "net/transport.h"

namespace carmine::net {

// Begins connecting to host:port (a name or a numeric address, IPv4 or IPv6). `source_addr`
// (bind-source-addr), when set, is the local address to connect from. Returns the non-blocking,
// close-on-exec socket, connected or still connecting, or why it could not start.
Result<int> StartConnect(const std::string& host, int port, const std::string& source_addr);
// Once a connecting socket is writable: ok when connected, else the reason ("Connection refused").
Status FinishConnect(int fd);

// Connects, waiting at most `timeout_ms`. The socket stays non-blocking. On failure, *answered
// (when given) tells whether the attempt got an answer (refused, reset) rather than failing to
// start or running out of time.
Result<int> ConnectWithTimeout(const std::string& host, int port, const std::string& source_addr,
                               int64_t timeout_ms, bool* answered = nullptr);
// Writes all of `data`, waiting for the socket as needed until `deadline_us` (clock::MonotonicUs).
// false on an error or when the deadline passes (errno is ETIMEDOUT then).
bool SyncWrite(Transport& t, std::string_view data, int64_t deadline_us);
// Reads what is available into `in`, waiting until `deadline_us` for at least one byte. Bytes
// read, 0 when the peer closed, -1 on an error or when the deadline passed (errno ETIMEDOUT).
ssize_t SyncRead(Transport& t, IoBuffer* in, int64_t deadline_us);

}  // namespace carmine::net
