// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/slowlog.h"

#include "base/strutil.h"

namespace carmine {
namespace {
// Redis keeps at most 32 arguments and 128 bytes of each.
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;
}  // namespace

std::vector<bool> RedactedArgs(const CommandSpec* spec, ArgList args) {
  std::vector<bool> out(args.size(), false);
  if (spec != nullptr && spec->redactor != nullptr) spec->redactor(args, &out);
  return out;
}

void SlowLog::Record(const CommandSpec* spec, ArgList args, int64_t duration_us, int64_t now_ms, const std::string& addr,
                     const std::string& name, int64_t max_len) {
  if (max_len <= 0) return;
  SlowLogEntry e;
  e.timestamp = now_ms / 1000;
  e.duration_us = duration_us;
  e.addr = addr;
  e.name = name;
  std::vector<bool> redact = RedactedArgs(spec, args);
  size_t kept = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < kept; i++) {
    if (kept < args.size() && i == kept - 1) {
      e.args.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
      break;
    }
    if (redact[i]) {
      e.args.emplace_back("(redacted)");
    } else if (args[i].size() > kMaxArgBytes) {
      e.args.push_back(std::string(args[i].substr(0, kMaxArgBytes)) + "... (" +
                       std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)");
    } else {
      e.args.emplace_back(args[i]);
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<size_t>(count));
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + static_cast<long>(n));
}

int64_t SlowLog::LastId() {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.empty() ? 0 : entries_.front().id;
}

size_t SlowLog::Len() {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  entries_.clear();
}

void SlowLog::Trim(int64_t max_len) {
  std::lock_guard<std::mutex> l(mu_);
  while (!entries_.empty() && static_cast<int64_t>(entries_.size()) > std::max<int64_t>(max_len, 0))
    entries_.pop_back();
}

}  // namespace carmine
