// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/check_rdb.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/clock.h"
#include "persist/rdb_file.h"

namespace carmine {

bool IsCheckRdbName(const char* argv0) {
  const char* base = strrchr(argv0, '/');
  base = base != nullptr ? base + 1 : argv0;
  return strstr(base, "check-rdb") != nullptr;
}

int CheckRdbMain(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  return CheckRdbFile(argv[1]);
}

int CheckRdbFile(const std::string& path) {
  printf("[offset 0] Checking RDB file %s\n", path.c_str());
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "Cannot open RDB file %s: %s\n", path.c_str(),
            S_ISFIFO(st.st_mode) ? "a FIFO cannot be checked" : strerror(errno));
    return 1;
  }
  // Any database number a server could have written fits; a single shard keeps it small.
  DbSet dbs(64, 1, false);
  EncodingLimits lim;
  rdb::LoadStats stats;
  rdb::LoadControl ctl;
  ctl.trace = [](uint64_t offset, const std::string& what) {
    printf("[offset %llu] %s\n", static_cast<unsigned long long>(offset), what.c_str());
  };
  bool found = false;
  Status s = rdb::LoadFile(dbs, path, clock::NowMs(), lim, &stats, &found, false, ctl);
  if (s.ok() && !found) s = Status::Error("Cannot open RDB file " + path);
  if (!s.ok()) {
    printf("--- RDB ERROR DETECTED ---\n");
    printf("[offset %llu] %s\n", static_cast<unsigned long long>(stats.bytes),
           s.message().c_str());
  } else {
    if (stats.version >= 5) {
      // The last eight bytes: zero means the writer had rdbchecksum off.
      FILE* f = fopen(path.c_str(), "rb");
      unsigned char crc[8] = {};
      bool zero = false;
      if (f != nullptr && fseek(f, static_cast<long>(stats.bytes) - 8, SEEK_SET) == 0 &&
          fread(crc, 1, 8, f) == 8) {
        zero = std::all_of(crc, crc + 8, [](unsigned char b) { return b == 0; });
      }
      if (f != nullptr) fclose(f);
      if (zero) {
        printf("[offset %llu] RDB file was saved with checksum disabled: no check performed.\n",
               static_cast<unsigned long long>(stats.bytes));
      } else {
        printf("[offset %llu] Checksum OK\n", static_cast<unsigned long long>(stats.bytes));
      }
    }
    printf("[offset %llu] \\o/ RDB looks OK! \\o/\n",
           static_cast<unsigned long long>(stats.bytes));
  }
  printf("[info] %llu keys read\n",
         static_cast<unsigned long long>(stats.keys_loaded + stats.keys_expired));
  printf("[info] %llu expires\n", static_cast<unsigned long long>(stats.keys_with_ttl));
  printf("[info] %llu already expired\n", static_cast<unsigned long long>(stats.keys_expired));
  fflush(stdout);
  return s.ok() ? 0 : 1;
}

}  // namespace carmine
