// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// HyperLogLog in Redis's string format, so a PFADD sequence leaves exactly the bytes Redis would
// leave (GET, DUMP and RDB files agree) and HLL strings written by Redis load and count here.
//
// Format (Redis's documented layout): a 16-byte header "HYLL", encoding byte (0 dense, 1
// sparse), three zero bytes, and the cached cardinality as 8 little-endian bytes whose top bit
// marks the cache stale. 16384 six-bit registers follow: dense packs them LSB first in 12288
// bytes; sparse is a run-length list of opcodes ZERO (00llllll: 1..64 zero registers), XZERO
// (01llllll llllllll: 1..16384) and VAL (1vvvvvll: 1..4 registers of value 1..32). Elements hash
// with MurmurHash64A (seed 0xadc83b19); the low 14 bits choose the register, the run of zero bits
// above them (plus one) is the value. Cardinality uses Ertl's improved estimator, as Redis 5+.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace carmine::hll {

inline constexpr int kRegisters = 16384;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * 6 / 8;

enum class Status { kOk, kNotHll, kCorrupt };

// A new empty sparse HLL.
std::string Create();
// Checks the header (and dense length) as Redis does before using a string as an HLL.
bool IsValid(std::string_view s);
// Adds one element; returns 1 if a register changed, 0 if not, -1 if the sparse data is corrupt.
int Add(std::string* s, std::string_view element, size_t sparse_max_bytes);
// Sets register `index` to at least `count` (used by PFMERGE); same return values as Add.
int SetRegister(std::string* s, int index, int count, size_t sparse_max_bytes);
// Merges the registers of `s` into `max` (kRegisters bytes, element-wise maximum); false if the
// sparse data is corrupt.
bool MergeInto(std::string_view s, uint8_t* max);
bool IsDense(std::string_view s);
// Converts sparse to dense in place (no-op if dense); false if corrupt.
bool ToDense(std::string* s);

// Cardinality of one HLL, using and refreshing the cached value. *cache_updated tells whether the
// string changed (the cache was stale). False if corrupt.
bool Count(std::string* s, uint64_t* card, bool* cache_updated);
// Cardinality of a register array (the union of several keys).
uint64_t CountRegisters(const uint8_t* regs);
void InvalidateCache(std::string* s);

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// PFDEBUG DECODE: the sparse opcodes as text, "Z:<n>" for XZERO, "z:<n>" for ZERO and
// "v:<value>,<run>" for VAL, separated by spaces. False if the data is corrupt.
bool DecodeSparse(std::string_view s, std::string* out);
// PFSELFTEST: checks the dense register packing against a plain array, and that the estimate
// stays within the expected error from 1 to 100k elements in both encodings. "" or the failure.
std::string SelfTest();

}  // namespace carmine::hll
