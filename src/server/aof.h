// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The append-only file, in Redis 7's multi-part layout: `dir`/`appenddirname`/ holds a base file
// (an RDB preamble, or commands when aof-use-rdb-preamble is off), incr files with the commands
// since, and a manifest naming them. The server's propagation log feeds the current incr file.
//
// Durability: a worker writes what was appended to the file before it sends any reply (group
// commit: one write(2) covers every command appended so far, from every thread), and with
// appendfsync always it also fsyncs before replying. With everysec a background thread fsyncs
// once a second; with no the kernel decides.
//
// Rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes): with every shard lock
// held, the pending buffer goes to the old incr file, a new incr file takes further writes, and a
// forked child writes the new base from its copy of memory. When the child succeeds the manifest
// is replaced (temporary file, fsync, rename) to name the new base and the new incr file, and the
// old files are deleted. A crash at any point leaves a manifest whose files hold everything.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "persist/aof_format.h"
#include "persist/options.h"
#include "server/fork_child.h"

namespace carmine {

class Server;
struct Session;

class Aof {
 public:
  // Reads the appendonly/appendfsync/auto-aof-rewrite-*/aof-* directives from `opts` as they
  // are at each use.
  Aof(Server& s, const PersistOptions& opts);
  ~Aof();

  // Startup with appendonly yes: loads the files the manifest names (upgrading a single-file
  // appendonly.aof found in `dir`), then opens the AOF for appending, creating a base and an incr
  // file when there is none. Errors are fatal for startup.
  Status LoadAndOpen();
  // CONFIG SET appendonly yes/no at runtime. Enable returns "" or an error.
  std::string Enable();
  // Marks this thread as running a transaction's commands while alive: CONFIG SET appendonly yes
  // inside EXEC schedules the rewrite for the cron instead of forking mid-transaction, as Redis.
  class TransactionScope {
   public:
    explicit TransactionScope(bool in_transaction);
    ~TransactionScope();
    TransactionScope(const TransactionScope&) = delete;
    TransactionScope& operator=(const TransactionScope&) = delete;

   private:
    bool previous_;
  };
  void Disable();
  // The apply hook of `appendonly`: turns the AOF on or off to match the directive.
  std::string ApplyAppendOnly();
  // The apply hook of `aof-disable-auto-gc`: turning it off deletes the history files now.
  void ApplyAutoGc();
  // BGREWRITEAOF: the reply (a status line, or an error starting with "ERR").
  std::string StartRewriteCommand();
  // Collects a finished rewrite child, starts a scheduled or automatic rewrite (first worker).
  void Cron(int64_t now_ms);
  // Called before replies are sent: puts every appended command into the file (and fsyncs with
  // appendfsync always). Cheap when there is nothing new.
  void BeforeReply() {
    if (written_.load(std::memory_order_acquire) < appended_.load(std::memory_order_acquire)) {
      WriteOut(false);
    }
  }
  // Writes and fsyncs everything (shutdown, DEBUG LOADAOF).
  void FlushAndSync();
  // Stops the fsync thread and any rewrite child (shutdown).
  void Stop();
  // Ends a running rewrite child; the current files stay as they are (shutdown).
  void StopRewrite() { KillChild(); }
  // DEBUG LOADAOF: flushes, empties the dataset and loads it again from the files. `poll`
  // serves the calling worker's other clients between replayed commands (they get -LOADING, as
  // Redis answers them while it loads), also while a replayed script runs long.
  Status Reload(std::function<void()> poll = {});

  bool enabled() const { return state_.load() != kOff; }
  // WAITAOF: the replication offset up to which what the AOF holds is fsynced, -1 while that is
  // unknown (AOF off, or its first rewrite not done). It moves when an fsync completes, and,
  // when everything written is fsynced, up to the current offset (a PING from the master, or
  // a write kept out of the AOF, must not hold a waiter back). appendfsync no never moves it
  // except at the end of a rewrite that starts the files over.
  int64_t fsynced_reploff() const { return fsynced_reploff_.load(std::memory_order_acquire); }
  // A replica loaded a new dataset from its master: the files are rewritten from it, and the
  // fsynced offset (counted in the master's stream) is unknown until that is done.
  void RestartAfterSync();
  // A replica applied its master's stream up to `offset` (outside a transaction): everything
  // up to there that belongs in the AOF has been appended, so the next write-out may count it.
  void NoteStreamOffset(uint64_t offset) {
    if (state_.load(std::memory_order_relaxed) == kOff) return;
    std::lock_guard<std::mutex> l(buf_mu_);
    buf_reploff_ = offset;
  }
  // Microseconds spent writing and fsyncing before replies (INFO DEBUG).
  uint64_t flush_us() const { return flush_us_.load(std::memory_order_relaxed); }
  // DEBUG AOF-FLUSH-SLEEP: every write-out sleeps this long first (tests widen race windows).
  void set_flush_sleep_us(int64_t us) { flush_sleep_us_.store(us); }
  bool rewrite_in_progress() const { return child_.running(); }
  // The rewrite that turns the AOF on is running: the files hold nothing usable yet.
  bool writing_initial() const { return state_.load() == kWaitRewrite && child_.running(); }
  bool rewrite_scheduled() const { return rewrite_scheduled_.load(); }
  bool child_running() const { return child_.running(); }
  ForkChild::Progress child_progress() const { return child_.progress(); }
  void WaitForChild();

  // INFO persistence.
  struct Info {
    bool enabled = false, rewrite_in_progress = false, rewrite_scheduled = false;
    int64_t last_rewrite_sec = -1, current_rewrite_sec = -1;
    bool last_rewrite_ok = true, last_write_ok = true;
    int64_t rewrites = 0, consecutive_failures = 0;
    int64_t current_size = 0, base_size = 0, buffer_length = 0;
    int64_t pending_fsync = 0, delayed_fsync = 0;
    int64_t last_cow_bytes = 0;
  };
  Info GetInfo(int64_t now_ms) const;
  // CONFIG RESETSTAT: rewrite and fsync counters.
  void ResetStats() {
    rewrites_ = 0;
    consecutive_failures_ = 0;
    delayed_fsync_ = 0;
  }

 private:
  enum State { kOff, kOn, kWaitRewrite };
  struct Paths {
    std::string dir;     // the AOF directory, absolute
    std::string prefix;  // appendfilename
    std::string legacy;  // `dir`/appendfilename: a single-file AOF from before Redis 7
    std::string File(const std::string& name) const { return dir + "/" + name; }
    std::string Manifest() const { return File(aof::ManifestFileName(prefix)); }
  };
  Paths MakePaths() const;

  // Propagation log consumer: encodes the command into the buffer.
  void Append(int db, const std::vector<std::string>& args);
  void WriteOut(bool force_fsync);
  // The same with write_mu_ held; false when the file could not take everything.
  bool WriteOutLocked(bool force_fsync);
  void FsyncLoop();
  // Loading (aof_load.cc). Errors are logged there as Redis logs them; a returned Status with
  // an empty message means "logged already, stop".
  //
  // Moves a single-file AOF from `dir` into the AOF directory as the base of a new manifest, or
  // finishes such a move that was interrupted.
  Status UpgradeLegacy(const Paths& p);
  // Reads the manifest on disk into *m (an absent file is an empty manifest).
  Status ReadManifest(const Paths& p, aof::Manifest* m);
  // Loads the files `m` names; *size gets their total size.
  Status LoadFiles(const aof::Manifest& m, int64_t* size);
  enum class FileLoad { kOk, kTruncated };
  // Replays one file (an RDB preamble first, if it has one); *size gets the bytes that were
  // valid. A cut-off end is kTruncated (the file is trimmed only when `last` allows it).
  Status LoadOne(const aof::ManifestFile& f, bool last, int64_t* size);
  // A replayed command failed: `out` holds its reply, `session` the loader's session.
  void ReportLoadError(std::string_view out, const Session& session);
  Status LoadCommands(const std::string& path, bool last, int64_t* size, size_t start,
                      bool* truncated);
  // Deletes the history files (unless aof-disable-auto-gc) and drops them from the manifest.
  // write_mu_ held.
  void DeleteHistoryLocked();
  Status PersistManifest(const aof::Manifest& m);
  // Opens `name` in the AOF directory for appending; swaps it in as the current file.
  bool OpenIncr(const std::string& name);
  // Starts a rewrite child. `enabling`: the AOF is being turned on at runtime, so the new incr
  // file stays out of the manifest until the new base exists. "" or the error.
  std::string StartRewrite(bool enabling);
  // After three failed rewrites in a row, automatic ones are held back (BGREWRITEAOF is not).
  bool RewriteLimited(int64_t now_ms);
  void RewriteDone(bool ok, int64_t now_ms);
  void StartConsumer();
  // Raises fsynced_reploff to `offset` (state kOn only) and tells the server.
  void MarkFsynced(uint64_t offset);
  // One pass of the fsync thread: the everysec fsync, then the idle catch-up of
  // fsynced_reploff.
  void FsyncTick();
  void KillChild();
  void StopFsyncThread();
  void StartFsyncThread();

  Server& server_;
  std::atomic<int> state_{kOff};
  int consumer_id_ = 0;

  const PersistOptions& opts_;
  int64_t buf_ts_ = 0;  // second of the last #TS annotation (buf_mu_)
  AppendFsync fsync_mode() const { return static_cast<AppendFsync>(opts_.appendfsync.get()); }

  // The buffer of encoded commands not yet written, and the database its last SELECT named.
  mutable std::mutex buf_mu_;
  std::string buf_;
  int buf_db_ = -1;
  std::atomic<uint64_t> appended_{0};  // commands appended so far
  std::atomic<uint64_t> written_{0};   // of those, how many are in the file

  // The open incr file and the manifest. Lock order: write_mu_, then buf_mu_.
  mutable std::mutex write_mu_;
  int fd_ = -1;
  std::string pending_;  // encoded bytes a failed write(2) left over
  aof::Manifest manifest_;
  std::string incr_name_;  // the file fd_ appends to
  std::atomic<int64_t> current_size_{0}, base_size_{0};
  std::atomic<bool> last_write_ok_{true};
  std::atomic<uint64_t> unsynced_{0};  // bytes written since the last fsync
  std::atomic<uint64_t> flush_us_{0};
  // Replication offsets (WAITAOF): after the last command appended (buf_mu_), written
  // (write_mu_), and when the rewrite child forked; how many commands are fsynced (write_mu_).
  uint64_t buf_reploff_ = 0, written_reploff_ = 0, child_reploff_ = 0;
  uint64_t synced_count_ = 0;
  std::atomic<int64_t> fsynced_reploff_{-1};
  // The next successful rewrite makes fsynced_reploff valid again (AOF turned on, or a replica's
  // new dataset); until then it stays -1.
  std::atomic<bool> fsynced_after_rewrite_{false};
  std::atomic<int64_t> flush_sleep_us_{0};

  // everysec fsync thread.
  std::thread fsync_thread_;
  std::mutex fsync_mu_;
  std::condition_variable fsync_cv_;
  bool fsync_stop_ = false;
  std::atomic<int> fsync_running_{0};
  std::atomic<int64_t> delayed_fsync_{0};

  // Rewrite child.
  ForkChild child_;
  std::atomic<bool> rewrite_scheduled_{false};
  std::atomic<int64_t> rewrite_start_ms_{0}, last_rewrite_sec_{-1};
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<int64_t> rewrites_{0}, consecutive_failures_{0};
  // Automatic and scheduled rewrites after repeated failures wait 1, 2, 4 ... 60 minutes.
  int limit_delay_min_ = 0;
  int64_t limit_until_ms_ = 0;
  bool child_enabling_ = false;
  std::string child_base_;      // the file the child writes (renamed into the AOF dir)
  bool child_rdb_ = true;       // the child writes an RDB preamble base
  int64_t loaded_before_ = 0;  // bytes of the files already loaded (progress for INFO)
  std::function<void()> load_poll_;  // Reload's `poll`, while it runs
};

}  // namespace carmine
