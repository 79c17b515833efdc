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
#include <map>
#include <mutex>
#include <unordered_map>
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
  // One-shot timers, loop thread only: `fn` runs on the loop about `delay_ms` from now unless
  // cancelled first. Links to other servers use them for connect and read deadlines, retries
  // and pings.
  using TimerId = uint64_t;
  TimerId AddTimer(int64_t delay_ms, std::function<void()> fn);
  // Cancelling a timer that already ran (or id 0) does nothing.
  void CancelTimer(TimerId id);
  size_t pending_timers() const { return timers_.size(); }

  // Runs after each batch of events, before waiting again (flush pending writes, ...).
  void SetBeforeSleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }

  // Microseconds to keep polling (without sleeping) after a wait that returned events; 0 sleeps
  // at once. Thread-safe.
  void SetBusyPollUs(int us) { busy_poll_us_.store(us); }

  void Run();
  void Stop();  // thread-safe
  // Loop thread only, from inside a handler: polls once without waiting and passes the events of
  // the handlers `accept` takes to them; tasks, timers and the periodic call do not run.
  void PollNested(const std::function<bool(IoHandler*)>& accept);
  int64_t now_ms() const { return now_ms_; }
  void UpdateTime();
  // INFO eventloop_*: iterations so far, and the microseconds they spent working (not waiting).
  uint64_t cycles() const { return cycles_.load(std::memory_order_relaxed); }
  uint64_t busy_us() const { return busy_us_.load(std::memory_order_relaxed); }
  uint64_t max_busy_us() const { return max_busy_us_.load(std::memory_order_relaxed); }

 private:
  void RunTasks();
  void RunTimers();
  // epoll_wait's timeout: until the next periodic run or timer, -1 when neither is due.
  // Milliseconds epoll may sleep from `now_us` until the next timer or periodic call (-1: none).
  int WaitTimeoutMs(int64_t now_us) const;

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
  // Timers by (due time in monotonic microseconds, id); ids grow, so equal times run in order.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  std::unordered_map<TimerId, int64_t> timer_due_;
  TimerId next_timer_id_ = 1;
  bool busy_ = false;  // the last wait returned events
  std::atomic<int> busy_poll_us_{0};
  int spin_credit_ = 8;  // recent spins' success; spinning pauses when it runs out
  int spin_pause_ = 0;   // loop iterations left without spinning
  int64_t now_ms_ = 0;
  std::atomic<uint64_t> cycles_{0}, busy_us_{0}, max_busy_us_{0};  // written by the loop only
};

}  // namespace carmine
