// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// carmine-server entry point: read the configuration (file + command-line overrides), daemonize
// if asked, write the pidfile, install signal handlers, start the server and wait for SIGTERM,
// SIGINT or SHUTDOWN. Startup errors print Redis-style messages and exit non-zero.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>

#include "base/logging.h"
#include "base/memory_probe.h"
#include "server/server.h"

namespace {

carmine::Server* g_server = nullptr;

void OnSignal(int sig) {
  const char* msg = sig == SIGINT ? "Received SIGINT scheduling shutdown..."
                                  : "Received SIGTERM scheduling shutdown...";
  LOG_WARNING("%s", msg);
  LOG_WARNING("User requested shutdown...");
  if (g_server != nullptr) g_server->RequestShutdown();
}

// Makes room for maxclients connections plus the server's own descriptors, as Redis does at
// startup; if the hard limit is lower, maxclients shrinks to fit and a warning says so.
void AdjustOpenFilesLimit(carmine::ServerConfig* cfg) {
  constexpr int kReserved = 32;
  rlim_t want = static_cast<rlim_t>(cfg->maxclients) + kReserved;
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur >= want) return;
  rlim_t target = want;
  if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max) target = lim.rlim_max;
  struct rlimit next = {target, lim.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &next) != 0) target = lim.rlim_cur;
  if (target < want) {
    int old = cfg->maxclients;
    cfg->maxclients = std::max<int>(1, static_cast<int>(target) - kReserved);
    LOG_WARNING(
        "You requested maxclients of %d requiring at least %llu max file descriptors; the limit "
        "is %llu, so maxclients has been reduced to %d. Raise 'ulimit -n' to serve more clients.",
        old, static_cast<unsigned long long>(want), static_cast<unsigned long long>(target),
        cfg->maxclients);
  } else {
    LOG_NOTICE("Increased maximum number of open files to %llu (it was originally set to %llu).",
               static_cast<unsigned long long>(target),
               static_cast<unsigned long long>(lim.rlim_cur));
  }
}

void Daemonize() {
  if (fork() != 0) _exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  carmine::mem::RegisterThread();
  using namespace carmine;
  ServerConfig cfg;
  bool exit_now = false;
  int exit_code = 0;
  Status st = ParseCommandLine(argc, argv, &cfg, &exit_now, &exit_code);
  if (exit_now) return exit_code;
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  log::Level level = log::Level::kNotice;
  log::ParseLevel(cfg.loglevel, &level);
  if (cfg.daemonize && cfg.logfile.empty()) {
    log::SetLevel(level);
  } else if (!log::Configure(level, cfg.logfile)) {
    fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  if (cfg.daemonize) {
    Daemonize();
    if (cfg.pidfile.empty()) cfg.pidfile = "/var/run/carmine_" + std::to_string(cfg.port) + ".pid";
  }
  signal(SIGPIPE, SIG_IGN);
  // Past a file size limit, write(2) then fails with EFBIG (handled) instead of killing us.
  signal(SIGXFSZ, SIG_IGN);
  LOG_NOTICE("Carmine is starting");
  LOG_NOTICE("Carmine version=0.1.0, redis_version=7.2.4, bits=64, pid=%d, just started",
             static_cast<int>(getpid()));
  if (cfg.config_file.empty()) {
    LOG_WARNING("Warning: no config file specified, using the default config.");
  } else {
    LOG_NOTICE("Configuration loaded");
  }

  AdjustOpenFilesLimit(&cfg);
  Server server(cfg);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) server.set_executable(std::string(exe, n));
  g_server = &server;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // The pidfile exists before the first client can connect, so whoever waits for the port can
  // read it.
  if (!cfg.pidfile.empty()) {
    FILE* f = fopen(cfg.pidfile.c_str(), "w");
    if (f != nullptr) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    } else {
      LOG_WARNING("Failed to write PID file: %s", strerror(errno));
    }
  }
  Status started = server.Start();
  if (!started.ok()) {
    LOG_WARNING("%s", started.message().c_str());
    if (!cfg.pidfile.empty()) unlink(cfg.pidfile.c_str());
    return 1;
  }
  LOG_NOTICE("Server initialized, %d worker thread(s)", server.ConfigSnapshot().threads);
  server.WaitForShutdown();
  if (!cfg.pidfile.empty()) {
    LOG_NOTICE("Removing the pid file.");
    unlink(cfg.pidfile.c_str());
  }
  if (!cfg.unixsocket.empty()) {
    LOG_NOTICE("Removing the unix socket file.");
    unlink(cfg.unixsocket.c_str());
  }
  LOG_WARNING("Carmine is now ready to exit, bye bye...");
  g_server = nullptr;
  return 0;
}
