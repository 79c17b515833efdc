// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for the whole-file RDB loader (startup, DEBUG RELOAD, an AOF's RDB preamble):
// the input is a file's bytes. Seeds carry a zero checksum, which the loader accepts as "not
// computed" (as Redis does), so mutations reach the opcode and value parsers instead of stopping
// at the CRC. Whatever the bytes, loading ends in success or an error, never a crash or a leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "persist/rdb_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  carmine::DbSet dbs(16, 1, false);
  carmine::EncodingLimits lim;
  carmine::rdb::LoadStats stats;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)carmine::rdb::LoadData(dbs, in, "fuzz.rdb", 1700000000000, lim, &stats, size % 2 == 0);
  return 0;
}
