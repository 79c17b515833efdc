// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// RDB value serialization: a value as its type byte plus payload, in the encodings Redis 7.0
// writes (strings with integer and LZF forms, lists as quicklist 2 of listpacks, integer sets as
// intsets, small hashes and sorted sets as listpacks, the rest in their plain forms), and the
// reverse for every encoding an RDB up to version 12 may hold, including ziplists, zipmaps and
// the first quicklist. The same code serves DUMP/RESTORE and (later) RDB files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/compact_value.h"
#include "core/encoding_limits.h"
#include "persist/rdb_format.h"

namespace carmine::rdb {

// Appends the value's type byte and payload in the encodings of RDB `version` (10: files;
// 11: DUMP payloads, where small sets of strings are listpacks as Redis 7.2 writes them).
void WriteValue(const CompactValue& v, const EncodingLimits& lim, bool compress, std::string* out,
                uint16_t version = kWriteVersion);
// Reads one value of `type` into *out. False on malformed input, unknown types, empty
// collections and duplicate members (Redis refuses those too).
bool ReadValue(uint8_t type, RdbReader& in, const EncodingLimits& lim, CompactValue* out);

// DUMP's payload: the value, the RDB version (2 bytes) and a CRC-64 of all that (8 bytes),
// little endian.
std::string DumpPayload(const CompactValue& v, const EncodingLimits& lim);
// Checks a RESTORE payload's footer (version not newer than we read, CRC matches) and returns
// the value bytes in *body.
bool CheckDumpPayload(std::string_view payload, std::string_view* body);

// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE payloads and RDB files are then taken without
// comparing their CRC-64 (tests feed them corrupt data on purpose).
void SetSkipChecksum(bool skip);
bool SkipChecksum();

}  // namespace carmine::rdb
