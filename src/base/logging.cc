// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/logging.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include <syslog.h>

namespace carmine::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kNotice)};
std::atomic<int> g_fd{1};
std::atomic<char> g_role{'M'};
std::atomic<bool> g_syslog{false};

}  // namespace

bool Configure(Level level, const std::string& path) {
  SetLevel(level);
  if (path.empty()) {
    g_fd.store(1);
    return true;
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  int old = g_fd.exchange(fd);
  if (old > 2) close(old);
  return true;
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(g_level.load()); }
void SetRole(char role) { g_role.store(role); }

bool ParseLevel(const std::string& name, Level* out) {
  static const char* kNames[] = {"debug", "verbose", "notice", "warning", "nothing"};
  for (int i = 0; i < 5; i++) {
    if (strcasecmp(name.c_str(), kNames[i]) == 0) {
      *out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

const char* LevelName(Level level) {
  static const char* kNames[] = {"debug", "verbose", "notice", "warning", "nothing"};
  return kNames[static_cast<int>(level)];
}

void Write(Level level, const char* fmt, ...) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  char buf[1024];
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  static const char kMarks[] = {'.', '-', '*', '#'};
  int n = snprintf(buf, sizeof(buf), "%d:%c ", static_cast<int>(getpid()), g_role.load());
  n += static_cast<int>(strftime(buf + n, sizeof(buf) - n, "%d %b %Y %H:%M:%S.", &tm));
  n += snprintf(buf + n, sizeof(buf) - n, "%03d %c ", static_cast<int>(tv.tv_usec / 1000),
                kMarks[static_cast<int>(level)]);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
  va_end(ap);
  int body = n;
  n = (m < 0) ? n : std::min<int>(n + m, sizeof(buf) - 2);
  buf[n++] = '\n';
  ssize_t w = ::write(g_fd.load(), buf, n);
  (void)w;
  if (g_syslog.load(std::memory_order_relaxed)) {
    static const int kPriority[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    syslog(kPriority[static_cast<int>(level)], "%.*s", n - body - 1, buf + body);
  }
}

void WriteRaw(Level level, const char* text) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  ssize_t w = ::write(g_fd.load(), text, strlen(text));
  (void)w;
}

int CurrentFd() { return g_fd.load(); }

void EnableSyslog(const std::string& ident, int facility) {
  static std::string saved;  // openlog keeps the pointer
  saved = ident;
  openlog(saved.c_str(), LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility << 3);
  g_syslog.store(true);
}

void CheckFailed(const char* cond, const char* file, int line) {
  Write(Level::kWarning, "CHECK failed: %s at %s:%d", cond, file, line);
  abort();
}

void OutOfMemory(size_t size) {
  Write(Level::kWarning, "Out Of Memory allocating %zu bytes!", size);
  abort();
}

}  // namespace carmine::log
