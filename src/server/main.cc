// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// carmine-server entry point: read the configuration (file + command-line overrides), daemonize
// if asked, write the pidfile, install signal handlers, start the server and wait for SIGTERM,
// SIGINT or SHUTDOWN. The log tells what happens in redis-server's words and order (starting,
// configuration loaded, banner, "Server initialized", loading, "Ready to accept connections",
// the shutdown sequence), because supervisors, harnesses and operators read it. Startup errors
// exit with status 1.
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
#include "base/version.h"
#include "server/check_rdb.h"
#include "server/process.h"
#include "server/server.h"

namespace {

carmine::Server* g_server = nullptr;

// "temp-<pid>.rdb" in the working directory (`dir`): what a save in progress writes, removed by a
// second SIGINT before it exits.
char g_temp_rdb[64];

void OnSignal(int sig) {
  // A second Ctrl-C while the first one's shutdown runs (saving, or waiting for replicas):
  // exit now, without the snapshot, as Redis does.
  if (sig == SIGINT && g_server != nullptr && g_server->signal_shutdown_active()) {
    carmine::log::Write(carmine::log::Level::kWarning, "You insist... exiting now.");
    unlink(g_temp_rdb);
    _exit(1);
  }
  // Only flags and a wake-up here; the shutdown itself runs on the main thread.
  const char* msg = sig == SIGINT ? "Received SIGINT scheduling shutdown..."
                                  : "Received SIGTERM scheduling shutdown...";
  carmine::log::Write(carmine::log::Level::kWarning, "%s", msg);
  if (g_server != nullptr) g_server->RequestShutdownFromSignal(sig);
}

// Makes room for maxclients connections plus the server's own descriptors, as Redis does at
// startup; if the hard limit is lower, maxclients shrinks to fit and a warning says so.
void AdjustOpenFilesLimit(carmine::ServerOptions& o) {
  constexpr int64_t kReserved = 32;
  int64_t maxclients = o.maxclients.get();
  rlim_t want = static_cast<rlim_t>(maxclients + kReserved);
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur >= want) return;
  rlim_t target = want;
  if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max) target = lim.rlim_max;
  struct rlimit next = {target, lim.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &next) != 0) target = lim.rlim_cur;
  if (target < want) {
    int64_t fit = std::max<int64_t>(1, static_cast<int64_t>(target) - kReserved);
    o.maxclients.Set(std::vector<std::string>{std::to_string(fit)}, carmine::config::Source::kFile);
    LOG_WARNING(
        "You requested maxclients of %lld requiring at least %llu max file descriptors.",
        static_cast<long long>(maxclients), static_cast<unsigned long long>(want));
    LOG_WARNING("Server can't set maximum open files to %llu because of OS error: %s.",
                static_cast<unsigned long long>(want), strerror(EPERM));
    LOG_WARNING(
        "Current maximum open files is %llu. maxclients has been reduced to %lld to compensate "
        "for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
        static_cast<unsigned long long>(target), static_cast<long long>(fit));
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
  using namespace carmine;
  if (argc > 0 && IsCheckRdbName(argv[0])) return CheckRdbMain(argc, argv);
  mem::RegisterThread();
  process::SaveArgv(argc, argv);
  // Until the server itself runs, log lines carry Redis's 'C' role mark.
  log::SetRole('C');
  Server server;
  bool exit_now = false;
  int exit_code = 0;
  Status st = server.Configure(argc, argv, &exit_now, &exit_code);
  if (exit_now) return exit_code;
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  ServerOptions& o = server.server_opts();
  auto level = static_cast<log::Level>(o.loglevel.get());
  const std::string logfile = o.logfile.get();
  if (o.daemonize.get() && logfile.empty()) {
    log::SetLevel(level);
  } else if (!log::Configure(level, logfile)) {
    fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  if (o.syslog_enabled.get()) log::EnableSyslog(o.syslog_ident.get(), o.syslog_facility.get());
  // Supervised by upstart or systemd, the process does not detach itself.
  bool supervised = static_cast<Supervised>(o.supervised.get()) != Supervised::kNo &&
                    (getenv("NOTIFY_SOCKET") != nullptr || getenv("UPSTART_JOB") != nullptr);
  std::string pidfile = o.pidfile.get();
  if (o.daemonize.get() && !supervised) {
    Daemonize();
    if (pidfile.empty()) pidfile = "/var/run/redis_" + std::to_string(o.port.get()) + ".pid";
  }
  signal(SIGPIPE, SIG_IGN);
  // Past a file size limit, write(2) then fails with EFBIG (handled) instead of killing us.
  signal(SIGXFSZ, SIG_IGN);
  process::InstallCrashHandler(o.crash_log_enabled.get());
  process::WarnAboutKernel(o.disable_thp.get());
  LOG_NOTICE("Carmine is starting, compatible with Redis %s",
             std::string(version::kRedis).c_str());
  LOG_NOTICE("Carmine version=%s, redis_version=%s, bits=64, pid=%d, just started",
             std::string(version::kCarmine).c_str(), std::string(version::kRedis).c_str(),
             static_cast<int>(getpid()));
  if (server.config_file().empty()) {
    LOG_WARNING(
        "Warning: no config file specified, using the default config. In order to specify a "
        "config file use %s /path/to/redis.conf",
        argv[0]);
  } else {
    LOG_NOTICE("Configuration loaded");
  }
  log::SetRole(server.sentinel() != nullptr ? 'X' : 'M');
  AdjustOpenFilesLimit(o);
  snprintf(g_temp_rdb, sizeof(g_temp_rdb), "temp-%d.rdb", static_cast<int>(getpid()));
  g_server = &server;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // The pidfile exists before the first client can connect, so whoever waits for the port can
  // read it.
  if (!pidfile.empty()) {
    FILE* f = fopen(pidfile.c_str(), "w");
    if (f != nullptr) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    } else {
      LOG_WARNING("Failed to write PID file: %s", strerror(errno));
    }
  }
  if (o.set_proc_title.get()) process::SetTitle(server, o.proc_title_template.get());
  Status started = server.Start();
  if (!started.ok()) {
    // An empty message: the reason is logged already (in the form Redis logs it).
    if (!started.message().empty()) LOG_WARNING("%s", started.message().c_str());
    if (!pidfile.empty()) unlink(pidfile.c_str());
    return 1;
  }
  process::NotifySupervisor(o, "Ready to accept connections", true);
  int code = server.WaitForShutdown();
  if (!pidfile.empty()) {
    LOG_NOTICE("Removing the pid file.");
    unlink(pidfile.c_str());
  }
  if (!o.unixsocket.empty()) {
    LOG_NOTICE("Removing the unix socket file.");
    unlink(o.unixsocket.get().c_str());
  }
  if (code == 0) LOG_WARNING("Carmine is now ready to exit, bye bye...");
  // A script still runs on a worker (SHUTDOWN NOSAVE while busy): nothing may wait for it.
  if (server.scripting().engine().running_since_ms() != 0) _exit(code);
  g_server = nullptr;
  return code;
}
