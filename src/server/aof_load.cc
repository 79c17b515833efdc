// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Loading the AOF: at startup (after moving a single-file AOF of an older Redis into the AOF
// directory) and for DEBUG LOADAOF. Files load in manifest order, base first; the log says what
// Redis says at each step, since operators and tools read it: which file loaded and how long it
// took, a manifest error as Redis's fatal block, a cut-off last file trimmed when
// aof-load-truncated allows it.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory_probe.h"
#include "base/strutil.h"
#include "base/version.h"
#include "commands/dispatcher.h"
#include "persist/rdb_file.h"
#include "protocol/reply_builder.h"
#include "server/aof.h"
#include "server/file_util.h"
#include "server/server.h"

namespace carmine {
namespace {

// The fatal block Redis logs for a manifest it cannot read; the server then exits.
void LogManifestError(const aof::ManifestError& e) {
  LOG_WARNING("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
  if (e.kind == aof::ManifestError::Kind::kLine) {
    LOG_WARNING("Reading the manifest file, at line %d\n", e.line_no);
    LOG_WARNING(">>> '%s'\n", e.line.c_str());
  }
  LOG_WARNING("%s\n", e.reason.c_str());
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Status Aof::ReadManifest(const Paths& p, aof::Manifest* m) {
  *m = aof::Manifest();
  if (!files::Exists(p.Manifest())) return Status::Ok();
  files::MappedFile f;
  if (!f.Open(p.Manifest())) {
    LOG_WARNING("Fatal error: can't open the AOF manifest %s for reading: %s",
                p.Manifest().c_str(), strerror(errno));
    return Status::Error("");
  }
  aof::ManifestError e = aof::ParseManifest(f.view(), m);
  if (!e.ok()) {
    LogManifestError(e);
    return Status::Error("");
  }
  return Status::Ok();
}

Status Aof::UpgradeLegacy(const Paths& p) {
  struct stat st;
  bool legacy = stat(p.legacy.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (!legacy) return Status::Ok();
  std::string moved = p.File(p.prefix);
  if (files::Exists(p.Manifest())) {
    // A manifest naming the old file as its base while the file is still outside the AOF
    // directory: a move that was interrupted after the manifest was written. Finish it.
    aof::Manifest m;
    if (Status s = ReadManifest(p, &m); !s.ok()) return s;
    if (!m.base || m.base->name != p.prefix || files::Exists(moved)) return Status::Ok();
  } else {
    if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
      LOG_WARNING("Can't create AOF directory %s: %s", p.dir.c_str(), strerror(errno));
      return Status::Error("");
    }
    // The manifest first: if the move below does not happen, the next start finishes it.
    aof::Manifest m;
    m.base = aof::ManifestFile{p.prefix, 1, 'b'};
    m.base_seq = 1;
    if (Status s = PersistManifest(m); !s.ok()) return s;
  }
  if (rename(p.legacy.c_str(), moved.c_str()) != 0) {
    LOG_WARNING("Error moving the old AOF file %s into the AOF directory: %s", p.prefix.c_str(),
                strerror(errno));
    return Status::Error("");
  }
  files::SyncDir(p.dir);
  LOG_NOTICE("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
             p.prefix.c_str(), opts_.appenddirname.get().c_str());
  return Status::Ok();
}

// A command in the AOF failed as it was replayed (a file written by another server, or edited):
// logged and counted as Redis does; under propagation-error-behavior panic the load stops here.
void Aof::ReportLoadError(std::string_view out, const Session& session) {
  std::string_view error = FirstErrorText(out);
  const CommandSpec* spec = session.last_cmd.load(std::memory_order_relaxed);
  std::string_view command = spec != nullptr ? std::string_view(spec->full_name) : "<unknown>";
  LOG_WARNING("== CRITICAL == This server is sending an error to its AOF-loading-client: '%.*s' "
              "after processing the command '%.*s'",
              static_cast<int>(error.size()), error.data(), static_cast<int>(command.size()),
              command.data());
  server_.dispatcher().stats().unexpected_error_replies.fetch_add(1, std::memory_order_relaxed);
  if (server_.repl_opts().propagation_error_behavior.get() == 1) {  // panic
    LOG_WARNING("Guru Meditation: This server panicked sending an error to its "
                "AOF-loading-client after processing the command '%.*s'",
                static_cast<int>(command.size()), command.data());
    abort();
  }
}

Status Aof::LoadCommands(const std::string& path, bool last, int64_t* size, size_t start,
                         bool* truncated) {
  *truncated = false;
  std::string name = path.substr(path.find_last_of('/') + 1);
  files::MappedFile f;
  if (!f.Open(path)) {
    LOG_WARNING("Fatal error: can't open the append log file %s for reading: %s", name.c_str(),
                strerror(errno));
    return Status::Error("");
  }
  std::string_view data = f.view().substr(std::min(start, f.view().size()));
  *size = static_cast<int64_t>(data.size());
  if (data.empty()) return Status::Ok();
  Dispatcher& d = server_.dispatcher();
  Session session;
  session.loader = true;
  session.process_while_busy = load_poll_;  // a long script polls too
  std::string out;
  ReplyBuilder rb(&out);
  aof::CommandReader reader(data);
  std::vector<std::string_view> args;
  size_t multi_start = std::string::npos;  // offset of an open MULTI
  size_t truncate_at = std::string::npos;
  uint64_t replayed = 0;
  const int key_delay = server_.persist_opts().key_load_delay.get();  // a test knob, as in Redis
  for (;;) {
    size_t before = reader.valid_offset();
    auto r = reader.Next(&args);
    if (r == aof::CommandReader::Result::kCommand) {
      if (d.registry().Find(args[0]) == nullptr) {
        LOG_WARNING("Unknown command '%s' reading the append only file %s",
                    std::string(args[0]).c_str(), name.c_str());
        return Status::Error("");
      }
      if (EqualsIgnoreCase(args[0], "multi")) multi_start = before;
      if (EqualsIgnoreCase(args[0], "exec")) multi_start = std::string::npos;
      uint64_t errors_before = rb.errors();
      d.Dispatch(ArgList(args.data(), args.size()), session, rb, clock::NowMs());
      if (rb.errors() != errors_before) ReportLoadError(out, session);
      out.clear();
      if (key_delay != 0) rdb::KeyDelay(key_delay);
      if ((++replayed & 1023) == 0) {
        server_.loading_loaded_bytes.store(loaded_before_ +
                                           static_cast<int64_t>(reader.valid_offset()));
        server_.DefragWhileLoading();
        if (load_poll_) load_poll_();
      }
      continue;
    }
    if (r == aof::CommandReader::Result::kCorrupt) {
      LOG_WARNING("Bad file format reading the append only file %s: make a backup of your AOF "
                  "file, then use ./redis-check-aof --fix <filename.manifest>",
                  name.c_str());
      return Status::Error("");
    }
    if (r == aof::CommandReader::Result::kEnd && multi_start == std::string::npos) break;
    // A cut-off command, or a transaction without its EXEC: the file ends early.
    truncate_at = multi_start != std::string::npos ? multi_start : reader.valid_offset();
    break;
  }
  if (truncate_at == std::string::npos) return Status::Ok();
  if (!opts_.aof_load_truncated.get()) {
    LOG_WARNING("Unexpected end of file reading the append only file %s. You can: 1) Make a "
                "backup of your AOF file, then use ./redis-check-aof --fix "
                "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
                "configuration option to yes and restart the server.",
                name.c_str());
    return Status::Error("");
  }
  LOG_WARNING("!!! Warning: short read while loading the AOF file %s!!!", name.c_str());
  *truncated = true;
  if (!last) {
    // Only the newest file may be cut off (by a crash while it was written); trimming an older
    // one would drop what the files after it build on. Redis trims it and then stops; it is left
    // whole here so that nothing more than what is missing gets lost.
    return Status::Ok();
  }
  if (multi_start != std::string::npos) {
    LOG_WARNING("Revert incomplete MULTI/EXEC transaction in AOF file %s", name.c_str());
  }
  LOG_WARNING("!!! Truncating the AOF %s at offset %llu !!!", name.c_str(),
              static_cast<unsigned long long>(start + truncate_at));
  // The incomplete tail goes, so what is appended next follows a whole command.
  if (truncate(path.c_str(), static_cast<off_t>(start + truncate_at)) != 0) {
    LOG_WARNING("Error truncating the AOF file %s: %s", name.c_str(), strerror(errno));
    return Status::Error("");
  }
  *size = static_cast<int64_t>(truncate_at);
  LOG_WARNING("AOF %s loaded anyway because aof-load-truncated is enabled", name.c_str());
  return Status::Ok();
}

Status Aof::LoadOne(const aof::ManifestFile& f, bool last, int64_t* size) {
  Paths p = MakePaths();
  std::string path = p.File(f.name);
  *size = 0;
  if (files::Size(path) == 0) return Status::Ok();  // an empty file loads nothing, silently
  int64_t start = clock::MonotonicUs();
  size_t offset = 0;
  if (f.type == 'b') {
    char magic[5] = {0};
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;
    if (fd >= 0) close(fd);
    if (got == 5 && memcmp(magic, "REDIS", 5) == 0) {
      LOG_NOTICE(EndsWith(f.name, ".rdb") ? "Reading RDB base file on AOF loading..."
                                          : "Reading RDB preamble from AOF file...");
      rdb::LoadStats stats;
      bool found = false;
      rdb::LoadControl ctl;
      ctl.key_delay = server_.persist_opts().key_load_delay.get();
      Status s = rdb::LoadFile(server_.dbs(), path, clock::NowMs(), server_.opts().limits(),
                               &stats, &found, true, ctl);
      if (!s.ok()) {
        LOG_WARNING("Bad file format reading the append only file %s: %s", f.name.c_str(),
                    s.message().c_str());
        return Status::Error("");
      }
      LogRdbAux(stats, clock::NowMs());
      LogRdbLoaded(stats);
      server_.LoadRdbFunctions(stats);
      offset = stats.bytes;
      *size = static_cast<int64_t>(stats.bytes);
      loaded_before_ += *size;
      server_.loading_loaded_bytes.store(loaded_before_);
      // An older single-file AOF: the RDB preamble, then the commands logged after it.
      if (static_cast<int64_t>(offset) < files::Size(path)) {
        LOG_NOTICE("Reading the remaining AOF tail...");
      }
    }
  }
  bool truncated = false;
  int64_t n = 0;
  if (static_cast<int64_t>(offset) < files::Size(path)) {
    if (Status s = LoadCommands(path, last, &n, offset, &truncated); !s.ok()) return s;
  }
  *size += n;
  loaded_before_ += n;
  if (truncated && !last) {
    LOG_WARNING("Fatal error: the truncated file is not the last file");
    return Status::Error("");
  }
  LOG_NOTICE("DB loaded from %s file %s: %.3f seconds", f.type == 'b' ? "base" : "incr",
             f.name.c_str(), static_cast<double>(clock::MonotonicUs() - start) / 1e6);
  return Status::Ok();
}

Status Aof::LoadFiles(const aof::Manifest& m, int64_t* size) {
  Paths p = MakePaths();
  *size = 0;
  std::vector<const aof::ManifestFile*> order;
  if (m.base) order.push_back(&*m.base);
  for (auto& f : m.incrs) order.push_back(&f);
  if (order.empty()) return Status::Ok();
  // Every file must be there before anything loads (their sizes drive the progress report).
  int64_t total = 0;
  for (const aof::ManifestFile* f : order) {
    struct stat st;
    if (stat(p.File(f->name).c_str(), &st) != 0) {
      LOG_WARNING("Unable to obtain the AOF file %s length. stat: %s", f->name.c_str(),
                  strerror(errno));
      return Status::Error("");
    }
    total += static_cast<int64_t>(st.st_size);
  }
  server_.loading_total_bytes.store(total);
  server_.loading_loaded_bytes.store(0);
  loaded_before_ = 0;
  int64_t start = clock::MonotonicUs();
  for (size_t i = 0; i < order.size(); i++) {
    int64_t n = 0;
    if (Status s = LoadOne(*order[i], i + 1 == order.size(), &n); !s.ok()) return s;
    *size += n;
  }
  LOG_NOTICE("DB loaded from append only file: %.3f seconds",
             static_cast<double>(clock::MonotonicUs() - start) / 1e6);
  return Status::Ok();
}

void Aof::DeleteHistoryLocked() {
  if (opts_.aof_disable_auto_gc.get() || manifest_.history.empty()) return;
  Paths p = MakePaths();
  for (const aof::ManifestFile& h : manifest_.history) {
    LOG_NOTICE("Removing the history file %s in the background", h.name.c_str());
    unlink(p.File(h.name).c_str());
  }
  manifest_.history.clear();
  if (Status s = PersistManifest(manifest_); !s.ok()) LOG_WARNING("%s", s.message().c_str());
}

void Aof::ApplyAutoGc() {
  std::lock_guard<std::mutex> w(write_mu_);
  DeleteHistoryLocked();
}

Status Aof::LoadAndOpen() {
  Paths p = MakePaths();
  if (Status s = UpgradeLegacy(p); !s.ok()) return s;
  aof::Manifest m;
  if (Status s = ReadManifest(p, &m); !s.ok()) return s;
  int64_t size = 0;
  if (Status s = LoadFiles(m, &size); !s.ok()) return s;

  if (mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    LOG_WARNING("Can't create AOF directory %s: %s", p.dir.c_str(), strerror(errno));
    return Status::Error("");
  }
  bool changed = false;
  std::lock_guard<std::mutex> w(write_mu_);
  if (m.empty()) {
    bool rdb = opts_.aof_use_rdb_preamble.get();
    std::string name = aof::BaseFileName(p.prefix, ++m.base_seq, rdb);
    std::string err;
    // Workers already serve (answering -LOADING to most commands): the base is written with every
    // shard held so nothing changes under it.
    ShardLocks all;
    all.AddAll(server_.dbs());
    all.Acquire();
    if (rdb) {
      rdb::SaveOptions o;
      o.functions = server_.scripting().LibraryCodes();
      o.version = std::string(version::kRedis);
      o.now_ms = clock::NowMs();
      o.used_memory = mem::UsedMemory();
      o.aof_base = true;
      err = rdb::SaveFile(server_.dbs(), p.File(name), o, server_.opts().limits());
    } else {
      err = aof::WriteCommandsFile(server_.dbs(), p.File(name), clock::NowMs());
    }
    if (!err.empty()) {
      LOG_WARNING("%s", err.c_str());
      return Status::Error("");
    }
    m.base = aof::ManifestFile{name, m.base_seq, 'b'};
    size += files::Size(p.File(name));
    LOG_NOTICE("Creating AOF base file %s on server start", name.c_str());
    changed = true;
  }
  if (m.incrs.empty()) {
    std::string name = aof::IncrFileName(p.prefix, ++m.incr_seq);
    m.incrs.push_back(aof::ManifestFile{name, m.incr_seq, 'i'});
    LOG_NOTICE("Creating AOF incr file %s on server start", name.c_str());
    changed = true;
  } else {
    LOG_NOTICE("Opening AOF incr file %s on server start", m.incrs.back().name.c_str());
  }
  if (!OpenIncr(m.incrs.back().name)) return Status::Error("");
  if (changed) {
    if (Status s = PersistManifest(m); !s.ok()) return s;
  }
  manifest_ = std::move(m);
  DeleteHistoryLocked();
  current_size_.store(size);
  base_size_.store(size);
  state_.store(kOn);
  // What was loaded is on disk already.
  fsynced_reploff_.store(static_cast<int64_t>(server_.repl_master().offset()));
  StartConsumer();
  StartFsyncThread();
  return Status::Ok();
}

Status Aof::Reload(std::function<void()> poll) {
  load_poll_ = std::move(poll);
  struct Reset {
    std::function<void()>& f;
    ~Reset() { f = nullptr; }
  } reset{load_poll_};
  FlushAndSync();
  Paths p = MakePaths();
  // As Redis does, the manifest is read again from disk: its counters continue from there.
  aof::Manifest m;
  if (Status s = ReadManifest(p, &m); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> w(write_mu_);
    manifest_ = m;
    DeleteHistoryLocked();
    m = manifest_;
  }
  int id = consumer_id_;
  if (id != 0) server_.propagation().RemoveConsumer(id);
  consumer_id_ = 0;
  int64_t size = 0;
  server_.dbs().set_loading(true);
  Status s = m.empty() ? Status::Error("The AOF is empty or missing") : LoadFiles(m, &size);
  if (id != 0) StartConsumer();
  server_.dbs().set_loading(false);
  return s;
}

}  // namespace carmine
