// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Process-level duties of the server, the parts supervisors, `ps`, probes and operators see:
// the startup banner, the process title (proc-title-template), readiness notification for
// systemd and upstart (supervised), the OOM killer score (oom-score-adj), transparent huge
// pages (disable-thp), startup warnings about the kernel, and the crash report written when
// the process dies of a fatal signal.
#pragma once

#include <atomic>
#include <climits>
#include <string>

namespace carmine {

class Server;
struct ServerOptions;

namespace process {

// Keeps argv so the process title can be rewritten in place later (call first thing in main).
void SaveArgv(int argc, char** argv);
// Sets the title `ps` shows from proc-title-template; `mode` is "", "[sentinel]" or "[cluster]".
// Returns false when the template is invalid.
bool SetTitle(const Server& s, const std::string& tmpl);

// The banner: the logo (version, mode, port, PID) when always-show-logo is set or stdout is a
// terminal, else one "Running mode=..., port=..." line.
void PrintBanner(const Server& s);
// Kernel settings that hurt a server that forks for snapshots (overcommit, THP), as warnings.
void WarnAboutKernel(bool disable_thp);
// supervised systemd/upstart/auto: tells the supervisor the server is ready (or a status line).
void NotifySupervisor(const ServerOptions& o, const std::string& status, bool ready);
// Writes oom-score-adj to /proc/self/oom_score_adj. "" or the reason.
std::string ApplyOomScoreAdj(const ServerOptions& o, bool is_replica);
// The score a forked child (BGSAVE, AOF rewrite) takes, as Redis's background-child class;
// kOomUntouched while oom-score-adj is off. Written by ApplyOomScoreAdj, read after fork.
inline constexpr int kOomUntouched = INT_MIN;
inline std::atomic<int> g_child_oom_score{kOomUntouched};
// In a forked child: applies g_child_oom_score (async-signal-safe: open/write/close only).
void ApplyChildOomScore();
// crash-log-enabled: a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) logs a crash
// report with a backtrace before the process dies.
void InstallCrashHandler(bool enabled);

}  // namespace process
}  // namespace carmine
