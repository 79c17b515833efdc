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
#include "core/zset_object.h"
#include "persist/file_sink.h"
#include "protocol/request.h"

namespace carmine::aof {
namespace {

// A manifest value that needs quoting (space, quote, control bytes) is written the way SplitArgs
// reads it back.
std::string QuoteIfNeeded(const std::string& s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c >= 0x7F) plain = false;
  }
  if (plain) return s;
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q.push_back('\\');
      q.push_back(static_cast<char>(c));
    } else if (c < ' ' || c >= 0x7F) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      q.append(buf);
    } else {
      q.push_back(static_cast<char>(c));
    }
  }
  q.push_back('"');
  return q;
}

void Line(std::string* out, const ManifestFile& f) {
  out->append("file ").append(QuoteIfNeeded(f.name));
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

Status ParseManifest(std::string_view text, Manifest* out) {
  *out = Manifest();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words;
    if (!SplitArgs(line, &words) || words.size() % 2 != 0) {
      return Status::Error("Invalid AOF manifest file format");
    }
    ManifestFile f;
    bool has_name = false, has_seq = false, has_type = false;
    for (size_t i = 0; i < words.size(); i += 2) {
      // Unknown keys are skipped, so a newer writer can add fields.
      if (words[i] == "file") {
        f.name = words[i + 1];
        has_name = !f.name.empty() && f.name.find('/') == std::string::npos;
      } else if (words[i] == "seq") {
        has_seq = ParseInt64(words[i + 1], &f.seq) && f.seq > 0;
      } else if (words[i] == "type") {
        f.type = words[i + 1].size() == 1 ? words[i + 1][0] : '?';
        has_type = f.type == 'b' || f.type == 'i' || f.type == 'h';
      }
    }
    if (!has_name || !has_seq || !has_type) {
      return Status::Error("Invalid AOF manifest file format");
    }
    if (f.type == 'b') {
      if (out->base) return Status::Error("Found duplicate base file information");
      out->base_seq = f.seq;
      out->base = std::move(f);
    } else if (f.type == 'i') {
      if (f.seq <= out->incr_seq) {
        return Status::Error("Found a non-monotonic sequence number");
      }
      out->incr_seq = f.seq;
      out->incrs.push_back(std::move(f));
    } else {
      out->history.push_back(std::move(f));
    }
  }
  return Status::Ok();
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

std::string WriteCommandsFile(DbSet& dbs, const std::string& path, int64_t now_ms) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Opening the temp file for AOF rewrite: " + std::string(strerror(errno));
  FileSink w(fd, false);
  bool ok = true;
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
