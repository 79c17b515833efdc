// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// EventLoop: one epoll loop per worker thread. File descriptors are registered with an IoHandler
// whose OnEvent runs on the loop thread. Other threads talk to a loop only through Post(), which
// queues a task and wakes the loop through an eventfd; this is how cross-thread work (killing a
// client, waking a blocked one) reaches the thread that owns the connection.
//
// The loop caches the wall-clock time once per iteration (now_ms()), which commands use as their
// notion of "now" so that one command sees one time.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace carmine {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  virtual void OnEvent(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epfd_ >= 0 && wakefd_ >= 0; }
  // Registers/changes/removes interest. Handlers must outlive their registration.
  bool Add(int fd, uint32_t events, IoHandler* h);
  bool Modify(int fd, uint32_t events, IoHandler* h);
  void Remove(int fd);

  // Thread-safe: runs `task` on the loop thread at its next iteration.
  void Post(std::function<void()> task);
  // Runs `fn` roughly every `interval_ms` (re-read each time, so hz changes apply).
  void SetPeriodic(std::function<int()> interval_ms, std::function<void()> fn);
  // Runs after each batch of events, before waiting again (flush pending writes, ...).
  void SetBeforeSleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }

  // Microseconds to keep polling (without sleeping) after a wait that returned events; 0 sleeps
  // at once. Thread-safe.
  void SetBusyPollUs(int us) { busy_poll_us_.store(us); }

  void Run();
  void Stop();  // thread-safe
  int64_t now_ms() const { return now_ms_; }
  void UpdateTime();
  // INFO eventloop_*: iterations so far, and the microseconds they spent working (not waiting).
  uint64_t cycles() const { return cycles_.load(std::memory_order_relaxed); }
  uint64_t busy_us() const { return busy_us_.load(std::memory_order_relaxed); }
  uint64_t max_busy_us() const { return max_busy_us_.load(std::memory_order_relaxed); }

 private:
  void RunTasks();

  int epfd_ = -1;
  int wakefd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;
  std::atomic<bool> has_tasks_{false};
  std::function<int()> interval_;
  std::function<void()> periodic_;
  std::function<void()> before_sleep_;
  int64_t next_periodic_us_ = 0;
  bool busy_ = false;  // the last wait returned events
  std::atomic<int> busy_poll_us_{0};
  int spin_credit_ = 8;  // recent spins' success; spinning pauses when it runs out
  int spin_pause_ = 0;   // loop iterations left without spinning
  int64_t now_ms_ = 0;
  std::atomic<uint64_t> cycles_{0}, busy_us_{0}, max_busy_us_{0};  // written by the loop only
};

}  // namespace carmine
