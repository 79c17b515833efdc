// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Scripts: Sentinel's notification-script and client-reconfig-script runs, as Redis Sentinel
// runs them: queued (at most 256; the oldest waiting one goes first when full), at most 16 at a
// time, killed after 60 seconds, and retried with a growing delay (up to 10 times) when they exit
// with status 1. Processes are started with posix_spawn, so the server's threads are never
// duplicated into a fork.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <vector>

namespace carmine::sentinel {

class Scripts {
 public:
  struct Job {
    std::vector<std::string> argv;
    int retry = 0;
    int64_t start_time = 0;  // when it started, or when it may start (scheduled)
    pid_t pid = 0;           // 0: waiting
  };
  static constexpr size_t kMaxQueue = 256;
  static constexpr size_t kMaxRunning = 16;
  static constexpr int kMaxRetry = 10;
  static constexpr int64_t kRetryDelayMs = 30000;
  static constexpr int64_t kMaxRuntimeMs = 60000;

  // `event` reports what happened to a script (Redis's "-script-error", "-script-timeout", ...).
  using EventFn = std::function<void(const std::string& type, const std::string& msg)>;
  explicit Scripts(EventFn event) : event_(std::move(event)) {}
  ~Scripts();

  void Schedule(std::vector<std::string> argv);
  // Starts what may start, collects what ended, kills what ran too long (each tick).
  void Run(int64_t now_ms);
  size_t running() const { return running_; }
  size_t queued() const { return jobs_.size(); }
  const std::list<Job>& jobs() const { return jobs_; }

 private:
  void Collect(int64_t now_ms);
  EventFn event_;
  std::list<Job> jobs_;
  size_t running_ = 0;
};

}  // namespace carmine::sentinel
