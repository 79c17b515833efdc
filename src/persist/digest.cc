// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/digest.h"

#include <openssl/sha.h>

#include <array>
#include <cstdio>

#include "base/double_format.h"
#include "core/hash_object.h"
#include "core/list_object.h"
#include "core/set_object.h"
#include "core/stream_object.h"
#include "core/zset_object.h"

namespace carmine::digest {
namespace {

using Digest = std::array<unsigned char, 20>;

// digest ^= SHA1(data): order-independent combination.
void Xor(Digest& d, const void* data, size_t len) {
  unsigned char h[20];
  SHA1(static_cast<const unsigned char*>(data), len, h);
  for (int i = 0; i < 20; i++) d[i] ^= h[i];
}
void Xor(Digest& d, std::string_view s) { Xor(d, s.data(), s.size()); }

// digest = SHA1(digest ^ SHA1(data)): order-dependent chaining.
void Mix(Digest& d, const void* data, size_t len) {
  Xor(d, data, len);
  SHA1(d.data(), d.size(), d.data());
}
void Mix(Digest& d, std::string_view s) { Mix(d, s.data(), s.size()); }

void MixBigEndian32(Digest& d, uint32_t v) {
  unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                        static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  Mix(d, b, 4);
}

// The type codes Redis uses for its objects.
uint32_t TypeCode(ObjType t) {
  switch (t) {
    case ObjType::kString: return 0;
    case ObjType::kList: return 1;
    case ObjType::kSet: return 2;
    case ObjType::kZSet: return 3;
    case ObjType::kHash: return 4;
    default: return 6;
  }
}

void ValueInto(const Entry& e, Digest& d) {
  const CompactValue& v = e.value;
  MixBigEndian32(d, TypeCode(v.type()));
  switch (v.type()) {
    case ObjType::kString: {
      std::string scratch;
      Mix(d, v.GetString(&scratch));
      break;
    }
    case ObjType::kList: {
      const auto& l = *static_cast<const ListObject*>(v.object());
      if (l.size() > 0) {
        l.ForRange(0, l.size() - 1, false, [&](std::string_view x) {
          Mix(d, x);
          return true;
        });
      }
      break;
    }
    case ObjType::kSet:
      static_cast<const SetObject*>(v.object())->ForEach([&](std::string_view m) { Xor(d, m); });
      break;
    case ObjType::kZSet: {
      const auto& z = *static_cast<const ZSetObject*>(v.object());
      if (z.size() > 0) {
        z.ForRanks(0, z.size() - 1, false, [&](std::string_view m, double score) {
          Digest el{};
          Mix(el, m);
          char buf[32];
          size_t n = FormatDoubleDigits(score, buf);
          Mix(el, buf, n);
          Xor(d, el.data(), el.size());
        });
      }
      break;
    }
    case ObjType::kHash: {
      HashObject h(const_cast<CompactValue*>(&v));  // read-only use
      h.ForEach([&](std::string_view f, std::string_view val) {
        Digest el{};
        Mix(el, f);
        Mix(el, val);
        Xor(d, el.data(), el.size());
      });
      break;
    }
    case ObjType::kStream: {
      // Entries in order: "ms.seq", then each field and value (groups are not part of it).
      const auto& s = *static_cast<const StreamObject*>(v.object());
      StreamIterator it(s, StreamID{}, StreamID::Max(), false);
      StreamEntry se;
      while (it.Next(&se)) {
        Mix(d, std::to_string(se.id.ms) + "." + std::to_string(se.id.seq));
        for (auto x : se.fv) Mix(d, x);
      }
      break;
    }
    default:
      break;
  }
  if (e.has_expire()) Xor(d, "!!expire!!");
}

std::string Hex(const Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : d) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

}  // namespace

std::string Dataset(DbSet& dbs) {
  Digest final{};
  for (int db = 0; db < dbs.num_dbs(); db++) {
    if (dbs.KeyCount(db) == 0) continue;
    MixBigEndian32(final, static_cast<uint32_t>(db));
    for (int sh = 0; sh < dbs.num_shards(); sh++) {
      dbs.Data(db, static_cast<uint32_t>(sh)).table.ForEach([&](Entry* e) {
        Digest d{};
        Mix(d, e->key());
        ValueInto(*e, d);
        Xor(final, d.data(), d.size());
      });
    }
  }
  return Hex(final);
}

std::string Value(const Entry& e) {
  Digest d{};
  ValueInto(e, d);
  return Hex(d);
}

}  // namespace carmine::digest
