// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Bitmap commands over string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD(_RO).
// Bit 0 is the most significant bit of byte 0, as in Redis. Strings grow with zero bytes when a
// write addresses a bit past the end; a read past the end sees zeros.
#include <algorithm>
#include <bit>
#include <optional>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/families.h"
#include "commands/string_value.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// Parses a bit offset; "#N" means N * bits when `bits` is non-zero (BITFIELD).
bool ParseBitOffset(CommandContext& ctx, std::string_view s, int bits, uint64_t* out) {
  bool hash = false;
  if (bits > 0 && !s.empty() && s[0] == '#') {
    hash = true;
    s.remove_prefix(1);
  }
  int64_t v;
  int64_t limit = ctx.opts.proto_max_bulk_len.get();
  if (!ParseInt64(s, &v) || v < 0 || (hash && v > INT64_MAX / bits)) {
    ctx.rb.Error(err::kBitOffset);
    return false;
  }
  if (hash) v *= bits;
  if ((static_cast<uint64_t>(v) >> 3) >= static_cast<uint64_t>(limit)) {
    ctx.rb.Error(err::kBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// Finds or creates the string for a bit write; returns nullptr after replying WRONGTYPE.
// *grown (optional) tells whether the key was created or lengthened.
Entry* StringForBitWrite(Db& db, std::string_view key, CommandContext& ctx, uint64_t min_bytes,
                         bool* grown = nullptr) {
  Entry* e = db.Find(key);
  if (e != nullptr && e->value.type() != ObjType::kString) {
    ctx.rb.Error(err::kWrongType);
    return nullptr;
  }
  bool created = e == nullptr;
  if (created) e = db.Add(key);
  size_t cur = e->value.StringLength();
  if (grown != nullptr) *grown = created || cur < min_bytes;
  e->value.MutableString(std::max<size_t>(cur, min_bytes));
  e->flags |= kEntryRawString;
  return e;
}

// SETBIT key offset value
void CmdSetBit(ArgList args, CommandContext& ctx) {
  uint64_t off;
  if (!ParseBitOffset(ctx, args[2], 0, &off)) return;
  int64_t bit;
  if (!ParseInt64(args[3], &bit) || (bit & ~1)) {
    ctx.rb.Error(err::kBitValue);
    return;
  }
  Db db = ctx.db();
  bool grown;
  Entry* e = StringForBitWrite(db, args[1], ctx, off / 8 + 1, &grown);
  if (e == nullptr) return;
  char* p = e->value.MutableString(e->value.StringLength());
  uint8_t& byte = reinterpret_cast<uint8_t&>(p[off >> 3]);
  int shift = 7 - static_cast<int>(off & 7);
  int old = (byte >> shift) & 1;
  byte = static_cast<uint8_t>((byte & ~(1 << shift)) | (bit << shift));
  // Rewriting a bit with its own value changes nothing: no event, no propagation (as Redis).
  if (grown || old != bit) db.Changed(args[1], kNotifyString, "setbit");
  ctx.rb.Int(old);
}

// GETBIT key offset
void CmdGetBit(ArgList args, CommandContext& ctx) {
  uint64_t off;
  if (!ParseBitOffset(ctx, args[2], 0, &off)) return;
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    r.status() == OpStatus::kKeyNotFound ? ctx.rb.Int(0) : ReplyError(ctx, r.status());
    return;
  }
  std::string scratch;
  std::string_view s = StrOf(r.value(), &scratch);
  if ((off >> 3) >= s.size()) {
    ctx.rb.Int(0);
    return;
  }
  ctx.rb.Int((static_cast<uint8_t>(s[off >> 3]) >> (7 - (off & 7))) & 1);
}

// Resolves [start end [BYTE|BIT]] into an inclusive bit range over a string of `len` bytes.
// Returns false (after replying) on a parse error; sets *empty when the range selects nothing.
struct Range {
  int64_t start = 0, end = -1;
  bool bit_mode = false;
  bool end_given = false;
};

bool ParseRange(CommandContext& ctx, ArgList args, size_t from, Range* r) {
  size_t n = args.size() - from;
  if (n == 0) return true;
  if (!ParseInt64(args[from], &r->start)) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  if (n >= 2) {
    if (!ParseInt64(args[from + 1], &r->end)) {
      ctx.rb.Error(err::kNotInt);
      return false;
    }
    r->end_given = true;
  }
  if (n >= 3) {
    if (EqualsIgnoreCase(args[from + 2], "BIT")) {
      r->bit_mode = true;
    } else if (!EqualsIgnoreCase(args[from + 2], "BYTE")) {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  if (n > 3) {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  return true;
}

// Normalises the range against `total` units; returns false if it is empty.
bool Normalize(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start = total + *start;
  if (*end < 0) *end = total + *end;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end && total > 0;
}

inline int BitAt(std::string_view s, int64_t bit) {
  return (static_cast<uint8_t>(s[bit >> 3]) >> (7 - (bit & 7))) & 1;
}

// BITCOUNT key [start end [BYTE|BIT]]
void CmdBitCount(ArgList args, CommandContext& ctx) {
  if (args.size() == 3 || args.size() > 5) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  Db db = ctx.db();
  auto found = db.FindReadOfType(args[1], ObjType::kString);
  if (!found.ok() && found.status() == OpStatus::kWrongType) {
    ReplyError(ctx, found.status());
    return;
  }
  Range r;
  if (!ParseRange(ctx, args, 2, &r)) return;
  if (!found.ok()) {
    ctx.rb.Int(0);
    return;
  }
  std::string scratch;
  std::string_view s = StrOf(found.value(), &scratch);
  int64_t len = static_cast<int64_t>(s.size());
  int64_t start = r.start, end = r.end_given || args.size() == 2 ? r.end : -1;
  if (args.size() == 2) {
    start = 0;
    end = -1;
  }
  // Both ends counted from the end with start past end: an empty range, before any clamping
  // (otherwise both clamp to 0 and the first byte would count).
  if (start < 0 && end < 0 && start > end) {
    ctx.rb.Int(0);
    return;
  }
  if (r.bit_mode) {
    if (!Normalize(len * 8, &start, &end)) {
      ctx.rb.Int(0);
      return;
    }
    int64_t count = 0;
    int64_t b = start;
    for (; b <= end && (b & 7); b++) count += BitAt(s, b);
    for (; b + 7 <= end; b += 8) count += std::popcount(static_cast<uint8_t>(s[b >> 3]));
    for (; b <= end; b++) count += BitAt(s, b);
    ctx.rb.Int(count);
    return;
  }
  if (!Normalize(len, &start, &end)) {
    ctx.rb.Int(0);
    return;
  }
  int64_t count = 0;
  int64_t i = start;
  for (; i + 8 <= end + 1; i += 8) {
    uint64_t w;
    memcpy(&w, s.data() + i, 8);
    count += std::popcount(w);
  }
  for (; i <= end; i++) count += std::popcount(static_cast<uint8_t>(s[i]));
  ctx.rb.Int(count);
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void CmdBitPos(ArgList args, CommandContext& ctx) {
  int64_t bit;
  if (!ParseInt64(args[2], &bit)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  if (bit != 0 && bit != 1) {
    ctx.rb.Error(err::kBitByteArg);
    return;
  }
  if (args.size() > 6) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  Db db = ctx.db();
  auto found = db.FindReadOfType(args[1], ObjType::kString);
  if (!found.ok()) {
    if (found.status() == OpStatus::kWrongType) {
      ReplyError(ctx, found.status());
    } else {
      ctx.rb.Int(bit ? -1 : 0);
    }
    return;
  }
  Range r;
  if (!ParseRange(ctx, args, 3, &r)) return;
  std::string scratch;
  std::string_view s = StrOf(found.value(), &scratch);
  int64_t len = static_cast<int64_t>(s.size());
  int64_t start = r.start, end = r.end_given ? r.end : -1;
  int64_t total = r.bit_mode ? len * 8 : len;
  if (!Normalize(total, &start, &end)) {
    ctx.rb.Int(-1);
    return;
  }
  int64_t first_bit = r.bit_mode ? start : start * 8;
  int64_t last_bit = r.bit_mode ? end : end * 8 + 7;
  for (int64_t b = first_bit; b <= last_bit; b++) {
    if ((b & 7) == 0 && b + 7 <= last_bit) {
      uint8_t byte = static_cast<uint8_t>(s[b >> 3]);
      if ((bit == 1 && byte == 0) || (bit == 0 && byte == 0xff)) {
        b += 7;
        continue;
      }
    }
    if (BitAt(s, b) == bit) {
      ctx.rb.Int(b);
      return;
    }
  }
  // Looking for a clear bit with no explicit end: the string is padded with zeros to the right.
  if (bit == 0 && !r.end_given) {
    ctx.rb.Int(r.bit_mode ? last_bit + 1 : (end + 1) * 8);
    return;
  }
  ctx.rb.Int(-1);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void CmdBitOp(ArgList args, CommandContext& ctx) {
  std::string_view op = args[1];
  enum { kAnd, kOr, kXor, kNot } kind;
  if (EqualsIgnoreCase(op, "AND")) {
    kind = kAnd;
  } else if (EqualsIgnoreCase(op, "OR")) {
    kind = kOr;
  } else if (EqualsIgnoreCase(op, "XOR")) {
    kind = kXor;
  } else if (EqualsIgnoreCase(op, "NOT")) {
    kind = kNot;
  } else {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  if (kind == kNot && args.size() != 4) {
    ctx.rb.Error(err::kBitopNot);
    return;
  }
  Db db = ctx.db();
  std::vector<std::string> srcs;
  size_t maxlen = 0;
  for (size_t i = 3; i < args.size(); i++) {
    Entry* e = db.FindRead(args[i]);
    if (e == nullptr) {
      srcs.emplace_back();
      continue;
    }
    if (e->value.type() != ObjType::kString) {
      ctx.rb.Error(err::kWrongType);
      return;
    }
    std::string scratch;
    srcs.emplace_back(StrOf(e, &scratch));
    maxlen = std::max(maxlen, srcs.back().size());
  }
  std::string res(maxlen, '\0');
  for (size_t j = 0; j < maxlen; j++) {
    auto byte = [&](size_t k) -> uint8_t {
      return j < srcs[k].size() ? static_cast<uint8_t>(srcs[k][j]) : 0;
    };
    uint8_t v = byte(0);
    if (kind == kNot) {
      v = static_cast<uint8_t>(~v);
    } else {
      for (size_t k = 1; k < srcs.size(); k++) {
        if (kind == kAnd) v &= byte(k);
        if (kind == kOr) v |= byte(k);
        if (kind == kXor) v ^= byte(k);
      }
    }
    res[j] = static_cast<char>(v);
  }
  if (res.empty()) {
    if (db.Delete(args[2])) db.Changed(args[2], kNotifyGeneric, "del");
  } else {
    Entry* e = db.Find(args[2]);
    if (e == nullptr) {
      e = db.Add(args[2]);
    } else {
      db.ClearExpire(e);
    }
    StoreString(e, res, StrEnc::kRaw);
    db.Changed(args[2], kNotifyString, "set");
  }
  ctx.rb.Int(static_cast<int64_t>(res.size()));
}

// --- BITFIELD -------------------------------------------------------------------------------

enum class Overflow { kWrap, kSat, kFail };
enum class FieldOp { kGet, kSet, kIncrBy };

struct FieldCmd {
  FieldOp op;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t arg;
  Overflow overflow;
};

bool ParseFieldType(std::string_view s, bool* is_signed, int* bits) {
  if (s.size() < 2 || (s[0] != 'i' && s[0] != 'u' && s[0] != 'I' && s[0] != 'U')) return false;
  *is_signed = s[0] == 'i' || s[0] == 'I';
  int64_t b;
  if (!ParseInt64(s.substr(1), &b)) return false;
  if (b < 1 || (*is_signed && b > 64) || (!*is_signed && b > 63)) return false;
  *bits = static_cast<int>(b);
  return true;
}

uint64_t ReadBits(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; i++) {
    uint64_t b = offset + i;
    int bit = (b >> 3) < s.size() ? BitAt(s, static_cast<int64_t>(b)) : 0;
    v = (v << 1) | static_cast<uint64_t>(bit);
  }
  return v;
}

void WriteBits(char* p, uint64_t offset, int bits, uint64_t v) {
  for (int i = 0; i < bits; i++) {
    uint64_t b = offset + i;
    int bit = static_cast<int>((v >> (bits - 1 - i)) & 1);
    uint8_t& byte = reinterpret_cast<uint8_t&>(p[b >> 3]);
    int shift = 7 - static_cast<int>(b & 7);
    byte = static_cast<uint8_t>((byte & ~(1 << shift)) | (bit << shift));
  }
}

int64_t ToSigned(uint64_t raw, int bits) {
  if (bits == 64) return static_cast<int64_t>(raw);
  uint64_t sign = 1ull << (bits - 1);
  if (raw & sign) return static_cast<int64_t>(raw | ~((1ull << bits) - 1));
  return static_cast<int64_t>(raw);
}

// Applies `value` (the exact mathematical result) to the field range; returns nullopt on FAIL.
std::optional<int64_t> Fit(__int128 value, bool is_signed, int bits, Overflow of) {
  __int128 lo, hi;
  if (is_signed) {
    lo = -(static_cast<__int128>(1) << (bits - 1));
    hi = (static_cast<__int128>(1) << (bits - 1)) - 1;
  } else {
    lo = 0;
    hi = (static_cast<__int128>(1) << bits) - 1;
  }
  if (value >= lo && value <= hi) return static_cast<int64_t>(value);
  if (of == Overflow::kFail) return std::nullopt;
  if (of == Overflow::kSat) return static_cast<int64_t>(value < lo ? lo : hi);
  unsigned __int128 mask = (static_cast<unsigned __int128>(1) << bits) - 1;
  uint64_t raw = static_cast<uint64_t>(static_cast<unsigned __int128>(value) & mask);
  return is_signed ? ToSigned(raw, bits) : static_cast<int64_t>(raw);
}

void BitfieldGeneric(ArgList args, CommandContext& ctx, bool readonly) {
  std::vector<FieldCmd> cmds;
  Overflow of = Overflow::kWrap;
  bool writes = false;
  for (size_t i = 2; i < args.size(); i++) {
    std::string_view a = args[i];
    size_t left = args.size() - i - 1;
    FieldCmd c{};
    if (EqualsIgnoreCase(a, "GET") && left >= 2) {
      c.op = FieldOp::kGet;
    } else if (EqualsIgnoreCase(a, "SET") && left >= 3) {
      c.op = FieldOp::kSet;
    } else if (EqualsIgnoreCase(a, "INCRBY") && left >= 3) {
      c.op = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(a, "OVERFLOW") && left >= 1) {
      std::string_view t = args[++i];
      if (EqualsIgnoreCase(t, "WRAP")) {
        of = Overflow::kWrap;
      } else if (EqualsIgnoreCase(t, "SAT")) {
        of = Overflow::kSat;
      } else if (EqualsIgnoreCase(t, "FAIL")) {
        of = Overflow::kFail;
      } else {
        ctx.rb.Error(err::kBitfieldOverflow);
        return;
      }
      continue;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
    if (!ParseFieldType(args[i + 1], &c.is_signed, &c.bits)) {
      ctx.rb.Error(err::kBitfieldType);
      return;
    }
    if (!ParseBitOffset(ctx, args[i + 2], c.bits, &c.offset)) return;
    if (c.op != FieldOp::kGet) {
      if (!ParseInt64(args[i + 3], &c.arg)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      writes = true;
      i += 3;
    } else {
      i += 2;
    }
    c.overflow = of;
    cmds.push_back(c);
  }
  if (readonly && writes) {
    ctx.rb.Error(err::kBitfieldRoOnlyGet);
    return;
  }
  Db db = ctx.db();
  Entry* e = nullptr;
  bool grown = false;
  if (writes) {
    uint64_t max_byte = 0;
    for (auto& c : cmds) {
      if (c.op != FieldOp::kGet) max_byte = std::max(max_byte, (c.offset + c.bits - 1) / 8 + 1);
    }
    e = StringForBitWrite(db, args[1], ctx, max_byte, &grown);
    if (e == nullptr) return;
  } else {
    auto r = db.FindReadOfType(args[1], ObjType::kString);
    if (!r.ok() && r.status() == OpStatus::kWrongType) {
      ReplyError(ctx, r.status());
      return;
    }
    if (r.ok()) e = r.value();
  }
  std::string scratch;
  ctx.rb.ArrayLen(static_cast<int64_t>(cmds.size()));
  uint64_t changes = 0;
  for (auto& c : cmds) {
    std::string_view s = e == nullptr ? std::string_view() : StrOf(e, &scratch);
    uint64_t raw = ReadBits(s, c.offset, c.bits);
    int64_t cur = c.is_signed ? ToSigned(raw, c.bits) : static_cast<int64_t>(raw);
    if (c.op == FieldOp::kGet) {
      ctx.rb.Int(cur);
      continue;
    }
    __int128 target =
        c.op == FieldOp::kSet ? static_cast<__int128>(c.arg) : static_cast<__int128>(cur) + c.arg;
    if (c.op == FieldOp::kSet && !c.is_signed && c.arg < 0 && c.overflow == Overflow::kWrap) {
      target = static_cast<__int128>(static_cast<uint64_t>(c.arg));
    }
    auto fitted = Fit(target, c.is_signed, c.bits, c.overflow);
    if (!fitted) {
      ctx.rb.Null();
      continue;
    }
    uint64_t mask = c.bits == 64 ? ~0ull : ((1ull << c.bits) - 1);
    char* p = e->value.MutableString(e->value.StringLength());
    uint64_t bits = static_cast<uint64_t>(*fitted) & mask;
    WriteBits(p, c.offset, c.bits, bits);
    // Only a write that changes something counts (for events, propagation and the dirty
    // counter), as in Redis; growing the string counts once.
    if (grown || bits != raw) changes++;
    grown = false;
    ctx.rb.Int(c.op == FieldOp::kSet ? cur : *fitted);
  }
  if (changes > 0) db.Changed(args[1], kNotifyString, "setbit", changes);
}

void CmdBitfield(ArgList args, CommandContext& ctx) { BitfieldGeneric(args, ctx, false); }
void CmdBitfieldRo(ArgList args, CommandContext& ctx) { BitfieldGeneric(args, ctx, true); }

}  // namespace

// BITFIELD with GETs only reads its key (what the ACL asks of the user, as Redis's key spec).
std::string_view BitfieldKeyFlags(ArgList args) {
  for (size_t i = 2; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "SET") || EqualsIgnoreCase(args[i], "INCRBY")) {
      return "RW access update variable_flags";
    }
  }
  return "RO access";
}

void RegisterBitmapFamily(CommandRegistry& r) {
  constexpr uint64_t B = acl::kBitmap;
  r.Add({"SETBIT", 4, kWrite | kDenyOom, 1, 1, 1, B, &CmdSetBit, "bitmap", "2.2.0",
         "Sets or clears the bit at offset of the string value. Creates the key if it doesn't "
         "exist.",
         "O(1)"})
      .Args("key:key offset:integer value:integer")
      .KeyFlags("RW access update");
  r.Add({"GETBIT", 3, kReadOnly | kFast, 1, 1, 1, B, &CmdGetBit, "bitmap", "2.2.0",
         "Returns a bit value by offset.", "O(1)"})
      .Args("key:key offset:integer")
      .KeyFlags("RO access");
  r.Add({"BITCOUNT", -2, kReadOnly, 1, 1, 1, B, &CmdBitCount, "bitmap", "2.6.0",
         "Counts the number of set bits (population counting) in a string.", "O(N)"})
      .Args("key:key [range{start:integer end:integer [unit(!BYTE|!BIT)]}]")
      .KeyFlags("RO access");
  r.Add({"BITPOS", -3, kReadOnly, 1, 1, 1, B, &CmdBitPos, "bitmap", "2.8.7",
         "Finds the first set (1) or clear (0) bit in a string.", "O(N)"})
      .Args(
          "key:key bit:integer [range{start:integer [end-unit-block{end:integer"
          " [unit(!BYTE|!BIT)]}]}]")
      .KeyFlags("RO access");
  r.Add({"BITOP", -4, kWrite | kDenyOom, 2, -1, 1, B, &CmdBitOp, "bitmap", "2.6.0",
         "Performs bitwise operations on multiple strings, and stores the result.", "O(N)"})
      .Args("operation(!AND|!OR|!XOR|!NOT) destkey:key key:key...")
      .KeyFlags("OW update|RO access");
  r.Add({"BITFIELD", -2, kWrite | kDenyOom, 1, 1, 1, B, &CmdBitfield, "bitmap", "3.2.0",
         "Performs arbitrary bitfield integer operations on strings.",
         "O(1) for each subcommand specified"})
      .Args(
          "key:key [operation(GET=get-block{encoding:string"
          " offset:integer}|write{[OVERFLOW=overflow-block(!WRAP|!SAT|!FAIL)]"
          " write-operation(SET=set-block{encoding:string offset:integer"
          " value:integer}|INCRBY=incrby-block{encoding:string offset:integer"
          " increment:integer})})...]")
      .KeyFlags("RW access update variable_flags")
      .CallKeyFlags(&BitfieldKeyFlags);
  r.Add({"BITFIELD_RO", -2, kReadOnly | kFast, 1, 1, 1, B, &CmdBitfieldRo, "bitmap", "6.0.0",
         "Performs arbitrary read-only bitfield integer operations on strings.",
         "O(1) for each subcommand specified"})
      .Args("key:key [GET=get-block{encoding:string offset:integer}...+]")
      .KeyFlags("RO access");
}

}  // namespace carmine
