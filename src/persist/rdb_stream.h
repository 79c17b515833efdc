// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Streams in RDB form, as Redis stores them: one listpack per node keyed by its master ID (the
// listpack holds the master entry - live count, deleted count, master fields - then each entry
// as flags, ID differences, fields or values and a back count), the stream's IDs and counters,
// then the consumer groups with their pending entries and consumers. Types 15 (Redis 5-6),
// 19 (7.0: first ID, max deleted ID, entries added, entries read) and 21 (7.2: consumers' active
// time) are read; DUMP payloads (RDB 11) take 21, files (RDB 10) take 19 unless a consumer's
// active time needs 21.
#pragma once

#include <cstdint>
#include <string>

#include "core/compact_value.h"
#include "persist/rdb_format.h"

namespace carmine::rdb {

void WriteStream(const CompactValue& v, bool compress, uint16_t version, std::string* out);
// False on anything malformed (as Redis's sanitize-dump-payload would refuse it).
bool ReadStream(uint8_t type, RdbReader& in, CompactValue* out);

}  // namespace carmine::rdb
