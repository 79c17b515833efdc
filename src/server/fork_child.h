// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ForkChild: one forked child process (a BGSAVE or an AOF rewrite). The child runs its work with
// no lock and no log line, then reports how much memory copy-on-write gave it (its private dirty
// pages, as Redis reports rdb_last_cow_size) through a pipe and exits with 0 on success. The
// parent collects it without blocking from its cron, or waits for it at shutdown.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <vector>

namespace carmine {

class DbSet;

class ForkChild {
 public:
  ForkChild() = default;
  ~ForkChild();
  ForkChild(const ForkChild&) = delete;
  ForkChild& operator=(const ForkChild&) = delete;

  // Forks; the child runs `work` (true: success) and exits. Returns the child's pid, or -1 with
  // errno set. The child closes every inherited descriptor above stderr except `keep_fd` (the
  // pipe a diskless sync writes to): a client or replica socket the parent closes must not stay
  // open in the child, or its peer would not see the close until the child exits.
  pid_t Start(const std::function<bool()>& work, int keep_fd = -1);
  bool running() const { return pid_.load() > 0; }
  pid_t pid() const { return pid_.load(); }
  // Collects the child if it has exited (or waits for it with `block`). True once collected;
  // *ok tells whether it succeeded.
  bool Collect(bool block, bool* ok);
  // Ends a running child (SIGUSR1, as Redis signals its children) and collects it.
  void Kill();
  // Copy-on-write bytes the last finished child reported.
  int64_t last_cow_bytes() const { return last_cow_.load(); }

  // What a running child reported so far (INFO's current_* fields); all zero with no child.
  struct Progress {
    int64_t keys_total = 0;      // keys in the dataset at the fork
    int64_t keys_processed = 0;  // keys written so far
    int64_t cow = 0, cow_peak = 0;
    int64_t cow_updated_ms = 0;  // when `cow` was reported (0: never)
  };
  Progress progress() const;
  // Set before Start: the keys the child will write.
  void set_keys_total(int64_t n) { keys_total_ = n; }
  // Reads the reports a running child sent since the last call (the cron).
  void Poll();
  // In a child: `keys` keys are written. Reported at most once a second (reading the private
  // dirty pages costs); a no-op outside a child.
  static void ReportProgress(uint64_t keys);

  // Every fork of the process (INFO total_forks) and how long the latest one took in the parent
  // (latest_fork_usec): forking copies the page tables, which stalls the server.
  static uint64_t total_forks() { return total_forks_.load(std::memory_order_relaxed); }
  static int64_t latest_fork_us() { return latest_fork_us_.load(std::memory_order_relaxed); }
  // Counts a fork made elsewhere (a debugging session's) that took `us` in the parent.
  static void NoteFork(int64_t us) {
    latest_fork_us_.store(us, std::memory_order_relaxed);
    total_forks_.fetch_add(1, std::memory_order_relaxed);
  }
  static void ResetStats() {
    total_forks_.store(0, std::memory_order_relaxed);
    latest_fork_us_.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<pid_t> pid_{-1};
  int report_fd_ = -1;  // read end of the child's report pipe
  std::atomic<int64_t> last_cow_{0};
  // Reads the records in the pipe; true when the final one came.
  bool ReadReports();
  mutable std::mutex progress_mu_;
  Progress progress_;
  int64_t keys_total_ = 0;
  static inline std::atomic<uint64_t> total_forks_{0};
  static inline std::atomic<int64_t> latest_fork_us_{0};
};

// Keys in every database (read with the shard locks held, at a fork).
int64_t TotalKeys(DbSet& dbs);

// In a forked child: closes every descriptor above stderr except those in `keep` (negative
// entries ignored), so sockets the parent closes do not stay open in the child.
void CloseInheritedExcept(std::initializer_list<int> keep);

// The children SCRIPT DEBUG YES forks, one per debugging session. Each runs its script on its
// own copy of the dataset, talking to its client over the socket it kept, and exits when the
// session ends (so nothing it changed reaches the server). The server only reaps them, and ends
// them when it shuts down.
class DebugSessions {
 public:
  // Forks a session: 0 in the child (which keeps `client_fd`, stdio and the log), the child's
  // pid in the parent, -1 with errno set when fork fails.
  pid_t Fork(int client_fd);
  // Collects the sessions that ended (cron).
  void Reap();
  // Shutdown: ends every session still running.
  void KillAll();

 private:
  std::mutex mu_;
  std::vector<pid_t> pids_;
};

}  // namespace carmine
