// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Log lines in redis-server's layout, "pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message", so
// operators' log parsers keep working. Thread-safe: a line is formatted on the caller's stack and
// written with one write(2). CHECK is for programmer errors only, never for client input.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <string>

namespace carmine::log {

enum class Level { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// Sets the minimum level and the destination. An empty path means stdout. Returns false if the file
// cannot be opened (the caller reports it).
bool Configure(Level level, const std::string& path);
void SetLevel(Level level);
Level GetLevel();
// Role character shown after the pid: 'M' master, 'C' child, 'S' replica, 'X' sentinel.
void SetRole(char role);
bool ParseLevel(const std::string& name, Level* out);
const char* LevelName(Level level);

void Write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Writes `text` as it is, without the line prefix (the startup logo), when `level` passes.
void WriteRaw(Level level, const char* text);
// The descriptor log lines go to (for the crash report, written from a signal handler).
int CurrentFd();
// syslog-enabled: lines also go to syslog under `ident` with `facility` (LOG_LOCAL0...).
void EnableSyslog(const std::string& ident, int facility);

}  // namespace carmine::log

#define LOG_DEBUG(...) ::carmine::log::Write(::carmine::log::Level::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) ::carmine::log::Write(::carmine::log::Level::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) ::carmine::log::Write(::carmine::log::Level::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) ::carmine::log::Write(::carmine::log::Level::kWarning, __VA_ARGS__)

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) ::carmine::log::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)
#ifdef NDEBUG
#define DCHECK(cond) \
  do {               \
  } while (0)
#else
#define DCHECK(cond) CHECK(cond)
#endif

namespace carmine::log {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
// Allocation failure policy (as Redis's zmalloc handler): log the size and abort.
[[noreturn]] void OutOfMemory(size_t size);
}  // namespace carmine::log
