// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The append-only file formats of Redis 7: commands as RESP arrays (what incr files and a
// non-preamble base hold), the manifest that lists a multi-part AOF's files, and the base written
// as commands when aof-use-rdb-preamble is off. Nothing here knows about threads or fsync policy;
// server/aof.h drives it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "db/db_set.h"

namespace carmine::aof {

// Appends one command as a RESP array of bulk strings.
void AppendCommand(std::string* out, const std::vector<std::string>& args);
void AppendCommand(std::string* out, const std::vector<std::string_view>& args);

// One line of a manifest: a file, its sequence number and its type: 'b' base, 'i' incr,
// 'h' history (replaced by a rewrite, deleted unless aof-disable-auto-gc is on).
struct ManifestFile {
  std::string name;
  int64_t seq = 0;
  char type = 'i';
};

struct Manifest {
  std::optional<ManifestFile> base;
  std::vector<ManifestFile> history;  // most recently replaced first, as written
  std::vector<ManifestFile> incrs;    // in load order
  int64_t base_seq = 0;               // sequence numbers of the current base and last incr
  int64_t incr_seq = 0;

  // Lines in Redis's order: the base, the history, the incr files. Names with spaces, quotes
  // or control bytes are written quoted with escapes.
  std::string Serialize() const;
  bool empty() const { return !base && incrs.empty(); }
  // The base, then every incr file but the newest (all of them when `all`), become history:
  // what a finished rewrite replaced.
  void MarkHistory(bool all_incrs);
};

// Why a manifest could not be read, with what the server logs about it.
struct ManifestError {
  enum class Kind { kNone, kTooLongLine, kEmpty, kLine };
  Kind kind = Kind::kNone;
  int line_no = 0;     // kLine: 1-based, comment lines included
  std::string line;    // kLine: the offending line, trimmed
  std::string reason;  // "Invalid AOF manifest file format", "Unknown AOF file type", ...
  bool ok() const { return kind == Kind::kNone; }
};

inline constexpr size_t kManifestMaxLine = 1024;

// Parses a manifest as Redis reads one: every line ends with a newline and is shorter than
// kManifestMaxLine bytes, '#' starts a comment, a line holds `key value` pairs (file, seq, type; others
// are ignored) with a non-zero seq, one base at most, incr sequence numbers increasing.
ManifestError ParseManifest(std::string_view text, Manifest* out);

// File names: "<prefix>.<seq>.base.rdb|aof", "<prefix>.<seq>.incr.aof", "<prefix>.manifest".
std::string BaseFileName(const std::string& prefix, int64_t seq, bool rdb);
std::string IncrFileName(const std::string& prefix, int64_t seq);
std::string ManifestFileName(const std::string& prefix);

// Reads commands out of an AOF byte stream. Lines starting with '#' (timestamp annotations) are
// skipped.
class CommandReader {
 public:
  enum class Result { kCommand, kEnd, kTruncated, kCorrupt };
  explicit CommandReader(std::string_view data) : data_(data) {}
  // The views point into the data given to the constructor.
  Result Next(std::vector<std::string_view>* args);
  // End of the last complete command: where a truncated file can be cut.
  size_t valid_offset() const { return valid_; }

 private:
  bool ReadLine(std::string_view* line);
  std::string_view data_;
  size_t pos_ = 0;
  size_t valid_ = 0;
};

// A timestamp annotation (`#TS:<unix seconds>`), which Redis writes before the commands of a new
// second when aof-timestamp-enabled is on; loaders skip it.
inline void AppendTimestamp(std::string* out, int64_t unix_seconds) {
  out->append("#TS:").append(std::to_string(unix_seconds)).append("\r\n");
}

// Writes the function libraries (FUNCTION LOAD of each one's code, first) and every key of
// `dbs` as the commands that rebuild it (SET, RPUSH, SADD, ZADD, HSET, at most 64 elements per
// command, then PEXPIREAT for a TTL) to `path`: temporary file, fsync, rename. For a forked
// child: takes no lock, logs nothing. "" or the error. `key_delay` is rdb-key-save-delay (see
// rdb::KeyDelay); `timestamp` starts the file with a #TS annotation.
std::string WriteCommandsFile(DbSet& dbs, const std::string& path, int64_t now_ms,
                              int key_delay = 0, bool timestamp = false,
                              const std::vector<std::string>& functions = {});

}  // namespace carmine::aof
