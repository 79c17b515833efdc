// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/persistence.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory_probe.h"
#include "base/strutil.h"
#include "base/version.h"
#include "db/evict.h"
#include "commands/context.h"
#include "protocol/errors.h"
#include "replication/master.h"
#include "server/check_rdb.h"
#include "server/server.h"

namespace carmine {

std::string Persistence::Path() const {
  char buf[PATH_MAX];
  std::string dir = getcwd(buf, sizeof(buf)) ? buf : ".";
  return dir + "/" + server_.persist_opts().dbfilename.get();
}

rdb::SaveOptions Persistence::Options() const {
  const PersistOptions& c = server_.persist_opts();
  rdb::SaveOptions o;
  o.compress = c.rdbcompression.get();
  o.checksum = c.rdbchecksum.get();
  auto p = static_cast<EvictPolicy>(server_.opts().maxmemory_policy.get());
  o.lru_mode = IsLfuPolicy(p) ? 2
               : (p == EvictPolicy::kAllKeysLru || p == EvictPolicy::kVolatileLru) ? 1
                                                                                    : 0;
  o.now_ms = clock::NowMs();
  o.version = std::string(version::kRedis);
  o.used_memory = mem::UsedMemory();
  o.key_delay = c.rdb_key_save_delay.get();
  o.progress = &ForkChild::ReportProgress;
  server_.FillReplicationSaveInfo(&o);
  o.functions = server_.scripting().LibraryCodes();
  return o;
}

void Persistence::UpdateWriteRefusal() {
  const PersistOptions& c = server_.persist_opts();
  server_.opts().refuse_writes_misconf.store(!last_ok_.load() && c.stop_writes_on_bgsave_error.get() &&
                                             !c.save_rules().empty());
}

void Persistence::Finished(bool ok, uint64_t dirty_before, int64_t now_ms) {
  last_ok_.store(ok);
  UpdateWriteRefusal();
  if (!ok) return;
  // Changes made while the snapshot was written are still unsaved.
  server_.dbs().stats().dirty.Sub(dirty_before);
  lastsave_.store(now_ms / 1000);
  saves_.fetch_add(1);
}

std::string Persistence::SaveLocked() {
  std::lock_guard<std::mutex> l(mu_);
  if (child_.running()) return std::string(err::kBgsaveInProgress);
  uint64_t dirty = server_.dbs().stats().dirty.load();
  std::string err = rdb::SaveFile(server_.dbs(), Path(), Options(), server_.opts().limits());
  // A failed foreground save leaves the background save status alone (as Redis): writes are
  // not refused for it, and the next success clears an earlier failure.
  if (err.empty()) Finished(true, dirty, clock::NowMs());
  if (!err.empty()) {
    LOG_WARNING("%s", err.c_str());
    return err::Format(err::kSaveFailed, err);
  }
  LOG_NOTICE("DB saved on disk");
  return "";
}

std::string Persistence::ForkSaveLocked(const std::function<void()>& at_fork, int pipe_fd,
                                        int rdb_filter) {
  std::string path = Path();
  EncodingLimits lim = server_.opts().limits();
  DbSet& dbs = server_.dbs();
  // Every shard lock for the instant of fork(): the child's copy of memory is then a consistent
  // snapshot that no command was halfway through.
  ShardLocks all;
  all.AddAll(dbs);
  all.Acquire();
  if (at_fork) at_fork();
  // Read under the locks: the replication offset recorded is the one this snapshot is at.
  rdb::SaveOptions opts = Options();
  opts.exclude_data = rdb_filter & ReplicaLink::kExcludeData;
  if (rdb_filter & ReplicaLink::kExcludeFunctions) opts.functions.clear();
  dirty_at_fork_ = dbs.stats().dirty.load();
  int64_t start = clock::NowMs();
  child_.set_keys_total(TotalKeys(dbs));
  // The child: only the forking thread exists there; it takes no lock and logs nothing.
  pid_t pid = child_.Start(
      [&] {
        if (pipe_fd >= 0) return rdb::WriteTo(dbs, pipe_fd, opts, lim);
        return rdb::SaveFile(dbs, path, opts, lim).empty();
      },
      pipe_fd);
  all.Release();
  socket_target_ = pipe_fd >= 0;
  if (pid < 0) {
    last_ok_.store(false);
    LOG_WARNING("Can't save in background: fork: %s", strerror(errno));
    return std::string(err::kBgsaveForkFailed) + strerror(errno);
  }
  bgsave_start_ms_.store(start);
  last_try_ms_.store(start);
  server_.ChildChanged();
  if (socket_target_) {
    LOG_NOTICE("Background RDB transfer started by pid %d", static_cast<int>(pid));
  } else {
    LOG_NOTICE("Background saving started by pid %d", static_cast<int>(pid));
  }
  return "";
}

std::string Persistence::StartReplicationSave(std::function<void()> at_fork,
                                              std::function<void(bool ok)> done, int pipe_fd,
                                              int rdb_filter) {
  std::lock_guard<std::mutex> l(mu_);
  if (child_.running() || server_.aof().child_running()) {
    return std::string(err::kBgsaveInProgress);
  }
  std::string err = ForkSaveLocked(at_fork, pipe_fd, rdb_filter);
  if (err.empty()) repl_done_ = std::move(done);
  return err;
}

void Persistence::TellReplicas(bool ok) {
  std::function<void(bool)> done;
  done.swap(repl_done_);
  if (done) done(ok);
}

std::string Persistence::StartBackgroundSave(bool schedule) {
  std::lock_guard<std::mutex> l(mu_);
  if (child_.running()) return std::string(err::kBgsaveInProgress);
  if (server_.aof().child_running()) {
    // One child at a time; SCHEDULE runs it once the AOF rewrite is done.
    if (!schedule) {
      return std::string(err::kBgsaveWhileAof);
    }
    scheduled_.store(true);
    return "+Background saving scheduled";
  }
  scheduled_.store(false);
  return ForkSaveLocked(nullptr);
}

void Persistence::KillChild() {
  std::lock_guard<std::mutex> l(mu_);
  pid_t pid = child_.pid();
  if (pid <= 0) return;
  LOG_WARNING("There is a child saving an .rdb. Killing it!");
  child_.Kill();
  // What it was writing is of no use now.
  if (!socket_target_) unlink(("temp-" + std::to_string(pid) + ".rdb").c_str());
  server_.ChildChanged();
  scheduled_.store(false);
  TellReplicas(false);
}

void Persistence::FlushedAll() {
  KillChild();
  if (server_.persist_opts().save_rules().empty()) return;
  SaveLocked();  // a failure is logged and shows in rdb_last_bgsave_status, as for SAVE
}

void Persistence::WaitForChild() {
  bool ok;
  if (!child_.Collect(true, &ok)) return;
  server_.ChildChanged();
  if (!socket_target_) Finished(ok, dirty_at_fork_, clock::NowMs());
  TellReplicas(ok);
}

void Persistence::Cron(int64_t now_ms) {
  child_.Poll();
  if (child_.running()) {
    bool ok;
    if (child_.Collect(false, &ok)) {
      std::lock_guard<std::mutex> l(mu_);
      server_.ChildChanged();
      if (socket_target_) {
        if (ok) {
          LOG_NOTICE("Background RDB transfer terminated with success");
        } else {
          LOG_WARNING("Background transfer error");
        }
        TellReplicas(ok);
        return;
      }
      last_bgsave_sec_.store((now_ms - bgsave_start_ms_.load()) / 1000);
      Finished(ok, dirty_at_fork_, now_ms);
      if (ok) {
        LOG_NOTICE("Background saving terminated with success");
      } else {
        LOG_WARNING("Background saving error");
      }
      TellReplicas(ok);
    }
    return;
  }
  if (server_.aof().child_running()) return;
  if (scheduled_.load()) {
    StartBackgroundSave(true);
    return;
  }
  uint64_t dirty = server_.dbs().stats().dirty.load();
  for (auto& [seconds, changes] : server_.persist_opts().save_rules()) {
    // After a failed attempt, wait 5 seconds before trying again (as Redis does).
    bool may_retry = last_ok_.load() || now_ms - last_try_ms_.load() > 5000;
    if (dirty >= static_cast<uint64_t>(changes) && now_ms / 1000 - lastsave_.load() >= seconds &&
        may_retry) {
      LOG_NOTICE("%lld changes in %lld seconds. Saving...", static_cast<long long>(changes),
                 static_cast<long long>(seconds));
      StartBackgroundSave();
      break;
    }
  }
}

void LogRdbAux(const rdb::LoadStats& stats, int64_t now_ms) {
  for (const auto& [key, value] : stats.aux) {
    if (key == "redis-ver") {
      LOG_NOTICE("Loading RDB produced by version %s", value.c_str());
    } else if (key == "ctime") {
      LOG_NOTICE("RDB age %lld seconds", static_cast<long long>(now_ms / 1000 - atoll(value.c_str())));
    } else if (key == "used-mem") {
      LOG_NOTICE("RDB memory usage when created %.2f Mb",
                 static_cast<double>(atoll(value.c_str())) / (1024 * 1024));
    }
  }
}

void Server::LoadRdbFunctions(const rdb::LoadStats& stats) {
  std::string error;
  if (!scripting_.LoadLibraries(stats.functions, true, &error)) {
    LOG_WARNING("Failed loading the function libraries of the RDB image: %s", error.c_str());
  }
}

void LogRdbLoaded(const rdb::LoadStats& stats) {
  if (stats.empty_keys_skipped > 0) {
    LOG_NOTICE("Done loading RDB, keys loaded: %llu, keys expired: %llu, empty keys skipped: %llu.",
               static_cast<unsigned long long>(stats.keys_loaded),
               static_cast<unsigned long long>(stats.keys_expired),
               static_cast<unsigned long long>(stats.empty_keys_skipped));
    return;
  }
  LOG_NOTICE("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
             static_cast<unsigned long long>(stats.keys_loaded),
             static_cast<unsigned long long>(stats.keys_expired));
}

rdb::LoadControl Persistence::LoadControl() const {
  rdb::LoadControl c;
  c.key_delay = server_.persist_opts().key_load_delay.get();
  c.loaded_bytes = &server_.loading_loaded_bytes;
  return c;
}

Status Persistence::LoadAtStartup() {
  std::string path = Path();
  bool found = false;
  int64_t start = clock::MonotonicUs();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) server_.loading_total_bytes.store(st.st_size);
  server_.loading_loaded_bytes.store(0);
  rdb::LoadControl ctl = LoadControl();
  ctl.keep_expired = !server_.repl_opts().master_host().empty();
  ctl.expired = [this](int db, const std::string& key) { expired_at_load_.emplace_back(db, key); };
  Status s = rdb::LoadFile(server_.dbs(), path, clock::NowMs(), server_.opts().limits(),
                           &load_stats_, &found, false, ctl);
  lastsave_.store(clock::NowMs() / 1000);
  if (!s.ok() && found) {
    // As Redis: the reason, the checker's report of the file, then the last word.
    LOG_WARNING("%s", s.message().c_str());
    CheckRdbFile(path);
    LOG_WARNING("Terminating server after rdb file reading failure.");
    return Status::Error("");
  }
  if (!s.ok() || !found) return s;
  LogRdbAux(load_stats_, clock::NowMs());
  LogRdbLoaded(load_stats_);
  server_.LoadRdbFunctions(load_stats_);
  LOG_NOTICE("DB loaded from disk: %.3f seconds",
             static_cast<double>(clock::MonotonicUs() - start) / 1e6);
  return s;
}

namespace {
// SAVE: runs with every shard lock held (LockMode::kAll), so the file is one consistent moment.
void CmdSave(Server& s, ArgList, CommandContext& ctx) {
  std::string err = s.persistence().SaveLocked();
  if (err.empty()) return ctx.rb.Ok();
  ctx.rb.Error(err);
}

// BGSAVE [SCHEDULE]
void CmdBgsave(Server& s, ArgList args, CommandContext& ctx) {
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "schedule"))) {
    return ctx.rb.Error(err::kSyntax);
  }
  std::string err = s.persistence().StartBackgroundSave(args.size() == 2);
  if (err.empty()) return ctx.rb.Simple("Background saving started");
  if (err[0] == '+') return ctx.rb.Simple(std::string_view(err).substr(1));
  ctx.rb.Error(err);
}

void CmdLastsave(Server& s, ArgList, CommandContext& ctx) {
  ctx.rb.Int(s.persistence().lastsave());
}

void CmdBgrewriteaof(Server& s, ArgList, CommandContext& ctx) {
  std::string reply = s.aof().StartRewriteCommand();
  if (reply.starts_with("ERR")) return ctx.rb.Error(reply);
  // Inside EXEC Redis defers the fork to after the transaction and says so; here the rewrite
  // starts at once (every shard is held, so it sees the transaction's state so far) and the
  // reply is Redis's.
  if (ctx.no_block && reply == "Background append only file rewriting started") {
    reply = "Background append only file rewriting scheduled";
  }
  ctx.rb.Simple(reply);
}
}  // namespace

void RegisterPersistenceFamily(CommandRegistry& r, Server& s) {
  r.Add({"SAVE", 1, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdSave>(&s), "server", "1.0.0", "Synchronously saves the database(s) to disk.",
         "O(N) where N is the total number of keys in all databases"})
      .Lock(LockMode::kAll);
  r.Add({"BGSAVE", -1, kAdmin | kNoScript | kNoAsyncLoading, 0, 0, 0, acl::kDangerous, Handler::Bind<CmdBgsave>(&s),
         "server", "1.0.0", "Asynchronously saves the database(s) to disk.", "O(1)"})
      .Args("[!SCHEDULE]")
      .Lock(LockMode::kSelf);  // forks with every shard held (inside EXEC: held already)
  r.Add({"BGREWRITEAOF", 1, kAdmin | kNoScript | kNoAsyncLoading, 0, 0, 0, acl::kDangerous,
         Handler::Bind<CmdBgrewriteaof>(&s), "server", "1.0.0",
         "Asynchronously rewrites the append-only file to disk.", "O(1)"})
      .Lock(LockMode::kSelf);  // likewise
  r.Add({"LASTSAVE", 1, kLoading | kStale | kFast, 0, 0, 0, acl::kAdmin | acl::kDangerous,
         Handler::Bind<CmdLastsave>(&s), "server", "1.0.0",
         "Returns the Unix timestamp of the last successful save to disk.", "O(1)"})
      .Lock(LockMode::kNone)
      .tips = {"nondeterministic_output"};
}

}  // namespace carmine
