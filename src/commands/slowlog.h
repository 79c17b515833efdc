// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The slow log: commands that ran longer than `slowlog-log-slower-than` microseconds, newest
// first, at most `slowlog-max-len` of them. The dispatcher records from every worker thread; the
// entry keeps what SLOWLOG GET shows (arguments shortened as Redis shortens them, passwords
// redacted, the client's address and name).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "commands/registry.h"

namespace carmine {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t timestamp = 0;  // unix seconds
  int64_t duration_us = 0;
  std::vector<std::string> args;
  std::string addr, name;
};

// Which arguments of a call carry secrets, as the command's Redactor says (AUTH's password,
// HELLO's and MIGRATE's credentials): the slow log and MONITOR show them as "(redacted)".
std::vector<bool> RedactedArgs(const CommandSpec* spec, ArgList args);

class SlowLog {
 public:
  // Records a command (args[0] is its name) if the log keeps anything (max_len > 0).
  void Record(const CommandSpec* spec, ArgList args, int64_t duration_us, int64_t now_ms, const std::string& addr,
              const std::string& name, int64_t max_len);
  // The newest `count` entries (all for count < 0), newest first.
  std::vector<SlowLogEntry> Get(int64_t count);
  size_t Len();
  // The newest entry's id (0 with an empty log): its growth rate is the slow-command rate.
  int64_t LastId();
  void Reset();
  // Drops the oldest entries beyond max_len (after CONFIG SET slowlog-max-len).
  void Trim(int64_t max_len);

 private:
  std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // newest at the front
  int64_t next_id_ = 0;
};

}  // namespace carmine
