// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/compact_value.h"

#include <malloc.h>

#include <cstdlib>

#include "base/defrag_advisor.h"
#include "base/logging.h"
#include "base/strutil.h"

namespace carmine {
namespace {
char* AllocBytes(size_t n) {
  void* p = malloc(n == 0 ? 1 : n);
  if (p == nullptr) log::OutOfMemory(n);
  return static_cast<char*>(p);
}
}  // namespace

void CompactValue::Release() {
  switch (kind()) {
    case Kind::kHeap:
      free(heap_ptr());
      break;
    case Kind::kObject:
      std::unique_ptr<DataObject>(object()).reset();
      break;
    case Kind::kPacked:
      packed()->~PackedList();
      break;
    default:
      break;
  }
  SetInlineEmpty();
}

int CompactValue::Defrag(mem::DefragAdvisor& advisor, size_t max_effort) {
  switch (kind()) {
    case Kind::kObject: {
      DataObject* o = object();
      if (o->FreeEffort() > max_effort) return -1;
      return o->Defrag(advisor) > 0 ? 1 : 0;
    }
    case Kind::kHeap: {
      void* moved = advisor.Move(heap_ptr());
      if (moved == nullptr) return 0;
      memcpy(raw_, &moved, sizeof(moved));
      return 1;
    }
    case Kind::kPacked:
      return packed()->data() == nullptr ? -1 : packed()->Defrag(advisor) ? 1 : 0;
    default:
      return -1;
  }
}

void CompactValue::SetString(std::string_view s, bool allow_int) {
  int64_t v;
  if (allow_int && s.size() <= 20 && ParseInt64(s, &v)) {
    SetInt(v);
    return;
  }
  if (s.size() <= kInlineMax) {
    Release();
    memcpy(raw_, s.data(), s.size());
    raw_[15] = static_cast<uint8_t>((s.size() << 4) | static_cast<uint8_t>(Kind::kInline));
    return;
  }
  char* p = AllocBytes(s.size());
  memcpy(p, s.data(), s.size());
  Release();
  uint32_t len = static_cast<uint32_t>(s.size());
  memcpy(raw_, &p, sizeof(p));
  memcpy(raw_ + 8, &len, 4);
  raw_[15] = static_cast<uint8_t>(Kind::kHeap);
}

void CompactValue::SetInt(int64_t v) {
  Release();
  memcpy(raw_, &v, 8);
  raw_[15] = static_cast<uint8_t>(Kind::kInt);
}

void CompactValue::SetObject(std::unique_ptr<DataObject> obj) {
  Release();
  DataObject* p = obj.release();
  memcpy(raw_, &p, sizeof(p));
  raw_[15] = static_cast<uint8_t>(Kind::kObject);
}

void CompactValue::SetPacked(ObjType type, PackedList list) {
  Release();
  new (raw_) PackedList(std::move(list));
  raw_[14] = static_cast<uint8_t>(type);
  raw_[15] = static_cast<uint8_t>(Kind::kPacked);
}

std::string_view CompactValue::GetString(std::string* scratch) const {
  switch (kind()) {
    case Kind::kInline:
      return std::string_view(reinterpret_cast<const char*>(raw_), raw_[15] >> 4);
    case Kind::kInt:
      scratch->clear();
      AppendInt64(scratch, int_value());
      return *scratch;
    case Kind::kHeap:
      return std::string_view(heap_ptr(), heap_len());
    default:
      return {};
  }
}

size_t CompactValue::StringLength() const {
  switch (kind()) {
    case Kind::kInline:
      return raw_[15] >> 4;
    case Kind::kInt: {
      int64_t v = int_value();
      uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      size_t digits = 1;
      while (u >= 10) {
        u /= 10;
        digits++;
      }
      return digits + (v < 0 ? 1 : 0);
    }
    case Kind::kHeap:
      return heap_len();
    default:
      return 0;
  }
}

char* CompactValue::MutableString(size_t len) {
  std::string scratch;
  std::string_view cur = GetString(&scratch);
  if (kind() == Kind::kHeap) {
    size_t old = heap_len();
    char* p = heap_ptr();
    if (len != old) {
      // Grow geometrically so repeated APPEND stays amortised O(1) per byte.
      size_t usable = malloc_usable_size(p);
      if (len > usable) {
        size_t cap = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
        void* np = realloc(p, cap);
        if (np == nullptr) log::OutOfMemory(cap);
        p = static_cast<char*>(np);
      }
      if (len > old) memset(p + old, 0, len - old);
      uint32_t l = static_cast<uint32_t>(len);
      memcpy(raw_, &p, sizeof(p));
      memcpy(raw_ + 8, &l, 4);
    }
    return p;
  }
  // Inline or int: move to a heap block so the caller can write in place. Redis reports such
  // strings as "raw" too, and our entry flags track that separately.
  char* p = AllocBytes(std::max<size_t>(len, 16));
  size_t keep = std::min(cur.size(), len);
  memcpy(p, cur.data(), keep);
  if (len > keep) memset(p + keep, 0, len - keep);
  Release();
  uint32_t l = static_cast<uint32_t>(len);
  memcpy(raw_, &p, sizeof(p));
  memcpy(raw_ + 8, &l, 4);
  raw_[15] = static_cast<uint8_t>(Kind::kHeap);
  return p;
}

void CompactValue::Clone(CompactValue* out) const {
  switch (kind()) {
    case Kind::kInline:
    case Kind::kInt:
      out->Release();
      memcpy(out->raw_, raw_, sizeof(raw_));
      break;
    case Kind::kHeap: {
      size_t n = heap_len();
      char* p = AllocBytes(n);
      memcpy(p, heap_ptr(), n);
      out->Release();
      memcpy(out->raw_, &p, sizeof(p));
      memcpy(out->raw_ + 8, raw_ + 8, 4);
      out->raw_[15] = static_cast<uint8_t>(Kind::kHeap);
      break;
    }
    case Kind::kObject:
      out->SetObject(object()->Clone());
      break;
    case Kind::kPacked:
      out->SetPacked(static_cast<ObjType>(raw_[14]), packed()->Clone());
      break;
  }
}

size_t CompactValue::HeapBytes() const {
  switch (kind()) {
    case Kind::kHeap:
      return malloc_usable_size(heap_ptr());
    case Kind::kObject:
      return object()->MemoryUsage();
    case Kind::kPacked:
      return packed()->AllocatedBytes();
    default:
      return 0;
  }
}

}  // namespace carmine
