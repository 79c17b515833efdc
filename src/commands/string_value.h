// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Helpers shared by the string and bitmap families: how a string value is stored (and which
// encoding Redis would report for it) and how a command reads one.
#pragma once

#include <string>
#include <string_view>

#include "core/key_table.h"

namespace carmine {

// How a write stores its string, mirroring which encoding Redis ends up with.
enum class StrEnc {
  kTryInt,  // SET/MSET/APPEND-on-new: integers become "int", else embstr/raw by size
  kNoInt,   // INCRBYFLOAT: never the int encoding
  kRaw,     // APPEND/SETRANGE/SETBIT/BITOP results: always "raw"
};

inline void StoreString(Entry* e, std::string_view s, StrEnc enc) {
  e->value.SetString(s, enc == StrEnc::kTryInt);
  if (enc == StrEnc::kRaw) {
    e->flags |= kEntryRawString;
  } else {
    e->flags &= ~kEntryRawString;
  }
}

// The encoding name OBJECT ENCODING reports for a string entry.
inline const char* StringEncodingName(const Entry* e) {
  if (e->value.is_int()) return "int";
  if (e->flags & kEntryRawString) return "raw";
  return e->value.StringLength() <= 44 ? "embstr" : "raw";
}

// The encoding name OBJECT ENCODING / DEBUG OBJECT report for any entry.
inline const char* ValueEncodingName(const Entry* e) {
  switch (e->value.kind()) {
    case CompactValue::Kind::kObject:
      return e->value.object()->encoding_name();
    case CompactValue::Kind::kPacked:
      return "listpack";
    default:
      return StringEncodingName(e);
  }
}

// Returns the string bytes of a string entry (ints rendered into scratch).
inline std::string_view StrOf(const Entry* e, std::string* scratch) {
  return e->value.GetString(scratch);
}

}  // namespace carmine
