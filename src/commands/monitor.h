// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MONITOR: clients that receive a line for every command the server runs, from every worker
// thread, in Redis's format: +<unix time with microseconds> [<db> <client addr>] "arg" "arg" ...
// Lines go through each monitor's Subscriber (direct on its own thread, posted otherwise), so a
// monitor sees each client's commands in order. Admin commands and commands flagged
// skip_monitor are not shown; passwords are redacted.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pubsub/pubsub.h"
#include "commands/registry.h"

namespace carmine {

struct Session;

class MonitorRegistry {
 public:
  void Add(const std::shared_ptr<Subscriber>& s);
  void Remove(const Subscriber* s);
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  // Sends the line for a command `session` ran (call only when active()). Admin and skip-monitor
  // commands are left out, unless `always` (EVAL and FCALL show themselves as their script
  // starts, ahead of the commands it runs).
  void Feed(const CommandSpec* spec, ArgList args, const Session& session, int64_t now_us,
            bool always = false);

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Subscriber>> monitors_;
  std::atomic<size_t> count_{0};
};


}  // namespace carmine
