// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/aof_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/double_format.h"
#include "base/strutil.h"
#include "core/hash_object.h"
#include "core/list_object.h"
#include "core/set_object.h"
#include "core/stream_object.h"
#include "core/zset_object.h"
#include "persist/file_sink.h"
#include "persist/rdb_file.h"
#include "protocol/request.h"

namespace carmine::aof {
namespace {

// A name that would not read back as one word (spaces, quotes, backslashes, control or
// non-ASCII bytes) is written quoted with escapes, as Redis writes it. (Redis leaves a single
// quote bare, which its own reader then takes for an opening quote; it is quoted here.)
bool NeedsQuoting(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\\' || c == '"' || c == '\'' || c <= ' ' || c >= 0x7F) return true;
  }
  return false;
}

void Line(std::string* out, const ManifestFile& f) {
  out->append("file ");
  if (NeedsQuoting(f.name)) {
    AppendQuoted(out, f.name);
  } else {
    out->append(f.name);
  }
  out->append(" seq ").append(std::to_string(f.seq));
  out->append(" type ").push_back(f.type);
  out->push_back('\n');
}

// Emits `cmd key e1 e2 ...` with at most kPerCommand elements per command, so loading never
// builds one huge argument vector.
class Batcher {
 public:
  static constexpr size_t kPerCommand = 64;
  Batcher(std::string* out, std::string_view cmd, std::string_view key)
      : out_(out), cmd_(cmd), key_(key) {}
  ~Batcher() { Emit(); }
  void Add(std::string_view a) { items_.emplace_back(a); }
  void EndElement() {
    if (++elements_ == kPerCommand) Emit();
  }

 private:
  void Emit() {
    if (items_.empty()) return;
    std::vector<std::string_view> args;
    args.reserve(items_.size() + 2);
    args.push_back(cmd_);
    args.push_back(key_);
    for (auto& i : items_) args.push_back(i);
    protocol::AppendRequest(out_, args);
    items_.clear();
    elements_ = 0;
  }
  std::string* out_;
  std::string_view cmd_, key_;
  std::vector<std::string> items_;
  size_t elements_ = 0;
};

// A stream as the commands that rebuild it: XADD per entry (XADD MAXLEN 0 of a dummy entry for an
// empty stream), XSETID with the counters, then per group XGROUP CREATE and an XCLAIM ... FORCE
// per pending entry (XGROUP CREATECONSUMER for consumers without any), as Redis rewrites one.
void WriteStreamCommands(std::string* out, std::string_view key, const StreamObject& s) {
  auto emit = [&](std::vector<std::string> args) { protocol::AppendRequest(out, args); };
  std::string k(key);
  if (s.size() > 0) {
    StreamIterator it(s, StreamID{}, StreamID::Max(), false);
    StreamEntry e;
    while (it.Next(&e)) {
      std::vector<std::string_view> args = {"XADD", key};
      std::string id = e.id.ToString();
      args.push_back(id);
      args.insert(args.end(), e.fv.begin(), e.fv.end());
      protocol::AppendRequest(out, args);
    }
  } else {
    emit({"XADD", k, "MAXLEN", "0", "0-1", "x", "y"});
  }
  emit({"XSETID", k, s.last_id.ToString(), "ENTRIESADDED", std::to_string(s.entries_added),
        "MAXDELETEDID", s.max_deleted_id.ToString()});
  for (auto& [name, g] : s.groups) {
    emit({"XGROUP", "CREATE", k, name, g->last_id.ToString(), "ENTRIESREAD",
          std::to_string(g->entries_read)});
    for (auto& [cname, c] : g->consumers) {
      if (c->pel.empty()) {
        emit({"XGROUP", "CREATECONSUMER", k, name, cname});
        continue;
      }
      for (auto& [id, p] : c->pel) {
        emit({"XCLAIM", k, name, cname, "0", id.ToString(), "TIME",
              std::to_string(p->delivery_time), "RETRYCOUNT", std::to_string(p->delivery_count),
              "JUSTID", "FORCE"});
      }
    }
  }
}

void WriteKey(std::string* out, std::string_view key, const CompactValue& v) {
  switch (v.type()) {
    case ObjType::kString: {
      std::string scratch;
      std::vector<std::string_view> args = {"SET", key, v.GetString(&scratch)};
      protocol::AppendRequest(out, args);
      return;
    }
    case ObjType::kList: {
      const auto& l = *static_cast<const ListObject*>(v.object());
      Batcher b(out, "RPUSH", key);
      if (l.size() > 0) {
        l.ForRange(0, l.size() - 1, false, [&](std::string_view e) {
          b.Add(e);
          b.EndElement();
          return true;
        });
      }
      return;
    }
    case ObjType::kSet: {
      Batcher b(out, "SADD", key);
      static_cast<const SetObject*>(v.object())->ForEach([&](std::string_view m) {
        b.Add(m);
        b.EndElement();
      });
      return;
    }
    case ObjType::kZSet: {
      const auto& z = *static_cast<const ZSetObject*>(v.object());
      Batcher b(out, "ZADD", key);
      if (z.size() > 0) {
        z.ForRanks(0, z.size() - 1, false, [&](std::string_view m, double score) {
          b.Add(FormatDouble(score));
          b.Add(m);
          b.EndElement();
        });
      }
      return;
    }
    case ObjType::kHash: {
      HashObject h(const_cast<CompactValue*>(&v));  // read-only use
      Batcher b(out, "HSET", key);
      h.ForEach([&](std::string_view f, std::string_view val) {
        b.Add(f);
        b.Add(val);
        b.EndElement();
      });
      return;
    }
    case ObjType::kStream:
      WriteStreamCommands(out, key, *static_cast<const StreamObject*>(v.object()));
      return;
    default:
      return;
  }
}

}  // namespace

void AppendCommand(std::string* out, const std::vector<std::string>& args) {
  protocol::AppendRequest(out, args);
}
void AppendCommand(std::string* out, const std::vector<std::string_view>& args) {
  protocol::AppendRequest(out, args);
}

std::string BaseFileName(const std::string& prefix, int64_t seq, bool rdb) {
  return prefix + "." + std::to_string(seq) + ".base." + (rdb ? "rdb" : "aof");
}
std::string IncrFileName(const std::string& prefix, int64_t seq) {
  return prefix + "." + std::to_string(seq) + ".incr.aof";
}
std::string ManifestFileName(const std::string& prefix) { return prefix + ".manifest"; }

std::string Manifest::Serialize() const {
  std::string out;
  if (base) Line(&out, *base);
  for (auto& h : history) Line(&out, h);
  for (auto& i : incrs) Line(&out, i);
  return out;
}

void Manifest::MarkHistory(bool all_incrs) {
  // Each file goes to the front of the history: the newest replaced file is listed first.
  auto to_history = [this](ManifestFile f) {
    f.type = 'h';
    history.insert(history.begin(), std::move(f));
  };
  if (base) to_history(*base);
  base.reset();
  size_t keep = all_incrs || incrs.empty() ? 0 : 1;
  for (size_t i = 0; i + keep < incrs.size(); i++) to_history(incrs[i]);
  incrs.erase(incrs.begin(), incrs.end() - static_cast<std::ptrdiff_t>(keep));
}

ManifestError ParseManifest(std::string_view text, Manifest* out) {
  constexpr size_t kMaxLine = kManifestMaxLine;
  *out = Manifest();
  ManifestError err;
  auto bad = [&](int n, std::string_view line, std::string reason) {
    err.kind = ManifestError::Kind::kLine;
    err.line_no = n;
    err.line.assign(line);
    err.reason = std::move(reason);
    return err;
  };
  size_t pos = 0;
  int line_no = 0;
  bool any = false;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    // A line must end with a newline within the limit (a last line without one counts as
    // too long, as Redis reads it).
    if (nl == std::string_view::npos || nl - pos >= kMaxLine) {
      err.kind = ManifestError::Kind::kTooLongLine;
      err.reason = "The AOF manifest file contains too long line";
      return err;
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    line_no++;
    if (!line.empty() && line[0] == '#') continue;
    while (!line.empty() && strchr(" \t\r", line.front()) != nullptr) line.remove_prefix(1);
    while (!line.empty() && strchr(" \t\r", line.back()) != nullptr) line.remove_suffix(1);
    std::vector<std::string> words;
    if (line.empty() || !SplitArgs(line, &words) || words.size() < 6 || words.size() % 2 != 0) {
      return bad(line_no, line, "Invalid AOF manifest file format");
    }
    ManifestFile f;
    f.type = 0;
    for (size_t i = 0; i < words.size(); i += 2) {
      // Keys this version does not know are skipped, so a newer writer can add fields.
      if (words[i] == "file") {
        if (words[i + 1].find('/') != std::string::npos) {
          return bad(line_no, line, "File can't be a path, just a filename");
        }
        f.name = words[i + 1];
      } else if (words[i] == "seq") {
        // Read as atoll reads: a leading number, 0 when there is none.
        f.seq = strtoll(words[i + 1].c_str(), nullptr, 10);
      } else if (words[i] == "type") {
        f.type = words[i + 1].empty() ? 0 : words[i + 1][0];
      }
    }
    if (f.name.empty() || f.seq == 0 || f.type == 0) {
      return bad(line_no, line, "Invalid AOF manifest file format");
    }
    any = true;
    if (f.type == 'b') {
      if (out->base) return bad(line_no, line, "Found duplicate base file information");
      out->base_seq = f.seq;
      out->base = std::move(f);
    } else if (f.type == 'h') {
      out->history.push_back(std::move(f));
    } else if (f.type == 'i') {
      if (f.seq <= out->incr_seq) return bad(line_no, line, "Found a non-monotonic sequence number");
      out->incr_seq = f.seq;
      out->incrs.push_back(std::move(f));
    } else {
      return bad(line_no, line, "Unknown AOF file type");
    }
  }
  if (!any) {
    err.kind = ManifestError::Kind::kEmpty;
    err.reason = "Found an empty AOF manifest";
  }
  return err;
}

bool CommandReader::ReadLine(std::string_view* line) {
  size_t nl = data_.find("\r\n", pos_);
  if (nl == std::string_view::npos) return false;
  *line = data_.substr(pos_, nl - pos_);
  pos_ = nl + 2;
  return true;
}

CommandReader::Result CommandReader::Next(std::vector<std::string_view>* args) {
  args->clear();
  while (pos_ < data_.size() && data_[pos_] == '#') {
    std::string_view skip;
    if (!ReadLine(&skip)) return Result::kTruncated;
    valid_ = pos_;
  }
  if (pos_ >= data_.size()) return Result::kEnd;
  if (data_[pos_] != '*') return Result::kCorrupt;
  std::string_view line;
  if (!ReadLine(&line)) return Result::kTruncated;
  int64_t argc = 0;
  if (!ParseInt64(line.substr(1), &argc) || argc < 1) return Result::kCorrupt;
  for (int64_t i = 0; i < argc; i++) {
    if (pos_ >= data_.size()) return Result::kTruncated;
    if (data_[pos_] != '$') return Result::kCorrupt;
    if (!ReadLine(&line)) return Result::kTruncated;
    int64_t len = 0;
    if (!ParseInt64(line.substr(1), &len) || len < 0) return Result::kCorrupt;
    if (data_.size() - pos_ < static_cast<size_t>(len) + 2) return Result::kTruncated;
    args->push_back(data_.substr(pos_, static_cast<size_t>(len)));
    pos_ += static_cast<size_t>(len);
    if (data_[pos_] != '\r' || data_[pos_ + 1] != '\n') return Result::kCorrupt;
    pos_ += 2;
  }
  valid_ = pos_;
  return Result::kCommand;
}

std::string WriteCommandsFile(DbSet& dbs, const std::string& path, int64_t now_ms,
                              int key_delay, bool timestamp,
                              const std::vector<std::string>& functions) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Opening the temp file for AOF rewrite: " + std::string(strerror(errno));
  FileSink w(fd, false);
  bool ok = true;
  if (timestamp) AppendTimestamp(&w.buf(), now_ms / 1000);
  for (const std::string& code : functions) {
    protocol::AppendRequest(&w.buf(), {"FUNCTION", "LOAD", code});
  }
  for (int db = 0; db < dbs.num_dbs() && ok; db++) {
    if (dbs.KeyCount(db) == 0) continue;
    protocol::AppendRequest(&w.buf(), {"SELECT", std::to_string(db)});
    for (int sh = 0; sh < dbs.num_shards() && ok; sh++) {
      dbs.Data(db, static_cast<uint32_t>(sh)).table.ForEach([&](Entry* e) {
        if (!ok) return;
        // A key already past its deadline is left out, as it would be deleted on first access.
        if (e->has_expire() && e->expire_at() <= now_ms) return;
        WriteKey(&w.buf(), e->key(), e->value);
        if (e->has_expire()) {
          protocol::AppendRequest(&w.buf(),
                                  {"PEXPIREAT", e->key(), std::to_string(e->expire_at())});
        }
        ok = w.MaybeFlush();
        if (key_delay != 0) rdb::KeyDelay(key_delay);
      });
    }
  }
  ok = ok && w.Flush() && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return "Write error writing append only file on disk: " + std::string(strerror(err));
  }
  return "";
}

}  // namespace carmine::aof
