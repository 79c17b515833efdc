// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Node types for the big encodings of sets, hashes and sorted sets (ChainTable nodes). Each node is
// one malloc'd block: the chain pointer, then a base-128 length and the member bytes, then (hash
// fields) a length and the value bytes, or (sorted-set members) the score in front of the member.
// A 13-byte set member costs one 32-byte block where Redis spends a 24-byte dict entry plus a
// separate string, which is most of the memory saving on big collections.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/chain_table.h"

namespace carmine {
namespace strnode {

inline size_t VarLenBytes(size_t n) {
  size_t b = 1;
  while (n >= 128) {
    n >>= 7;
    b++;
  }
  return b;
}
inline char* PutVarLen(char* p, size_t n) {
  while (n >= 128) {
    *p++ = static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  *p++ = static_cast<char>(n);
  return p;
}
inline const char* GetVarLen(const char* p, size_t* n) {
  size_t v = 0;
  int shift = 0;
  while (true) {
    uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *n = v;
  return p;
}
// Allocates `n` bytes or terminates like every other allocation failure.
void* Alloc(size_t n);
size_t AllocSize(const void* p);

}  // namespace strnode

// A set member.
struct SetNode {
  SetNode* next;
  char data[1];

  std::string_view key() const {
    size_t n;
    const char* p = strnode::GetVarLen(data, &n);
    return std::string_view(p, n);
  }
};

// A hash field and its value.
struct MapNode {
  MapNode* next;
  char data[1];

  std::string_view key() const {
    size_t n;
    const char* p = strnode::GetVarLen(data, &n);
    return std::string_view(p, n);
  }
  std::string_view value() const {
    std::string_view k = key();
    size_t n;
    const char* p = strnode::GetVarLen(k.data() + k.size(), &n);
    return std::string_view(p, n);
  }
};

// A sorted-set member with its score.
struct ZNode {
  ZNode* next;
  char data[1];

  double score() const {
    double d;
    memcpy(&d, data, 8);
    return d;
  }
  void set_score(double d) { memcpy(data, &d, 8); }
  std::string_view key() const {
    size_t n;
    const char* p = strnode::GetVarLen(data + 8, &n);
    return std::string_view(p, n);
  }
};

struct NodeFree {
  void operator()(void* p) const;
  void operator()(SetNode* p) const { (*this)(static_cast<void*>(p)); }
  void operator()(MapNode* p) const { (*this)(static_cast<void*>(p)); }
  void operator()(ZNode* p) const { (*this)(static_cast<void*>(p)); }
};

using SetTable = ChainTable<SetNode, NodeFree>;
using MapTable = ChainTable<MapNode, NodeFree>;
using ZTable = ChainTable<ZNode, NodeFree>;

SetTable::Ptr MakeSetNode(std::string_view member);
MapTable::Ptr MakeMapNode(std::string_view field, std::string_view value);
ZTable::Ptr MakeZNode(std::string_view member, double score);

}  // namespace carmine
