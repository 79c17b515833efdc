// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/fork_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "db/db_set.h"
#include "server/process.h"

namespace carmine {
namespace {

// The child's private dirty memory: the pages it had to copy because the parent wrote to them.
int64_t PrivateDirtyBytes() {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  int64_t kb = 0;
  while (fgets(line, sizeof(line), f) != nullptr) {
    long long v = 0;
    if (sscanf(line, "Private_Dirty: %lld kB", &v) == 1) kb = v;
  }
  fclose(f);
  return kb * 1024;
}

// One record on the report pipe (well under PIPE_BUF, so each write is atomic).
struct Report {
  int64_t final;  // 1: the report written as the child exits
  int64_t keys;
  int64_t cow;
};

// The child's end of its report pipe (-1 in the parent).
int report_fd = -1;
int64_t last_report_us = 0;  // when the child last reported (throttled to one a second)

void SendReport(int64_t final, int64_t keys) {
  Report r{final, keys, PrivateDirtyBytes()};
  ssize_t n = write(report_fd, &r, sizeof(r));
  (void)n;
}

}  // namespace

void ForkChild::ReportProgress(uint64_t keys) {
  if (report_fd < 0) return;
  int64_t now = clock::MonotonicUs();
  if (last_report_us != 0 && now - last_report_us < 1000000) return;
  last_report_us = now;
  SendReport(0, static_cast<int64_t>(keys));
}

ForkChild::Progress ForkChild::progress() const {
  std::lock_guard<std::mutex> l(progress_mu_);
  return progress_;
}

bool ForkChild::ReadReports() {
  Report r;
  bool final = false;
  while (report_fd_ >= 0 && read(report_fd_, &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r))) {
    if (r.final) {
      last_cow_.store(r.cow);
      final = true;
      continue;
    }
    std::lock_guard<std::mutex> l(progress_mu_);
    progress_.keys_processed = r.keys;
    progress_.cow = r.cow;
    progress_.cow_peak = std::max(progress_.cow_peak, r.cow);
    progress_.cow_updated_ms = clock::NowMs();
  }
  return final;
}

void ForkChild::Poll() {
  if (running()) ReadReports();
}

ForkChild::~ForkChild() {
  if (report_fd_ >= 0) close(report_fd_);
}

pid_t ForkChild::Start(const std::function<bool()>& work, int keep_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  int64_t start = clock::MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    CloseInheritedExcept({fds[1], keep_fd});
    process::ApplyChildOomScore();
    report_fd = fds[1];
    bool ok = work();
    SendReport(1, 0);
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    errno = err;
    return -1;
  }
  latest_fork_us_.store(clock::MonotonicUs() - start, std::memory_order_relaxed);
  total_forks_.fetch_add(1, std::memory_order_relaxed);
  if (report_fd_ >= 0) close(report_fd_);
  report_fd_ = fds[0];
  fcntl(report_fd_, F_SETFL, O_NONBLOCK);  // the cron reads what has come, never waits
  {
    std::lock_guard<std::mutex> l(progress_mu_);
    progress_ = Progress{};
    progress_.keys_total = keys_total_;
  }
  pid_.store(pid);
  return pid;
}

bool ForkChild::Collect(bool block, bool* ok) {
  pid_t pid = pid_.load();
  if (pid <= 0) return false;
  int status = 0;
  if (waitpid(pid, &status, block ? 0 : WNOHANG) != pid) return false;
  *ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  // The child wrote its final report before exiting; a killed child wrote none.
  ReadReports();
  {
    std::lock_guard<std::mutex> l(progress_mu_);
    progress_ = Progress{};
  }
  close(report_fd_);
  report_fd_ = -1;
  pid_.store(-1);
  return true;
}

int64_t TotalKeys(DbSet& dbs) {
  int64_t n = 0;
  for (int db = 0; db < dbs.num_dbs(); db++) n += static_cast<int64_t>(dbs.KeyCount(db));
  return n;
}

void CloseInheritedExcept(std::initializer_list<int> keep) {
  std::vector<int> sorted(keep);
  std::sort(sorted.begin(), sorted.end());
  // Closed in ranges between the descriptors kept.
  unsigned lo = 3;
  for (int k : sorted) {
    if (k < 0 || static_cast<unsigned>(k) < lo) continue;
    if (static_cast<unsigned>(k) > lo) syscall(SYS_close_range, lo, k - 1, 0);
    lo = static_cast<unsigned>(k) + 1;
  }
  syscall(SYS_close_range, lo, ~0U, 0);
}

pid_t DebugSessions::Fork(int client_fd) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t start = clock::MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    log::SetRole('C');
    CloseInheritedExcept({client_fd, log::CurrentFd()});
    return 0;
  }
  if (pid < 0) return -1;
  ForkChild::NoteFork(clock::MonotonicUs() - start);
  pids_.push_back(pid);
  return pid;
}

void DebugSessions::Reap() {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(pids_, [](pid_t pid) {
    int status;
    return waitpid(pid, &status, WNOHANG) == pid;
  });
}

void DebugSessions::KillAll() {
  std::lock_guard<std::mutex> l(mu_);
  for (pid_t pid : pids_) {
    LOG_NOTICE("Killing debugging session %d", static_cast<int>(pid));
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
  }
  pids_.clear();
}

void ForkChild::Kill() {
  pid_t pid = pid_.load();
  if (pid <= 0) return;
  kill(pid, SIGUSR1);
  bool ok;
  Collect(true, &ok);
}

}  // namespace carmine
