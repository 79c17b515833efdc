// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/process.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/logging.h"
#include "base/version.h"
#include "server/server.h"

extern char** environ;

namespace carmine::process {
namespace {

// The memory argv's strings occupy (and environ's, which follow them and are moved away the
// first time the title is set), so a longer title fits.
char* g_title_start = nullptr;
size_t g_title_len = 0;
bool g_env_moved = false;
std::string g_argv0;

std::string ReadSmallFile(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[256];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return n > 0 ? std::string(buf, n) : std::string();
}

// Moves the environment strings to the heap so their bytes can carry the title.
void MoveEnvironment() {
  if (g_env_moved) return;
  g_env_moved = true;
  char* end = g_title_start + g_title_len;
  size_t n = 0;
  while (environ[n] != nullptr) n++;
  // Leaked on purpose: the environment lives as long as the process.
  char** copy = static_cast<char**>(calloc(n + 1, sizeof(char*)));
  if (copy == nullptr) return;
  for (size_t i = 0; i < n; i++) {
    if (environ[i] == end + 1 || environ[i] == end) {
      end = environ[i] + strlen(environ[i]);
    }
    copy[i] = strdup(environ[i]);
  }
  environ = copy;
  g_title_len = static_cast<size_t>(end - g_title_start);
}

}  // namespace

void SaveArgv(int argc, char** argv) {
  if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
  g_argv0 = argv[0];
  g_title_start = argv[0];
  char* end = argv[0] + strlen(argv[0]);
  for (int i = 1; i < argc; i++) {
    if (argv[i] == end + 1) end = argv[i] + strlen(argv[i]);
  }
  g_title_len = static_cast<size_t>(end - g_title_start);
}

bool SetTitle(const Server& s, const std::string& tmpl) {
  if (g_title_start == nullptr) return true;
  Server& srv = const_cast<Server&>(s);
  const ServerOptions& o = srv.server_opts();
  std::vector<std::string> bind = o.bind_addresses();
  std::string addr = (bind.empty() ? std::string("*") : bind.front());
  if (!addr.empty() && addr[0] == '-') addr.erase(0, 1);
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i++]);
      continue;
    }
    size_t end = tmpl.find('}', i);
    if (end == std::string::npos) return false;
    std::string var = tmpl.substr(i + 1, end - i - 1);
    if (var == "title") {
      out += g_argv0;
    } else if (var == "listen-addr") {
      out += addr + ":" + std::to_string(o.port.get());
    } else if (var == "server-mode") {
      out += srv.opts().cluster_enabled.load() ? "[cluster]" : "";
    } else if (var == "port") {
      out += std::to_string(o.port.get());
    } else if (var == "tls-port") {
      out += "0";
    } else if (var == "unixsocket") {
      out += o.unixsocket.get();
    } else if (var == "config-file") {
      out += srv.config_file();
    } else {
      return false;
    }
    i = end + 1;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  MoveEnvironment();
  size_t n = std::min(out.size(), g_title_len);
  memcpy(g_title_start, out.data(), n);
  memset(g_title_start + n, 0, g_title_len - n);
  return true;
}

void PrintBanner(const Server& s) {
  Server& srv = const_cast<Server&>(s);
  const ServerOptions& o = srv.server_opts();
  const char* mode = srv.sentinel() != nullptr          ? "sentinel"
                     : srv.opts().cluster_enabled.load() ? "cluster"
                                                         : "standalone";
  int port = o.port.get();
  if (!o.always_show_logo.get() && !isatty(STDOUT_FILENO)) {
    LOG_NOTICE("Running mode=%s, port=%d.", mode, port);
    return;
  }
  // Carmine's own drawing; the lines a harness reads are " PID: <pid>" and the mode and port.
  char buf[2048];
  snprintf(buf, sizeof(buf),
           "\n"
           "        .----.\n"
           "      .'  /\\  '.         Carmine %s (Redis %s compatible) 64 bit\n"
           "     /   /  \\   \\\n"
           "    |   / /\\ \\   |       Running in %s mode\n"
           "    |   \\ \\/ /   |       Port: %d\n"
           "     \\   \\  /   /        PID: %d\n"
           "      '.  \\/  .'\n"
           "        '----'\n\n",
           std::string(version::kCarmine).c_str(), std::string(version::kRedis).c_str(), mode,
           port, static_cast<int>(getpid()));
  log::WriteRaw(log::Level::kNotice, buf);
}

void WarnAboutKernel(bool disable_thp) {
  std::string overcommit = ReadSmallFile("/proc/sys/vm/overcommit_memory");
  if (!overcommit.empty() && overcommit[0] != '1') {
    LOG_WARNING(
        "WARNING Memory overcommit must be enabled! Without it a background save (fork) can fail "
        "when memory is low, or even when it is not. Set 'vm.overcommit_memory = 1' in "
        "/etc/sysctl.conf and reboot, or run 'sysctl vm.overcommit_memory=1' now.");
  }
  std::string thp = ReadSmallFile("/sys/kernel/mm/transparent_hugepage/enabled");
  if (thp.find("[always]") != std::string::npos) {
    if (disable_thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0) return;
    LOG_WARNING(
        "WARNING Transparent Huge Pages (THP) are enabled in your kernel: forks for snapshots "
        "then copy more memory and latency suffers. Run 'echo madvise > "
        "/sys/kernel/mm/transparent_hugepage/enabled' as root to turn them off.");
  }
}

void NotifySupervisor(const ServerOptions& o, const std::string& status, bool ready) {
  auto mode = static_cast<Supervised>(o.supervised.get());
  if (mode == Supervised::kNo) return;
  const char* notify = getenv("NOTIFY_SOCKET");
  const char* upstart = getenv("UPSTART_JOB");
  if ((mode == Supervised::kSystemd || mode == Supervised::kAuto) && notify != nullptr &&
      notify[0] != '\0') {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, notify, sizeof(sa.sun_path) - 1);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
    std::string msg = "STATUS=" + status + "\n";
    if (ready) msg += "READY=1\n";
    sendto(fd, msg.data(), msg.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sa),
           sizeof(sa));
    close(fd);
    return;
  }
  if ((mode == Supervised::kUpstart || mode == Supervised::kAuto) && upstart != nullptr && ready) {
    // Upstart's `expect stop`: the job is up when the process stops itself once.
    unsetenv("UPSTART_JOB");
    raise(SIGSTOP);
  }
}

void ApplyChildOomScore() {
  int v = g_child_oom_score.load(std::memory_order_relaxed);
  if (v == kOomUntouched) return;
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[16];
  int n = snprintf(buf, sizeof(buf), "%d", v);
  ssize_t w = write(fd, buf, static_cast<size_t>(n));
  (void)w;
  close(fd);
}

std::string ApplyOomScoreAdj(const ServerOptions& o, bool is_replica) {
  // As Redis: the score found when Carmine first takes control is the base (relative values add
  // to it) and is put back when control is given up; while off, the file is left alone (someone
  // else may be managing it).
  static std::mutex mu;
  static bool adjusted = false;
  static int base = 0;
  std::lock_guard<std::mutex> l(mu);
  auto mode = static_cast<OomScoreAdj>(o.oom_score_adj.get());
  int value;
  if (mode != OomScoreAdj::kNo) {
    if (!adjusted) {
      std::string v = ReadSmallFile("/proc/self/oom_score_adj");
      base = v.empty() ? 0 : atoi(v.c_str());
      adjusted = true;
    }
    auto score = [&](int v) {
      return std::max(-1000, std::min(1000, mode == OomScoreAdj::kAbsolute ? v : base + v));
    };
    value = score(o.oom_values()[is_replica ? 1 : 0]);
    g_child_oom_score.store(score(o.oom_values()[2]), std::memory_order_relaxed);
  } else if (adjusted) {
    adjusted = false;
    value = base;
    g_child_oom_score.store(kOomUntouched, std::memory_order_relaxed);
  } else {
    return "";
  }
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (mode == OomScoreAdj::kNo) return "";
    return std::string("Unable to write oom_score_adj: ") + strerror(errno);
  }
  std::string s = std::to_string(value);
  ssize_t n = write(fd, s.data(), s.size());
  int e = errno;
  close(fd);
  if (n < 0 && mode != OomScoreAdj::kNo) return std::string("Unable to write oom_score_adj: ") + strerror(e);
  return "";
}

namespace {
void OnFatalSignal(int sig, siginfo_t* info, void*) {
  // Only async-signal-safe calls: write(2) and backtrace_symbols_fd.
  int fd = log::CurrentFd();
  char buf[256];
  int n = snprintf(buf, sizeof(buf),
                   "\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n"
                   "%d:M Carmine %s crashed by signal: %d, si_code: %d\n",
                   static_cast<int>(getpid()), std::string(version::kCarmine).c_str(), sig,
                   info != nullptr ? info->si_code : 0);
  ssize_t w = write(fd, buf, n);
  static const char kTrace[] = "\n------ STACK TRACE ------\n\nBacktrace:\n";
  w = write(fd, kTrace, sizeof(kTrace) - 1);
  void* frames[64];
  int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames, depth, fd);
  static const char kEnd[] =
      "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n";
  w = write(fd, kEnd, sizeof(kEnd) - 1);
  (void)w;
  // Die of the same signal, so the exit status tells what happened.
  signal(sig, SIG_DFL);
  raise(sig);
}
}  // namespace

void InstallCrashHandler(bool enabled) {
  if (!enabled) return;
  struct sigaction sa {};
  sa.sa_sigaction = OnFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);
}

}  // namespace carmine::process
