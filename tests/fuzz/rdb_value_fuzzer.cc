// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for the RDB value reader behind RESTORE (and RDB loading): the input is a type
// byte and a payload, read without the checksum that would otherwise turn almost every mutation
// away. Whatever is read is written back and read again, which must give the same value. Nothing
// may crash, hang or leak, however the blob is corrupted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "persist/rdb_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  carmine::EncodingLimits lim;
  carmine::rdb::RdbReader in(std::string_view(reinterpret_cast<const char*>(data), size));
  uint8_t type;
  carmine::CompactValue v;
  if (!in.ReadByte(&type) || !carmine::rdb::ReadValue(type, in, lim, &v)) return 0;
  std::string once;
  carmine::rdb::WriteValue(v, lim, true, &once);
  carmine::rdb::RdbReader again(once);
  carmine::CompactValue w;
  if (!again.ReadByte(&type) || !carmine::rdb::ReadValue(type, again, lim, &w)) __builtin_trap();
  std::string twice;
  carmine::rdb::WriteValue(w, lim, true, &twice);
  // Hash tables may iterate differently after a rebuild; sizes must still agree.
  if (twice.size() != once.size()) __builtin_trap();
  return 0;
}
