// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/rdb_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>

#include "base/logging.h"
#include "db/db.h"
#include "db/evict.h"
#include "persist/file_sink.h"
#include "persist/rdb_value.h"

namespace carmine::rdb {
namespace {

enum Opcode : uint8_t {
  kFunction2 = 0xF5,
  kFunctionPreGa = 0xF6,
  kModuleAux = 0xF7,
  kIdle = 0xF8,
  kFreq = 0xF9,
  kAux = 0xFA,
  kResizeDb = 0xFB,
  kExpireMs = 0xFC,
  kExpireSec = 0xFD,
  kSelectDb = 0xFE,
  kEof = 0xFF,
};


void Aux(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(static_cast<char>(kAux));
  WriteString(out, key, false);
  WriteString(out, value, false);
}

}  // namespace

void KeyDelay(int n) {
  if (n < 0) n = (random() % -static_cast<int64_t>(n)) == 0 ? 1 : 0;
  if (n > 0) usleep(static_cast<useconds_t>(n));
}

bool WriteTo(DbSet& dbs, int fd, const SaveOptions& opts, const EncodingLimits& lim) {
  FileSink sink(fd, true);
  std::string& out = sink.buf();
  char magic[16];
  snprintf(magic, sizeof(magic), "REDIS%04d", kWriteVersion);
  out.append(magic);
  Aux(&out, "redis-ver", opts.version);
  Aux(&out, "redis-bits", "64");
  Aux(&out, "ctime", std::to_string(opts.now_ms / 1000));
  Aux(&out, "used-mem", std::to_string(opts.used_memory));
  if (!opts.repl_id.empty()) {
    Aux(&out, "repl-stream-db", std::to_string(opts.repl_stream_db));
    Aux(&out, "repl-id", opts.repl_id);
    Aux(&out, "repl-offset", std::to_string(opts.repl_offset));
  }
  Aux(&out, "aof-base", opts.aof_base ? "1" : "0");
  for (const auto& code : opts.functions) {
    out.push_back(static_cast<char>(kFunction2));
    WriteString(&out, code, opts.compress);
  }
  bool ok = true;
  uint64_t written = 0;
  for (int db = 0; db < dbs.num_dbs() && ok && !opts.exclude_data; db++) {
    size_t keys = dbs.KeyCount(db);
    if (keys == 0) continue;
    out.push_back(static_cast<char>(kSelectDb));
    WriteLength(&out, static_cast<uint64_t>(db));
    out.push_back(static_cast<char>(kResizeDb));
    WriteLength(&out, keys);
    WriteLength(&out, dbs.VolatileCount(db));
    Db view(dbs, db, opts.now_ms, false);
    for (int sh = 0; sh < dbs.num_shards() && ok; sh++) {
      dbs.Data(db, static_cast<uint32_t>(sh)).table.ForEach([&](Entry* e) {
        if (!ok) return;
        if (e->has_expire()) {
          out.push_back(static_cast<char>(kExpireMs));
          int64_t t = e->expire_at();
          for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((t >> (8 * i)) & 0xFF));
        }
        if (opts.lru_mode == 1) {
          out.push_back(static_cast<char>(kIdle));
          WriteLength(&out, view.IdleSeconds(e));
        } else if (opts.lru_mode == 2) {
          out.push_back(static_cast<char>(kFreq));
          out.push_back(static_cast<char>(lfu::Decayed(e->lru, opts.now_ms, dbs.lfu_decay_time())));
        }
        // Type byte first, then the key, then the payload.
        std::string value;
        WriteValue(e->value, lim, opts.compress, &value);
        out.push_back(value[0]);
        WriteString(&out, e->key(), opts.compress);
        out.append(value, 1, std::string::npos);
        ok = sink.MaybeFlush();
        if (opts.key_delay != 0) KeyDelay(opts.key_delay);
        if (opts.progress != nullptr && (written++ & 1023) == 0) opts.progress(written);
      });
    }
  }
  out.push_back(static_cast<char>(kEof));
  ok = ok && sink.Flush();
  uint64_t crc = opts.checksum ? sink.crc() : 0;
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  // The CRC itself is not part of what it covers: write it without updating the running sum.
  ok = ok && write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size());
  return ok;
}

std::string SaveFile(DbSet& dbs, const std::string& path, const SaveOptions& opts,
                     const EncodingLimits& lim) {
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  std::string tmp = dir + "temp-" + std::to_string(getpid()) + ".rdb";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Failed opening the temp RDB file " + tmp + " (in server root dir " + dir + ") for saving: " + strerror(errno);
  bool ok = WriteTo(dbs, fd, opts, lim);
  ok = ok && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) {
    unlink(tmp.c_str());
    return std::string("Write error saving DB on disk: ") + strerror(err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    unlink(tmp.c_str());
    return std::string("Error moving temp DB file on the final destination: ") + strerror(err);
  }
  return "";
}

Status LoadFile(DbSet& dbs, const std::string& path, int64_t now_ms, const EncodingLimits& lim,
                LoadStats* stats, bool* found, bool aof_base, const LoadControl& ctl) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  *found = fd >= 0;
  if (!*found) return Status::Ok();
  // One read of the whole file: the loader then parses from memory.
  std::string data;
  struct stat st;
  if (fstat(fd, &st) == 0) data.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  data.resize(got);
  return LoadData(dbs, data, path, now_ms, lim, stats, aof_base, ctl);
}

Status LoadData(DbSet& dbs, std::string_view data, const std::string& path, int64_t now_ms,
                const EncodingLimits& lim, LoadStats* stats, bool aof_base,
                const LoadControl& ctl) {
  const RdbReader* reader = nullptr;
  auto bad = [&](const std::string& why) {
    if (reader != nullptr) stats->bytes = data.size() - reader->remaining();
    return Status::Error("Short read or corrupt RDB file " + path + ": " + why);
  };
  if (data.size() < 9 || data.compare(0, 5, "REDIS") != 0) return bad("wrong signature");
  int version = 0;
  for (int i = 5; i < 9; i++) {
    if (!isdigit(static_cast<unsigned char>(data[i]))) return bad("wrong signature");
    version = version * 10 + (data[i] - '0');
  }
  if (version < 1 || version > kMaxReadVersion) {
    return Status::Error("Can't handle RDB format version " + std::to_string(version));
  }
  stats->version = version;
  RdbReader in(std::string_view(data).substr(9));
  reader = &in;
  auto trace = [&](const std::string& what) {
    if (ctl.trace) ctl.trace(data.size() - in.remaining(), what);
  };
  int db = 0;
  int64_t expire = -1;
  int64_t idle = -1, freq = -1;
  for (;;) {
    uint8_t op;
    if (!in.ReadByte(&op)) return bad("unexpected end of file");
    if (op == kEof) break;
    switch (op) {
      case kSelectDb: {
        uint64_t n;
        if (!in.ReadLength(&n)) return bad("bad SELECTDB");
        if (n >= static_cast<uint64_t>(dbs.num_dbs())) {
          return Status::Error("FATAL: Data file was created with a Redis server configured to "
                               "handle more than " + std::to_string(dbs.num_dbs()) +
                               " databases. Exiting");
        }
        db = static_cast<int>(n);
        trace("Selecting DB ID " + std::to_string(n));
        continue;
      }
      case kResizeDb: {
        uint64_t a, b;
        if (!in.ReadLength(&a) || !in.ReadLength(&b)) return bad("bad RESIZEDB");
        // A size hint: trust it only as far as the file could hold that many keys.
        uint64_t per_shard = std::min<uint64_t>(a, in.remaining()) / dbs.num_shards() + 1;
        for (int sh = 0; sh < dbs.num_shards(); sh++) {
          dbs.Data(db, static_cast<uint32_t>(sh)).table.Reserve(per_shard);
        }
        continue;
      }
      case kAux: {
        std::string k, v;
        if (!in.ReadString(&k) || !in.ReadString(&v)) return bad("bad AUX field");
        trace("AUX FIELD " + k + " = '" + v + "'");
        stats->aux.emplace_back(std::move(k), std::move(v));
        continue;
      }
      case kExpireMs:
      case kExpireSec: {
        std::string_view raw;
        size_t n = op == kExpireMs ? 8 : 4;
        if (!in.ReadBytes(n, &raw)) return bad("bad expiry");
        uint64_t t = 0;
        for (size_t i = 0; i < n; i++) t |= static_cast<uint64_t>(static_cast<uint8_t>(raw[i])) << (8 * i);
        expire = static_cast<int64_t>(op == kExpireMs ? t : t * 1000);
        continue;
      }
      case kIdle: {
        uint64_t n;
        if (!in.ReadLength(&n)) return bad("bad IDLE");
        idle = static_cast<int64_t>(n);
        continue;
      }
      case kFreq: {
        uint8_t b;
        if (!in.ReadByte(&b)) return bad("bad FREQ");
        freq = b;
        continue;
      }
      case kFunction2: {
        std::string code;
        if (!in.ReadString(&code)) return bad("bad function library");
        stats->functions.push_back(std::move(code));
        continue;
      }
      case kModuleAux:
      case kFunctionPreGa:
        return Status::Error("The RDB file contains module or function data this server cannot "
                             "load: " + path);
      default:
        break;
    }
    std::string key;
    CompactValue value;
    if (!in.ReadString(&key)) return bad("bad key");
    const bool read = ReadValue(op, in, lim, &value);
    if (!read && in.empty_value()) {
      // Old writers could leave an emptied collection behind: Redis skips the key, so do we.
      LOG_NOTICE("rdbLoadObject skipping empty key: %s", key.c_str());
      stats->empty_keys_skipped++;
      in.ClearEmpty();
      expire = idle = freq = -1;
      continue;
    }
    if (!read) {
      if (!in.error().empty()) {
        stats->bytes = data.size() - in.remaining();
        return Status::Error("Internal error in RDB reading offset " +
                             std::to_string(data.size() - in.remaining()) + " of " + path +
                             " -> " + std::string(in.error()));
      }
      return bad("unsupported or corrupt value of type " + std::to_string(op) + " for key '" + key + "'");
    }
    if (expire >= 0) stats->keys_with_ttl++;
    if (expire >= 0 && expire <= now_ms && !aof_base && !ctl.keep_expired) {
      stats->keys_expired++;  // already gone: a master does not load it
      if (ctl.expired) ctl.expired(db, key);
    } else {
      Db view(dbs, db, now_ms, false);
      if (view.Peek(key) != nullptr) {
        if (!ctl.replace_existing) return bad("duplicate key '" + key + "'");
        view.Delete(key);
      }
      Entry* e = view.AddQuiet(key, expire >= 0);
      e->value = std::move(value);
      if (expire >= 0) e = view.SetExpire(e, expire);
      if (idle >= 0) e->lru = (Db::LruClock(now_ms) - static_cast<uint32_t>(idle)) & 0xFFFFFF;
      if (freq >= 0) e->lru = (lfu::Minutes(now_ms) << 8) | static_cast<uint32_t>(freq);
      stats->keys_loaded++;
    }
    expire = idle = freq = -1;
    if (ctl.loaded_bytes != nullptr) {
      ctl.loaded_bytes->store(static_cast<int64_t>(data.size() - in.remaining()),
                              std::memory_order_relaxed);
    }
    if (ctl.key_delay != 0) KeyDelay(ctl.key_delay);
  }
  if (version >= 5) {
    std::string_view raw;
    if (!in.ReadBytes(8, &raw)) return bad("missing checksum");
    uint64_t want = 0;
    for (int i = 0; i < 8; i++) want |= static_cast<uint64_t>(static_cast<uint8_t>(raw[i])) << (8 * i);
    uint64_t got = Crc64(0, data.data(), data.size() - in.remaining() - 8);
    if (want != 0 && want != got && !SkipChecksum()) {
      // Redis's two lines (operators and test harnesses look for "CRC error").
      LOG_WARNING("Wrong RDB checksum expected: (%016llx) got: (%016llx). Aborting now.",
                  static_cast<unsigned long long>(want), static_cast<unsigned long long>(got));
      return Status::Error("Internal error in RDB reading offset " +
                           std::to_string(data.size() - in.remaining()) + " of " + path +
                           " -> RDB CRC error");
    }
  }
  stats->bytes = data.size() - in.remaining();
  return Status::Ok();
}

}  // namespace carmine::rdb
