// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "net/event_loop.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "base/background_work.h"
#include "base/clock.h"

namespace carmine {

EventLoop::EventLoop() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ >= 0 && wakefd_ >= 0) {
    struct epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // null marks the wake-up fd
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
  }
  UpdateTime();
}

EventLoop::~EventLoop() {
  if (wakefd_ >= 0) close(wakefd_);
  if (epfd_ >= 0) close(epfd_);
}

bool EventLoop::Add(int fd, uint32_t events, IoHandler* h) {
  struct epoll_event ev {};
  ev.events = events;
  ev.data.ptr = h;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, IoHandler* h) {
  struct epoll_event ev {};
  ev.events = events;
  ev.data.ptr = h;
  return epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Post(std::function<void()> task) {
  bool was_pending;
  {
    std::lock_guard<std::mutex> l(mu_);
    tasks_.push_back(std::move(task));
    was_pending = has_tasks_.load(std::memory_order_relaxed);
    has_tasks_.store(true, std::memory_order_release);
  }
  // The flag and the queue change together under mu_, so only the post that makes the queue
  // non-empty needs to wake the loop: a burst of posts (pub/sub fan-out) costs one eventfd write.
  if (was_pending) return;
  uint64_t one = 1;
  ssize_t r = write(wakefd_, &one, sizeof(one));
  (void)r;
}

void EventLoop::SetPeriodic(std::function<int()> interval_ms, std::function<void()> fn) {
  interval_ = std::move(interval_ms);
  periodic_ = std::move(fn);
  next_periodic_us_ = clock::MonotonicUs() + interval_() * 1000;
}

EventLoop::TimerId EventLoop::AddTimer(int64_t delay_ms, std::function<void()> fn) {
  TimerId id = next_timer_id_++;
  int64_t due = clock::MonotonicUs() + std::max<int64_t>(0, delay_ms) * 1000;
  timers_.emplace(std::make_pair(due, id), std::move(fn));
  timer_due_.emplace(id, due);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase({it->second, id});
  timer_due_.erase(it);
}

void EventLoop::RunTimers() {
  int64_t now = clock::MonotonicUs();
  // Only timers due now run: one that adds a timer with no delay runs it next iteration, so a
  // retry loop cannot starve the sockets.
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
}

int EventLoop::WaitTimeoutMs(int64_t now_us) const {
  int64_t due = INT64_MAX;
  if (periodic_) due = next_periodic_us_;
  if (!timers_.empty()) due = std::min(due, timers_.begin()->first.first);
  if (due == INT64_MAX) return -1;
  int64_t wait_us = due - now_us;
  if (wait_us <= 0) return 0;
  return static_cast<int>(std::min<int64_t>((wait_us + 999) / 1000, INT32_MAX));
}

void EventLoop::PollNested(const std::function<bool(IoHandler*)>& accept) {
  epoll_event events[64];
  int n = epoll_wait(epfd_, events, 64, 0);
  if (n <= 0) return;
  UpdateTime();
  for (int i = 0; i < n; i++) {
    auto* h = static_cast<IoHandler*>(events[i].data.ptr);
    if (h != nullptr && accept(h)) h->OnEvent(events[i].events);
  }
}

void EventLoop::Stop() {
  stop_.store(true);
  uint64_t one = 1;
  ssize_t r = write(wakefd_, &one, sizeof(one));
  (void)r;
}

void EventLoop::UpdateTime() { now_ms_ = clock::NowMs(); }

void EventLoop::RunTasks() {
  if (!has_tasks_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> run;
  {
    std::lock_guard<std::mutex> l(mu_);
    run.swap(tasks_);
    has_tasks_.store(false, std::memory_order_relaxed);
  }
  for (auto& t : run) t();
}

void EventLoop::Run() {
  constexpr int kMaxEvents = 256;
  struct epoll_event events[kMaxEvents];
  // Two clock reads per iteration: one when work starts, one before waiting (which also ends the
  // previous iteration's busy time, its before-sleep work included).
  int64_t work_start = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    int64_t now = clock::MonotonicUs();
    if (work_start != 0) {
      uint64_t took = static_cast<uint64_t>(now - work_start);
      cycles_.store(cycles_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      busy_us_.store(busy_us_.load(std::memory_order_relaxed) + took, std::memory_order_relaxed);
      if (took > max_busy_us_.load(std::memory_order_relaxed)) {
        max_busy_us_.store(took, std::memory_order_relaxed);
      }
    }
    int timeout = WaitTimeoutMs(now);
    if (has_tasks_.load(std::memory_order_relaxed)) timeout = 0;
    int n = 0;
    int64_t spin_us = busy_poll_us_.load(std::memory_order_relaxed);
    if (busy_ && timeout != 0 && spin_us > 0 && spin_pause_ == 0 && !BackgroundWorkActive()) {
      // Under load, poll briefly before sleeping: the next requests usually arrive within
      // microseconds, and catching them without a sleep/wake-up cycle saves more CPU (in the
      // kernel, on both sides of the socket) than the polling costs. An idle loop sleeps at once.
      int64_t until = clock::MonotonicUs() + spin_us;
      do {
        n = epoll_wait(epfd_, events, kMaxEvents, 0);
        // Give the core away between polls: on a loaded host the clients we wait for may need it,
        // and on an idle core this returns at once.
        if (n == 0) sched_yield();
      } while (n == 0 && clock::MonotonicUs() < until);
      // Spins that keep coming back empty only take CPU from the clients (on a host with few
      // cores, the very processes whose requests we wait for): stop spinning for a while.
      if (n > 0) {
        spin_credit_ = std::min(spin_credit_ + 1, 16);
      } else if ((spin_credit_ -= 4) <= 0) {
        spin_pause_ = 1024;
        spin_credit_ = 8;
      }
    } else if (spin_pause_ > 0) {
      spin_pause_--;
    }
    if (n == 0) n = epoll_wait(epfd_, events, kMaxEvents, timeout);
    busy_ = n > 0;
    if (n < 0 && errno != EINTR) break;
    work_start = clock::MonotonicUs();
    UpdateTime();
    for (int i = 0; i < n; i++) {
      auto* h = static_cast<IoHandler*>(events[i].data.ptr);
      if (h == nullptr) {
        uint64_t v;
        while (read(wakefd_, &v, sizeof(v)) > 0) {
        }
        continue;
      }
      h->OnEvent(events[i].events);
    }
    RunTasks();
    if (!timers_.empty()) RunTimers();
    // Judged by when this iteration woke: a due call runs at most one iteration late, and the
    // wait above ends when it is due.
    if (periodic_ && work_start >= next_periodic_us_) {
      periodic_();
      next_periodic_us_ = clock::MonotonicUs() + interval_() * 1000;
    }
    if (before_sleep_) before_sleep_();
  }
  RunTasks();
  stop_.store(false);  // a stopped loop may be run again
}

}  // namespace carmine
