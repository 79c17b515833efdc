// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The command line, read as redis-server reads it: an optional config file first, then
// `--name value ...` pairs that act as config lines appended after the file's text, and `-` to
// read more config lines from stdin. Line numbers in errors count the file's lines, then one
// empty line, then one line per `--name`, as Redis counts them.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/strutil.h"
#include "base/version.h"
#include "server/server.h"

namespace carmine {
namespace {

void PrintVersion() {
  printf("Carmine server v=%s redis_version=%s malloc=%s bits=64\n",
         std::string(version::kCarmine).c_str(), std::string(version::kRedis).c_str(),
#ifdef CARMINE_ALLOCATOR_NAME
         CARMINE_ALLOCATOR_NAME
#else
         "libc"
#endif
  );
}

void PrintUsage() {
  printf(
      "Usage: ./carmine-server [/path/to/redis.conf] [options] [-]\n"
      "       ./carmine-server - (read config from stdin)\n"
      "       ./carmine-server -v or --version\n"
      "       ./carmine-server -h or --help\n\n"
      "Examples:\n"
      "       ./carmine-server (run the server with default conf)\n"
      "       ./carmine-server /etc/redis/6379.conf\n"
      "       ./carmine-server --port 7777\n"
      "       ./carmine-server /etc/myredis.conf --loglevel verbose -\n"
      "       ./carmine-server --port 7777 --threads 4\n\n"
      "Options take the names and value syntax of redis.conf directives.\n");
}

}  // namespace

Status Server::Configure(int argc, char** argv, bool* exit_now, int* exit_code) {
  *exit_now = false;
  int i = 1;
  std::string text;
  // Sentinel mode: asked for with --sentinel, or the binary runs under a Sentinel name (a link
  // named carmine-sentinel or redis-sentinel), as redis-server decides.
  {
    std::string_view exe = argv[0];
    size_t slash = exe.rfind('/');
    if (slash != std::string_view::npos) exe.remove_prefix(slash + 1);
    bool sentinel = exe.find("sentinel") != std::string_view::npos;
    for (int j = 1; j < argc; j++) sentinel = sentinel || std::string_view(argv[j]) == "--sentinel";
    if (sentinel) EnableSentinelMode();
  }
  if (argc >= 2) {
    std::string a1 = argv[1];
    if (a1 == "-v" || a1 == "--version") {
      PrintVersion();
      *exit_now = true;
      *exit_code = 0;
      return Status::Ok();
    }
    if (a1 == "-h" || a1 == "--help") {
      PrintUsage();
      *exit_now = true;
      *exit_code = 0;
      return Status::Ok();
    }
    if (a1[0] != '-') {
      std::ifstream f(a1);
      if (!f) {
        return Status::Error("Fatal error, can't open config file '" + a1 +
                             "': " + strerror(errno));
      }
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
      char buf[PATH_MAX];
      config_file_ = realpath(a1.c_str(), buf) ? buf : a1;
      i = 2;
    }
  }
  // The options become config lines: "name" followed by each value quoted, one line per name.
  // A name directly followed by another `--word` takes that word as its value (Redis reads
  // `--save --port 7000` the same way only for `--save`, which then means `save ""`).
  std::string options;
  bool read_stdin = false;
  bool name_has_value = true;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-" && (i == 1 || i == argc - 1)) {
      read_stdin = true;
      continue;
    }
    if (a == "--sentinel") continue;
    if (a.rfind("--", 0) == 0 && name_has_value) {
      if (!options.empty()) options += "\n";
      options += a.substr(2) + " ";
      std::vector<std::string> words;
      SplitArgs(a, &words);
      name_has_value = words.size() > 1;  // "--port 6380" in one argument
      if (!name_has_value && EqualsIgnoreCase(a, "--save") &&
          (i == argc - 1 || std::string_view(argv[i + 1]).rfind("--", 0) == 0)) {
        options += "\"\"";
        name_has_value = true;
      }
      continue;
    }
    AppendQuoted(&options, a);
    options += " ";
    name_has_value = true;
  }
  if (read_stdin) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text += "\n" + ss.str();
  }
  text += "\n" + options;
  return config_.Load(text, config_file_);
}

}  // namespace carmine
