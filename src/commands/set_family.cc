// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Set commands: SADD/SREM/SMOVE, membership and cardinality, SMEMBERS/SSCAN, the random-member
// commands SRANDMEMBER and SPOP, and the algebra SINTER/SUNION/SDIFF (+CARD, +STORE) over
// core/set_object.h.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "core/set_object.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kSet = ObjType::kSet;
constexpr std::string_view kLongRange =
    err::kOutOfRangeLong;

// SADD key member [member ...]
void CmdSAdd(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!WriteObject(ctx, db, args[1], kSet, true, &s)) return;
  EncodingLimits lim = ctx.opts.limits();
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); i++) added += s->Add(args[i], lim, args.size() - 2);
  // The dirty counter grows by the members added (and by the members removed in SREM/SPOP), as
  // in Redis, so save rules count elements, not commands.
  if (added > 0) db.Changed(args[1], kNotifySet, "sadd", static_cast<uint64_t>(added));
  ctx.rb.Int(added);
}

// SREM key member [member ...]
void CmdSRem(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!WriteObject(ctx, db, args[1], kSet, false, &s)) return;
  int64_t n = 0;
  if (s != nullptr) {
    for (size_t i = 2; i < args.size() && s->size() > 0; i++) n += s->Remove(args[i]);
    if (n > 0) FinishWrite(db, args[1], s, kNotifySet, "srem", static_cast<uint64_t>(n));
  }
  ctx.rb.Int(n);
}

// SCARD key
void CmdSCard(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  ctx.rb.Int(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

// SISMEMBER key member
void CmdSIsMember(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  ctx.rb.Int(s != nullptr && s->Contains(args[2]) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void CmdSMIsMember(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) ctx.rb.Int(s != nullptr && s->Contains(args[i]));
}

void ReplyMembers(CommandContext& ctx, const SetObject* s) {
  if (s == nullptr) {
    ctx.rb.SetLen(0);
    return;
  }
  ctx.rb.SetLen(static_cast<int64_t>(s->size()));
  s->ForEach([&](std::string_view m) { ctx.rb.Bulk(m); });
}

// SMEMBERS key
void CmdSMembers(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  ReplyMembers(ctx, s);
}

// SMOVE source destination member
void CmdSMove(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  SetObject *src, *dst;
  // A missing source answers 0 before the destination's type is looked at, as Redis does.
  if (!WriteObject(ctx, db, args[1], kSet, false, &src)) return;
  if (src == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  if (!WriteObject(ctx, db, args[2], kSet, false, &dst)) return;
  if (!src->Contains(args[3])) {
    ctx.rb.Int(0);
    return;
  }
  if (src == dst) {  // same key: nothing moves, but the member is there
    ctx.rb.Int(1);
    return;
  }
  src->Remove(args[3]);
  FinishWrite(db, args[1], src, kNotifySet, "srem");
  if (dst == nullptr && !WriteObject(ctx, db, args[2], kSet, true, &dst)) return;
  if (dst->Add(args[3], ctx.opts.limits())) db.Changed(args[2], kNotifySet, "sadd");
  ctx.rb.Int(1);
}

// Parses SRANDMEMBER/SPOP's count the way Redis ranges it. Replies and returns false on error.
bool ParseCount(CommandContext& ctx, std::string_view arg, bool positive, int64_t* out) {
  bool parsed = ParseInt64(arg, out);
  if (positive && (!parsed || *out < 0)) {
    ctx.rb.Error(err::kMustBePositive);
    return false;
  }
  if (!parsed) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  if (*out == INT64_MIN) {
    ctx.rb.Error(kLongRange);
    return false;
  }
  return true;
}

// Chooses `count` distinct members (count < size) uniformly.
std::vector<std::string> SampleDistinct(const SetObject& s, int64_t count) {
  std::mt19937_64& rng = ThreadRng();
  int64_t size = static_cast<int64_t>(s.size());
  std::vector<std::string> out;
  if (count * 3 > size || s.encoding() != SetObject::Enc::kTable) {
    // A large part of the set (or a packed one): partial shuffle of a copy.
    std::vector<std::string> all;
    all.reserve(static_cast<size_t>(size));
    s.ForEach([&](std::string_view m) { all.emplace_back(m); });
    for (int64_t i = 0; i < count; i++) {
      std::swap(all[i], all[i + static_cast<int64_t>(rng() % static_cast<uint64_t>(size - i))]);
    }
    all.resize(static_cast<size_t>(count));
    return all;
  }
  std::unordered_set<std::string> seen;
  while (static_cast<int64_t>(out.size()) < count) {
    std::string m = s.Random(rng);
    if (seen.insert(m).second) out.push_back(std::move(m));
  }
  return out;
}

// SRANDMEMBER key [count]
void CmdSRandMember(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  int64_t count = 0;
  if (args.size() == 3 && !ParseCount(ctx, args[2], false, &count)) return;
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  if (args.size() == 2) {
    s == nullptr ? ctx.rb.Null() : ctx.rb.Bulk(s->Random(ThreadRng()));
    return;
  }
  if (s == nullptr || count == 0) {
    ctx.rb.ArrayLen(0);
    return;
  }
  if (count < 0) {
    ctx.rb.ArrayLen(-count);
    for (int64_t i = 0; i < -count && !ctx.rb.over_cap(); i++) {
      ctx.rb.Bulk(s->Random(ThreadRng()));
    }
    return;
  }
  if (count >= static_cast<int64_t>(s->size())) {
    ctx.rb.ArrayLen(static_cast<int64_t>(s->size()));
    s->ForEach([&](std::string_view m) { ctx.rb.Bulk(m); });
    return;
  }
  std::vector<std::string> picked = SampleDistinct(*s, count);
  ctx.rb.ArrayLen(count);
  for (auto& m : picked) ctx.rb.Bulk(m);
}

// SPOP key [count]
void CmdSPop(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  int64_t count = 1;
  bool with_count = args.size() == 3;
  if (with_count && !ParseCount(ctx, args[2], true, &count)) return;
  Db db = ctx.db();
  SetObject* s;
  if (!WriteObject(ctx, db, args[1], kSet, false, &s)) return;
  if (s == nullptr || count == 0) {
    if (with_count) {
      ctx.rb.SetLen(0);
    } else {
      ctx.rb.Null();
    }
    if (ctx.propagating()) ctx.PropagateNothing();
    return;
  }
  std::string key(args[1]);
  if (!with_count) {
    std::string m = s->PopRandom(ThreadRng());
    FinishWrite(db, key, s, kNotifySet, "spop");
    if (ctx.propagating()) ctx.Propagate({"SREM", key, m});
    ctx.rb.Bulk(m);
    return;
  }
  if (count >= static_cast<int64_t>(s->size())) {
    // The whole set: reply with it and delete the key (propagated as DEL).
    ReplyMembers(ctx, s);
    uint64_t popped = s->size();
    db.Notify(kNotifySet, "spop", key);
    db.Delete(key);
    db.Changed(key, kNotifyGeneric, "del", popped);
    if (ctx.propagating()) ctx.Propagate({ctx.dbs.lazy_server_del() ? "UNLINK" : "DEL", key});
    return;
  }
  std::vector<std::string> picked = SampleDistinct(*s, count);
  for (auto& m : picked) s->Remove(m);
  FinishWrite(db, key, s, kNotifySet, "spop", picked.size());
  if (ctx.propagating()) {
    // One SREM per 1024 members, as Redis propagates SPOP with a count (replicas and the AOF
    // see the same commands, and no single command grows with the count).
    constexpr size_t kBatch = 1024;
    for (size_t i = 0; i < picked.size(); i += kBatch) {
      std::vector<std::string> srem = {"SREM", key};
      size_t end = std::min(picked.size(), i + kBatch);
      srem.insert(srem.end(), picked.begin() + static_cast<ptrdiff_t>(i),
                  picked.begin() + static_cast<ptrdiff_t>(end));
      ctx.Propagate(std::move(srem));
    }
  }
  ctx.rb.SetLen(count);
  for (auto& m : picked) ctx.rb.Bulk(m);
}

// ---- set algebra -------------------------------------------------------------------------------

enum class SetOp { kInter, kUnion, kDiff };

// Looks up every key as a set (absent keys are null). Returns false after replying WRONGTYPE.
bool LoadSets(CommandContext& ctx, Db& db, ArgList keys, std::vector<SetObject*>* out) {
  for (std::string_view k : keys) {
    SetObject* s;
    if (!ReadObject(ctx, db, k, kSet, &s)) return false;
    out->push_back(s);
  }
  return true;
}

// Computes the operation over `sets`; `limit` > 0 stops an intersection early (SINTERCARD).
std::vector<std::string> Compute(SetOp op, const std::vector<SetObject*>& sets, size_t limit = 0) {
  std::vector<std::string> out;
  if (op == SetOp::kInter) {
    for (auto* s : sets) {
      if (s == nullptr) return out;  // an absent key is an empty set
    }
    // Walk the smallest set and probe the others (cheapest first).
    std::vector<SetObject*> order(sets.begin(), sets.end());
    std::sort(order.begin(), order.end(),
              [](SetObject* a, SetObject* b) { return a->size() < b->size(); });
    order.front()->ForEach([&](std::string_view m) {
      if (limit != 0 && out.size() >= limit) return;
      for (size_t i = 1; i < order.size(); i++) {
        if (order[i] != order.front() && !order[i]->Contains(m)) return;
      }
      out.emplace_back(m);
    });
    return out;
  }
  if (op == SetOp::kUnion) {
    std::unordered_set<std::string> seen;
    for (auto* s : sets) {
      if (s == nullptr) continue;
      s->ForEach([&](std::string_view m) {
        if (seen.emplace(m).second) out.emplace_back(m);
      });
    }
    return out;
  }
  if (sets.empty() || sets[0] == nullptr) return out;
  sets[0]->ForEach([&](std::string_view m) {
    for (size_t i = 1; i < sets.size(); i++) {
      if (sets[i] == sets[0]) return;  // SDIFF s s is empty
      if (sets[i] != nullptr && sets[i]->Contains(m)) return;
    }
    out.emplace_back(m);
  });
  return out;
}

// SINTER/SUNION/SDIFF key [key ...]
void SetOpGeneric(ArgList args, CommandContext& ctx, SetOp op) {
  Db db = ctx.db();
  std::vector<SetObject*> sets;
  if (!LoadSets(ctx, db, args.subspan(1), &sets)) return;
  std::vector<std::string> out = Compute(op, sets);
  ctx.rb.SetLen(static_cast<int64_t>(out.size()));
  for (auto& m : out) ctx.rb.Bulk(m);
}

void CmdSInter(ArgList args, CommandContext& ctx) { SetOpGeneric(args, ctx, SetOp::kInter); }
void CmdSUnion(ArgList args, CommandContext& ctx) { SetOpGeneric(args, ctx, SetOp::kUnion); }
void CmdSDiff(ArgList args, CommandContext& ctx) { SetOpGeneric(args, ctx, SetOp::kDiff); }

// SINTERSTORE/SUNIONSTORE/SDIFFSTORE destination key [key ...]
void SetOpStoreGeneric(ArgList args, CommandContext& ctx, SetOp op) {
  Db db = ctx.db();
  std::vector<SetObject*> sets;
  if (!LoadSets(ctx, db, args.subspan(2), &sets)) return;
  std::vector<std::string> out = Compute(op, sets);
  std::string dst(args[1]);
  if (out.empty()) {
    if (db.Delete(dst)) db.Changed(dst, kNotifyGeneric, "del");
    ctx.rb.Int(0);
    return;
  }
  auto result = std::make_unique<SetObject>();
  EncodingLimits lim = ctx.opts.limits();
  for (auto& m : out) result->Add(m, lim);
  StoreObject(db, dst, std::move(result));
  db.Changed(dst, kNotifySet,
             op == SetOp::kInter ? "sinterstore" : op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
  ctx.rb.Int(static_cast<int64_t>(out.size()));
}

void CmdSInterStore(ArgList args, CommandContext& ctx) {
  SetOpStoreGeneric(args, ctx, SetOp::kInter);
}
void CmdSUnionStore(ArgList args, CommandContext& ctx) {
  SetOpStoreGeneric(args, ctx, SetOp::kUnion);
}
void CmdSDiffStore(ArgList args, CommandContext& ctx) {
  SetOpStoreGeneric(args, ctx, SetOp::kDiff);
}

// Keys of SINTERCARD-style commands: numkeys at args[1], then that many keys.
std::vector<int> NumKeysAt1(ArgList args) {
  std::vector<int> out;
  int64_t n;
  if (args.size() < 2 || !ParseInt64(args[1], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && static_cast<size_t>(2 + i) < args.size(); i++) {
    out.push_back(static_cast<int>(2 + i));
  }
  return out;
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(ArgList args, CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys) || numkeys <= 0) {
    ctx.rb.Error(err::kNumkeysNotPositive);
    return;
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 2) {
    ctx.rb.Error(err::kNumkeysOverArgs);
    return;
  }
  int64_t limit = 0;
  for (ArgParser p(args, static_cast<size_t>(2 + numkeys)); p.HasNext();) {
    if (p.remaining() >= 2 && p.Check("LIMIT")) {
      if (!ParseInt64(p.Next(), &limit) || limit < 0) {
        ctx.rb.Error(err::kLimitNegative);
        return;
      }
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  std::vector<SetObject*> sets;
  if (!LoadSets(ctx, db, args.subspan(2, static_cast<size_t>(numkeys)), &sets)) return;
  ctx.rb.Int(
      static_cast<int64_t>(Compute(SetOp::kInter, sets, static_cast<size_t>(limit)).size()));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void CmdSScan(ArgList args, CommandContext& ctx) {
  ScanArgs sa;
  if (!ParseScanArgs(args, 2, false, ctx, &sa)) return;
  Db db = ctx.db();
  SetObject* s;
  if (!ReadObject(ctx, db, args[1], kSet, &s)) return;
  if (s == nullptr) {
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk("0");
    ctx.rb.ArrayLen(0);
    return;
  }
  ReplyCollectionScan(ctx, sa, false,
                      [&](uint64_t cursor, auto&& emit) { return s->Scan(cursor, emit); });
}

}  // namespace

void RegisterSetFamily(CommandRegistry& r) {
  constexpr uint64_t S = acl::kSet;
  r.Add({"SADD", -3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdSAdd, "set", "1.0.0",
         "Adds one or more members to a set. Creates the key if it doesn't exist.",
         "O(1) for each element added, so O(N) to add N elements when the command is called with "
         "multiple arguments."})
      .Args("key:key member:string...")
      .KeyFlags("RW insert");
  r.Add({"SREM", -3, kWrite | kFast, 1, 1, 1, S, &CmdSRem, "set", "1.0.0",
         "Removes one or more members from a set. Deletes the set if the last member was removed.",
         "O(N) where N is the number of members to be removed."})
      .Args("key:key member:string...")
      .KeyFlags("RW delete");
  r.Add({"SCARD", 2, kReadOnly | kFast, 1, 1, 1, S, &CmdSCard, "set", "1.0.0",
         "Returns the number of members in a set.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"SISMEMBER", 3, kReadOnly | kFast, 1, 1, 1, S, &CmdSIsMember, "set", "1.0.0",
         "Determines whether a member belongs to a set.", "O(1)"})
      .Args("key:key member:string")
      .KeyFlags("RO");
  r.Add({"SMISMEMBER", -3, kReadOnly | kFast, 1, 1, 1, S, &CmdSMIsMember, "set", "6.2.0",
         "Determines whether multiple members belong to a set.",
         "O(N) where N is the number of elements being checked for membership"})
      .Args("key:key member:string...")
      .KeyFlags("RO access");
  r.Add({"SMEMBERS", 2, kReadOnly, 1, 1, 1, S, &CmdSMembers, "set", "1.0.0",
         "Returns all members of a set.", "O(N) where N is the set cardinality."})
      .Args("key:key")
      .KeyFlags("RO access");
  r.Add({"SMOVE", 4, kWrite | kFast, 1, 2, 1, S, &CmdSMove, "set", "1.0.0",
         "Moves a member from one set to another.", "O(1)"})
      .Args("source:key destination:key member:string")
      .KeyFlags("RW access delete|RW insert");
  r.Add({"SRANDMEMBER", -2, kReadOnly, 1, 1, 1, S, &CmdSRandMember, "set", "1.0.0",
         "Get one or multiple random members from a set",
         "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
         "passed count."})
      .Args("key:key [count:integer]")
      .KeyFlags("RO access");
  r.Add({"SPOP", -2, kWrite | kFast, 1, 1, 1, S, &CmdSPop, "set", "1.0.0",
         "Returns one or more random members from a set after removing them. Deletes the set if "
         "the last member was popped.",
         "Without the count argument O(1), otherwise O(N) where N is the value of the passed "
         "count."})
      .Args("key:key [count:integer]")
      .KeyFlags("RW access delete");
  r.Add({"SINTER", -2, kReadOnly, 1, -1, 1, S, &CmdSInter, "set", "1.0.0",
         "Returns the intersect of multiple sets.",
         "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
         "sets."})
      .Args("key:key...")
      .KeyFlags("RO access");
  r.Add({"SINTERCARD", -3, kReadOnly, 0, 0, 0, S, &CmdSInterCard, "set", "7.0.0",
         "Returns the number of members of the intersect of multiple sets.",
         "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
         "sets."})
      .Args("numkeys:integer key:key... [LIMIT=limit:integer]")
      .Keys(&NumKeysAt1)
      .KeyFlags("RO access");
  r.Add({"SINTERSTORE", -3, kWrite | kDenyOom, 1, -1, 1, S, &CmdSInterStore, "set", "1.0.0",
         "Stores the intersect of multiple sets in a key.",
         "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
         "sets."})
      .Args("destination:key key:key...")
      .KeyFlags("RW update|RO access");
  r.Add({"SUNION", -2, kReadOnly, 1, -1, 1, S, &CmdSUnion, "set", "1.0.0",
         "Returns the union of multiple sets.",
         "O(N) where N is the total number of elements in all given sets."})
      .Args("key:key...")
      .KeyFlags("RO access");
  r.Add({"SUNIONSTORE", -3, kWrite | kDenyOom, 1, -1, 1, S, &CmdSUnionStore, "set", "1.0.0",
         "Stores the union of multiple sets in a key.",
         "O(N) where N is the total number of elements in all given sets."})
      .Args("destination:key key:key...")
      .KeyFlags("OW update|RO access");
  r.Add({"SDIFF", -2, kReadOnly, 1, -1, 1, S, &CmdSDiff, "set", "1.0.0",
         "Returns the difference of multiple sets.",
         "O(N) where N is the total number of elements in all given sets."})
      .Args("key:key...")
      .KeyFlags("RO access");
  r.Add({"SDIFFSTORE", -3, kWrite | kDenyOom, 1, -1, 1, S, &CmdSDiffStore, "set", "1.0.0",
         "Stores the difference of multiple sets in a key.",
         "O(N) where N is the total number of elements in all given sets."})
      .Args("destination:key key:key...")
      .KeyFlags("OW update|RO access");
  r.Add({"SSCAN", -3, kReadOnly, 1, 1, 1, S, &CmdSScan, "set", "2.8.0",
         "Iterates over members of a set.",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
         "the cursor to return back to 0. N is the number of elements inside the collection."})
      .Args("key:key cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer]")
      .KeyFlags("RO access");
}

}  // namespace carmine
