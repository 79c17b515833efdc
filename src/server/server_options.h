// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ServerOptions: the directives of the process itself (listening, clients, logging, threads,
// supervision, shutdown) and Redis's internal tuning knobs that have no Carmine counterpart,
// declared once here (base/config.h). docs/compatibility.md says what each knob does in Carmine.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/defrag_advisor.h"

namespace carmine {

// shutdown-on-sigterm / shutdown-on-sigint flags (combinable, "default" is none).
enum ShutdownFlag : int {
  kShutdownSave = 1,
  kShutdownNoSave = 2,
  kShutdownNow = 4,
  kShutdownForce = 8,
};

enum class Supervised : int { kNo = 0, kUpstart = 1, kSystemd = 2, kAuto = 3 };
enum class OomScoreAdj : int { kNo = 0, kYes = 1, kRelative = 2, kAbsolute = 3 };

struct ServerOptions {
  explicit ServerOptions(config::Registry& r);

  std::vector<std::string> bind_addresses() const {
    std::lock_guard<std::mutex> l(mu_);
    return bind_;
  }
  // A `bind` line or CONFIG SET bind was given (protected mode applies to the default only).
  bool bind_explicit() const { return bind_explicit_.load(); }
  int hz() const { return hz_.load(std::memory_order_relaxed); }
  int unixsocketperm() const { return unixsocketperm_.load(); }
  int sigterm_flags() const { return sigterm_.load(); }
  int sigint_flags() const { return sigint_.load(); }
  std::vector<int> oom_values() const {
    std::lock_guard<std::mutex> l(mu_);
    return oom_values_;
  }

  config::Registry& registry;
  static constexpr int64_t kIMax = INT_MAX;
  static constexpr int64_t kLLMax = LLONG_MAX;
  using Int = config::Int<int>;
  using I64 = config::Int<int64_t>;

  // Listening.
  Int port{registry, "port", 6379, 0, 65535};
  config::Custom bind;
  config::String bind_source_addr{registry, "bind-source-addr", ""};
  config::Bool protected_mode{registry, "protected-mode", true};
  config::String unixsocket{registry, "unixsocket", "", config::kImmutable};
  config::Custom unixsocketperm_option;
  Int tcp_backlog{registry, "tcp-backlog", 511, 0, kIMax, config::kImmutable};
  I64 socket_mark_id{registry, "socket-mark-id", 0, 0, 4294967295LL, config::kImmutable};
  // Carmine: also serve Prometheus /metrics on this port (HTTP only). Carmine's own immutable
  // directives answer CONFIG GET by name only, so `CONFIG GET *` lists what Redis lists.
  Int metrics_port{registry, "metrics-port", 0, 0, 65535, config::kImmutable | config::kHidden};

  // Clients.
  Int timeout{registry, "timeout", 0, 0, kIMax};
  Int tcp_keepalive{registry, "tcp-keepalive", 300, 0, kIMax};
  I64 maxclients{registry, "maxclients", 10000, 1, 4294967295LL};
  I64 client_query_buffer_limit{registry, "client-query-buffer-limit", 1024LL * 1024 * 1024,
                                1024 * 1024, kLLMax, config::kMemory};

  // Process.
  config::Bool daemonize{registry, "daemonize", false, config::kImmutable};
  config::Enum supervised{registry, "supervised", 0,
                          {{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}},
                          config::kImmutable};
  config::String pidfile{registry, "pidfile", "", config::kImmutable};
  config::Custom dir;
  Int databases{registry, "databases", 16, 1, kIMax, config::kImmutable};
  config::Custom hz_option;
  config::Bool dynamic_hz{registry, "dynamic-hz", true};
  // Carmine: event-loop worker threads (0: one per CPU).
  Int threads{registry, "threads", 0, 0, 256, config::kImmutable | config::kHidden};
  // Redis's I/O threads. Carmine's workers each read, parse, run and write for their own
  // connections, so `io-threads N` (when `threads` is not given) runs N workers.
  Int io_threads{registry, "io-threads", 1, 1, 128, config::kImmutable};
  config::Bool io_threads_do_reads{registry, "io-threads-do-reads", false, config::kImmutable};
  // Carmine: microseconds a worker keeps polling after a busy iteration (0: sleep at once).
  Int busy_poll_us{registry, "busy-poll-us", 50, 0, 10000};
  config::Bool always_show_logo{registry, "always-show-logo", false, config::kImmutable};
  config::Bool set_proc_title{registry, "set-proc-title", true, config::kImmutable};
  config::String proc_title_template;
  config::String locale_collate;
  config::Enum oom_score_adj{registry, "oom-score-adj", 0,
                             {{"no", 0}, {"yes", 1}, {"relative", 2}, {"absolute", 3}}};
  config::Custom oom_score_adj_values;
  config::Bool disable_thp{registry, "disable-thp", true, config::kImmutable};
  config::Custom shutdown_on_sigint;
  config::Custom shutdown_on_sigterm;
  Int shutdown_timeout{registry, "shutdown-timeout", 10, 0, kIMax};
  config::String ignore_warnings{registry, "ignore-warnings", ""};

  // Logging.
  config::Enum loglevel{registry, "loglevel", 2,
                        {{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3},
                         {"nothing", 4}}};
  config::String logfile{registry, "logfile", "", config::kImmutable};
  config::Bool syslog_enabled{registry, "syslog-enabled", false, config::kImmutable};
  config::String syslog_ident{registry, "syslog-ident", "redis", config::kImmutable};
  config::Enum syslog_facility{registry, "syslog-facility", 16,
                               {{"user", 1},
                                {"local0", 16},
                                {"local1", 17},
                                {"local2", 18},
                                {"local3", 19},
                                {"local4", 20},
                                {"local5", 21},
                                {"local6", 22},
                                {"local7", 23}},
                               config::kImmutable};
  config::Bool crash_log_enabled{registry, "crash-log-enabled", true};
  config::Bool crash_memcheck_enabled{registry, "crash-memcheck-enabled", true};
  Int watchdog_period{registry, "watchdog-period", 0, 0, kIMax, config::kHidden};
  config::Bool use_exit_on_panic{registry, "use-exit-on-panic", false, config::kHidden};

  // Active defragmentation (db/defrag.h) needs an allocator that says where a block sits.
  config::Bool activedefrag{registry, "activedefrag", false, 0, {}, [](const bool& on) {
    return on && !mem::DefragAdvisor::Supported()
               ? std::string("Active defragmentation cannot be enabled: it requires a build "
                             "with jemalloc (CARMINE_ALLOCATOR=jemalloc, no sanitizer)")
               : std::string();
  }};
  I64 active_defrag_ignore_bytes{registry, "active-defrag-ignore-bytes", 100LL * 1024 * 1024, 1,
                                 kLLMax, config::kMemory};
  Int active_defrag_threshold_lower{registry, "active-defrag-threshold-lower", 10, 0, 1000};
  Int active_defrag_threshold_upper{registry, "active-defrag-threshold-upper", 100, 0, 1000};
  Int active_defrag_cycle_min{registry, "active-defrag-cycle-min", 1, 1, 99};
  Int active_defrag_cycle_max{registry, "active-defrag-cycle-max", 25, 1, 99};
  I64 active_defrag_max_scan_fields{registry, "active-defrag-max-scan-fields", 1000, 1, kLLMax};

  // Redis-internal tuning knobs: accepted, validated and reported (docs/compatibility.md).
  config::String server_cpulist{registry, "server_cpulist", "", config::kImmutable};
  config::String bio_cpulist{registry, "bio_cpulist", "", config::kImmutable};
  config::String aof_rewrite_cpulist{registry, "aof_rewrite_cpulist", "", config::kImmutable};
  config::String bgsave_cpulist{registry, "bgsave_cpulist", "", config::kImmutable};
  config::Bool jemalloc_bg_thread{registry, "jemalloc-bg-thread", true};

 private:
  mutable std::mutex mu_;
  std::vector<std::string> bind_{"*", "-::*"};
  std::atomic<bool> bind_explicit_{false};
  std::atomic<int> hz_{10};
  std::atomic<int> unixsocketperm_{0};
  std::atomic<int> sigterm_{0}, sigint_{0};
  std::vector<int> oom_values_{0, 200, 800};
};

}  // namespace carmine
