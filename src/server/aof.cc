// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/aof.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <climits>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory_probe.h"
#include "base/strutil.h"
#include "base/version.h"
#include "db/db.h"
#include "persist/rdb_file.h"
#include "protocol/reply_builder.h"
#include "server/file_util.h"
#include "server/server.h"
#include "protocol/errors.h"

namespace carmine {

Aof::Aof(Server& s, const PersistOptions& opts) : server_(s), opts_(opts) {}

Aof::~Aof() { Stop(); }

Aof::Paths Aof::MakePaths() const {
  char buf[PATH_MAX];
  std::string cwd = getcwd(buf, sizeof(buf)) ? buf : ".";
  std::string filename = opts_.appendfilename.get();
  return Paths{cwd + "/" + opts_.appenddirname.get(), filename, cwd + "/" + filename};
}

// ---- Appending --------------------------------------------------------------------------------

void Aof::Append(int db, const std::vector<std::string>& args) {
  std::lock_guard<std::mutex> l(buf_mu_);
  if (opts_.aof_timestamp_enabled.get()) {
    // One annotation per second that has writes, before the first of them.
    int64_t now = clock::NowMs() / 1000;
    if (now > buf_ts_) {
      aof::AppendTimestamp(&buf_, now);
      buf_ts_ = now;
    }
  }
  if (db >= 0 && db != buf_db_) {
    aof::AppendCommand(&buf_, std::vector<std::string>{"SELECT", std::to_string(db)});
    buf_db_ = db;
  }
  aof::AppendCommand(&buf_, args);
  appended_.fetch_add(1, std::memory_order_release);
  // The replication stream's consumer ran first, so the offset includes this command.
  ReplicationMaster& m = server_.repl_master();
  m.CountUnstreamedWrite();
  buf_reploff_ = m.offset();
}

void Aof::MarkFsynced(uint64_t offset) {
  if (state_.load() != kOn || fsynced_after_rewrite_.load()) return;
  int64_t want = static_cast<int64_t>(offset);
  int64_t cur = fsynced_reploff_.load();
  while (cur < want && !fsynced_reploff_.compare_exchange_weak(cur, want)) {
  }
  if (cur < want) server_.AofFsyncedMoved();
}

void Aof::WriteOut(bool force_fsync) {
  int64_t start = clock::MonotonicUs();
  if (int64_t us = flush_sleep_us_.load(std::memory_order_relaxed); us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
  std::lock_guard<std::mutex> w(write_mu_);
  WriteOutLocked(force_fsync);
  flush_us_.fetch_add(static_cast<uint64_t>(clock::MonotonicUs() - start), std::memory_order_relaxed);
}

bool Aof::WriteOutLocked(bool force_fsync) {
  uint64_t upto, upto_off;
  {
    std::lock_guard<std::mutex> l(buf_mu_);
    if (pending_.empty()) {
      pending_.swap(buf_);
    } else {
      pending_.append(buf_);
      buf_.clear();
    }
    upto = appended_.load(std::memory_order_acquire);
    upto_off = buf_reploff_;
  }
  if (fd_ < 0) {
    pending_.clear();
    written_.store(upto, std::memory_order_release);
    written_reploff_ = upto_off;
    return true;
  }
  if (!pending_.empty()) {
    size_t done = 0;
    bool ok = files::WriteAll(fd_, pending_.data(), pending_.size(), &done);
    current_size_.fetch_add(static_cast<int64_t>(done));
    unsynced_.fetch_add(done);
    if (!ok) {
      int err = errno != 0 ? errno : ENOSPC;  // a zero-byte write: the disk is full
      if (fsync_mode() == AppendFsync::kAlways) {
        // Replies to these commands must not go out, and they cannot be logged: stop, as Redis.
        LOG_WARNING("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                    "Exiting...");
        _exit(1);
      }
      // The rest is kept and retried (the cron tries again); writes are refused meanwhile.
      if (last_write_ok_.exchange(false)) {
        LOG_WARNING("Error writing to the AOF file: %s", strerror(err));
      }
      server_.opts().aof_write_errno.store(err);
      pending_.erase(0, done);
      return false;
    }
    if (!last_write_ok_.exchange(true)) {
      LOG_WARNING("AOF write error looks solved, Redis can write again.");
      server_.opts().aof_write_errno.store(0);
    }
    pending_.clear();
    if (pending_.capacity() > (4 << 20)) pending_.shrink_to_fit();
  }
  bool skip = opts_.no_appendfsync_on_rewrite.get() && server_.ChildRunning();
  bool synced = force_fsync || (fsync_mode() == AppendFsync::kAlways && !skip);
  if (synced && unsynced_.exchange(0) > 0) fdatasync(fd_);
  written_.store(upto, std::memory_order_release);
  written_reploff_ = upto_off;
  if (synced) {
    synced_count_ = upto;
    MarkFsynced(upto_off);
  }
  return true;
}

void Aof::FlushAndSync() {
  if (state_.load() == kOff) return;
  WriteOut(true);
}

void Aof::FsyncLoop() {
  std::unique_lock<std::mutex> l(fsync_mu_);
  while (!fsync_stop_) {
    fsync_cv_.wait_for(l, std::chrono::seconds(1));
    if (fsync_stop_) break;
    l.unlock();
    FsyncTick();
    l.lock();
  }
}

void Aof::FsyncTick() {
  AppendFsync mode = fsync_mode();
  if (state_.load() == kOff || mode == AppendFsync::kNo) return;
  // Where the stream and the AOF stand together: no command is between the replication
  // stream and the AOF buffer while the propagation log is held.
  uint64_t snap_off = 0, snap_count = 0;
  server_.propagation().WithLock([&] {
    std::lock_guard<std::mutex> b(buf_mu_);
    snap_count = appended_.load(std::memory_order_acquire);
    snap_off = server_.repl_master().offset();
  });
  bool skip = opts_.no_appendfsync_on_rewrite.get() && server_.ChildRunning();
  int fd = -1;
  uint64_t count = 0, off = 0;
  {
    std::lock_guard<std::mutex> w(write_mu_);
    // With always, bytes are left unsynced only when the policy changed after they were written
    // (or while a child ran with no-appendfsync-on-rewrite): they are fsynced here too.
    if (!skip && fd_ >= 0 && unsynced_.exchange(0) > 0) {
      fd = dup(fd_);
      count = written_.load();
      off = written_reploff_;
    }
  }
  if (fd >= 0) {
    // The descriptor is a duplicate, so a writer never waits for the disk here.
    fsync_running_.store(1);
    fdatasync(fd);
    fsync_running_.store(0);
    close(fd);
    std::lock_guard<std::mutex> w(write_mu_);
    synced_count_ = std::max(synced_count_, count);
    MarkFsynced(off);
  }
  std::lock_guard<std::mutex> w(write_mu_);
  if (unsynced_.load() == 0 && synced_count_ >= snap_count && written_.load() >= snap_count) {
    MarkFsynced(snap_off);
  }
}

void Aof::RestartAfterSync() {
  fsynced_after_rewrite_.store(true);
  fsynced_reploff_.store(-1);
  // A rewrite of the old dataset would make the offsets valid for the wrong data.
  KillChild();
  StartRewriteCommand();
}

void Aof::StartFsyncThread() {
  if (fsync_thread_.joinable()) return;
  fsync_stop_ = false;
  fsync_thread_ = std::thread([this] { FsyncLoop(); });
}

void Aof::StartConsumer() {
  if (consumer_id_ != 0) return;
  {
    std::lock_guard<std::mutex> l(buf_mu_);
    buf_db_ = -1;
  }
  consumer_id_ = server_.propagation().AddConsumer(
      [this](int db, const std::vector<std::string>& args) { Append(db, args); },
      PropagationSink::kToAof);
}

// ---- Files and manifest -----------------------------------------------------------------------

Status Aof::PersistManifest(const aof::Manifest& m) {
  Paths p = MakePaths();
  std::string tmp = p.File("temp-" + aof::ManifestFileName(p.prefix));
  std::string text = m.Serialize();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("Can't open the AOF manifest file " + tmp + ": " + strerror(errno));
  size_t done = 0;
  bool ok = files::WriteAll(fd, text.data(), text.size(), &done) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), p.Manifest().c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return Status::Error("Error trying to write the AOF manifest file: " +
                         std::string(strerror(err)));
  }
  files::SyncDir(p.dir);
  return Status::Ok();
}

bool Aof::OpenIncr(const std::string& name) {
  Paths p = MakePaths();
  std::string path = p.File(name);
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    LOG_WARNING("Can't open the append-only file %s: %s", name.c_str(), strerror(errno));
    return false;
  }
  if (fd_ >= 0) {
    // What the old file holds is complete before anything goes to the new one.
    fdatasync(fd_);
    close(fd_);
    synced_count_ = std::max(synced_count_, written_.load());
    MarkFsynced(written_reploff_);
  }
  fd_ = fd;
  incr_name_ = name;
  unsynced_.store(0);
  files::SyncDir(p.dir);
  return true;
}

// ---- Turning on and off -----------------------------------------------------------------------

namespace {
thread_local bool t_in_transaction = false;
}  // namespace

Aof::TransactionScope::TransactionScope(bool in_transaction) : previous_(t_in_transaction) {
  t_in_transaction = in_transaction;
}
Aof::TransactionScope::~TransactionScope() { t_in_transaction = previous_; }

std::string Aof::Enable() {
  if (state_.load() != kOff) return "";
  Paths p = MakePaths();
  if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    LOG_WARNING("Can't create AOF directory %s: %s", p.dir.c_str(), strerror(errno));
    return "Unable to turn on AOF. Check server logs.";
  }
  if (manifest_.empty() && manifest_.history.empty() && files::Exists(p.Manifest())) {
    // Files of an earlier run: the new base replaces them (they become history).
    files::MappedFile f;
    if (f.Open(p.Manifest())) aof::ParseManifest(f.view(), &manifest_);
  }
  state_.store(kWaitRewrite);
  fsynced_reploff_.store(-1);
  fsynced_after_rewrite_.store(true);
  StartFsyncThread();
  if (server_.persistence().bgsave_in_progress()) {
    // One child at a time: the rewrite starts when the snapshot is done.
    rewrite_scheduled_.store(true);
    LOG_NOTICE("AOF was enabled but there is already another background operation. An AOF "
               "background was scheduled to start when possible.");
    return "";
  }
  if (t_in_transaction) {
    rewrite_scheduled_.store(true);
    LOG_NOTICE("AOF was enabled during a transaction. An AOF background was scheduled to start "
               "when possible.");
    return "";
  }
  if (child_.running()) {
    // A BGREWRITEAOF of the AOF that was off: its base would miss what is written from now on.
    LOG_NOTICE("AOF was enabled but there is already an AOF rewriting in background. Stopping "
               "background AOF and starting a rewrite now.");
    KillChild();
  }
  std::string err = StartRewrite(true);
  if (!err.empty()) {
    state_.store(kOff);
    LOG_WARNING("Redis needs to enable the AOF but can't trigger a background AOF rewrite "
                "operation. Check the above logs for more info about the error.");
    return "Unable to turn on AOF. Check server logs.";
  }
  return "";
}

void Aof::KillChild() {
  pid_t pid = child_.pid();
  if (pid <= 0) return;
  LOG_NOTICE("Killing running AOF rewrite child: %d", static_cast<int>(pid));
  child_.Kill();
  server_.ChildChanged();
  unlink(child_base_.c_str());
}

void Aof::StopFsyncThread() {
  {
    std::lock_guard<std::mutex> l(fsync_mu_);
    fsync_stop_ = true;
  }
  fsync_cv_.notify_all();
  if (fsync_thread_.joinable()) fsync_thread_.join();
}

std::string Aof::ApplyAppendOnly() {
  bool want = opts_.appendonly.get();
  if (want == enabled()) return "";
  if (!want) {
    Disable();
    return "";
  }
  return Enable();
}

void Aof::Disable() {
  if (state_.load() == kOff) return;
  KillChild();
  rewrite_scheduled_.store(false);
  if (consumer_id_ != 0) {
    server_.propagation().RemoveConsumer(consumer_id_);
    consumer_id_ = 0;
  }
  // The final fsync releases no WAITAOF waiter: they get the error that the AOF is off.
  fsynced_after_rewrite_.store(true);
  fsynced_reploff_.store(-1);
  WriteOut(true);
  {
    std::lock_guard<std::mutex> w(write_mu_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  state_.store(kOff);
  fsynced_reploff_.store(-1);
  StopFsyncThread();
  server_.AofTurnedOff();
}

void Aof::Stop() {
  KillChild();
  FlushAndSync();
  StopFsyncThread();
}

// ---- Rewrite ----------------------------------------------------------------------------------

std::string Aof::StartRewriteCommand() {
  if (child_.running()) return std::string(err::kAofRewriteInProgress);
  if (server_.persistence().bgsave_in_progress()) {
    rewrite_scheduled_.store(true);
    return "Background append only file rewriting scheduled";
  }
  if (state_.load() == kOff) {
    // With the AOF off, a rewrite still writes a fresh base from the dataset, as Redis does.
    Paths p = MakePaths();
    if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
      LOG_WARNING("Can't create AOF directory %s: %s", p.dir.c_str(), strerror(errno));
      return std::string(err::kAofRewriteFailed);
    }
  }
  std::string err = StartRewrite(state_.load() == kWaitRewrite);
  if (!err.empty()) return std::string(err::kAofRewriteFailed);
  return "Background append only file rewriting started";
}

std::string Aof::StartRewrite(bool enabling) {
  if (child_.running()) return "Background append only file rewriting already in progress";
  Paths p = MakePaths();
  bool rdb = opts_.aof_use_rdb_preamble.get();
  bool timestamp = opts_.aof_timestamp_enabled.get();
  DbSet& dbs = server_.dbs();
  EncodingLimits lim = server_.opts().limits();
  rdb::SaveOptions opts;
  opts.functions = server_.scripting().LibraryCodes();
  opts.version = std::string(version::kRedis);
  opts.now_ms = clock::NowMs();
  opts.used_memory = mem::UsedMemory();
  opts.aof_base = true;
  opts.key_delay = server_.persist_opts().rdb_key_save_delay.get();
  opts.progress = &ForkChild::ReportProgress;
  // With every shard lock held no command is halfway: the child's memory and the point where the
  // new incr file starts are the same moment.
  ShardLocks all;
  all.AddAll(dbs);
  all.Acquire();
  std::lock_guard<std::mutex> w(write_mu_);
  bool on = state_.load() == kOn;
  child_reploff_ = server_.repl_master().offset();
  // Everything so far belongs in the old incr file.
  if (on && !WriteOutLocked(false)) return "Error writing to the AOF file";
  std::string incr;
  if (enabling) {
    // Writes wait in a temporary incr file: the manifest names it only once the base exists.
    incr = "temp-" + p.prefix + ".incr";
    unlink(p.File(incr).c_str());
  } else if (on) {
    incr = aof::IncrFileName(p.prefix, manifest_.incr_seq + 1);
  }
  if (!incr.empty()) {
    if (!OpenIncr(incr)) return "Can't open the append-only file";
    if (on) {
      manifest_.incrs.push_back(aof::ManifestFile{incr, ++manifest_.incr_seq, 'i'});
      if (Status s = PersistManifest(manifest_); !s.ok()) {
        LOG_WARNING("%s", s.message().c_str());
        manifest_.incrs.pop_back();
        manifest_.incr_seq--;
        return "Can't persist the AOF manifest";
      }
    }
    LOG_NOTICE("Creating AOF incr file %s on background rewrite", incr.c_str());
    std::lock_guard<std::mutex> l(buf_mu_);
    buf_db_ = -1;  // a new file starts with its own SELECT
  }
  if (enabling) StartConsumer();
  int64_t start = clock::NowMs();
  // The child writes temp-rewriteaof-bg-<its pid>.aof in `dir`; the parent moves it into the AOF
  // directory under the new base's name once it is complete. The child takes no lock and logs
  // nothing (only the forking thread exists there).
  child_.set_keys_total(TotalKeys(dbs));
  pid_t pid = child_.Start([&] {
    std::string tmp = "temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof";
    std::string err = rdb ? rdb::SaveFile(dbs, tmp, opts, lim)
                          : aof::WriteCommandsFile(dbs, tmp, opts.now_ms, opts.key_delay,
                                                   timestamp, opts.functions);
    return err.empty();
  });
  if (pid < 0) {
    LOG_WARNING("Can't rewrite append only file in background: fork: %s", strerror(errno));
    return std::string("Can't rewrite append only file in background: fork: ") + strerror(errno);
  }
  char cwd[PATH_MAX];
  child_base_ = std::string(getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/temp-rewriteaof-bg-" +
                std::to_string(pid) + ".aof";
  child_rdb_ = rdb;
  child_enabling_ = enabling;
  rewrite_start_ms_.store(start);
  rewrite_scheduled_.store(false);
  server_.ChildChanged();
  LOG_NOTICE("Background append only file rewriting started by pid %d", static_cast<int>(pid));
  return "";
}

void Aof::RewriteDone(bool ok, int64_t now_ms) {
  Paths p = MakePaths();
  last_rewrite_sec_.store((now_ms - rewrite_start_ms_.load()) / 1000);
  std::lock_guard<std::mutex> w(write_mu_);
  int state = state_.load();
  std::string temp_incr = "temp-" + p.prefix + ".incr";
  if (ok) {
    aof::Manifest m = manifest_;
    std::string base = aof::BaseFileName(p.prefix, m.base_seq + 1, child_rdb_);
    // What the new base replaces becomes history: the old base, and the incr files written
    // before the fork (all of them when the AOF is off, or was being turned on).
    m.MarkHistory(state != kOn);
    if (rename(child_base_.c_str(), p.File(base).c_str()) != 0) {
      LOG_WARNING("Error trying to rename the temporary AOF base file %s into %s: %s",
                  child_base_.c_str(), base.c_str(), strerror(errno));
      ok = false;
    } else {
      LOG_NOTICE("Successfully renamed the temporary AOF base file %s into %s",
                 child_base_.substr(child_base_.find_last_of('/') + 1).c_str(), base.c_str());
      m.base = aof::ManifestFile{base, ++m.base_seq, 'b'};
    }
    if (ok && state == kWaitRewrite) {
      std::string name = aof::IncrFileName(p.prefix, m.incr_seq + 1);
      if (rename(p.File(temp_incr).c_str(), p.File(name).c_str()) != 0) {
        LOG_WARNING("Error trying to rename the temporary AOF incr file %s into %s: %s",
                    temp_incr.c_str(), name.c_str(), strerror(errno));
        ok = false;
      } else {
        LOG_NOTICE("Successfully renamed the temporary AOF incr file %s into %s",
                   temp_incr.c_str(), name.c_str());
        incr_name_ = name;
        m.incrs.push_back(aof::ManifestFile{name, ++m.incr_seq, 'i'});
      }
    }
    if (ok) {
      if (Status s = PersistManifest(m); !s.ok()) {
        LOG_WARNING("%s", s.message().c_str());
        ok = false;
      }
    }
    if (ok) {
      manifest_ = std::move(m);
      if (state == kWaitRewrite) state_.store(kOn);
      DeleteHistoryLocked();
      if (fsynced_after_rewrite_.exchange(false)) {
        // The new base holds everything up to the fork, fsynced by the child.
        fsynced_reploff_.store(static_cast<int64_t>(child_reploff_));
        server_.AofFsyncedMoved();
      }
    }
  }
  if (!ok) {
    unlink(child_base_.c_str());
    last_rewrite_ok_.store(false);
    consecutive_failures_.fetch_add(1);
    if (state == kWaitRewrite) {
      // Turning the AOF on failed this time: what the temporary incr file gathered is in no
      // manifest, so it goes, and a new attempt is scheduled.
      LOG_NOTICE("Removing the temp incr aof file %s in the background", temp_incr.c_str());
      if (fd_ >= 0) close(fd_);
      fd_ = -1;
      unlink(p.File(temp_incr).c_str());
      rewrite_scheduled_.store(true);
    }
    LOG_WARNING("Background AOF rewrite terminated with error");
    return;
  }
  last_rewrite_ok_.store(true);
  consecutive_failures_.store(0);
  rewrites_.fetch_add(1);
  int64_t size = files::Size(p.File(manifest_.base->name));
  for (auto& f : manifest_.incrs) size += files::Size(p.File(f.name));
  current_size_.store(size);
  base_size_.store(size);
  LOG_NOTICE("Background AOF rewrite finished successfully");
}

void Aof::WaitForChild() {
  bool ok;
  if (!child_.Collect(true, &ok)) return;
  server_.ChildChanged();
  RewriteDone(ok, clock::NowMs());
}

bool Aof::RewriteLimited(int64_t now_ms) {
  constexpr int kThreshold = 3, kMaxMinutes = 60;
  if (consecutive_failures_.load() < kThreshold) {
    limit_delay_min_ = 0;
    limit_until_ms_ = 0;
    return false;
  }
  if (limit_until_ms_ != 0) {
    if (now_ms < limit_until_ms_) return true;
    limit_until_ms_ = 0;  // the wait is over: one attempt, then a longer wait if it fails
    return false;
  }
  limit_delay_min_ = limit_delay_min_ == 0 ? 1 : std::min(limit_delay_min_ * 2, kMaxMinutes);
  limit_until_ms_ = now_ms + int64_t{limit_delay_min_} * 60 * 1000;
  LOG_WARNING("Background AOF rewrite has repeatedly failed and triggered the limit, will retry "
              "in %d minutes",
              limit_delay_min_);
  return true;
}

void Aof::Cron(int64_t now_ms) {
  // Buffered commands no reply waited for (expirations, evictions) reach the file here, and a
  // failed write is retried.
  BeforeReply();
  child_.Poll();
  if (child_.running()) {
    bool ok;
    if (child_.Collect(false, &ok)) {
      server_.ChildChanged();
      if (ok) LOG_NOTICE("Background AOF rewrite terminated with success");
      RewriteDone(ok, now_ms);
    }
    return;
  }
  if (server_.persistence().bgsave_in_progress()) return;
  if (rewrite_scheduled_.load() && !RewriteLimited(now_ms)) {
    StartRewrite(state_.load() == kWaitRewrite);
    return;
  }
  int64_t pct = opts_.auto_aof_rewrite_percentage.get();
  if (state_.load() == kOn && pct > 0) {
    int64_t cur = current_size_.load();
    int64_t base = base_size_.load() > 0 ? base_size_.load() : 1;
    int64_t growth = (cur * 100 / base) - 100;
    if (cur > opts_.auto_aof_rewrite_min_size.get() && growth >= pct && !RewriteLimited(now_ms)) {
      LOG_NOTICE("Starting automatic rewriting of AOF on %lld%% growth",
                 static_cast<long long>(growth));
      StartRewrite(false);
    }
  }
}

// ---- INFO ----------------------------------------------------------------------------------------

Aof::Info Aof::GetInfo(int64_t now_ms) const {
  Info i;
  i.enabled = state_.load() != kOff;
  i.rewrite_in_progress = child_.running();
  i.last_cow_bytes = child_.last_cow_bytes();
  i.rewrite_scheduled = rewrite_scheduled_.load();
  i.last_rewrite_sec = last_rewrite_sec_.load();
  i.current_rewrite_sec = i.rewrite_in_progress ? (now_ms - rewrite_start_ms_.load()) / 1000 : -1;
  i.last_rewrite_ok = last_rewrite_ok_.load();
  i.last_write_ok = last_write_ok_.load();
  i.rewrites = rewrites_.load();
  i.consecutive_failures = consecutive_failures_.load();
  i.current_size = current_size_.load();
  i.base_size = base_size_.load();
  {
    std::lock_guard<std::mutex> l(buf_mu_);
    i.buffer_length = static_cast<int64_t>(buf_.size());
  }
  i.pending_fsync = fsync_running_.load();
  i.delayed_fsync = delayed_fsync_.load();
  return i;
}

}  // namespace carmine
