// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Doubles as Redis 7.2 prints them: sorted-set scores in replies and in listpacks, RESP3
// doubles, DEBUG DIGEST input. The text is observable (ZSCORE, DUMP bytes, digests), so it must
// match exactly:
//   - nan, inf, -inf; zero as "0" or "-0";
//   - a value with no fraction and |v| <= 2^62 as plain integer digits;
//   - otherwise the digits of the Grisu2 algorithm (Loitsch, "Printing Floating-Point Numbers
//     Quickly and Accurately with Integers", 2010; 64-bit significands, cached powers of ten every
//     8 decimal exponents, scaled exponent kept in [-60, -32]) -- usually the shortest digits
//     that read back to the same double, sometimes one more -- written as an integer with
//     trailing zeros, a decimal fraction, or d.ddde[+-]x, by the value's magnitude.
#pragma once

#include <cstddef>
#include <string>

namespace carmine {

// Writes the text into `buf` (at least 32 bytes, not NUL-terminated); returns its length.
size_t FormatDouble(double v, char* buf);
std::string FormatDouble(double v);
// The same without the plain-integer rule: whole numbers go through Grisu2 too ("1e+8"), as
// Redis formats scores for DEBUG DIGEST.
size_t FormatDoubleDigits(double v, char* buf);

}  // namespace carmine
