// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/strutil.h"
#include "db/evict.h"
#include "db/notify.h"

namespace carmine {
namespace {

constexpr const char* kVersionBanner = "Carmine server v=0.1.0 (redis_version 7.2.4)";

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// A multi-word value arrives as one string (CONFIG SET "a b c") or as separate words (a config
// file line): both become the list of words. False on unbalanced quotes.
bool ValueWords(const std::vector<std::string>& a, std::vector<std::string>* words) {
  for (auto& x : a) {
    std::vector<std::string> parts;
    if (!SplitArgs(x, &parts)) return false;
    words->insert(words->end(), parts.begin(), parts.end());
  }
  return true;
}

std::string FormatPercentile(double d) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", d);
  return buf;
}

ConfigOption Bool(std::string name, bool ServerConfig::*m, bool mut = true) {
  ConfigOption o;
  o.name = std::move(name);
  o.runtime_mutable = mut;
  o.set = [m](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
    if (EqualsIgnoreCase(a[0], "yes")) {
      c.*m = true;
    } else if (EqualsIgnoreCase(a[0], "no")) {
      c.*m = false;
    } else {
      return "argument must be 'yes' or 'no'";
    }
    return "";
  };
  o.get = [m](const ServerConfig& c) { return YesNo(c.*m); };
  return o;
}

template <typename T>
ConfigOption Int(std::string name, T ServerConfig::*m, int64_t lo, int64_t hi, bool mut = true,
                 bool memory = false) {
  ConfigOption o;
  o.name = std::move(name);
  o.runtime_mutable = mut;
  o.set = [m, lo, hi, memory](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
    int64_t v;
    if (memory) {
      // Memory values are unsigned in Redis: a minus sign is not a memory value at all.
      if (!ParseMemory(a[0], &v) || v < 0) return "argument must be a memory value";
    } else {
      errno = 0;
      char* end;
      long long ll = strtoll(a[0].c_str(), &end, 10);
      if (a[0].empty() || *end != '\0' || errno == ERANGE)
        return "argument couldn't be parsed into an integer";
      v = ll;
    }
    if (v < lo || v > hi) {
      return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
             " inclusive";
    }
    c.*m = static_cast<T>(v);
    return "";
  };
  o.get = [m](const ServerConfig& c) { return std::to_string(c.*m); };
  return o;
}

ConfigOption Str(std::string name, std::string ServerConfig::*m, bool mut = true) {
  ConfigOption o;
  o.name = std::move(name);
  o.runtime_mutable = mut;
  o.set = [m](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
    c.*m = a[0];
    return "";
  };
  o.get = [m](const ServerConfig& c) { return c.*m; };
  return o;
}

ConfigOption Enum(std::string name, std::string ServerConfig::*m, std::vector<std::string> values,
                  bool mut = true) {
  ConfigOption o;
  o.name = std::move(name);
  o.runtime_mutable = mut;
  o.set = [m, values](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
    for (auto& v : values) {
      if (EqualsIgnoreCase(v, a[0])) {
        c.*m = v;
        return "";
      }
    }
    std::string list;
    for (auto& v : values) list += (list.empty() ? "" : ", ") + v;
    return "argument(s) must be one of the following: " + list;
  };
  o.get = [m](const ServerConfig& c) { return c.*m; };
  return o;
}

std::vector<ConfigOption> BuildTable() {
  std::vector<ConfigOption> t;
  constexpr int64_t kIntMax = INT_MAX;
  t.push_back(Int("port", &ServerConfig::port, 0, 65535));
  {
    ConfigOption o;
    o.name = "bind";
    o.multi_arg = true;
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      if (a.size() > 16) return "Too many bind addresses specified.";
      c.bind = a;
      c.bind_explicit = true;
      return "";
    };
    o.get = [](const ServerConfig& c) {
      std::string s;
      for (auto& b : c.bind) s += (s.empty() ? "" : " ") + b;
      return s;
    };
    t.push_back(o);
  }
  t.push_back(Bool("protected-mode", &ServerConfig::protected_mode));
  t.push_back(Str("unixsocket", &ServerConfig::unixsocket, false));
  {
    ConfigOption o;
    o.name = "unixsocketperm";
    o.runtime_mutable = false;
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      char* end;
      errno = 0;
      long v = strtol(a[0].c_str(), &end, 8);
      if (a[0].empty() || *end != '\0' || errno != 0 || v < 0 || v > 0777)
        return "argument must be between 0 and 777 inclusive";
      c.unixsocketperm = static_cast<int>(v);
      return "";
    };
    o.get = [](const ServerConfig& c) {
      char buf[16];
      snprintf(buf, sizeof(buf), "%o", c.unixsocketperm);
      return std::string(buf);
    };
    t.push_back(o);
  }
  t.push_back(Int("tcp-backlog", &ServerConfig::tcp_backlog, 0, kIntMax, false));
  t.push_back(Int("timeout", &ServerConfig::timeout, 0, kIntMax));
  t.push_back(Int("tcp-keepalive", &ServerConfig::tcp_keepalive, 0, kIntMax));
  t.push_back(Bool("daemonize", &ServerConfig::daemonize, false));
  t.push_back(Str("pidfile", &ServerConfig::pidfile, false));
  t.push_back(Enum("loglevel", &ServerConfig::loglevel,
                   {"debug", "verbose", "notice", "warning", "nothing"}));
  t.push_back(Str("logfile", &ServerConfig::logfile, false));
  t.push_back(Int("databases", &ServerConfig::databases, 1, kIntMax, false));
  t.push_back(Str("requirepass", &ServerConfig::requirepass));
  t.push_back(Int("maxclients", &ServerConfig::maxclients, 1, kIntMax));
  {
    ConfigOption o = Str("dir", &ServerConfig::dir);
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      if (chdir(a[0].c_str()) != 0) return std::string(strerror(errno));
      char buf[PATH_MAX];
      c.dir = getcwd(buf, sizeof(buf)) ? buf : a[0];
      return "";
    };
    o.get = [](const ServerConfig& c) {
      char buf[PATH_MAX];
      return std::string(getcwd(buf, sizeof(buf)) ? buf : c.dir);
    };
    t.push_back(o);
  }
  {
    // Redis clamps hz to 1..500 instead of refusing.
    ConfigOption o = Int("hz", &ServerConfig::hz, INT_MIN, kIntMax);
    auto base = o.set;
    o.set = [base](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      std::string e = base(c, a);
      if (!e.empty()) return e;
      c.hz = std::clamp(c.hz, 1, 500);
      return "";
    };
    t.push_back(o);
  }
  t.push_back(Bool("dynamic-hz", &ServerConfig::dynamic_hz));
  t.push_back(Int("threads", &ServerConfig::threads, 0, 256, false));
  t.push_back(Int("proto-max-bulk-len", &ServerConfig::proto_max_bulk_len, 1024 * 1024, LLONG_MAX,
                  true, true));
  t.push_back(Int("client-query-buffer-limit", &ServerConfig::client_query_buffer_limit,
                  1024 * 1024, LLONG_MAX, true, true));
  t.push_back(Int("active-expire-effort", &ServerConfig::active_expire_effort, 1, 10));
  t.push_back(Bool("activerehashing", &ServerConfig::activerehashing));
  {
    // save <seconds> <changes> [<seconds> <changes> ...], or "" for none.
    ConfigOption o;
    o.name = "save";
    o.multi_arg = true;
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      std::vector<std::string> w;
      if (!ValueWords(a, &w)) return "Invalid save parameters";
      if (w.size() % 2 != 0) return "Invalid save parameters";
      std::vector<std::pair<int64_t, int64_t>> rules;
      for (size_t i = 0; i < w.size(); i += 2) {
        int64_t s, n;
        if (!ParseInt64(w[i], &s) || !ParseInt64(w[i + 1], &n) || s < 0 || n < 0)
          return "Invalid save parameters";
        rules.emplace_back(s, n);
      }
      c.save_rules = std::move(rules);
      return "";
    };
    o.get = [](const ServerConfig& c) {
      std::string s;
      for (auto& [sec, n] : c.save_rules) {
        s += (s.empty() ? "" : " ") + std::to_string(sec) + " " + std::to_string(n);
      }
      return s;
    };
    t.push_back(o);
  }
  {
    ConfigOption o = Str("dbfilename", &ServerConfig::dbfilename);
    o.protected_config = true;
    auto base = o.set;
    o.set = [base](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      if (a[0].find('/') != std::string::npos) return "dbfilename can't be a path, just a filename";
      return base(c, a);
    };
    t.push_back(o);
  }
  t.push_back(Bool("rdbcompression", &ServerConfig::rdbcompression));
  t.push_back(Bool("rdbchecksum", &ServerConfig::rdbchecksum));
  t.push_back(Bool("rdb-del-sync-files", &ServerConfig::rdb_del_sync_files));
  t.push_back(Bool("stop-writes-on-bgsave-error", &ServerConfig::stop_writes_on_bgsave_error));
  t.push_back(Bool("appendonly", &ServerConfig::appendonly));
  {
    ConfigOption o = Str("appendfilename", &ServerConfig::appendfilename, false);
    auto base = o.set;
    o.set = [base](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      if (a[0].find('/') != std::string::npos) {
        return "appendfilename can't be a path, just a filename";
      }
      return base(c, a);
    };
    t.push_back(o);
  }
  {
    ConfigOption o = Str("appenddirname", &ServerConfig::appenddirname, false);
    auto base = o.set;
    o.set = [base](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      if (a[0].find('/') != std::string::npos) {
        return "appenddirname can't be a path, just a dirname";
      }
      return base(c, a);
    };
    t.push_back(o);
  }
  t.push_back(Enum("appendfsync", &ServerConfig::appendfsync, {"everysec", "always", "no"}));
  t.push_back(Bool("no-appendfsync-on-rewrite", &ServerConfig::no_appendfsync_on_rewrite));
  t.push_back(Int("auto-aof-rewrite-percentage", &ServerConfig::auto_aof_rewrite_percentage, 0,
                  kIntMax));
  t.push_back(Int("auto-aof-rewrite-min-size", &ServerConfig::auto_aof_rewrite_min_size, 0,
                  LLONG_MAX, true, true));
  t.push_back(Bool("aof-load-truncated", &ServerConfig::aof_load_truncated));
  t.push_back(Bool("aof-use-rdb-preamble", &ServerConfig::aof_use_rdb_preamble));
  t.push_back(Bool("aof-timestamp-enabled", &ServerConfig::aof_timestamp_enabled));
  t.push_back(Bool("aof-rewrite-incremental-fsync", &ServerConfig::aof_rewrite_incremental_fsync));
  // Compact-encoding thresholds (the old ziplist names are accepted as aliases).
  {
    ConfigOption o = Int("hash-max-listpack-entries", &ServerConfig::hash_max_listpack_entries, 0, LONG_MAX, true);
    o.alias = "hash-max-ziplist-entries";
    t.push_back(o);
  }
  {
    ConfigOption o = Int("hash-max-listpack-value", &ServerConfig::hash_max_listpack_value, 0, LONG_MAX, true, true);
    o.alias = "hash-max-ziplist-value";
    t.push_back(o);
  }
  t.push_back(Int("set-max-intset-entries", &ServerConfig::set_max_intset_entries, 0, LONG_MAX));
  t.push_back(Int("set-max-listpack-entries", &ServerConfig::set_max_listpack_entries, 0, LONG_MAX));
  t.push_back(Int("set-max-listpack-value", &ServerConfig::set_max_listpack_value, 0, LONG_MAX, true, true));
  {
    ConfigOption o = Int("zset-max-listpack-entries", &ServerConfig::zset_max_listpack_entries, 0, LONG_MAX, true);
    o.alias = "zset-max-ziplist-entries";
    t.push_back(o);
  }
  {
    ConfigOption o = Int("zset-max-listpack-value", &ServerConfig::zset_max_listpack_value, 0, LONG_MAX, true, true);
    o.alias = "zset-max-ziplist-value";
    t.push_back(o);
  }
  {
    ConfigOption o = Int("list-max-listpack-size", &ServerConfig::list_max_listpack_size, INT_MIN, kIntMax, true);
    o.alias = "list-max-ziplist-size";
    t.push_back(o);
  }
  t.push_back(Int("list-compress-depth", &ServerConfig::list_compress_depth, 0, kIntMax));
  t.push_back(Int("hll-sparse-max-bytes", &ServerConfig::hll_sparse_max_bytes, 0, LONG_MAX, true, true));
  t.push_back(Int("busy-poll-us", &ServerConfig::busy_poll_us, 0, 10000));
  {
    ConfigOption o;
    o.name = "client-output-buffer-limit";
    o.multi_arg = true;
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      // Groups of "class hard soft seconds".
      std::vector<std::string> w;
      if (!ValueWords(a, &w)) return "Wrong number of arguments in buffer limit configuration.";
      if (w.empty() || w.size() % 4 != 0)
        return "Wrong number of arguments in buffer limit configuration.";
      int64_t next[3][3];
      std::copy(&c.obuf_limits[0][0], &c.obuf_limits[0][0] + 9, &next[0][0]);
      for (size_t i = 0; i < w.size(); i += 4) {
        std::string cls = ToLower(w[i]);
        int idx = cls == "normal" ? 0 : (cls == "slave" || cls == "replica") ? 1
                                      : cls == "pubsub"                      ? 2
                                                                             : -1;
        if (idx < 0) return "Invalid client class specified in buffer limit configuration.";
        int64_t hard, soft, secs;
        if (!ParseMemory(w[i + 1], &hard) || !ParseMemory(w[i + 2], &soft) ||
            !ParseInt64(w[i + 3], &secs) || hard < 0 || soft < 0 || secs < 0)
          return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        next[idx][0] = hard;
        next[idx][1] = soft;
        next[idx][2] = secs;
      }
      std::copy(&next[0][0], &next[0][0] + 9, &c.obuf_limits[0][0]);
      return "";
    };
    o.get = [](const ServerConfig& c) {
      static constexpr const char* kNames[] = {"normal", "slave", "pubsub"};
      std::string s;
      for (int i = 0; i < 3; i++) {
        if (i > 0) s += ' ';
        s += kNames[i];
        for (int j = 0; j < 3; j++) s += ' ' + std::to_string(c.obuf_limits[i][j]);
      }
      return s;
    };
    t.push_back(o);
  }
  {
    ConfigOption o;
    o.name = "notify-keyspace-events";
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      uint32_t f;
      if (!ParseNotifyFlags(a[0], &f)) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      c.notify_keyspace_events = f;
      return "";
    };
    o.get = [](const ServerConfig& c) { return NotifyFlagsToString(c.notify_keyspace_events); };
    t.push_back(o);
  }
  t.push_back(Int("tracking-table-max-keys", &ServerConfig::tracking_table_max_keys, 0, LLONG_MAX));
  t.push_back(Int("slowlog-log-slower-than", &ServerConfig::slowlog_log_slower_than, -1, LLONG_MAX));
  t.push_back(Int("slowlog-max-len", &ServerConfig::slowlog_max_len, 0, LONG_MAX));
  {
    ConfigOption o = Int("maxmemory", &ServerConfig::maxmemory, 0, LLONG_MAX, true, true);
    t.push_back(o);
  }
  t.push_back(Enum("maxmemory-policy", &ServerConfig::maxmemory_policy, EvictPolicyNames()));
  t.push_back(Int("maxmemory-samples", &ServerConfig::maxmemory_samples, 1, kIntMax));
  t.push_back(Int("maxmemory-eviction-tenacity", &ServerConfig::maxmemory_eviction_tenacity, 0, 100));
  {
    // A memory value, or a percentage of maxmemory ("10%", kept negative internally).
    ConfigOption o;
    o.name = "maxmemory-clients";
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      const std::string& v = a[0];
      if (!v.empty() && v.back() == '%') {
        int64_t pct;
        if (!ParseInt64(std::string_view(v).substr(0, v.size() - 1), &pct) || pct < 0)
          return "argument must be a memory or percent value";
        if (pct > 100) return "percentage argument must be less or equal to 100";
        c.maxmemory_clients = -pct;
        return "";
      }
      int64_t bytes;
      if (!ParseMemory(v, &bytes) || bytes < 0) return "argument must be a memory or percent value";
      c.maxmemory_clients = bytes;
      return "";
    };
    o.get = [](const ServerConfig& c) {
      return c.maxmemory_clients < 0 ? std::to_string(-c.maxmemory_clients) + "%"
                                     : std::to_string(c.maxmemory_clients);
    };
    t.push_back(o);
  }
  t.push_back(Int("lfu-log-factor", &ServerConfig::lfu_log_factor, 0, kIntMax));
  t.push_back(Int("lfu-decay-time", &ServerConfig::lfu_decay_time, 0, kIntMax));
  t.push_back(Bool("lazyfree-lazy-eviction", &ServerConfig::lazyfree_lazy_eviction));
  t.push_back(Bool("lazyfree-lazy-expire", &ServerConfig::lazyfree_lazy_expire));
  t.push_back(Bool("lazyfree-lazy-server-del", &ServerConfig::lazyfree_lazy_server_del));
  t.push_back(Bool("lazyfree-lazy-user-del", &ServerConfig::lazyfree_lazy_user_del));
  t.push_back(Bool("lazyfree-lazy-user-flush", &ServerConfig::lazyfree_lazy_user_flush));
  t.push_back(Bool("replica-lazy-flush", &ServerConfig::replica_lazy_flush));
  t.push_back(Int("latency-monitor-threshold", &ServerConfig::latency_monitor_threshold, 0, LLONG_MAX));
  t.push_back(Bool("latency-tracking", &ServerConfig::latency_tracking));
  {
    ConfigOption o;
    o.name = "latency-tracking-info-percentiles";
    o.multi_arg = true;
    o.set = [](ServerConfig& c, const std::vector<std::string>& a) -> std::string {
      std::vector<std::string> w;
      if (!ValueWords(a, &w)) return "Invalid latency-tracking-info-percentiles parameters";
      std::string out;
      for (auto& p : w) {
        char* end;
        double d = strtod(p.c_str(), &end);
        if (p.empty() || *end != '\0') return "Invalid latency-tracking-info-percentiles parameters";
        if (d < 0 || d > 100)
          return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        out += (out.empty() ? "" : " ") + FormatPercentile(d);
      }
      c.latency_tracking_info_percentiles = out;
      return "";
    };
    o.get = [](const ServerConfig& c) { return c.latency_tracking_info_percentiles; };
    t.push_back(o);
  }
  t.push_back(Int("metrics-port", &ServerConfig::metrics_port, 0, 65535, false));
  t.push_back(Enum("enable-debug-command", &ServerConfig::enable_debug_command,
                   {"no", "yes", "local"}, false));
  return t;
}

std::string FatalConfigError(const std::string& origin, int line, const std::string& text,
                             const std::string& reason) {
  std::ostringstream os;
  os << "\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\n";
  os << "Reading the configuration file, at line " << line << "\n";
  os << ">>> '" << text << "'\n";
  os << reason;
  if (!origin.empty()) os << " (in " << origin << ")";
  return os.str();
}

}  // namespace

const std::vector<ConfigOption>& ConfigTable() {
  static const std::vector<ConfigOption> table = BuildTable();
  return table;
}

const ConfigOption* FindConfigOption(const std::string& name) {
  for (auto& o : ConfigTable()) {
    if (EqualsIgnoreCase(o.name, name) || (!o.alias.empty() && EqualsIgnoreCase(o.alias, name)))
      return &o;
  }
  return nullptr;
}

Status LoadConfigText(const std::string& text, ServerConfig* cfg, const std::string& origin,
                      int depth) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    lineno++;
    std::string trimmed = line;
    while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.back())))
      trimmed.pop_back();
    size_t start = trimmed.find_first_not_of(" \t\r");
    if (start == std::string::npos || trimmed[start] == '#') continue;
    std::vector<std::string> argv;
    if (!SplitArgs(trimmed, &argv)) {
      return Status::Error(
          FatalConfigError(origin, lineno, trimmed, "Unbalanced quotes in configuration line"));
    }
    if (argv.empty()) continue;
    std::string name = ToLower(argv[0]);
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    if (name == "include" && args.size() == 1) {
      if (depth > 10)
        return Status::Error(FatalConfigError(origin, lineno, trimmed, "Too deep include nesting"));
      std::ifstream f(args[0]);
      if (!f) {
        return Status::Error(FatalConfigError(
            origin, lineno, trimmed,
            "Fatal error, can't open config file '" + args[0] + "': " + strerror(errno)));
      }
      std::stringstream ss;
      ss << f.rdbuf();
      Status s = LoadConfigText(ss.str(), cfg, args[0], depth + 1);
      if (!s.ok()) return s;
      continue;
    }
    const ConfigOption* opt = FindConfigOption(name);
    if (opt == nullptr || args.empty() || (!opt->multi_arg && args.size() != 1)) {
      return Status::Error(
          FatalConfigError(origin, lineno, trimmed, "Bad directive or wrong number of arguments"));
    }
    // In a file, `save` lines add up (the first replaces the built-in rules, `save ""` clears);
    // CONFIG SET replaces the whole list.
    std::vector<std::pair<int64_t, int64_t>> earlier;
    if (opt->name == "save" && cfg->save_rules_from_file) earlier = cfg->save_rules;
    std::string e = opt->set(*cfg, args);
    if (!e.empty()) return Status::Error(FatalConfigError(origin, lineno, trimmed, e));
    if (opt->name == "save") {
      if (cfg->save_rules.empty()) {
        earlier.clear();
      } else {
        earlier.insert(earlier.end(), cfg->save_rules.begin(), cfg->save_rules.end());
      }
      cfg->save_rules = std::move(earlier);
      cfg->save_rules_from_file = true;
    }
  }
  return Status::Ok();
}

Status ParseCommandLine(int argc, char** argv, ServerConfig* cfg, bool* exit_now, int* exit_code) {
  *exit_now = false;
  int i = 1;
  std::string text;
  if (argc >= 2) {
    std::string a1 = argv[1];
    if (a1 == "-v" || a1 == "--version") {
      printf("%s malloc=%s bits=64\n", kVersionBanner,
#ifdef CARMINE_ALLOCATOR_NAME
             CARMINE_ALLOCATOR_NAME
#else
             "libc"
#endif
      );
      *exit_now = true;
      *exit_code = 0;
      return Status::Ok();
    }
    if (a1 == "-h" || a1 == "--help") {
      printf(
          "Usage: ./carmine-server [/path/to/carmine.conf] [options] [-]\n"
          "       ./carmine-server - (read config from stdin)\n"
          "       ./carmine-server -v or --version\n"
          "       ./carmine-server -h or --help\n\n"
          "Examples:\n"
          "       ./carmine-server (run the server with default conf)\n"
          "       ./carmine-server /etc/carmine/6379.conf\n"
          "       ./carmine-server --port 7777\n"
          "       ./carmine-server /etc/mycarmine.conf --loglevel verbose -\n"
          "       ./carmine-server --port 7777 --threads 4\n\n"
          "Options take the names and value syntax of redis.conf directives.\n");
      *exit_now = true;
      *exit_code = 0;
      return Status::Ok();
    }
    if (a1.rfind("--", 0) != 0 && a1 != "-") {
      std::ifstream f(a1);
      if (!f) {
        return Status::Error("Fatal error, can't open config file '" + a1 +
                             "': " + strerror(errno));
      }
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
      char buf[PATH_MAX];
      cfg->config_file = realpath(a1.c_str(), buf) ? buf : a1;
      i = 2;
    }
  }
  // Remaining "--name v1 v2 --other v" become config lines appended after the file's text.
  std::string extra;
  bool read_stdin = false;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-") {
      read_stdin = true;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      if (!extra.empty()) extra += "\n";
      extra += a.substr(2);
    } else {
      std::string q = "\"";
      for (char c : a) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
      }
      extra += " " + q + "\"";
    }
  }
  if (read_stdin) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text += "\n" + ss.str();
  }
  Status s = LoadConfigText(text, cfg, cfg->config_file);
  if (!s.ok()) return s;
  return LoadConfigText(extra, cfg, "");
}

Status RewriteConfigFile(const ServerConfig& cfg) {
  if (cfg.config_file.empty()) return Status::Error("The server is running without a config file");
  std::ifstream in(cfg.config_file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  ServerConfig defaults;
  std::map<std::string, bool> written;
  std::vector<std::string> out;
  for (auto& l : lines) {
    std::vector<std::string> argv;
    size_t start = l.find_first_not_of(" \t");
    if (start == std::string::npos || l[start] == '#' || !SplitArgs(l, &argv) || argv.empty()) {
      if (l.find("# Generated by CONFIG REWRITE") == 0) continue;
      out.push_back(l);
      continue;
    }
    const ConfigOption* opt = FindConfigOption(ToLower(argv[0]));
    if (opt == nullptr) {
      out.push_back(l);  // include and other lines we keep verbatim
      continue;
    }
    if (written[opt->name]) continue;  // a directive repeated in the file collapses to one line
    written[opt->name] = true;
    out.push_back(opt->name + " " + opt->get(cfg));
  }
  bool header = false;
  for (auto& o : ConfigTable()) {
    if (written[o.name] || o.get(cfg) == o.get(defaults) || o.name == "dir") continue;
    if (!header) {
      out.push_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    out.push_back(o.name + " " + o.get(cfg));
  }
  std::string tmp = cfg.config_file + ".tmp-rewrite";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return Status::Error(std::string("Rewriting config file: ") + strerror(errno));
    for (auto& l : out) f << l << "\n";
    f.flush();
    if (!f) return Status::Error(std::string("Rewriting config file: ") + strerror(errno));
  }
  int fd = open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  if (rename(tmp.c_str(), cfg.config_file.c_str()) != 0) {
    return Status::Error(std::string("Rewriting config file: ") + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace carmine
