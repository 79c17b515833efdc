// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/rdb_value.h"

#include <atomic>
#include <memory>
#include <vector>

#include "base/double_format.h"
#include "base/strutil.h"
#include "core/hash_object.h"
#include "core/list_object.h"
#include "core/set_object.h"
#include "core/zset_object.h"
#include "persist/packed_formats.h"
#include "persist/rdb_stream.h"

namespace carmine::rdb {
namespace {

// A quicklist node holds at most this many listpack bytes (list-max-listpack-size -2).
constexpr size_t kNodeBytes = 8192;

void WriteList(const ListObject& l, bool compress, std::string* out) {
  out->push_back(static_cast<char>(kListQuicklist2));
  std::vector<std::string> nodes;
  ListpackWriter lp;
  if (l.size() > 0) {
    l.ForRange(0, l.size() - 1, false, [&](std::string_view e) {
      if (lp.count() > 0 && lp.bytes() + e.size() + 11 > kNodeBytes) {
        nodes.push_back(lp.Finish());
        lp = ListpackWriter();
      }
      lp.Add(e);
      return true;
    });
  }
  if (lp.count() > 0) nodes.push_back(lp.Finish());
  WriteLength(out, nodes.size());
  for (auto& n : nodes) {
    WriteLength(out, 2);  // a packed (listpack) node
    WriteString(out, n, compress);
  }
}

void WriteSet(const SetObject& s, bool compress, uint16_t version, std::string* out) {
  if (s.encoding() == SetObject::Enc::kIntSet) {
    std::vector<int64_t> ints;
    s.ForEach([&](std::string_view m) {
      int64_t v = 0;
      ParseInt64(m, &v);
      ints.push_back(v);
    });
    out->push_back(static_cast<char>(kSetIntset));
    WriteString(out, WriteIntset(std::move(ints)), compress);
    return;
  }
  if (s.encoding() == SetObject::Enc::kPacked && version >= 11) {
    ListpackWriter lp;
    s.ForEach([&](std::string_view m) { lp.Add(m); });
    out->push_back(static_cast<char>(kSetListpack));
    WriteString(out, lp.Finish(), compress);
    return;
  }
  // Version 10 has no listpack set (Redis 7.2 added it as type 20): the plain form.
  out->push_back(static_cast<char>(kSet));
  WriteLength(out, s.size());
  s.ForEach([&](std::string_view m) { WriteString(out, m, compress); });
}

void WriteZSet(const ZSetObject& z, bool compress, std::string* out) {
  if (z.is_packed()) {
    ListpackWriter lp;
    if (z.size() > 0) {
      z.ForRanks(0, z.size() - 1, false, [&](std::string_view m, double score) {
        lp.Add(m);
        lp.Add(FormatDouble(score));
      });
    }
    out->push_back(static_cast<char>(kZSetListpack));
    WriteString(out, lp.Finish(), compress);
    return;
  }
  out->push_back(static_cast<char>(kZSet2));
  WriteLength(out, z.size());
  // Highest score first: a loader that inserts at the head then never has to search.
  z.ForRanks(0, z.size() - 1, true, [&](std::string_view m, double score) {
    WriteString(out, m, compress);
    WriteBinaryDouble(out, score);
  });
}

void WriteHash(const CompactValue& v, bool compress, std::string* out) {
  HashObject h(const_cast<CompactValue*>(&v));  // read-only use
  if (h.is_packed()) {
    ListpackWriter lp;
    h.ForEach([&](std::string_view f, std::string_view val) {
      lp.Add(f);
      lp.Add(val);
    });
    out->push_back(static_cast<char>(kHashListpack));
    WriteString(out, lp.Finish(), compress);
    return;
  }
  out->push_back(static_cast<char>(kHash));
  WriteLength(out, h.size());
  h.ForEach([&](std::string_view f, std::string_view val) {
    WriteString(out, f, compress);
    WriteString(out, val, compress);
  });
}

// Collects a blob's elements; false if malformed.
bool BlobElements(uint8_t type, std::string_view blob, std::vector<std::string>* out) {
  auto add = [&](std::string_view e) { out->emplace_back(e); };
  switch (type) {
    case kHashZipmap:
      return ReadZipmap(blob, add);
    case kListZiplist:
    case kZSetZiplist:
    case kHashZiplist:
    case kListQuicklist:
      return ReadZiplist(blob, add);
    default:
      return ReadListpack(blob, add);
  }
}

bool BuildList(const std::vector<std::string>& elems, const EncodingLimits& lim,
               CompactValue* out) {
  if (elems.empty()) return false;
  auto l = std::make_unique<ListObject>();
  for (auto& e : elems) l->PushBack(e, lim);
  out->SetObject(std::move(l));
  return true;
}

bool BuildSet(const std::vector<std::string>& elems, const EncodingLimits& lim,
              CompactValue* out) {
  if (elems.empty()) return false;
  auto s = std::make_unique<SetObject>();
  for (auto& e : elems) {
    if (!s->Add(e, lim, elems.size())) return false;  // duplicate member
  }
  out->SetObject(std::move(s));
  return true;
}

bool BuildHash(const std::vector<std::string>& elems, const EncodingLimits& lim,
               CompactValue* out) {
  if (elems.empty() || elems.size() % 2 != 0) return false;
  HashObject::InitEmpty(out);
  HashObject h(out);
  for (size_t i = 0; i < elems.size(); i += 2) {
    if (!h.Set(elems[i], elems[i + 1], lim)) return false;  // duplicate field
  }
  return true;
}

bool BuildZSet(const std::vector<std::string>& members, const std::vector<double>& scores,
               const EncodingLimits& lim, CompactValue* out) {
  if (members.empty()) return false;
  auto z = std::make_unique<ZSetObject>();
  for (size_t i = 0; i < members.size(); i++) {
    if (!z->Set(members[i], scores[i], lim)) return false;  // duplicate member
  }
  out->SetObject(std::move(z));
  return true;
}

// A zset blob's member, score, member, score, ... pairs.
bool BuildZSetFromPairs(std::vector<std::string>& elems, const EncodingLimits& lim,
                        CompactValue* out) {
  if (elems.size() % 2 != 0) return false;
  std::vector<std::string> members;
  std::vector<double> scores;
  for (size_t i = 0; i < elems.size(); i += 2) {
    double d;
    if (!ParseDouble(elems[i + 1], &d)) return false;
    members.push_back(std::move(elems[i]));
    scores.push_back(d);
  }
  return BuildZSet(members, scores, lim, out);
}

// What Redis logs when a packed value of `type` fails its integrity check.
std::string_view IntegrityError(uint8_t type) {
  switch (type) {
    case kHashZipmap: return "Zipmap integrity check failed.";
    case kListZiplist: return "List ziplist integrity check failed.";
    case kZSetZiplist: return "Zset ziplist integrity check failed.";
    case kHashZiplist: return "Hash ziplist integrity check failed.";
    case kHashListpack: return "Hash listpack integrity check failed.";
    case kZSetListpack: return "Zset listpack integrity check failed.";
    case kSetListpack: return "Set listpack integrity check failed.";
    case kListQuicklist: return "Ziplist integrity check failed.";
    default: return "Listpack integrity check failed.";
  }
}

}  // namespace

void WriteValue(const CompactValue& v, const EncodingLimits& lim, bool compress, std::string* out,
                uint16_t version) {
  switch (v.type()) {
    case ObjType::kString: {
      std::string scratch;
      out->push_back(static_cast<char>(kString));
      WriteString(out, v.GetString(&scratch), compress);
      return;
    }
    case ObjType::kList:
      WriteList(*static_cast<const ListObject*>(v.object()), compress, out);
      return;
    case ObjType::kSet:
      WriteSet(*static_cast<const SetObject*>(v.object()), compress, version, out);
      return;
    case ObjType::kZSet:
      WriteZSet(*static_cast<const ZSetObject*>(v.object()), compress, out);
      return;
    case ObjType::kHash:
      WriteHash(v, compress, out);
      return;
    case ObjType::kStream:
      WriteStream(v, compress, version, out);
      return;
    default:
      return;
  }
}

bool ReadValue(uint8_t type, RdbReader& in, const EncodingLimits& lim, CompactValue* out) {
  std::vector<std::string> elems;
  switch (type) {
    case kString: {
      std::string s;
      if (!in.ReadString(&s)) return false;
      out->SetString(s);
      return true;
    }
    case kList:
    case kSet: {
      uint64_t n;
      if (!in.ReadLength(&n) || n > in.remaining()) return false;
      if (n == 0) return in.Empty();
      elems.resize(n);
      for (auto& e : elems) {
        if (!in.ReadString(&e)) return false;
      }
      return type == kList ? BuildList(elems, lim, out) : BuildSet(elems, lim, out);
    }
    case kHash: {
      uint64_t n;
      if (!in.ReadLength(&n) || n > in.remaining()) return false;
      if (n == 0) return in.Empty();
      elems.resize(2 * n);
      for (auto& e : elems) {
        if (!in.ReadString(&e)) return false;
      }
      return BuildHash(elems, lim, out);
    }
    case kZSet:
    case kZSet2: {
      uint64_t n;
      if (!in.ReadLength(&n) || n > in.remaining()) return false;
      if (n == 0) return in.Empty();
      std::vector<double> scores(n);
      elems.resize(n);
      for (uint64_t i = 0; i < n; i++) {
        if (!in.ReadString(&elems[i])) return false;
        if (!(type == kZSet2 ? in.ReadBinaryDouble(&scores[i]) : in.ReadTextDouble(&scores[i])))
          return false;
      }
      return BuildZSet(elems, scores, lim, out);
    }
    case kSetIntset: {
      std::string blob;
      std::vector<int64_t> ints;
      if (!in.ReadString(&blob)) return false;
      if (!ReadIntset(blob, &ints)) return in.Fail("Intset integrity check failed.");
      if (ints.empty()) return in.Empty();
      for (int64_t v : ints) elems.push_back(std::to_string(v));
      return BuildSet(elems, lim, out);
    }
    case kListZiplist:
    case kHashZipmap:
    case kZSetZiplist:
    case kHashZiplist:
    case kHashListpack:
    case kZSetListpack:
    case kSetListpack: {
      std::string blob;
      if (!in.ReadString(&blob)) return false;
      if (!BlobElements(type, blob, &elems)) return in.Fail(IntegrityError(type));
      if (elems.empty()) return in.Empty();
      bool built;
      if (type == kListZiplist) {
        built = BuildList(elems, lim, out);
      } else if (type == kSetListpack) {
        built = BuildSet(elems, lim, out);
      } else if (type == kHashZipmap || type == kHashZiplist || type == kHashListpack) {
        built = BuildHash(elems, lim, out);
      } else {
        built = BuildZSetFromPairs(elems, lim, out);
      }
      // Empty, uneven or with a duplicate: what Redis's deep check of the blob also refuses.
      return built || in.Fail(type == kHashListpack ? "Hash listpack integrity check failed "
                                                      "(listpack with dup elements or uneven)."
                                                    : IntegrityError(type));
    }
    case kListQuicklist:
    case kListQuicklist2: {
      uint64_t nodes;
      if (!in.ReadLength(&nodes) || nodes > in.remaining()) return false;
      for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = 2;
        if (type == kListQuicklist2 && (!in.ReadLength(&container) || container < 1 || container > 2))
          return false;
        std::string blob;
        if (!in.ReadString(&blob)) return false;
        if (container == 1) {
          // A plain node: one big element (never empty: small ones live in packed nodes).
          if (blob.empty()) return in.Fail("Quicklist plain node integrity check failed.");
          elems.push_back(std::move(blob));
        } else if (!BlobElements(type, blob, &elems)) {
          return in.Fail(IntegrityError(type));
        }
      }
      if (elems.empty()) return in.Empty();  // no nodes, or only empty ones
      return BuildList(elems, lim, out) || in.Fail(IntegrityError(type));
    }
    case kStreamListpacks:
    case kStreamListpacks2:
    case kStreamListpacks3:
      return ReadStream(type, in, out);
    default:
      return false;  // modules: not supported
  }
}

std::string DumpPayload(const CompactValue& v, const EncodingLimits& lim) {
  std::string out;
  WriteValue(v, lim, true, &out, kDumpVersion);
  out.push_back(static_cast<char>(kDumpVersion & 0xFF));
  out.push_back(static_cast<char>(kDumpVersion >> 8));
  uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return out;
}

namespace {
std::atomic<bool> g_skip_checksum{false};
}  // namespace

void SetSkipChecksum(bool skip) { g_skip_checksum.store(skip); }
bool SkipChecksum() { return g_skip_checksum.load(std::memory_order_relaxed); }

bool CheckDumpPayload(std::string_view p, std::string_view* body) {
  if (p.size() < 10) return false;
  uint16_t version = static_cast<uint16_t>(static_cast<uint8_t>(p[p.size() - 10]) |
                                           (static_cast<uint8_t>(p[p.size() - 9]) << 8));
  if (version > kMaxReadVersion) return false;
  uint64_t crc = 0;
  for (int i = 0; i < 8; i++) crc |= static_cast<uint64_t>(static_cast<uint8_t>(p[p.size() - 8 + i])) << (8 * i);
  if (!SkipChecksum() && Crc64(0, p.data(), p.size() - 8) != crc) return false;
  *body = p.substr(0, p.size() - 10);
  return true;
}

}  // namespace carmine::rdb
