// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MIGRATE: moves keys to another server by sending it RESTOREs (RESTORE-ASKING in cluster mode)
// over a connection this server opens, then deletes the keys the target acknowledged. As in
// Redis the command runs synchronously: the keys' shards stay locked while the target answers,
// so no client sees a key in neither place or changed in between, and every socket operation
// waits at most the command's timeout.
//
// Connections are kept per target for reuse (INFO migrate_cached_sockets), at most 64, and
// closed after 10 seconds unused. A connection is taken out of the cache while a MIGRATE uses
// it, so two workers migrating to one target at once each get their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "commands/registry.h"
#include "net/io_buffer.h"
#include "net/transport.h"

namespace carmine {

class MigrateClient {
 public:
  // `source_addr` gives bind-source-addr at the time of each connect.
  explicit MigrateClient(std::function<std::string()> source_addr);
  ~MigrateClient();

  void Register(CommandRegistry& r);
  // Closes connections unused for 10 seconds (server cron).
  void Cron(int64_t now_ms);
  size_t cached() const;

 private:
  struct Target {
    std::unique_ptr<net::Transport> transport;
    IoBuffer in;
    int64_t selected_db = -1;  // the db the target has selected for us (-1: unknown)
    int64_t last_use_ms = 0;
  };
  class Session;

  void Migrate(ArgList args, CommandContext& ctx);
  // A cached connection to `addr`, or a new one. Null with *error set when connecting failed.
  std::unique_ptr<Target> Take(const std::string& host, int port, int64_t timeout_ms,
                               std::string* error);
  void Return(const std::string& addr, std::unique_ptr<Target> t, int64_t now_ms);

  std::function<std::string()> source_addr_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Target>> cache_;
};

}  // namespace carmine
