// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/str_nodes.h"

#include <malloc.h>

#include <cstddef>
#include <cstdlib>

#include "base/logging.h"

namespace carmine {
namespace strnode {

void* Alloc(size_t n) {
  void* p = malloc(n);
  if (p == nullptr) log::OutOfMemory(n);
  return p;
}

size_t AllocSize(const void* p) { return malloc_usable_size(const_cast<void*>(p)); }

}  // namespace strnode

void NodeFree::operator()(void* p) const { free(p); }

SetTable::Ptr MakeSetNode(std::string_view member) {
  size_t sz = offsetof(SetNode, data) + strnode::VarLenBytes(member.size()) + member.size();
  auto* n = static_cast<SetNode*>(strnode::Alloc(sz));
  n->next = nullptr;
  char* p = strnode::PutVarLen(n->data, member.size());
  memcpy(p, member.data(), member.size());
  return SetTable::Ptr(n);
}

MapTable::Ptr MakeMapNode(std::string_view field, std::string_view value) {
  size_t sz = offsetof(MapNode, data) + strnode::VarLenBytes(field.size()) + field.size() +
              strnode::VarLenBytes(value.size()) + value.size();
  auto* n = static_cast<MapNode*>(strnode::Alloc(sz));
  n->next = nullptr;
  char* p = strnode::PutVarLen(n->data, field.size());
  memcpy(p, field.data(), field.size());
  p = strnode::PutVarLen(p + field.size(), value.size());
  memcpy(p, value.data(), value.size());
  return MapTable::Ptr(n);
}

ZTable::Ptr MakeZNode(std::string_view member, double score) {
  size_t sz = offsetof(ZNode, data) + 8 + strnode::VarLenBytes(member.size()) + member.size();
  auto* n = static_cast<ZNode*>(strnode::Alloc(sz));
  n->next = nullptr;
  n->set_score(score);
  char* p = strnode::PutVarLen(n->data + 8, member.size());
  memcpy(p, member.data(), member.size());
  return ZTable::Ptr(n);
}

}  // namespace carmine
