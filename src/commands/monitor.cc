// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/monitor.h"

#include "base/strutil.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "commands/session.h"
#include "commands/slowlog.h"

namespace carmine {

void MonitorRegistry::Add(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& m : monitors_) {
    if (m == s) return;
  }
  monitors_.push_back(s);
  count_.store(monitors_.size(), std::memory_order_relaxed);
}

void MonitorRegistry::Remove(const Subscriber* s) {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(monitors_, [s](auto& m) { return m.get() == s; });
  count_.store(monitors_.size(), std::memory_order_relaxed);
}

void MonitorRegistry::Feed(const CommandSpec* spec, ArgList args, const Session& session,
                           int64_t now_us, bool always) {
  if ((spec->flags & (kAdmin | kSkipMonitor)) && !always) return;
  char head[64];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
           static_cast<long long>(now_us % 1000000), session.db.load(std::memory_order_relaxed));
  std::string line(head);
  if (session.is_unix) {
    // Unix clients show as "unix:<socket path>" (their address is "<path>:0").
    std::string_view path = session.laddr;
    if (path.size() > 2 && path.substr(path.size() - 2) == ":0") path.remove_suffix(2);
    line.append("unix:").append(path);
  } else {
    line.append(session.addr);
  }
  line.push_back(']');
  std::vector<bool> redacted = RedactedArgs(spec, args);
  for (size_t i = 0; i < args.size(); i++) {
    line.push_back(' ');
    AppendQuoted(&line, redacted[i] ? std::string_view("(redacted)") : args[i]);
  }
  line.append("\r\n");
  std::lock_guard<std::mutex> l(mu_);
  for (auto& m : monitors_) m->Deliver(line);
}

}  // namespace carmine
