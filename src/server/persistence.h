// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// RDB snapshots for the server: SAVE (all shard locks held while the file is written), BGSAVE
// (all shard locks held only for the instant of fork(); the child writes the file and exits, the
// parent keeps serving), save rules checked by the cron, loading at startup, and the INFO
// persistence figures. The child process touches no lock and writes no log line.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "persist/rdb_file.h"
#include "server/fork_child.h"

namespace carmine {

class Server;

// The lines Redis logs about a loaded RDB file (the version that wrote it, its age and memory,
// then the key counts), for the startup load, an AOF's RDB base and DEBUG RELOAD alike.
void LogRdbAux(const rdb::LoadStats& stats, int64_t now_ms);
void LogRdbLoaded(const rdb::LoadStats& stats);

class Persistence {
 public:
  // Save rules count time from startup (LASTSAVE is the start time until a save happens).
  explicit Persistence(Server& s) : server_(s), lastsave_(clock::NowMs() / 1000) {}

  // SAVE. The caller holds every shard lock (or the server is not serving). "" or the error.
  std::string SaveLocked();
  // BGSAVE [SCHEDULE]: "" when a child was started, "+..." when scheduled for after the running
  // AOF rewrite, else the error reply.
  std::string StartBackgroundSave(bool schedule = false);
  // A BGSAVE for replicas (to the same file, as Redis's disk-backed sync). `at_fork` runs with
  // every shard lock held right before fork(): the snapshot point. `done(ok)` runs when the
  // child has ended (first worker's cron), or failed or was killed. "" or the error.
  // With `pipe_fd` >= 0 the child writes the image into that pipe instead (a diskless sync:
  // the replicas get it as it is produced), and the file and the save statistics are untouched.
  // `rdb_filter`: ReplicaLink::RdbFilter bits, the parts the snapshot leaves out.
  std::string StartReplicationSave(std::function<void()> at_fork,
                                   std::function<void(bool ok)> done, int pipe_fd = -1,
                                   int rdb_filter = 0);
  // Collects a finished child and applies the save rules (first worker's cron).
  void Cron(int64_t now_ms);
  // Loads `dir`/`dbfilename` before serving. Missing file: an empty dataset.
  Status LoadAtStartup();
  // Waits for a running child to finish (shutdown).
  void WaitForChild();
  // Ends a running BGSAVE child without using its file (shutdown).
  void KillChild();
  // FLUSHALL emptied the dataset (every shard lock held): a running child's snapshot is stale,
  // so it is stopped, and with save points configured the empty dataset is saved right away.
  void FlushedAll();

  bool bgsave_in_progress() const { return child_.running(); }
  int64_t last_cow_bytes() const { return child_.last_cow_bytes(); }
  ForkChild::Progress child_progress() const { return child_.progress(); }
  int64_t lastsave() const { return lastsave_.load(); }
  bool last_bgsave_ok() const { return last_ok_.load(); }
  int64_t saves() const { return saves_.load(); }
  void ResetStats() { saves_ = 0; }
  int64_t last_bgsave_seconds() const { return last_bgsave_sec_.load(); }
  int64_t current_bgsave_seconds(int64_t now_ms) const {
    int64_t s = bgsave_start_ms_.load();
    return child_.running() ? (now_ms - s) / 1000 : -1;
  }
  const rdb::LoadStats& load_stats() const { return load_stats_; }
  std::string Path() const;
  // Pacing and progress reporting for loads of the dataset (startup, DEBUG RELOAD).
  rdb::LoadControl LoadControl() const;
  // Re-evaluates whether writes are refused with MISCONF (after a save, or a config change).
  void UpdateWriteRefusal();

 private:
  rdb::SaveOptions Options() const;
  void Finished(bool ok, uint64_t dirty_before, int64_t now_ms);

  Server& server_;
  std::mutex mu_;  // one save at a time
  ForkChild child_;
  std::atomic<int64_t> lastsave_{0};
  std::atomic<bool> last_ok_{true};
  std::atomic<int64_t> saves_{0};
  std::atomic<int64_t> last_bgsave_sec_{-1};
  std::atomic<int64_t> bgsave_start_ms_{0};
  std::atomic<int64_t> last_try_ms_{0};
  std::atomic<bool> scheduled_{false};
  uint64_t dirty_at_fork_ = 0;
  std::function<void(bool)> repl_done_;  // the running child's replicas, told when it ends
  // Hands the replicas waiting for the child its outcome (once).
  void TellReplicas(bool ok);
  // Forks the child that writes the RDB file (mu_ held, no child running); `at_fork` runs with
  // every shard lock held right before fork(). "" or the error reply.
  std::string ForkSaveLocked(const std::function<void()>& at_fork, int pipe_fd = -1,
                             int rdb_filter = 0);
  bool socket_target_ = false;  // the running child writes to replicas, not to the file
  rdb::LoadStats load_stats_;

 public:
  // Keys the startup load skipped as expired (database, key): a master restarted with its
  // replication history propagates their deletion (RestoreReplicationState takes them).
  std::vector<std::pair<int, std::string>> TakeExpiredAtLoad() { return std::move(expired_at_load_); }

 private:
  std::vector<std::pair<int, std::string>> expired_at_load_;
};

}  // namespace carmine
