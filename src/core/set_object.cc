// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/set_object.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/defrag_advisor.h"
#include "base/logging.h"
#include "base/strutil.h"

namespace carmine {
namespace {

uint8_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

bool AsInt(std::string_view s, int64_t* v) { return s.size() <= 20 && ParseInt64(s, v); }

// Decimal digits of v including the sign (what the member would cost as a string).
size_t Digits(int64_t v) { return std::to_string(v).size(); }

}  // namespace

// ---- IntSet ------------------------------------------------------------------------------------

IntSet IntSet::Clone() const {
  IntSet c;
  c.count_ = count_;
  c.width_ = width_;
  if (buf_ != nullptr) {
    size_t n = static_cast<size_t>(count_) * width_;
    c.buf_ = static_cast<uint8_t*>(malloc(n == 0 ? 1 : n));
    if (c.buf_ == nullptr) log::OutOfMemory(n);
    memcpy(c.buf_, buf_, n);
  }
  return c;
}

int64_t IntSet::At(uint32_t i) const {
  const uint8_t* p = buf_ + static_cast<size_t>(i) * width_;
  switch (width_) {
    case 2: {
      int16_t v;
      memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      memcpy(&v, p, 8);
      return v;
    }
  }
}

bool IntSet::Find(int64_t v, uint32_t* pos) const {
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int64_t m = At(mid);
    if (m == v) {
      *pos = mid;
      return true;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

void IntSet::Upgrade(uint8_t width) {
  uint8_t* nb = static_cast<uint8_t*>(malloc(static_cast<size_t>(count_) * width + 1));
  if (nb == nullptr) log::OutOfMemory(static_cast<size_t>(count_) * width);
  for (uint32_t i = 0; i < count_; i++) {
    int64_t v = At(i);
    if (width == 4) {
      int32_t w = static_cast<int32_t>(v);
      memcpy(nb + i * 4, &w, 4);
    } else {
      memcpy(nb + static_cast<size_t>(i) * 8, &v, 8);
    }
  }
  free(buf_);
  buf_ = nb;
  width_ = width;
}

bool IntSet::Insert(int64_t v) {
  uint32_t pos;
  if (count_ > 0 && Find(v, &pos)) return false;
  if (count_ == 0) pos = 0;
  uint8_t w = WidthFor(v);
  if (w > width_) Upgrade(w);
  size_t n = static_cast<size_t>(count_ + 1) * width_;
  uint8_t* nb = static_cast<uint8_t*>(realloc(buf_, n));
  if (nb == nullptr) log::OutOfMemory(n);
  buf_ = nb;
  memmove(buf_ + static_cast<size_t>(pos + 1) * width_, buf_ + static_cast<size_t>(pos) * width_,
          static_cast<size_t>(count_ - pos) * width_);
  uint8_t* p = buf_ + static_cast<size_t>(pos) * width_;
  if (width_ == 2) {
    int16_t x = static_cast<int16_t>(v);
    memcpy(p, &x, 2);
  } else if (width_ == 4) {
    int32_t x = static_cast<int32_t>(v);
    memcpy(p, &x, 4);
  } else {
    memcpy(p, &v, 8);
  }
  count_++;
  return true;
}

void IntSet::EraseAt(uint32_t pos) {
  memmove(buf_ + static_cast<size_t>(pos) * width_, buf_ + static_cast<size_t>(pos + 1) * width_,
          static_cast<size_t>(count_ - pos - 1) * width_);
  count_--;
}

bool IntSet::Erase(int64_t v) {
  uint32_t pos;
  if (count_ == 0 || !Find(v, &pos)) return false;
  EraseAt(pos);
  return true;
}

size_t IntSet::AllocatedBytes() const { return buf_ == nullptr ? 0 : malloc_usable_size(buf_); }

// ---- SetObject ---------------------------------------------------------------------------------

const char* SetObject::encoding_name() const {
  switch (enc_) {
    case Enc::kIntSet:
      return "intset";
    case Enc::kPacked:
      return "listpack";
    case Enc::kTable:
      return "hashtable";
  }
  return "hashtable";
}

bool IntSet::Defrag(mem::DefragAdvisor& advisor) { return advisor.MoveInPlace(buf_); }

size_t SetObject::DefragStep(mem::DefragAdvisor& advisor, uint64_t* cursor, size_t budget) {
  if (enc_ == Enc::kTable) {
    return table_->MoveNodes([&](SetNode* n) { return static_cast<SetNode*>(advisor.Move(n)); },
                             cursor, budget);
  }
  *cursor = 0;
  if (enc_ == Enc::kIntSet) return ints_.Defrag(advisor) ? 1 : 0;
  return packed_.data() != nullptr && packed_.Defrag(advisor) ? 1 : 0;
}

std::unique_ptr<DataObject> SetObject::Clone() const {
  auto s = std::make_unique<SetObject>();
  s->enc_ = enc_;
  s->fresh_ = fresh_;
  s->ints_ = ints_.Clone();
  s->packed_ = packed_.Clone();
  if (table_) {
    s->table_ = std::make_unique<SetTable>();
    table_->ForEach([&](SetNode* n) { s->table_->Insert(MakeSetNode(n->key())); });
  }
  return s;
}

size_t SetObject::MemoryUsage() const {
  size_t n = sizeof(*this) + ints_.AllocatedBytes() + packed_.AllocatedBytes();
  if (table_) {
    n += sizeof(SetTable) + table_->BucketBytes();
    table_->ForEach([&](SetNode* node) { n += strnode::AllocSize(node); });
  }
  return n;
}

size_t SetObject::size() const {
  switch (enc_) {
    case Enc::kIntSet:
      return ints_.size();
    case Enc::kPacked:
      return packed_.size();
    case Enc::kTable:
      return table_->size();
  }
  return 0;
}

bool SetObject::Contains(std::string_view member) const {
  switch (enc_) {
    case Enc::kIntSet: {
      int64_t v;
      uint32_t pos;
      return AsInt(member, &v) && ints_.Find(v, &pos);
    }
    case Enc::kPacked:
      return packed_.Find(member) < packed_.end();
    case Enc::kTable:
      return table_->Find(member) != nullptr;
  }
  return false;
}

void SetObject::Convert(Enc to) {
  if (to == enc_) return;
  if (to == Enc::kTable) {
    auto t = std::make_unique<SetTable>();
    ForEach([&](std::string_view m) { t->Insert(MakeSetNode(m)); });
    table_ = std::move(t);
  } else {  // intset -> listpack
    PackedList p;
    ForEach([&](std::string_view m) { p.PushBack(m); });
    packed_ = std::move(p);
  }
  ints_ = IntSet();
  if (to == Enc::kTable) packed_.Reset();
  enc_ = to;
}

bool SetObject::Add(std::string_view member, const EncodingLimits& lim, size_t size_hint) {
  int64_t iv;
  bool is_int = AsInt(member, &iv);
  if (fresh_) {
    // The first member and the announced batch size pick the starting encoding.
    fresh_ = false;
    int64_t hint = static_cast<int64_t>(size_hint);
    if (is_int && hint <= lim.set_max_intset_entries) {
      enc_ = Enc::kIntSet;
    } else if (hint <= lim.set_max_listpack_entries) {
      enc_ = Enc::kPacked;
    } else {
      Convert(Enc::kTable);
      enc_ = Enc::kTable;
    }
  }
  switch (enc_) {
    case Enc::kIntSet:
      if (is_int) {
        if (!ints_.Insert(iv)) return false;
        if (static_cast<int64_t>(ints_.size()) > lim.set_max_intset_entries) {
          Convert(Enc::kTable);
        }
        return true;
      } else {
        // Listpack only if every current member (bounded by the extremes) and the new one fit.
        size_t longest = 0;
        if (ints_.size() > 0) {
          longest = std::max(Digits(ints_.At(0)), Digits(ints_.At(ints_.size() - 1)));
        }
        bool fits = static_cast<int64_t>(ints_.size()) < lim.set_max_listpack_entries &&
                    static_cast<int64_t>(member.size()) <= lim.set_max_listpack_value &&
                    static_cast<int64_t>(longest) <= lim.set_max_listpack_value;
        Convert(fits ? Enc::kPacked : Enc::kTable);
        return Add(member, lim, size_hint);
      }
    case Enc::kPacked:
      if (packed_.Find(member) < packed_.end()) return false;
      if (static_cast<int64_t>(packed_.size()) < lim.set_max_listpack_entries &&
          static_cast<int64_t>(member.size()) <= lim.set_max_listpack_value) {
        packed_.PushBack(member);
        return true;
      }
      Convert(Enc::kTable);
      [[fallthrough]];
    case Enc::kTable:
      if (table_->Find(member) != nullptr) return false;
      table_->Insert(MakeSetNode(member));
      return true;
  }
  return false;
}

bool SetObject::Remove(std::string_view member) {
  switch (enc_) {
    case Enc::kIntSet: {
      int64_t v;
      return AsInt(member, &v) && ints_.Erase(v);
    }
    case Enc::kPacked: {
      uint32_t off = packed_.Find(member);
      if (off >= packed_.end()) return false;
      packed_.Erase(off);
      return true;
    }
    case Enc::kTable: {
      bool removed = table_->Remove(member) != nullptr;
      if (removed) table_->MaybeShrink();
      return removed;
    }
  }
  return false;
}

std::string SetObject::At(size_t i) const {
  if (enc_ == Enc::kIntSet) return std::to_string(ints_.At(static_cast<uint32_t>(i)));
  return packed_.GetString(packed_.Seek(static_cast<int64_t>(i)));
}

std::string SetObject::Random(std::mt19937_64& rng) const {
  if (enc_ == Enc::kTable) return std::string(table_->Random(rng)->key());
  return At(rng() % size());
}

std::string SetObject::PopRandom(std::mt19937_64& rng) {
  std::string m = Random(rng);
  Remove(m);
  return m;
}

}  // namespace carmine
