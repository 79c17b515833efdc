// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Whole RDB files: writing every database as RDB version 10 (magic, aux fields, per database
// SELECTDB and RESIZEDB, each key with its millisecond expiry and LRU/LFU hint, EOF, CRC-64), and
// loading files of versions 1 to 12. The writer is given a dataset nobody changes while it runs:
// a forked child's copy (BGSAVE), or one whose shard locks are all held (SAVE). It takes no lock
// and logs nothing, so it is safe in a child forked from a multi-threaded process.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "core/encoding_limits.h"
#include "db/db_set.h"

namespace carmine::rdb {

struct SaveOptions {
  bool compress = true;   // rdbcompression
  bool checksum = true;   // rdbchecksum
  int lru_mode = 0;       // 0: none, 1: write IDLE (LRU policies), 2: write FREQ (LFU policies)
  int64_t now_ms = 0;
  std::string version;    // aux "redis-ver"
  uint64_t used_memory = 0;
  bool aof_base = false;  // aux "aof-base": the file is a multi-part AOF's RDB preamble
  // Replication's place in its stream (aux "repl-stream-db", "repl-id", "repl-offset"): a
  // replica that loads the file, or a server restarted from it, continues the stream from there.
  // Written when repl_id is set.
  std::string repl_id;
  int64_t repl_offset = 0;
  int repl_stream_db = 0;
  int key_delay = 0;      // rdb-key-save-delay: a pause per key (see KeyDelay)
  bool exclude_data = false;  // the header, aux fields and functions only (rdb-filter-only)
  // Told the number of keys written so far, every 1024 keys (a forked child's progress reports).
  void (*progress)(uint64_t keys) = nullptr;
  // The code of each function library, written as function records before the databases.
  std::vector<std::string> functions;
};

// How a load paces itself and reports how far it got (INFO's loading_* fields).
struct LoadControl {
  int key_delay = 0;                             // key-load-delay: a pause per key (see KeyDelay)
  std::atomic<int64_t>* loaded_bytes = nullptr;  // bytes parsed so far, updated as keys load
  // A replica loads keys past their TTL too (its master deletes them); a master skips them
  // and tells `expired` about each (a restarted master propagates their deletion).
  bool keep_expired = false;
  std::function<void(int db, const std::string& key)> expired;
  // DEBUG RELOAD MERGE: a key already in the dataset is replaced (else it is an error).
  bool replace_existing = false;
  // redis-check-rdb's report: told of each aux field and database switch with the offset just
  // past it.
  std::function<void(uint64_t offset, const std::string& what)> trace;
};

// The test knobs rdb-key-save-delay and key-load-delay: n > 0 sleeps n microseconds; n < 0
// sleeps one microsecond once every -n keys on average (a sleep costs a context switch, so
// shorter pauses are had by sleeping less often).
void KeyDelay(int n);

// Writes the whole RDB image (header to checksum) to `fd`, a file or a pipe. false on a write
// error (errno says which).
bool WriteTo(DbSet& dbs, int fd, const SaveOptions& opts, const EncodingLimits& lim);
// Writes the dataset to `path` through a temporary file in the same directory: write, fsync,
// rename, so a crash leaves either the old file or the new one. Returns "" or the error.
std::string SaveFile(DbSet& dbs, const std::string& path, const SaveOptions& opts,
                     const EncodingLimits& lim);

struct LoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // past their deadline at load time: skipped
  uint64_t keys_with_ttl = 0;  // keys read with an expiry (the expired ones included)
  uint64_t empty_keys_skipped = 0;  // collections with no elements (not values): skipped
  int version = 0;
  // Where the RDB data ended (an AOF base may continue with commands); after an error, how far
  // the reader got.
  uint64_t bytes = 0;
  // The file's aux fields in file order (redis-ver, ctime, used-mem, ...), for the load log.
  std::vector<std::pair<std::string, std::string>> aux;
  // The function libraries' code, in file order (the caller loads them into its engine).
  std::vector<std::string> functions;
};

// Loads `path` into `dbs` (which the caller has emptied and nobody else uses yet). A missing file
// is not an error (*found = false). Corrupt or truncated files fail with the reason. Keys past
// their deadline are skipped, except in an AOF's RDB preamble (`aof_base`): commands after it
// may still act on them, as they did when they were logged.
Status LoadFile(DbSet& dbs, const std::string& path, int64_t now_ms, const EncodingLimits& lim,
                LoadStats* stats, bool* found, bool aof_base = false, const LoadControl& ctl = {});
// The same from a file's bytes in memory (`path` names it in errors).
Status LoadData(DbSet& dbs, std::string_view data, const std::string& path, int64_t now_ms,
                const EncodingLimits& lim, LoadStats* stats, bool aof_base = false,
                const LoadControl& ctl = {});

}  // namespace carmine::rdb
