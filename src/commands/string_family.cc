// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// String commands: SET and its variants, GET and its variants, counters, APPEND, ranges and LCS.
// SET, SETNX, SETEX, PSETEX and GETSET share one generic path (SetGeneric with SetOptions), as do
// the INCR/DECR family (IncrGeneric). Expiry arguments are validated before the key is looked at,
// which is the order in which Redis reports errors.
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/families.h"
#include "commands/string_value.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

enum class ExpireUnit { kSeconds, kMillis };

struct SetOptions {
  bool nx = false, xx = false, get = false, keepttl = false, persist = false;
  bool has_expire = false;
  bool expire_absolute = false;
  ExpireUnit unit = ExpireUnit::kSeconds;
  std::string_view expire_arg;
};

// Parses SET / GETEX options starting at args[start]. GETEX allows PERSIST and no NX/XX/GET.
bool ParseSetOptions(ArgList args, size_t start, bool getex, SetOptions* o, CommandContext& ctx) {
  for (ArgParser p(args, start); p.HasNext();) {
    bool has_value = p.remaining() >= 2;
    // An expiry may appear once, and never together with KEEPTTL or PERSIST.
    bool expire_ok = has_value && !o->has_expire && !o->keepttl && !o->persist;
    auto take_expire = [&](ExpireUnit u, bool abs) {
      o->has_expire = true;
      o->unit = u;
      o->expire_absolute = abs;
      o->expire_arg = p.Next();
    };
    if (!getex && !o->xx && p.Check("NX")) {
      o->nx = true;
    } else if (!getex && !o->nx && p.Check("XX")) {
      o->xx = true;
    } else if (!getex && p.Check("GET")) {
      o->get = true;
    } else if (!getex && !o->has_expire && p.Check("KEEPTTL")) {
      o->keepttl = true;
    } else if (getex && !o->has_expire && p.Check("PERSIST")) {
      o->persist = true;
    } else if (expire_ok && p.Check("EX")) {
      take_expire(ExpireUnit::kSeconds, false);
    } else if (expire_ok && p.Check("PX")) {
      take_expire(ExpireUnit::kMillis, false);
    } else if (expire_ok && p.Check("EXAT")) {
      take_expire(ExpireUnit::kSeconds, true);
    } else if (expire_ok && p.Check("PXAT")) {
      take_expire(ExpireUnit::kMillis, true);
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Converts an expiry argument to absolute ms, replying with Redis's error on failure.
bool ExpireToAbsMs(std::string_view arg, ExpireUnit unit, bool absolute, CommandContext& ctx,
                   int64_t* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  auto invalid = [&] {
    ctx.rb.Error(err::Format(err::kInvalidExpire, ctx.spec->full_name));
    return false;
  };
  if (v <= 0 || (unit == ExpireUnit::kSeconds && v > INT64_MAX / 1000)) return invalid();
  if (unit == ExpireUnit::kSeconds) v *= 1000;
  if (!absolute) {
    if (v > INT64_MAX - ctx.now_ms) return invalid();
    v += ctx.now_ms;
  }
  *out = v;
  return true;
}

// Writes the value (creating the key if needed) and applies the TTL policy.
void SetValue(Db& db, std::string_view key, std::string_view value, bool keepttl, bool has_expire,
              int64_t expire_at) {
  Entry* e = db.Find(key);
  if (e == nullptr) {
    e = db.Add(key, has_expire);
  } else {
    db.TouchForWrite(e);
    if (!keepttl) db.ClearExpire(e);
    db.ReleaseValue(e);
  }
  StoreString(e, value, StrEnc::kTryInt);
  if (has_expire) e = db.SetExpire(e, expire_at);
  db.Changed(key, kNotifyString, "set");
  if (has_expire) db.Notify(kNotifyGeneric, "expire", key);
}

void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const SetOptions& o) {
  int64_t expire_at = 0;
  if (o.has_expire && !ExpireToAbsMs(o.expire_arg, o.unit, o.expire_absolute, ctx, &expire_at)) {
    return;
  }
  Db db = ctx.db();
  if (o.get) {
    Entry* old = db.FindRead(key);
    if (old != nullptr && old->value.type() != ObjType::kString) {
      ctx.rb.Error(err::kWrongType);
      return;
    }
    if (old == nullptr) {
      ctx.rb.Null();
    } else {
      std::string scratch;
      ctx.rb.Bulk(StrOf(old, &scratch));
    }
  }
  bool found = db.Find(key) != nullptr;
  if ((o.nx && found) || (o.xx && !found)) {
    if (!o.get) ctx.rb.Null();
    return;
  }
  SetValue(db, key, value, o.keepttl, o.has_expire, expire_at);
  // A relative or second-based expiry is replicated as an absolute millisecond deadline, so the
  // copy expires at the same instant however late it applies the command. A PXAT deadline is
  // already that: the command goes as received, as Redis leaves it.
  bool pxat = o.expire_absolute && o.unit == ExpireUnit::kMillis;
  if (o.has_expire && !pxat && ctx.propagating()) {
    ctx.Propagate({"SET", std::string(key), std::string(value), "PXAT", Int64ToString(expire_at)});
  }
  if (!o.get) ctx.rb.Ok();
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]
void CmdSet(ArgList args, CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(args, 3, false, &o, ctx)) return;
  SetGeneric(ctx, args[1], args[2], o);
}

// SETNX key value
void CmdSetNx(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  if (db.Find(args[1]) != nullptr) {
    ctx.rb.Int(0);
    return;
  }
  SetValue(db, args[1], args[2], false, false, 0);
  ctx.rb.Int(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
void CmdSetEx(ArgList args, CommandContext& ctx) {
  SetOptions o;
  o.has_expire = true;
  o.unit = EqualsIgnoreCase(args[0], "psetex") ? ExpireUnit::kMillis : ExpireUnit::kSeconds;
  o.expire_arg = args[2];
  SetGeneric(ctx, args[1], args[3], o);
}

// GETSET key value
void CmdGetSet(ArgList args, CommandContext& ctx) {
  SetOptions o;
  o.get = true;
  SetGeneric(ctx, args[1], args[2], o);
  // Propagated as the SET it amounts to, as Redis does.
  if (ctx.propagating() && ctx.changes > 0) {
    ctx.Propagate({"SET", std::string(args[1]), std::string(args[2])});
  }
}

// GET key
void CmdGet(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    if (r.status() == OpStatus::kKeyNotFound) {
      ctx.rb.Null();
    } else {
      ReplyError(ctx, r.status());
    }
    return;
  }
  std::string scratch;
  ctx.rb.Bulk(StrOf(r.value(), &scratch));
}

// GETDEL key
void CmdGetDel(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    r.status() == OpStatus::kKeyNotFound ? ctx.rb.Null() : ReplyError(ctx, r.status());
    return;
  }
  std::string scratch;
  ctx.rb.Bulk(StrOf(r.value(), &scratch));
  db.Delete(args[1]);
  db.Changed(args[1], kNotifyGeneric, "del");
  if (ctx.propagating()) ctx.Propagate({"DEL", std::string(args[1])});
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]
void CmdGetEx(ArgList args, CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(args, 2, true, &o, ctx)) return;
  int64_t expire_at = 0;
  if (o.has_expire && !ExpireToAbsMs(o.expire_arg, o.unit, o.expire_absolute, ctx, &expire_at)) {
    return;
  }
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    r.status() == OpStatus::kKeyNotFound ? ctx.rb.Null() : ReplyError(ctx, r.status());
    return;
  }
  Entry* e = r.value();
  std::string scratch;
  ctx.rb.Bulk(StrOf(e, &scratch));
  std::string key(args[1]);
  if (o.has_expire) {
    if (expire_at <= ctx.now_ms && !ctx.dbs.loading()) {
      db.Delete(key);
      db.Changed(key, kNotifyGeneric, "del");
      if (ctx.propagating()) ctx.Propagate({ctx.dbs.lazy_expire() ? "UNLINK" : "DEL", key});
    } else {
      e = db.SetExpire(e, expire_at);
      db.Changed(key, kNotifyGeneric, "expire");
      if (ctx.propagating()) ctx.Propagate({"PEXPIREAT", key, Int64ToString(expire_at)});
    }
  } else if (o.persist && e->has_expire()) {
    db.ClearExpire(e);
    db.Changed(key, kNotifyGeneric, "persist");
    if (ctx.propagating()) ctx.Propagate({"PERSIST", key});
  } else {
    ctx.PropagateNothing();  // a plain GETEX reads only
  }
}

// MGET key [key ...]
void CmdMGet(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 1));
  std::string scratch;
  for (size_t i = 1; i < args.size(); i++) {
    Entry* e = db.FindRead(args[i]);
    if (e == nullptr || e->value.type() != ObjType::kString) {
      ctx.rb.Null();
    } else {
      ctx.rb.Bulk(StrOf(e, &scratch));
    }
  }
}

// MSET key value [key value ...] / MSETNX key value [key value ...]
void MSetGeneric(ArgList args, CommandContext& ctx, bool nx) {
  if (args.size() % 2 == 0) {
    ctx.rb.Error(err::WrongArgs(ctx.spec->full_name));
    return;
  }
  Db db = ctx.db();
  if (nx) {
    for (size_t i = 1; i < args.size(); i += 2) {
      if (db.Find(args[i]) != nullptr) {
        ctx.rb.Int(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < args.size(); i += 2) SetValue(db, args[i], args[i + 1], false, false, 0);
  nx ? ctx.rb.Int(1) : ctx.rb.Ok();
}
void CmdMSet(ArgList args, CommandContext& ctx) { MSetGeneric(args, ctx, false); }
void CmdMSetNx(ArgList args, CommandContext& ctx) { MSetGeneric(args, ctx, true); }

// Shared body of INCR, DECR, INCRBY, DECRBY.
void IncrGeneric(CommandContext& ctx, std::string_view key, int64_t delta) {
  Db db = ctx.db();
  Entry* e = db.Find(key);
  int64_t cur = 0;
  if (e != nullptr) {
    db.TouchForWrite(e);
    if (e->value.type() != ObjType::kString) {
      ctx.rb.Error(err::kWrongType);
      return;
    }
    if (e->value.is_int()) {
      cur = e->value.int_value();
    } else {
      std::string scratch;
      std::string_view s = StrOf(e, &scratch);
      if (s.size() > 20 || !ParseInt64(s, &cur)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
    }
  }
  if ((delta < 0 && cur < 0 && delta < INT64_MIN - cur) ||
      (delta > 0 && cur > 0 && delta > INT64_MAX - cur)) {
    ctx.rb.Error(err::kOverflow);
    return;
  }
  int64_t nv = cur + delta;
  if (e == nullptr) e = db.Add(key);
  e->value.SetInt(nv);
  e->flags &= ~kEntryRawString;
  db.Changed(key, kNotifyString, "incrby");
  ctx.rb.Int(nv);
}

void CmdIncr(ArgList args, CommandContext& ctx) { IncrGeneric(ctx, args[1], 1); }
void CmdDecr(ArgList args, CommandContext& ctx) { IncrGeneric(ctx, args[1], -1); }

// INCRBY key increment / DECRBY key decrement
void CmdIncrBy(ArgList args, CommandContext& ctx) {
  int64_t v;
  if (!ParseInt64(args[2], &v)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  if (EqualsIgnoreCase(args[0], "decrby")) {
    if (v == INT64_MIN) {
      ctx.rb.Error(err::kDecrOverflow);
      return;
    }
    v = -v;
  }
  IncrGeneric(ctx, args[1], v);
}

// INCRBYFLOAT key increment
void CmdIncrByFloat(ArgList args, CommandContext& ctx) {
  long double incr;
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  long double cur = 0;
  if (e != nullptr) {
    if (e->value.type() != ObjType::kString) {
      ctx.rb.Error(err::kWrongType);
      return;
    }
    std::string scratch;
    if (!ParseLongDouble(StrOf(e, &scratch), &cur)) {
      ctx.rb.Error(err::kNotFloat);
      return;
    }
  }
  if (!ParseLongDouble(args[2], &incr)) {
    ctx.rb.Error(err::kNotFloat);
    return;
  }
  long double nv = cur + incr;
  if (std::isnan(nv) || std::isinf(nv)) {
    ctx.rb.Error(err::kNanOrInf);
    return;
  }
  std::string s = LongDoubleToHuman(nv);
  if (e == nullptr) e = db.Add(args[1]);
  StoreString(e, s, StrEnc::kNoInt);
  db.Changed(args[1], kNotifyString, "incrbyfloat");
  // Replicas must not redo the float arithmetic (precision could differ): send the result.
  if (ctx.propagating()) ctx.Propagate({"SET", std::string(args[1]), s, "KEEPTTL"});
  ctx.rb.Bulk(s);
}

bool CheckStringLength(CommandContext& ctx, uint64_t len) {
  if (len > static_cast<uint64_t>(ctx.opts.proto_max_bulk_len.get())) {
    ctx.rb.Error(err::kStringTooLong);
    return false;
  }
  return true;
}

// APPEND key value
void CmdAppend(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  if (e == nullptr) {
    e = db.Add(args[1]);
    StoreString(e, args[2], StrEnc::kTryInt);
    db.Changed(args[1], kNotifyString, "append");
    ctx.rb.Int(static_cast<int64_t>(args[2].size()));
    return;
  }
  if (e->value.type() != ObjType::kString) {
    ctx.rb.Error(err::kWrongType);
    return;
  }
  size_t old = e->value.StringLength();
  if (!CheckStringLength(ctx, old + args[2].size())) return;
  char* p = e->value.MutableString(old + args[2].size());
  memcpy(p + old, args[2].data(), args[2].size());
  e->flags |= kEntryRawString;
  db.Changed(args[1], kNotifyString, "append");
  ctx.rb.Int(static_cast<int64_t>(old + args[2].size()));
}

// STRLEN key
void CmdStrLen(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    r.status() == OpStatus::kKeyNotFound ? ctx.rb.Int(0) : ReplyError(ctx, r.status());
    return;
  }
  ctx.rb.Int(static_cast<int64_t>(r.value()->value.StringLength()));
}

// GETRANGE key start end (SUBSTR is the old name)
void CmdGetRange(ArgList args, CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  auto r = db.FindReadOfType(args[1], ObjType::kString);
  if (!r.ok()) {
    r.status() == OpStatus::kKeyNotFound ? ctx.rb.Bulk("") : ReplyError(ctx, r.status());
    return;
  }
  std::string scratch;
  std::string_view s = StrOf(r.value(), &scratch);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.rb.Bulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.rb.Bulk("");
    return;
  }
  ctx.rb.Bulk(s.substr(start, end - start + 1));
}

// SETRANGE key offset value
void CmdSetRange(ArgList args, CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(args[2], &offset)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  if (offset < 0) {
    ctx.rb.Error(err::kOffsetRange);
    return;
  }
  std::string_view val = args[3];
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  if (e != nullptr && e->value.type() != ObjType::kString) {
    ctx.rb.Error(err::kWrongType);
    return;
  }
  size_t cur = e == nullptr ? 0 : e->value.StringLength();
  if (val.empty()) {
    ctx.rb.Int(static_cast<int64_t>(cur));
    return;
  }
  if (!CheckStringLength(ctx, static_cast<uint64_t>(offset) + val.size())) return;
  if (e == nullptr) e = db.Add(args[1]);
  size_t need = std::max(cur, static_cast<size_t>(offset) + val.size());
  char* p = e->value.MutableString(need);
  memcpy(p + offset, val.data(), val.size());
  e->flags |= kEntryRawString;
  db.Changed(args[1], kNotifyString, "setrange");
  ctx.rb.Int(static_cast<int64_t>(need));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
void CmdLcs(ArgList args, CommandContext& ctx) {
  bool want_len = false, want_idx = false, with_match_len = false;
  int64_t min_match = 0;
  for (ArgParser p(args, 3); p.HasNext();) {
    if (p.Check("LEN")) {
      want_len = true;
    } else if (p.Check("IDX")) {
      want_idx = true;
    } else if (p.Check("WITHMATCHLEN")) {
      with_match_len = true;
    } else if (p.remaining() >= 2 && p.Check("MINMATCHLEN")) {
      min_match = p.NextInt();
      if (!p.ok()) {
        ctx.rb.Error(p.error());
        return;
      }
      if (min_match < 0) min_match = 0;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  std::string sa, sb;
  // Both keys are looked up before either's type is checked, as Redis does (keymiss events).
  Entry* found[2] = {db.FindRead(args[1]), db.FindRead(args[2])};
  for (int k = 0; k < 2; k++) {
    Entry* e = found[k];
    if (e != nullptr && e->value.type() != ObjType::kString) {
      ctx.rb.Error(err::kLcsNotStrings);
      return;
    }
    std::string scratch;
    if (e != nullptr) (k == 0 ? sa : sb) = std::string(StrOf(e, &scratch));
  }
  if (want_len && want_idx) {
    ctx.rb.Error(err::kLcsLenAndIdx);
    return;
  }
  size_t al = sa.size(), bl = sb.size();
  if ((al + 1) * (bl + 1) * sizeof(uint32_t) > static_cast<uint64_t>(ctx.opts.proto_max_bulk_len.get())) {
    ctx.rb.Error(err::kLcsTooBig);
    return;
  }
  // dp[i][j] = LCS length of the first i bytes of a and first j bytes of b.
  std::vector<uint32_t> dp((al + 1) * (bl + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return dp[i * (bl + 1) + j]; };
  for (size_t i = 1; i <= al; i++) {
    for (size_t j = 1; j <= bl; j++) {
      at(i, j) =
          sa[i - 1] == sb[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  uint32_t len = at(al, bl);
  if (want_len) {
    ctx.rb.Int(len);
    return;
  }
  // Walk back from the end collecting the LCS and, for IDX, the matching ranges (last first).
  std::string lcs(len, '\0');
  struct Range {
    size_t a0, a1, b0, b1;
  };
  std::vector<Range> ranges;
  size_t i = al, j = bl, idx = len;
  bool in_range = false;
  Range cur{};
  auto flush = [&] {
    if (in_range && static_cast<int64_t>(cur.a1 - cur.a0 + 1) >= min_match) ranges.push_back(cur);
    in_range = false;
  };
  while (i > 0 && j > 0) {
    if (sa[i - 1] == sb[j - 1]) {
      lcs[--idx] = sa[i - 1];
      if (in_range && cur.a0 == i && cur.b0 == j) {
        cur.a0 = i - 1;
        cur.b0 = j - 1;
      } else {
        flush();
        cur = {i - 1, i - 1, j - 1, j - 1};
        in_range = true;
      }
      i--;
      j--;
    } else {
      flush();
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
    }
  }
  flush();
  if (!want_idx) {
    ctx.rb.Bulk(lcs);
    return;
  }
  ctx.rb.MapLen(2);
  ctx.rb.Bulk("matches");
  ctx.rb.ArrayLen(static_cast<int64_t>(ranges.size()));
  for (auto& r : ranges) {
    ctx.rb.ArrayLen(with_match_len ? 3 : 2);
    ctx.rb.ArrayLen(2);
    ctx.rb.Int(static_cast<int64_t>(r.a0));
    ctx.rb.Int(static_cast<int64_t>(r.a1));
    ctx.rb.ArrayLen(2);
    ctx.rb.Int(static_cast<int64_t>(r.b0));
    ctx.rb.Int(static_cast<int64_t>(r.b1));
    if (with_match_len) ctx.rb.Int(static_cast<int64_t>(r.a1 - r.a0 + 1));
  }
  ctx.rb.Bulk("len");
  ctx.rb.Int(len);
}

// SET reads the old value only with GET; otherwise it overwrites without looking.
std::string_view SetKeyFlags(ArgList args) {
  for (size_t i = 3; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "GET")) return "RW access update";
  }
  return "OW update";
}

}  // namespace

void RegisterStringFamily(CommandRegistry& r) {
  constexpr uint64_t S = acl::kString;
  r.Add({"SET", -3, kWrite | kDenyOom, 1, 1, 1, S, &CmdSet, "string", "1.0.0",
         "Sets the string value of a key, ignoring its type. The key is created if it doesn't "
         "exist.",
         "O(1)"})
      .Args(
          "key:key value:string [condition(!NX|!XX)] [!GET]"
          " [expiration(EX=seconds:integer|PX=milliseconds:integer"
          "|EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time|!KEEPTTL)]")
      .KeyFlags("RW access update variable_flags")
      .CallKeyFlags(&SetKeyFlags);
  r.Add({"SETNX", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdSetNx, "string", "1.0.0",
         "Set the string value of a key only when the key doesn't exist.", "O(1)"})
      .Args("key:key value:string")
      .KeyFlags("OW insert");
  r.Add({"SETEX", 4, kWrite | kDenyOom, 1, 1, 1, S, &CmdSetEx, "string", "2.0.0",
         "Sets the string value and expiration time of a key. Creates the key if it doesn't "
         "exist.",
         "O(1)"})
      .Args("key:key seconds:integer value:string")
      .KeyFlags("OW update");
  r.Add({"PSETEX", 4, kWrite | kDenyOom, 1, 1, 1, S, &CmdSetEx, "string", "2.6.0",
         "Sets both string value and expiration time in milliseconds of a key. The key is created "
         "if it doesn't exist.",
         "O(1)"})
      .Args("key:key milliseconds:integer value:string")
      .KeyFlags("OW update");
  r.Add({"GETSET", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdGetSet, "string", "1.0.0",
         "Returns the previous string value of a key after setting it to a new value.", "O(1)"})
      .Args("key:key value:string")
      .KeyFlags("RW access update");
  r.Add({"GET", 2, kReadOnly | kFast, 1, 1, 1, S, &CmdGet, "string", "1.0.0",
         "Returns the string value of a key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"GETDEL", 2, kWrite | kFast, 1, 1, 1, S, &CmdGetDel, "string", "6.2.0",
         "Returns the string value of a key after deleting the key.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RW access delete");
  r.Add({"GETEX", -2, kWrite | kFast, 1, 1, 1, S, &CmdGetEx, "string", "6.2.0",
         "Returns the string value of a key after setting its expiration time.", "O(1)"})
      .Args(
          "key:key"
          " [expiration(EX=seconds:integer|PX=milliseconds:integer"
          "|EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time|!PERSIST)]")
      .KeyFlags("RW access update");
  r.Add({"MGET", -2, kReadOnly | kFast, 1, -1, 1, S, &CmdMGet, "string", "1.0.0",
         "Atomically returns the string values of one or more keys.",
         "O(N) where N is the number of keys to retrieve."})
      .Args("key:key...")
      .KeyFlags("RO access");
  r.Add({"MSET", -3, kWrite | kDenyOom, 1, -1, 2, S, &CmdMSet, "string", "1.0.1",
         "Atomically creates or modifies the string values of one or more keys.",
         "O(N) where N is the number of keys to set."})
      .Args("data{key:key value:string}...")
      .KeyFlags("OW update");
  r.Add({"MSETNX", -3, kWrite | kDenyOom, 1, -1, 2, S, &CmdMSetNx, "string", "1.0.1",
         "Atomically modifies the string values of one or more keys only when all keys don't "
         "exist.",
         "O(N) where N is the number of keys to set."})
      .Args("data{key:key value:string}...")
      .KeyFlags("OW insert");
  r.Add({"INCR", 2, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdIncr, "string", "1.0.0",
         "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't "
         "exist.",
         "O(1)"})
      .Args("key:key")
      .KeyFlags("RW access update");
  r.Add({"DECR", 2, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdDecr, "string", "1.0.0",
         "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't "
         "exist.",
         "O(1)"})
      .Args("key:key")
      .KeyFlags("RW access update");
  r.Add({"INCRBY", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdIncrBy, "string", "1.0.0",
         "Increments the integer value of a key by a number. Uses 0 as initial value if the key "
         "doesn't exist.",
         "O(1)"})
      .Args("key:key increment:integer")
      .KeyFlags("RW access update");
  r.Add({"DECRBY", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdIncrBy, "string", "1.0.0",
         "Decrements a number from the integer value of a key. Uses 0 as initial value if the key "
         "doesn't exist.",
         "O(1)"})
      .Args("key:key decrement:integer")
      .KeyFlags("RW access update");
  r.Add({"INCRBYFLOAT", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdIncrByFloat, "string",
         "2.6.0",
         "Increment the floating point value of a key by a number. Uses 0 as initial value if the "
         "key doesn't exist.",
         "O(1)"})
      .Args("key:key increment:double")
      .KeyFlags("RW access update");
  r.Add({"APPEND", 3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdAppend, "string", "2.0.0",
         "Appends a string to the value of a key. Creates the key if it doesn't exist.",
         "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
         "already present value is of any size, since the dynamic string library used by Redis "
         "will double the free space available on every reallocation."})
      .Args("key:key value:string")
      .KeyFlags("RW insert");
  r.Add({"STRLEN", 2, kReadOnly | kFast, 1, 1, 1, S, &CmdStrLen, "string", "2.2.0",
         "Returns the length of a string value.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"GETRANGE", 4, kReadOnly, 1, 1, 1, S, &CmdGetRange, "string", "2.4.0",
         "Returns a substring of the string stored at a key.",
         "O(N) where N is the length of the returned string."})
      .Args("key:key start:integer end:integer")
      .KeyFlags("RO access");
  r.Add({"SUBSTR", 4, kReadOnly, 1, 1, 1, S, &CmdGetRange, "string", "1.0.0",
         "Returns a substring from a string value.",
         "O(N) where N is the length of the returned string."})
      .Args("key:key start:integer end:integer")
      .KeyFlags("RO access");
  r.Add({"SETRANGE", 4, kWrite | kDenyOom, 1, 1, 1, S, &CmdSetRange, "string", "2.2.0",
         "Overwrites a part of a string value with another by an offset. Creates the key if it "
         "doesn't exist.",
         "O(1), not counting the time taken to copy the new string in place."})
      .Args("key:key offset:integer value:string")
      .KeyFlags("RW update");
  r.Add({"LCS", -3, kReadOnly, 1, 2, 1, S, &CmdLcs, "string", "7.0.0",
         "Finds the longest common substring.",
         "O(N*M) where N and M are the lengths of s1 and s2"})
      .Args("key1:key key2:key [!LEN] [!IDX] [MINMATCHLEN=min-match-len:integer] [!WITHMATCHLEN]")
      .KeyFlags("RO access");
}

}  // namespace carmine
