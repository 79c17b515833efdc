// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Number and string helpers with Redis's exact acceptance rules: what a client may send as an
// integer or float, and how numbers are printed back. These rules are observable (an argument that
// Redis rejects must be rejected here too), so they are strict on purpose.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace carmine {

// Strict signed 64-bit parse: optional '-', no '+', no spaces, no leading zeros, no overflow.
bool ParseInt64(std::string_view s, int64_t* out);
// Like ParseInt64 but for unsigned values (no sign accepted).
bool ParseUint64(std::string_view s, uint64_t* out);
// Float parse as Redis accepts a score/increment: strtold over the whole string, no leading space,
// NaN rejected; "inf"/"-inf" accepted.
bool ParseLongDouble(std::string_view s, long double* out);
bool ParseDouble(std::string_view s, double* out);

// Appends the decimal form of v.
void AppendInt64(std::string* out, int64_t v);
std::string Int64ToString(int64_t v);
// Human form used by INCRBYFLOAT: fixed notation, 17 digits, trailing zeros trimmed.
std::string LongDoubleToHuman(long double v);

// Glob-style match with '*', '?', '[a-z]', '[^x]' and '\' escapes; nocase folds ASCII case.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// Splits a line into arguments the way redis.conf and inline commands are split: whitespace
// separated, "double quoted" with C escapes (\n, \xHH), 'single quoted' with only \' escaped.
// A closing quote must be followed by whitespace or the end. Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// The non-empty pieces of `s` between `sep` characters ("a  b" -> {"a", "b"}).
std::vector<std::string_view> SplitWords(std::string_view s, char sep = ' ');

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Appends `s` double-quoted with Redis's escapes (\n, \r, \t, \a, \b, \", \\, \xHH), as
// MONITOR lines, config rewrites and the fatal config error block show values.
void AppendQuoted(std::string* out, std::string_view s);
// Memory size in the largest unit that divides it exactly ("1gb", "64mb", "3kb", "1000"), as
// CONFIG REWRITE writes memory values.
std::string FormatMemory(int64_t bytes);

// Parses memory sizes as redis.conf does: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb (case-insensitive).
bool ParseMemory(std::string_view s, int64_t* out);

// Hash for string-keyed maps that can be searched with a string_view without allocating.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace carmine
