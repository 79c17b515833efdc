// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// List commands over core/list_object.h: pushes and pops at both ends (with counts), indexed
// access, LINSERT/LREM/LSET/LTRIM/LPOS, LMOVE/RPOPLPUSH/LMPOP, and the blocking forms BLPOP,
// BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP (commands/blocking.h explains how a waiter is served).
//
// Blocking pops are propagated as the non-blocking command that had the same effect (BLPOP ->
// LPOP key, BLMOVE -> LMOVE, BLMPOP/LMPOP -> LPOP/RPOP key count), as Redis does.
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "core/list_object.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kList = ObjType::kList;

// LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]
void PushGeneric(ArgList args, CommandContext& ctx, bool left, bool only_existing) {
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, !only_existing, &l)) return;
  if (l == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  EncodingLimits lim = ctx.opts.limits();
  for (size_t i = 2; i < args.size(); i++) {
    left ? l->PushFront(args[i], lim) : l->PushBack(args[i], lim);
  }
  db.SignalReady(args[1]);
  // The dirty counter grows per element pushed (and popped, and removed), as in Redis.
  db.Changed(args[1], kNotifyList, left ? "lpush" : "rpush", args.size() - 2);
  ctx.rb.Int(static_cast<int64_t>(l->size()));
}

void CmdLPush(ArgList a, CommandContext& c) { PushGeneric(a, c, true, false); }
void CmdRPush(ArgList a, CommandContext& c) { PushGeneric(a, c, false, false); }
void CmdLPushX(ArgList a, CommandContext& c) { PushGeneric(a, c, true, true); }
void CmdRPushX(ArgList a, CommandContext& c) { PushGeneric(a, c, false, true); }

// Pops up to `count` elements from one end of the list under `key` (which must hold a list).
std::vector<std::string> PopN(Db& db, std::string_view key, ListObject* l, size_t count, bool left,
                              const EncodingLimits& lim) {
  std::vector<std::string> out;
  while (out.size() < count && l->size() > 0) {
    out.push_back(left ? l->PopFront(lim) : l->PopBack(lim));
  }
  FinishWrite(db, key, l, kNotifyList, left ? "lpop" : "rpop", out.size());
  return out;
}

// LPOP/RPOP key [count]
void PopGeneric(ArgList args, CommandContext& ctx, bool left) {
  if (args.size() > 3) {
    ctx.rb.Error(err::WrongArgs(ctx.spec->full_name));
    return;
  }
  int64_t count = 1;
  bool with_count = args.size() == 3;
  if (with_count && (!ParseInt64(args[2], &count) || count < 0)) {
    ctx.rb.Error(err::kMustBePositive);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, false, &l)) return;
  if (l == nullptr) {
    with_count ? ctx.rb.NullArray() : ctx.rb.Null();
    return;
  }
  if (with_count && count == 0) {
    ctx.rb.ArrayLen(0);
    return;
  }
  auto items = PopN(db, args[1], l, static_cast<size_t>(count), left, ctx.opts.limits());
  if (!with_count) {
    ctx.rb.Bulk(items[0]);
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(items.size()));
  for (auto& v : items) ctx.rb.Bulk(v);
}

void CmdLPop(ArgList a, CommandContext& c) { PopGeneric(a, c, true); }
void CmdRPop(ArgList a, CommandContext& c) { PopGeneric(a, c, false); }

// LLEN key
void CmdLLen(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ListObject* l;
  if (!ReadObject(ctx, db, args[1], kList, &l)) return;
  ctx.rb.Int(l == nullptr ? 0 : static_cast<int64_t>(l->size()));
}

// LINDEX key index
void CmdLIndex(ArgList args, CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(args[2], &index)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!ReadObject(ctx, db, args[1], kList, &l)) return;
  std::string v;
  if (l != nullptr && l->Index(index, &v)) {
    ctx.rb.Bulk(v);
  } else {
    ctx.rb.Null();
  }
}

// LRANGE key start stop
void CmdLRange(ArgList args, CommandContext& ctx) {
  int64_t start, stop;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &stop)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!ReadObject(ctx, db, args[1], kList, &l)) return;
  int64_t n = l == nullptr ? 0 : static_cast<int64_t>(l->size());
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) {
    ctx.rb.ArrayLen(0);
    return;
  }
  if (stop >= n) stop = n - 1;
  ctx.rb.ArrayLen(stop - start + 1);
  l->ForRange(static_cast<size_t>(start), static_cast<size_t>(stop), false,
              [&](std::string_view v) {
                ctx.rb.Bulk(v);
                return true;
              });
}

// LINSERT key BEFORE|AFTER pivot element
void CmdLInsert(ArgList args, CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(args[2], "AFTER")) {
    after = true;
  } else if (EqualsIgnoreCase(args[2], "BEFORE")) {
    after = false;
  } else {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, false, &l)) return;
  if (l == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  if (!l->InsertAt(args[3], args[4], after, ctx.opts.limits())) {
    ctx.rb.Int(-1);
    return;
  }
  db.SignalReady(args[1]);
  db.Changed(args[1], kNotifyList, "linsert");
  ctx.rb.Int(static_cast<int64_t>(l->size()));
}

// LREM key count element
void CmdLRem(ArgList args, CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(args[2], &count)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, false, &l)) return;
  size_t n = l == nullptr ? 0 : l->Remove(args[3], count, ctx.opts.limits());
  if (n > 0) FinishWrite(db, args[1], l, kNotifyList, "lrem", n);
  ctx.rb.Int(static_cast<int64_t>(n));
}

// LSET key index element
void CmdLSet(ArgList args, CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(args[2], &index)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, false, &l)) return;
  if (l == nullptr) {
    ctx.rb.Error(err::kNoSuchKey);
    return;
  }
  if (!l->Set(index, args[3], ctx.opts.limits())) {
    ctx.rb.Error(err::kIndexOutOfRange);
    return;
  }
  db.Changed(args[1], kNotifyList, "lset");
  ctx.rb.Ok();
}

// LTRIM key start stop
void CmdLTrim(ArgList args, CommandContext& ctx) {
  int64_t start, stop;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &stop)) {
    ctx.rb.Error(err::kNotInt);
    return;
  }
  Db db = ctx.db();
  ListObject* l;
  if (!WriteObject(ctx, db, args[1], kList, false, &l)) return;
  if (l != nullptr) {
    int64_t n = static_cast<int64_t>(l->size());
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    if (start < 0) start = 0;
    size_t before = l->size();
    if (start > stop || start >= n) {
      l->Trim(1, 0, ctx.opts.limits());  // empty range: remove everything
    } else {
      l->Trim(static_cast<size_t>(start), static_cast<size_t>(stop), ctx.opts.limits());
    }
    // Redis reports (and WATCH sees) an LTRIM even when it removed nothing.
    FinishWrite(db, args[1], l, kNotifyList, "ltrim", before - l->size());
  }
  ctx.rb.Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void CmdLPos(ArgList args, CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < args.size(); i++) {
    bool has_value = i + 1 < args.size();
    std::string_view opt = args[i];
    if (has_value && EqualsIgnoreCase(opt, "RANK")) {
      if (!ParseInt64(args[++i], &rank)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (rank == INT64_MIN) {
        // RANK is read as a long in [-LONG_MAX, LONG_MAX], so its negation always exists.
        ctx.rb.Error(err::kOutOfRangeLong);
        return;
      }
      if (rank == 0) {
        ctx.rb.Error(err::kLposRankZero);
        return;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "COUNT")) {
      if (!ParseInt64(args[++i], &count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (count < 0) {
        ctx.rb.Error(err::kCountNegative);
        return;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "MAXLEN")) {
      if (!ParseInt64(args[++i], &maxlen)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (maxlen < 0) {
        ctx.rb.Error(err::kMaxlenNegative);
        return;
      }
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  ListObject* l;
  if (!ReadObject(ctx, db, args[1], kList, &l)) return;
  std::vector<int64_t> found;
  if (l != nullptr && l->size() > 0) {
    bool reverse = rank < 0;
    uint64_t skip = rank < 0 ? static_cast<uint64_t>(-(rank + 1)) : static_cast<uint64_t>(rank - 1);
    size_t wanted = count < 0 ? 1 : (count == 0 ? SIZE_MAX : static_cast<size_t>(count));
    int64_t n = static_cast<int64_t>(l->size());
    int64_t idx = reverse ? n - 1 : 0;
    int64_t scanned = 0;
    l->ForRange(0, l->size() - 1, reverse, [&](std::string_view v) {
      if (maxlen != 0 && scanned >= maxlen) return false;
      scanned++;
      if (v == args[2]) {
        if (skip > 0) {
          skip--;
        } else {
          found.push_back(idx);
          if (found.size() >= wanted) return false;
        }
      }
      idx += reverse ? -1 : 1;
      return true;
    });
  }
  if (count < 0) {
    found.empty() ? ctx.rb.Null() : ctx.rb.Int(found[0]);
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(found.size()));
  for (int64_t i : found) ctx.rb.Int(i);
}

// ---- moves and multi-key pops ------------------------------------------------------------------

bool ParseWhere(std::string_view s, bool* left) {
  if (EqualsIgnoreCase(s, "LEFT")) {
    *left = true;
  } else if (EqualsIgnoreCase(s, "RIGHT")) {
    *left = false;
  } else {
    return false;
  }
  return true;
}

// Moves one element from src to dst. Returns false after replying an error; *moved is empty when
// src was empty or absent.
bool MoveOne(CommandContext& ctx, Db& db, std::string_view src, std::string_view dst, bool from_left,
             bool to_left, std::string* moved, bool* found) {
  *found = false;
  ListObject* s;
  if (!WriteObject(ctx, db, src, kList, false, &s)) return false;
  if (s == nullptr) return true;
  // The destination's type is checked strictly, also for a blocked client being served: it
  // gets WRONGTYPE (and the element stays) rather than a move into nowhere.
  Entry* de = db.Find(dst);
  if (de != nullptr && de->value.type() != kList) {
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  ListObject* d = de == nullptr ? nullptr : ObjectOf<ListObject>(de);
  EncodingLimits lim = ctx.opts.limits();
  *moved = from_left ? s->PopFront(lim) : s->PopBack(lim);
  *found = true;
  // Events as Redis orders them: the push into the destination, then the pop from the source.
  std::string_view pop_event = from_left ? "lpop" : "rpop";
  std::string_view push_event = to_left ? "lpush" : "rpush";
  if (s == d) {
    // Same key: rotate (the pop above cannot have emptied a list we push back into).
    to_left ? s->PushFront(*moved, lim) : s->PushBack(*moved, lim);
    db.SignalReady(src);
    db.Changed(src, kNotifyList, push_event);
    db.Notify(kNotifyList, pop_event, src);
    return true;
  }
  if (d == nullptr) WriteObject(ctx, db, dst, kList, true, &d);
  to_left ? d->PushFront(*moved, lim) : d->PushBack(*moved, lim);
  db.SignalReady(dst);
  db.Changed(dst, kNotifyList, push_event, 0);  // a move is one change (counted on the source)
  FinishWrite(db, src, s, kNotifyList, pop_event);
  return true;
}

// A blocking move that found an element propagates as its non-blocking form (BRPOPLPUSH as
// RPOPLPUSH, BLMOVE as LMOVE), as Redis does.
void PropagateMove(CommandContext& ctx, ArgList args) {
  if (!ctx.propagating()) return;
  if (args.size() == 4) {
    ctx.Propagate({"RPOPLPUSH", std::string(args[1]), std::string(args[2])});
    return;
  }
  // The directions as the client wrote them: Redis renames BLMOVE to LMOVE and drops the
  // timeout, keeping the other arguments.
  ctx.Propagate({"LMOVE", std::string(args[1]), std::string(args[2]), std::string(args[3]),
                 std::string(args[4])});
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT / RPOPLPUSH source destination
void MoveGeneric(ArgList args, CommandContext& ctx, bool from_left, bool to_left) {
  Db db = ctx.db();
  std::string v;
  bool found;
  if (!MoveOne(ctx, db, args[1], args[2], from_left, to_left, &v, &found)) return;
  if (!found) {
    ctx.rb.Null();
    return;
  }
  ctx.rb.Bulk(v);
}

void CmdLMove(ArgList args, CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseWhere(args[3], &from_left) || !ParseWhere(args[4], &to_left)) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  MoveGeneric(args, ctx, from_left, to_left);
}

void CmdRPopLPush(ArgList args, CommandContext& ctx) { MoveGeneric(args, ctx, false, true); }

// Pops from the first non-empty list among the keys. Returns false after an error reply; *done
// tells whether a list was found (and the reply written).
bool MPopFirst(CommandContext& ctx, Db& db, const MPopArgs& m, bool* done) {
  *done = false;
  for (std::string_view k : m.keys) {
    ListObject* l;
    if (!WriteObject(ctx, db, k, kList, false, &l)) return false;
    if (l == nullptr) continue;
    std::string key(k);
    bool left = !m.second_end;
    auto items = PopN(db, key, l, static_cast<size_t>(m.count), left, ctx.opts.limits());
    if (ctx.propagating()) {
      ctx.Propagate({left ? "LPOP" : "RPOP", key, std::to_string(items.size())});
    }
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(key);
    ctx.rb.ArrayLen(static_cast<int64_t>(items.size()));
    for (auto& v : items) ctx.rb.Bulk(v);
    *done = true;
    return true;
  }
  return true;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void CmdLMPop(ArgList args, CommandContext& ctx) {
  MPopArgs m;
  if (!ParseMPopArgs(ctx, args, 1, "LEFT", "RIGHT", &m)) return;
  Db db = ctx.db();
  bool done;
  if (!MPopFirst(ctx, db, m, &done)) return;
  if (!done) ctx.rb.NullArray();
}

// Keys of LMPOP (numkeys at 1) and BLMPOP (timeout, then numkeys at 2).
template <size_t kAt>
std::vector<int> NumKeysAt(ArgList args) {
  std::vector<int> out;
  int64_t n;
  if (args.size() <= kAt || !ParseInt64(args[kAt], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && kAt + 1 + static_cast<size_t>(i) < args.size(); i++) {
    out.push_back(static_cast<int>(kAt + 1 + static_cast<size_t>(i)));
  }
  return out;
}

// ---- blocking ----------------------------------------------------------------------------------

// BLPOP/BRPOP key [key ...] timeout
void BlockingPopGeneric(ArgList args, CommandContext& ctx, bool left) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, args.back(), &deadline)) return;
  Db db = ctx.db();
  std::vector<std::string_view> keys(args.begin() + 1, args.end() - 1);
  for (std::string_view k : keys) {
    ListObject* l;
    if (!WriteObject(ctx, db, k, kList, false, &l)) return;
    if (l == nullptr) continue;
    std::string key(k);
    auto items = PopN(db, key, l, 1, left, ctx.opts.limits());
    if (ctx.propagating()) ctx.Propagate({left ? "LPOP" : "RPOP", key});
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(key);
    ctx.rb.Bulk(items[0]);
    return;
  }
  if (!ctx.Block(args, keys, deadline)) ctx.rb.NullArray();
}

void CmdBLPop(ArgList a, CommandContext& c) { BlockingPopGeneric(a, c, true); }
void CmdBRPop(ArgList a, CommandContext& c) { BlockingPopGeneric(a, c, false); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout / BRPOPLPUSH source destination timeout
void BlockingMoveGeneric(ArgList args, CommandContext& ctx, bool from_left, bool to_left) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, args.back(), &deadline)) return;
  Db db = ctx.db();
  std::string v;
  bool found;
  if (!MoveOne(ctx, db, args[1], args[2], from_left, to_left, &v, &found)) return;
  if (found) {
    PropagateMove(ctx, args);
    ctx.rb.Bulk(v);
    return;
  }
  if (!ctx.Block(args, {args[1]}, deadline)) ctx.rb.Null();
}

void CmdBLMove(ArgList args, CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseWhere(args[3], &from_left) || !ParseWhere(args[4], &to_left)) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  BlockingMoveGeneric(args, ctx, from_left, to_left);
}

void CmdBRPopLPush(ArgList args, CommandContext& ctx) {
  BlockingMoveGeneric(args, ctx, false, true);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void CmdBLMPop(ArgList args, CommandContext& ctx) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, args[1], &deadline)) return;
  MPopArgs m;
  if (!ParseMPopArgs(ctx, args, 2, "LEFT", "RIGHT", &m)) return;
  Db db = ctx.db();
  bool done;
  if (!MPopFirst(ctx, db, m, &done)) return;
  if (!done && !ctx.Block(args, m.keys, deadline)) ctx.rb.NullArray();
}

}  // namespace

void RegisterListFamily(CommandRegistry& r) {
  constexpr uint64_t L = acl::kList;
  r.Add({"LPUSH", -3, kWrite | kDenyOom | kFast, 1, 1, 1, L, &CmdLPush, "list", "1.0.0",
         "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
         "O(1) for each element added, so O(N) to add N elements when the command is called with "
         "multiple arguments."})
      .Args("key:key element:string...")
      .KeyFlags("RW insert");
  r.Add({"RPUSH", -3, kWrite | kDenyOom | kFast, 1, 1, 1, L, &CmdRPush, "list", "1.0.0",
         "Appends one or more elements to a list. Creates the key if it doesn't exist.",
         "O(1) for each element added, so O(N) to add N elements when the command is called with "
         "multiple arguments."})
      .Args("key:key element:string...")
      .KeyFlags("RW insert");
  r.Add({"LPUSHX", -3, kWrite | kDenyOom | kFast, 1, 1, 1, L, &CmdLPushX, "list", "2.2.0",
         "Prepends one or more elements to a list only when the list exists.",
         "O(1) for each element added, so O(N) to add N elements when the command is called with "
         "multiple arguments."})
      .Args("key:key element:string...")
      .KeyFlags("RW insert");
  r.Add({"RPUSHX", -3, kWrite | kDenyOom | kFast, 1, 1, 1, L, &CmdRPushX, "list", "2.2.0",
         "Appends an element to a list only when the list exists.",
         "O(1) for each element added, so O(N) to add N elements when the command is called with "
         "multiple arguments."})
      .Args("key:key element:string...")
      .KeyFlags("RW insert");
  r.Add({"LPOP", -2, kWrite | kFast, 1, 1, 1, L, &CmdLPop, "list", "1.0.0",
         "Returns the first elements in a list after removing it. Deletes the list if the last "
         "element was popped.",
         "O(N) where N is the number of elements returned"})
      .Args("key:key [count:integer]")
      .KeyFlags("RW access delete");
  r.Add({"RPOP", -2, kWrite | kFast, 1, 1, 1, L, &CmdRPop, "list", "1.0.0",
         "Returns and removes the last elements of a list. Deletes the list if the last element "
         "was popped.",
         "O(N) where N is the number of elements returned"})
      .Args("key:key [count:integer]")
      .KeyFlags("RW access delete");
  r.Add({"LLEN", 2, kReadOnly | kFast, 1, 1, 1, L, &CmdLLen, "list", "1.0.0",
         "Returns the length of a list.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"LINDEX", 3, kReadOnly, 1, 1, 1, L, &CmdLIndex, "list", "1.0.0",
         "Returns an element from a list by its index.",
         "O(N) where N is the number of elements to traverse to get to the element at index. This "
         "makes asking for the first or the last element of the list O(1)."})
      .Args("key:key index:integer")
      .KeyFlags("RO access");
  r.Add({"LRANGE", 4, kReadOnly, 1, 1, 1, L, &CmdLRange, "list", "1.0.0",
         "Returns a range of elements from a list.",
         "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
         "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
         "range."})
      .Args("key:key start:integer stop:integer")
      .KeyFlags("RO access");
  r.Add({"LINSERT", 5, kWrite | kDenyOom, 1, 1, 1, L, &CmdLInsert, "list", "2.2.0",
         "Inserts an element before or after another element in a list.",
         "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
         "means that inserting somewhere on the left end on the list (head) can be considered "
         "O(1) and inserting somewhere on the right end (tail) is O(N)."})
      .Args("key:key where(!BEFORE|!AFTER) pivot:string element:string")
      .KeyFlags("RW insert");
  r.Add({"LREM", 4, kWrite, 1, 1, 1, L, &CmdLRem, "list", "1.0.0",
         "Removes elements from a list. Deletes the list if the last element was removed.",
         "O(N+M) where N is the length of the list and M is the number of elements removed."})
      .Args("key:key count:integer element:string")
      .KeyFlags("RW delete");
  r.Add({"LSET", 4, kWrite | kDenyOom, 1, 1, 1, L, &CmdLSet, "list", "1.0.0",
         "Sets the value of an element in a list by its index.",
         "O(N) where N is the length of the list. Setting either the first or the last element of "
         "the list is O(1)."})
      .Args("key:key index:integer element:string")
      .KeyFlags("RW update");
  r.Add({"LTRIM", 4, kWrite, 1, 1, 1, L, &CmdLTrim, "list", "1.0.0",
         "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
         "O(N) where N is the number of elements to be removed by the operation."})
      .Args("key:key start:integer stop:integer")
      .KeyFlags("RW delete");
  r.Add({"LPOS", -3, kReadOnly, 1, 1, 1, L, &CmdLPos, "list", "6.0.6",
         "Returns the index of matching elements in a list.",
         "O(N) where N is the number of elements in the list, for the average case. When "
         "searching for elements near the head or the tail of the list, or when the MAXLEN option "
         "is provided, the command may run in constant time."})
      .Args(
          "key:key element:string [RANK=rank:integer] [COUNT=num-matches:integer]"
          " [MAXLEN=len:integer]")
      .KeyFlags("RO access");
  r.Add({"LMOVE", 5, kWrite | kDenyOom, 1, 2, 1, L, &CmdLMove, "list", "6.2.0",
         "Returns an element after popping it from one list and pushing it to another. Deletes "
         "the list if the last element was moved.",
         "O(1)"})
      .Args("source:key destination:key wherefrom(!LEFT|!RIGHT) whereto(!LEFT|!RIGHT)")
      .KeyFlags("RW access delete|RW insert");
  r.Add({"RPOPLPUSH", 3, kWrite | kDenyOom, 1, 2, 1, L, &CmdRPopLPush, "list", "1.2.0",
         "Returns the last element of a list after removing and pushing it to another list. "
         "Deletes the list if the last element was popped.",
         "O(1)"})
      .Args("source:key destination:key")
      .KeyFlags("RW access delete|RW insert");
  r.Add({"LMPOP", -4, kWrite, 0, 0, 0, L, &CmdLMPop, "list", "7.0.0",
         "Returns multiple elements from a list after removing them. Deletes the list if the last "
         "element was popped.",
         "O(N+M) where N is the number of provided keys and M is the number of elements returned."})
      .Args("numkeys:integer key:key... where(!LEFT|!RIGHT) [COUNT=count:integer]")
      .Keys(&NumKeysAt<1>)
      .KeyFlags("RW access delete");
  r.Add({"BLPOP", -3, kWrite | kBlocking, 1, -2, 1, L, &CmdBLPop, "list", "2.0.0",
         "Removes and returns the first element in a list. Blocks until an element is available "
         "otherwise. Deletes the list if the last element was popped.",
         "O(N) where N is the number of provided keys."})
      .Args("key:key... timeout:double")
      .KeyFlags("RW access delete");
  r.Add({"BRPOP", -3, kWrite | kBlocking, 1, -2, 1, L, &CmdBRPop, "list", "2.0.0",
         "Removes and returns the last element in a list. Blocks until an element is available "
         "otherwise. Deletes the list if the last element was popped.",
         "O(N) where N is the number of provided keys."})
      .Args("key:key... timeout:double")
      .KeyFlags("RW access delete");
  r.Add({"BLMOVE", 6, kWrite | kDenyOom | kBlocking, 1, 2, 1, L, &CmdBLMove, "list", "6.2.0",
         "Pops an element from a list, pushes it to another list and returns it. Blocks until an "
         "element is available otherwise. Deletes the list if the last element was moved.",
         "O(1)"})
      .Args(
          "source:key destination:key wherefrom(!LEFT|!RIGHT) whereto(!LEFT|!RIGHT)"
          " timeout:double")
      .KeyFlags("RW access delete|RW insert");
  r.Add({"BRPOPLPUSH", 4, kWrite | kDenyOom | kBlocking, 1, 2, 1, L, &CmdBRPopLPush, "list",
         "2.2.0",
         "Pops an element from a list, pushes it to another list and returns it. Block until an "
         "element is available otherwise. Deletes the list if the last element was popped.",
         "O(1)"})
      .Args("source:key destination:key timeout:double")
      .KeyFlags("RW access delete|RW insert");
  r.Add({"BLMPOP", -5, kWrite | kBlocking, 0, 0, 0, L, &CmdBLMPop, "list", "7.0.0",
         "Pops the first element from one of multiple lists. Blocks until an element is "
         "available otherwise. Deletes the list if the last element was popped.",
         "O(N+M) where N is the number of provided keys and M is the number of elements returned."})
      .Args("timeout:double numkeys:integer key:key... where(!LEFT|!RIGHT) [COUNT=count:integer]")
      .Keys(&NumKeysAt<2>)
      .KeyFlags("RW access delete");
}

}  // namespace carmine
