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
#include "server/server.h"
#include "protocol/errors.h"

namespace carmine {

struct Aof::Paths {
  std::string dir;     // the AOF directory, absolute
  std::string prefix;  // appendfilename
  std::string legacy;  // `dir`/appendfilename: a single-file AOF from before Redis 7
  std::string File(const std::string& name) const { return dir + "/" + name; }
  std::string Manifest() const { return File(aof::ManifestFileName(prefix)); }
};

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool WriteAll(int fd, const char* p, size_t n, size_t* done) {
  *done = 0;
  while (*done < n) {
    ssize_t w = write(fd, p + *done, n - *done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    *done += static_cast<size_t>(w);
  }
  return true;
}

void SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

// A read-only view of a whole file.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
    if (fd_ >= 0) close(fd_);
  }
  bool Open(const std::string& path) {
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return false;
    struct stat st;
    if (fstat(fd_, &st) != 0) return false;
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return true;
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return false;
    data_ = p;
    madvise(data_, size_, MADV_SEQUENTIAL);
    return true;
  }
  std::string_view view() const {
    return data_ == nullptr ? std::string_view() : std::string_view(static_cast<char*>(data_), size_);
  }

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

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
  if (db != buf_db_) {
    aof::AppendCommand(&buf_, std::vector<std::string>{"SELECT", std::to_string(db)});
    buf_db_ = db;
  }
  aof::AppendCommand(&buf_, args);
  appended_.fetch_add(1, std::memory_order_release);
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
  uint64_t upto;
  {
    std::lock_guard<std::mutex> l(buf_mu_);
    if (pending_.empty()) {
      pending_.swap(buf_);
    } else {
      pending_.append(buf_);
      buf_.clear();
    }
    upto = appended_.load(std::memory_order_acquire);
  }
  if (fd_ < 0) {
    pending_.clear();
    written_.store(upto, std::memory_order_release);
    return true;
  }
  if (!pending_.empty()) {
    size_t done = 0;
    bool ok = WriteAll(fd_, pending_.data(), pending_.size(), &done);
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
  if (force_fsync || (fsync_mode() == AppendFsync::kAlways && !skip)) {
    if (unsynced_.exchange(0) > 0) fdatasync(fd_);
  }
  written_.store(upto, std::memory_order_release);
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
    if (fsync_mode() != AppendFsync::kEverySec || (opts_.no_appendfsync_on_rewrite.get() && server_.ChildRunning())) continue;
    int fd = -1;
    {
      std::lock_guard<std::mutex> w(write_mu_);
      if (fd_ >= 0 && unsynced_.exchange(0) > 0) fd = dup(fd_);
    }
    if (fd < 0) continue;
    // The descriptor is a duplicate, so a writer never waits for the disk here.
    fsync_running_.store(1);
    fdatasync(fd);
    fsync_running_.store(0);
    close(fd);
  }
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
      [this](int db, const std::vector<std::string>& args) { Append(db, args); });
}

// ---- Files and manifest -----------------------------------------------------------------------

Status Aof::PersistManifest(const aof::Manifest& m) {
  Paths p = MakePaths();
  std::string tmp = p.File("temp-" + aof::ManifestFileName(p.prefix));
  std::string text = m.Serialize();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("Can't open the AOF manifest file " + tmp + ": " + strerror(errno));
  size_t done = 0;
  bool ok = WriteAll(fd, text.data(), text.size(), &done) && fsync(fd) == 0;
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
  SyncDir(p.dir);
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
  }
  fd_ = fd;
  incr_name_ = name;
  unsynced_.store(0);
  SyncDir(p.dir);
  return true;
}

// ---- Loading ----------------------------------------------------------------------------------

Status Aof::LoadCommands(const std::string& path, bool last, int64_t* size, size_t start) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  MappedFile f;
  if (!f.Open(path)) {
    return Status::Error("Fatal error: can't open the append log file " + name +
                         " for reading: " + strerror(errno));
  }
  std::string_view data = f.view().substr(std::min(start, f.view().size()));
  *size = static_cast<int64_t>(data.size());
  if (data.empty()) return Status::Ok();
  Dispatcher& d = server_.dispatcher();
  Session session;
  session.loader = true;
  std::string out;
  ReplyBuilder rb(&out);
  aof::CommandReader reader(data);
  std::vector<std::string_view> args;
  size_t multi_start = std::string::npos;  // offset of an open MULTI
  size_t truncate_at = std::string::npos;
  uint64_t replayed = 0;
  for (;;) {
    size_t before = reader.valid_offset();
    auto r = reader.Next(&args);
    if (r == aof::CommandReader::Result::kCommand) {
      if (d.registry().Find(args[0]) == nullptr) {
        return Status::Error("Unknown command '" + std::string(args[0]) +
                             "' reading the append only file " + name);
      }
      if (EqualsIgnoreCase(args[0], "multi")) multi_start = before;
      if (EqualsIgnoreCase(args[0], "exec")) multi_start = std::string::npos;
      d.Dispatch(ArgList(args.data(), args.size()), session, rb, clock::NowMs());
      out.clear();
      if ((++replayed & 1023) == 0) {
        server_.loading_loaded_bytes.store(loaded_before_ + static_cast<int64_t>(reader.valid_offset()));
      }
      continue;
    }
    if (r == aof::CommandReader::Result::kCorrupt) {
      return Status::Error("Bad file format reading the append only file " + name +
                           ": make a backup of your AOF file, then use ./redis-check-aof --fix "
                           "<filename.manifest>");
    }
    if (r == aof::CommandReader::Result::kEnd && multi_start == std::string::npos) break;
    // A cut-off command, or a transaction without its EXEC: the file ends early.
    truncate_at = multi_start != std::string::npos ? multi_start : reader.valid_offset();
    break;
  }
  if (truncate_at == std::string::npos) return Status::Ok();
  bool allowed;
  {
    allowed = opts_.aof_load_truncated.get();
  }
  if (!last || !allowed) {
    return Status::Error("Unexpected end of file reading the append only file " + name +
                         ". You can: 1) Make a backup of your AOF file, then use "
                         "./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can "
                         "set the 'aof-load-truncated' configuration option to yes and restart "
                         "the server.");
  }
  LOG_WARNING("!!! Warning: short read while loading the AOF file %s!!!", name.c_str());
  if (multi_start != std::string::npos) {
    LOG_WARNING("Revert incomplete MULTI/EXEC transaction in AOF file %s", name.c_str());
  }
  // The incomplete tail goes, so what is appended next follows a whole command.
  if (truncate(path.c_str(), static_cast<off_t>(start + truncate_at)) != 0) {
    return Status::Error("Error truncating the AOF file " + name + ": " + strerror(errno));
  }
  *size = static_cast<int64_t>(truncate_at);
  LOG_WARNING("AOF %s loaded anyway because aof-load-truncated is enabled", name.c_str());
  return Status::Ok();
}

Status Aof::LoadFiles(const aof::Manifest& m, int64_t* size) {
  Paths p = MakePaths();
  *size = 0;
  int64_t start = clock::MonotonicUs();
  size_t total = (m.base ? 1 : 0) + m.incrs.size();
  loaded_before_ = 0;
  size_t index = 0;
  auto load_one = [&](const aof::ManifestFile& f) -> Status {
    index++;
    std::string path = p.File(f.name);
    if (!Exists(path)) {
      return Status::Error("The AOF file " + f.name + " doesn't exist");
    }
    int64_t n = 0;
    if (f.type == 'b') {
      char magic[5] = {0};
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      ssize_t got = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;
      if (fd >= 0) close(fd);
      if (got == 5 && memcmp(magic, "REDIS", 5) == 0) {
        LOG_NOTICE("Reading RDB base file on AOF loading...");
        rdb::LoadStats stats;
        bool found = false;
        rdb::LoadControl ctl;
        ctl.key_delay = server_.persist_opts().key_load_delay.get();
        Status s = rdb::LoadFile(server_.dbs(), path, clock::NowMs(), server_.opts().limits(),
                                 &stats, &found, true, ctl);
        if (!s.ok()) return Status::Error("Bad file format reading the append only file " + f.name + ": " + s.message());
        LOG_NOTICE("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                   static_cast<unsigned long long>(stats.keys_loaded),
                   static_cast<unsigned long long>(stats.keys_expired));
        loaded_before_ += static_cast<int64_t>(stats.bytes);
        server_.loading_loaded_bytes.store(loaded_before_);
        *size += static_cast<int64_t>(stats.bytes);
        if (static_cast<int64_t>(stats.bytes) == FileSize(path)) return Status::Ok();
        // An older single-file AOF: the RDB preamble, then the commands logged after it.
        LOG_NOTICE("Reading the remaining AOF tail...");
        s = LoadCommands(path, index == total, &n, stats.bytes);
        *size += n;
        loaded_before_ += n;
        return s;
      }
    }
    Status s = LoadCommands(path, index == total, &n);
    *size += n;
    loaded_before_ += n;
    return s;
  };
  int64_t total_bytes = 0;
  if (m.base) total_bytes += FileSize(p.File(m.base->name));
  for (auto& f : m.incrs) total_bytes += FileSize(p.File(f.name));
  server_.loading_total_bytes.store(total_bytes);
  server_.loading_loaded_bytes.store(0);
  // The caller has set the loading state; it ends only once the AOF is open for appending, so
  // no write can slip in between unlogged.
  Status s;
  if (m.base) s = load_one(*m.base);
  for (size_t i = 0; s.ok() && i < m.incrs.size(); i++) s = load_one(m.incrs[i]);
  if (s.ok() && total > 0) {
    LOG_NOTICE("DB loaded from append only file: %.3f seconds",
               static_cast<double>(clock::MonotonicUs() - start) / 1e6);
  }
  return s;
}

Status Aof::LoadAndOpen() {
  Paths p = MakePaths();
  aof::Manifest m;
  bool have_manifest = Exists(p.Manifest());
  if (!have_manifest && Exists(p.legacy)) {
    // A single-file AOF from an older Redis: it becomes the base of a multi-part AOF.
    if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::Error("Can't create AOF directory " + p.dir + ": " + strerror(errno));
    }
    if (rename(p.legacy.c_str(), p.File(p.prefix).c_str()) != 0) {
      return Status::Error("Error moving the old AOF file into the AOF directory: " +
                           std::string(strerror(errno)));
    }
    m.base = aof::ManifestFile{p.prefix, 1, 'b'};
    m.base_seq = 1;
    if (Status s = PersistManifest(m); !s.ok()) return s;
    LOG_NOTICE("Successfully migrated an old-style AOF into the AOF directory");
  } else if (have_manifest) {
    MappedFile f;
    if (!f.Open(p.Manifest())) {
      return Status::Error("Can't open the AOF manifest file: " + std::string(strerror(errno)));
    }
    if (Status s = aof::ParseManifest(f.view(), &m); !s.ok()) return s;
  }
  int64_t size = 0;
  if (Status s = LoadFiles(m, &size); !s.ok()) return s;
  // History files are what an interrupted cleanup left behind.
  for (auto& h : m.history) unlink(p.File(h.name).c_str());
  bool had_history = !m.history.empty();
  m.history.clear();

  if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Error("Can't create AOF directory " + p.dir + ": " + strerror(errno));
  }
  bool changed = had_history;
  std::lock_guard<std::mutex> w(write_mu_);
  if (!m.base && m.incrs.empty()) {
    bool rdb;
    {
      rdb = opts_.aof_use_rdb_preamble.get();
    }
    std::string name = aof::BaseFileName(p.prefix, ++m.base_seq, rdb);
    std::string err;
    if (rdb) {
      rdb::SaveOptions o;
      o.version = std::string(version::kRedis);
      o.now_ms = clock::NowMs();
      o.used_memory = mem::UsedMemory();
      o.aof_base = true;
      err = rdb::SaveFile(server_.dbs(), p.File(name), o, server_.opts().limits());
    } else {
      err = aof::WriteCommandsFile(server_.dbs(), p.File(name), clock::NowMs());
    }
    if (!err.empty()) return Status::Error(err);
    m.base = aof::ManifestFile{name, m.base_seq, 'b'};
    size += FileSize(p.File(name));
    LOG_NOTICE("Creating AOF base file %s on server start", name.c_str());
    changed = true;
  }
  if (m.incrs.empty()) {
    std::string name = aof::IncrFileName(p.prefix, ++m.incr_seq);
    m.incrs.push_back(aof::ManifestFile{name, m.incr_seq, 'i'});
    LOG_NOTICE("Creating AOF incr file %s on server start", name.c_str());
    changed = true;
  }
  if (!OpenIncr(m.incrs.back().name)) {
    return Status::Error("Can't open the append-only file " + m.incrs.back().name);
  }
  if (changed) {
    if (Status s = PersistManifest(m); !s.ok()) return s;
  }
  manifest_ = std::move(m);
  current_size_.store(size);
  base_size_.store(size);
  state_.store(kOn);
  StartConsumer();
  StartFsyncThread();
  return Status::Ok();
}

// ---- Turning on and off -----------------------------------------------------------------------

std::string Aof::Enable() {
  if (state_.load() != kOff) return "";
  Paths p = MakePaths();
  if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    LOG_WARNING("Can't create AOF directory %s: %s", p.dir.c_str(), strerror(errno));
    return "Unable to turn on AOF. Check server logs.";
  }
  if (Exists(p.Manifest()) && manifest_.empty()) {
    // Files of an earlier run: the new base replaces them, so they go once it exists.
    MappedFile f;
    if (f.Open(p.Manifest())) aof::ParseManifest(f.view(), &manifest_);
  }
  state_.store(kWaitRewrite);
  StartFsyncThread();
  if (server_.persistence().bgsave_in_progress()) {
    // One child at a time: the rewrite starts when the snapshot is done.
    rewrite_scheduled_.store(true);
    return "";
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
  child_.Kill();
  server_.ChildChanged();
  unlink(child_base_.c_str());
  LOG_NOTICE("Killing running AOF rewrite child: %d", static_cast<int>(pid));
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
  WriteOut(true);
  {
    std::lock_guard<std::mutex> w(write_mu_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  state_.store(kOff);
  StopFsyncThread();
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
  if (!err.empty()) {
    return std::string(err::kAofRewriteFailed);
  }
  return "Background append only file rewriting started";
}

std::string Aof::StartRewrite(bool enabling) {
  if (child_.running()) return "Background append only file rewriting already in progress";
  Paths p = MakePaths();
  bool rdb;
  {
    rdb = opts_.aof_use_rdb_preamble.get();
  }
  DbSet& dbs = server_.dbs();
  EncodingLimits lim = server_.opts().limits();
  rdb::SaveOptions opts;
  opts.version = std::string(version::kRedis);
  opts.now_ms = clock::NowMs();
  opts.used_memory = mem::UsedMemory();
  opts.aof_base = true;
  // With every shard lock held no command is halfway: the child's memory and the point where the
  // new incr file starts are the same moment.
  ShardLocks all;
  all.AddAll(dbs);
  all.Acquire();
  std::lock_guard<std::mutex> w(write_mu_);
  bool on = state_.load() == kOn;
  // Everything so far belongs in the old incr file.
  if (on && !WriteOutLocked(false)) return "Error writing to the AOF file";
  manifest_at_fork_ = manifest_;
  std::string incr;
  if (enabling) {
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
  std::string base = p.File(aof::BaseFileName(p.prefix, manifest_.base_seq + 1, rdb));
  int64_t start = clock::NowMs();
  // The child: only the forking thread exists there; it takes no lock and logs nothing.
  pid_t pid = child_.Start([&] {
    std::string err = rdb ? rdb::SaveFile(dbs, base, opts, lim)
                          : aof::WriteCommandsFile(dbs, base, opts.now_ms);
    return err.empty();
  });
  if (pid < 0) {
    LOG_WARNING("Can't rewrite append only file in background: fork: %s", strerror(errno));
    return std::string("Can't rewrite append only file in background: fork: ") + strerror(errno);
  }
  child_enabling_ = enabling;
  child_base_ = base;
  rewrite_start_ms_.store(start);
  last_rewrite_try_ms_.store(start);
  rewrite_scheduled_.store(false);
  server_.ChildChanged();
  LOG_NOTICE("Background append only file rewriting started by pid %d", static_cast<int>(pid));
  return "";
}

void Aof::RewriteDone(bool ok, int64_t now_ms) {
  Paths p = MakePaths();
  last_rewrite_sec_.store((now_ms - rewrite_start_ms_.load()) / 1000);
  std::lock_guard<std::mutex> w(write_mu_);
  if (ok && state_.load() == kOff) {
    // BGREWRITEAOF with the AOF off: the new base alone is the AOF.
    aof::Manifest m = manifest_;
    std::vector<aof::ManifestFile> old = m.incrs;
    if (m.base) old.push_back(*m.base);
    m.base = aof::ManifestFile{child_base_.substr(child_base_.find_last_of('/') + 1),
                               ++m.base_seq, 'b'};
    m.incrs.clear();
    if (Status s = PersistManifest(m); !s.ok()) {
      LOG_WARNING("%s", s.message().c_str());
      ok = false;
    } else {
      for (auto& f : old) unlink(p.File(f.name).c_str());
      manifest_ = m;
    }
  } else if (ok) {
    aof::Manifest m;
    m.base_seq = manifest_.base_seq + 1;
    m.incr_seq = manifest_.incr_seq;
    m.base = aof::ManifestFile{child_base_.substr(child_base_.find_last_of('/') + 1),
                               m.base_seq, 'b'};
    if (child_enabling_) {
      std::string name = aof::IncrFileName(p.prefix, ++m.incr_seq);
      if (rename(p.File(incr_name_).c_str(), p.File(name).c_str()) != 0) {
        LOG_WARNING("Error renaming the temporary AOF incr file: %s", strerror(errno));
        ok = false;
      } else {
        incr_name_ = name;
        m.incrs.push_back(aof::ManifestFile{name, m.incr_seq, 'i'});
      }
    } else {
      // The incr files opened since the fork hold every write after the child's snapshot.
      for (size_t i = manifest_at_fork_.incrs.size(); i < manifest_.incrs.size(); i++) {
        m.incrs.push_back(manifest_.incrs[i]);
      }
    }
    if (ok) {
      if (Status s = PersistManifest(m); !s.ok()) {
        LOG_WARNING("%s", s.message().c_str());
        ok = false;
      }
    }
    if (ok) {
      std::vector<aof::ManifestFile> old = manifest_at_fork_.incrs;
      if (manifest_at_fork_.base) old.push_back(*manifest_at_fork_.base);
      if (child_enabling_) {
        for (auto& f : manifest_.incrs) old.push_back(f);
        if (manifest_.base) old.push_back(*manifest_.base);
      }
      for (auto& f : old) {
        if (f.name == m.base->name) continue;
        LOG_NOTICE("Removing the history file %s in the background", f.name.c_str());
        unlink(p.File(f.name).c_str());
      }
      manifest_ = std::move(m);
      state_.store(kOn);
    }
  }
  if (!ok) {
    unlink(child_base_.c_str());
    last_rewrite_ok_.store(false);
    consecutive_failures_.fetch_add(1);
    if (state_.load() == kWaitRewrite) rewrite_scheduled_.store(true);
    LOG_WARNING("Background AOF rewrite terminated with error");
    return;
  }
  last_rewrite_ok_.store(true);
  consecutive_failures_.store(0);
  rewrites_.fetch_add(1);
  int64_t size = FileSize(p.File(manifest_.base->name));
  for (auto& f : manifest_.incrs) size += FileSize(p.File(f.name));
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

void Aof::Cron(int64_t now_ms) {
  // Buffered commands no reply waited for (expirations, evictions) reach the file here, and a
  // failed write is retried.
  BeforeReply();
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
  // After a failure, wait before trying again (as Redis does).
  bool may_retry = consecutive_failures_.load() == 0 || now_ms - last_rewrite_try_ms_.load() > 5000;
  if (rewrite_scheduled_.load() && may_retry) {
    int st = state_.load();
    if (st == kWaitRewrite) {
      StartRewrite(true);
    } else {
      StartRewrite(false);
    }
    return;
  }
  int64_t pct = opts_.auto_aof_rewrite_percentage.get();
  if (state_.load() == kOn && pct > 0 && may_retry) {
    int64_t cur = current_size_.load();
    int64_t base = base_size_.load() > 0 ? base_size_.load() : 1;
    if (cur > opts_.auto_aof_rewrite_min_size.get() && (cur * 100 / base) - 100 >= pct) {
      LOG_NOTICE("Starting automatic rewriting of AOF on %lld%% growth",
                 static_cast<long long>((cur * 100 / base) - 100));
      StartRewrite(false);
    }
  }
}

// ---- DEBUG LOADAOF and INFO -------------------------------------------------------------------

Status Aof::Reload() {
  FlushAndSync();
  Paths p = MakePaths();
  aof::Manifest m;
  {
    std::lock_guard<std::mutex> w(write_mu_);
    m = manifest_;
  }
  int id = consumer_id_;
  if (id != 0) server_.propagation().RemoveConsumer(id);
  consumer_id_ = 0;
  int64_t size = 0;
  server_.dbs().set_loading(true);
  Status s = LoadFiles(m, &size);
  if (state_.load() != kOff) StartConsumer();
  server_.dbs().set_loading(false);
  return s;
}

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
