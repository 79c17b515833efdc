// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sorted-set commands on one key: ZADD/ZINCRBY/ZREM, scores and ranks, the ZRANGE family (by
// rank, score and lex, with REV/LIMIT/WITHSCORES, and ZRANGESTORE), ZREMRANGEBY*, ZPOPMIN/ZPOPMAX/
// ZMPOP, ZRANDMEMBER and ZSCAN. The multi-key algebra (ZUNION, ZINTER, ZDIFF, ...) is in
// zset_setops.cc.
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/double_format.h"
#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "commands/zset_util.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kZSet = ObjType::kZSet;

enum ZAddFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8, kCh = 16, kIncr = 32 };

// Outcome of one element of ZADD.
enum class ZAddResult { kAdded, kUpdated, kUnchanged, kSkipped, kNan };

ZAddResult ZAddOne(ZSetObject* z, std::string_view member, double score, int flags,
                   const EncodingLimits& lim, double* out_score) {
  double cur;
  if (z->Score(member, &cur)) {
    if (flags & kNx) return ZAddResult::kSkipped;
    if (flags & kIncr) {
      score += cur;
      if (std::isnan(score)) return ZAddResult::kNan;
    }
    if (((flags & kLt) && score >= cur) || ((flags & kGt) && score <= cur)) {
      return ZAddResult::kSkipped;
    }
    *out_score = score;
    if (score == cur) return ZAddResult::kUnchanged;
    z->Set(member, score, lim);
    return ZAddResult::kUpdated;
  }
  if (flags & kXx) return ZAddResult::kSkipped;
  *out_score = score;
  z->Set(member, score, lim);
  return ZAddResult::kAdded;
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void CmdZAdd(ArgList args, CommandContext& ctx) {
  int flags = 0;
  size_t i = 2;
  for (; i < args.size(); i++) {
    std::string_view a = args[i];
    if (EqualsIgnoreCase(a, "NX")) {
      flags |= kNx;
    } else if (EqualsIgnoreCase(a, "XX")) {
      flags |= kXx;
    } else if (EqualsIgnoreCase(a, "GT")) {
      flags |= kGt;
    } else if (EqualsIgnoreCase(a, "LT")) {
      flags |= kLt;
    } else if (EqualsIgnoreCase(a, "CH")) {
      flags |= kCh;
    } else if (EqualsIgnoreCase(a, "INCR")) {
      flags |= kIncr;
    } else {
      break;
    }
  }
  size_t elements = args.size() - i;
  if (elements == 0 || elements % 2 != 0) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  if ((flags & kIncr) && elements > 2) {
    ctx.rb.Error(err::kZaddIncrPair);
    return;
  }
  if ((flags & kNx) && (flags & kXx)) {
    ctx.rb.Error(err::kXxAndNx);
    return;
  }
  if (((flags & kGt) && (flags & kNx)) || ((flags & kLt) && (flags & kNx)) ||
      ((flags & kGt) && (flags & kLt))) {
    ctx.rb.Error(err::kGtLtNx);
    return;
  }
  std::vector<double> scores;
  for (size_t j = i; j < args.size(); j += 2) {
    double s;
    if (!ParseDouble(args[j], &s)) {
      ctx.rb.Error(err::kNotFloat);
      return;
    }
    scores.push_back(s);
  }
  Db db = ctx.db();
  ZSetObject* z;
  if (!WriteObject(ctx, db, args[1], kZSet, false, &z)) return;
  if (z == nullptr) {
    if (flags & kXx) {
      (flags & kIncr) ? ctx.rb.Null() : ctx.rb.Int(0);
      return;
    }
    WriteObject(ctx, db, args[1], kZSet, true, &z);
    // A new sorted set takes the big encoding from the start when the pairs given would not
    // fit the small one (as Redis sizes it), so nothing passes through the listpack (where -0
    // becomes 0).
    EncodingLimits lim = ctx.opts.limits();
    size_t longest = 0;
    for (size_t j = i + 1; j < args.size(); j += 2) longest = std::max(longest, args[j].size());
    if (static_cast<int64_t>(scores.size()) > lim.zset_max_listpack_entries ||
        static_cast<int64_t>(longest) > lim.zset_max_listpack_value) {
      z->ConvertToTableEncoding();
    }
  }
  EncodingLimits lim = ctx.opts.limits();
  int64_t added = 0, updated = 0, processed = 0;
  double last = 0;
  for (size_t j = 0; j < scores.size(); j++) {
    ZAddResult r = ZAddOne(z, args[i + 2 * j + 1], scores[j], flags, lim, &last);
    if (r == ZAddResult::kNan) {
      if (z->size() == 0) db.Delete(args[1]);
      ctx.rb.Error(err::kScoreNan);
      return;
    }
    added += r == ZAddResult::kAdded;
    updated += r == ZAddResult::kUpdated;
    processed += r != ZAddResult::kSkipped;
  }
  if (added + updated > 0) {
    db.SignalReady(args[1]);
    // Every member added or updated counts as a change, as in Redis.
    db.Changed(args[1], kNotifyZset, (flags & kIncr) ? "zincr" : "zadd",
               static_cast<uint64_t>(added + updated));
  }
  if (flags & kIncr) {
    processed ? ctx.rb.Double(last) : ctx.rb.Null();
  } else {
    ctx.rb.Int((flags & kCh) ? added + updated : added);
  }
}

// ZINCRBY key increment member
void CmdZIncrBy(ArgList args, CommandContext& ctx) {
  double incr;
  if (!ParseDouble(args[2], &incr)) {
    ctx.rb.Error(err::kNotFloat);
    return;
  }
  Db db = ctx.db();
  ZSetObject* z;
  if (!WriteObject(ctx, db, args[1], kZSet, true, &z)) return;
  double out = 0;
  ZAddResult r = ZAddOne(z, args[3], incr, kIncr, ctx.opts.limits(), &out);
  if (r == ZAddResult::kNan) {
    if (z->size() == 0) db.Delete(args[1]);
    ctx.rb.Error(err::kScoreNan);
    return;
  }
  if (r == ZAddResult::kAdded || r == ZAddResult::kUpdated) {
    db.SignalReady(args[1]);
    db.Changed(args[1], kNotifyZset, "zincr");
  }
  ctx.rb.Double(out);
}

// ZREM key member [member ...]
void CmdZRem(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!WriteObject(ctx, db, args[1], kZSet, false, &z)) return;
  int64_t n = 0;
  if (z != nullptr) {
    for (size_t i = 2; i < args.size() && z->size() > 0; i++) n += z->Remove(args[i]);
    if (n > 0) FinishWrite(db, args[1], z, kNotifyZset, "zrem", static_cast<uint64_t>(n));
  }
  ctx.rb.Int(n);
}

// ZCARD key
void CmdZCard(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  ctx.rb.Int(z == nullptr ? 0 : static_cast<int64_t>(z->size()));
}

// ZSCORE key member
void CmdZScore(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  double s;
  if (z != nullptr && z->Score(args[2], &s)) {
    ctx.rb.Double(s);
  } else {
    ctx.rb.Null();
  }
}

// ZMSCORE key member [member ...]
void CmdZMScore(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    double s;
    if (z != nullptr && z->Score(args[i], &s)) {
      ctx.rb.Double(s);
    } else {
      ctx.rb.Null();
    }
  }
}

// ZRANK / ZREVRANK key member [WITHSCORE]
void RankGeneric(ArgList args, CommandContext& ctx, bool reverse) {
  bool with_score = false;
  if (args.size() == 4) {
    if (!EqualsIgnoreCase(args[3], "WITHSCORE")) {
      ctx.rb.Error(err::kSyntax);
      return;
    }
    with_score = true;
  } else if (args.size() > 4) {
    ctx.rb.Error(err::WrongArgs(ctx.spec->full_name));
    return;
  }
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  size_t rank;
  double score;
  if (z == nullptr || !z->Rank(args[2], &rank)) {
    with_score ? ctx.rb.NullArray() : ctx.rb.Null();
    return;
  }
  if (reverse) rank = z->size() - 1 - rank;
  if (!with_score) {
    ctx.rb.Int(static_cast<int64_t>(rank));
    return;
  }
  z->Score(args[2], &score);
  ctx.rb.ArrayLen(2);
  ctx.rb.Int(static_cast<int64_t>(rank));
  ctx.rb.Double(score);
}

void CmdZRank(ArgList args, CommandContext& ctx) { RankGeneric(args, ctx, false); }
void CmdZRevRank(ArgList args, CommandContext& ctx) { RankGeneric(args, ctx, true); }

// ---- ZRANGE and its older forms ----------------------------------------------------------------

enum class RangeBy { kRank, kScore, kLex };

struct RangeSpec {
  RangeBy by = RangeBy::kRank;
  bool reverse = false;
  bool with_scores = false;
  bool has_limit = false;
  int64_t offset = 0, count = -1;
  std::string_view min, max;  // as given (for REV score/lex ranges: already swapped to min, max)
};

// Selects the elements of `spec` from z (which may be null: no elements).
bool SelectRange(CommandContext& ctx, const ZSetObject* z, const RangeSpec& spec,
                 std::vector<std::pair<std::string, double>>* out) {
  if (spec.by == RangeBy::kRank) {
    int64_t start, stop;
    if (!ParseInt64(spec.min, &start) || !ParseInt64(spec.max, &stop)) {
      ctx.rb.Error(err::kNotInt);
      return false;
    }
    size_t first, last;
    if (z == nullptr || !ClampRankRange(start, stop, z->size(), &first, &last)) return true;
    if (spec.reverse) {
      size_t n = z->size();
      *out = CollectRanks(*z, n - 1 - last, n - 1 - first, true);
    } else {
      *out = CollectRanks(*z, first, last, false);
    }
    return true;
  }
  std::pair<size_t, size_t> ranks{0, 0};
  if (spec.by == RangeBy::kScore) {
    ScoreBound min, max;
    if (!ParseScoreBound(spec.min, &min) || !ParseScoreBound(spec.max, &max)) {
      ctx.rb.Error(err::kMinMaxNotFloat);
      return false;
    }
    if (z != nullptr) ranks = ScoreRanks(*z, min, max);
  } else {
    LexBound min, max;
    if (!ParseLexBound(spec.min, &min) || !ParseLexBound(spec.max, &max)) {
      ctx.rb.Error(err::kMinMaxNotLex);
      return false;
    }
    if (z != nullptr) ranks = LexRanks(*z, min, max);
  }
  auto [first, end] = ranks;
  if (z == nullptr || first >= end || spec.offset < 0) return true;
  size_t avail = end - first;
  size_t off = static_cast<size_t>(spec.offset);
  if (off >= avail) return true;
  size_t n = avail - off;
  if (spec.count >= 0 && static_cast<size_t>(spec.count) < n) n = static_cast<size_t>(spec.count);
  if (n == 0) return true;
  if (spec.reverse) {
    *out = CollectRanks(*z, end - off - n, end - off - 1, true);
  } else {
    *out = CollectRanks(*z, first + off, first + off + n - 1, false);
  }
  return true;
}

// Parses the options after min/max. `legacy` is the RangeBy a ZRANGEBYSCORE-style command implies.
bool ParseRangeOptions(CommandContext& ctx, ArgList args, size_t from, bool store, RangeSpec* spec,
                       bool allow_by) {
  for (size_t i = from; i < args.size(); i++) {
    std::string_view a = args[i];
    size_t left = args.size() - i - 1;
    if (!store && EqualsIgnoreCase(a, "WITHSCORES")) {
      spec->with_scores = true;
    } else if (left >= 2 && EqualsIgnoreCase(a, "LIMIT")) {
      if (!ParseInt64(args[i + 1], &spec->offset) || !ParseInt64(args[i + 2], &spec->count)) {
        ctx.rb.Error(err::kNotInt);
        return false;
      }
      spec->has_limit = true;
      i += 2;
    } else if (allow_by && EqualsIgnoreCase(a, "BYSCORE")) {
      spec->by = RangeBy::kScore;
    } else if (allow_by && EqualsIgnoreCase(a, "BYLEX")) {
      spec->by = RangeBy::kLex;
    } else if (allow_by && EqualsIgnoreCase(a, "REV")) {
      spec->reverse = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  if (spec->has_limit && spec->by == RangeBy::kRank) {
    ctx.rb.Error(err::kLimitNeedsByscoreBylex);
    return false;
  }
  if (spec->with_scores && spec->by == RangeBy::kLex) {
    ctx.rb.Error(err::kWithscoresWithBylex);
    return false;
  }
  return true;
}

// Runs a parsed range against `key` and replies (or stores into `dst`).
void RunRange(CommandContext& ctx, std::string_view key, RangeSpec spec, std::string_view dst) {
  // Reverse score/lex ranges are given max first.
  if (spec.reverse && spec.by != RangeBy::kRank) std::swap(spec.min, spec.max);
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, key, kZSet, &z)) return;
  std::vector<std::pair<std::string, double>> items;
  if (!SelectRange(ctx, z, spec, &items)) return;
  if (dst.empty()) {
    ReplyScored(ctx.rb, items, spec.with_scores);
    return;
  }
  std::string dkey(dst);
  if (items.empty()) {
    if (db.Delete(dkey)) db.Changed(dkey, kNotifyGeneric, "del");
    ctx.rb.Int(0);
    return;
  }
  auto result = std::make_unique<ZSetObject>();
  EncodingLimits lim = ctx.opts.limits();
  for (auto& [m, s] : items) result->Set(m, s, lim);
  StoreObject(db, dkey, std::move(result));
  db.Changed(dkey, kNotifyZset, "zrangestore");
  ctx.rb.Int(static_cast<int64_t>(items.size()));
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void CmdZRange(ArgList args, CommandContext& ctx) {
  RangeSpec spec;
  spec.min = args[2];
  spec.max = args[3];
  if (!ParseRangeOptions(ctx, args, 4, false, &spec, true)) return;
  RunRange(ctx, args[1], spec, {});
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void CmdZRangeStore(ArgList args, CommandContext& ctx) {
  RangeSpec spec;
  spec.min = args[3];
  spec.max = args[4];
  if (!ParseRangeOptions(ctx, args, 5, true, &spec, true)) return;
  RunRange(ctx, args[2], spec, args[1]);
}

// ZREVRANGE key start stop [WITHSCORES]
void CmdZRevRange(ArgList args, CommandContext& ctx) {
  RangeSpec spec;
  spec.min = args[2];
  spec.max = args[3];
  spec.reverse = true;
  if (!ParseRangeOptions(ctx, args, 4, false, &spec, false)) return;
  RunRange(ctx, args[1], spec, {});
}

template <RangeBy kBy, bool kReverse>
void CmdRangeBy(ArgList args, CommandContext& ctx) {
  RangeSpec spec;
  spec.by = kBy;
  spec.reverse = kReverse;
  spec.min = args[2];
  spec.max = args[3];
  if (!ParseRangeOptions(ctx, args, 4, false, &spec, false)) return;
  RunRange(ctx, args[1], spec, {});
}

// ---- removal by range --------------------------------------------------------------------------

// ZCOUNT / ZLEXCOUNT / ZREMRANGEBYRANK|SCORE|LEX key min max: the elements inside the range,
// counted or removed. The range is parsed before the key is looked at, as Redis reports errors.
void RangeCountGeneric(ArgList args, CommandContext& ctx, RangeBy by, bool remove) {
  ScoreBound smin, smax;
  LexBound lmin, lmax;
  int64_t start = 0, stop = 0;
  if (by == RangeBy::kRank) {
    if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &stop)) {
      ctx.rb.Error(err::kNotInt);
      return;
    }
  } else if (by == RangeBy::kScore) {
    if (!ParseScoreBound(args[2], &smin) || !ParseScoreBound(args[3], &smax)) {
      ctx.rb.Error(err::kMinMaxNotFloat);
      return;
    }
  } else if (!ParseLexBound(args[2], &lmin) || !ParseLexBound(args[3], &lmax)) {
    ctx.rb.Error(err::kMinMaxNotLex);
    return;
  }
  Db db = ctx.db();
  ZSetObject* z;
  bool ok = remove ? WriteObject(ctx, db, args[1], kZSet, false, &z)
                   : ReadObject(ctx, db, args[1], kZSet, &z);
  if (!ok) return;
  if (z == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  std::pair<size_t, size_t> ranks{0, 0};
  if (by == RangeBy::kRank) {
    size_t first, last;
    if (ClampRankRange(start, stop, z->size(), &first, &last)) ranks = {first, last + 1};
  } else if (by == RangeBy::kScore) {
    ranks = ScoreRanks(*z, smin, smax);
  } else {
    ranks = LexRanks(*z, lmin, lmax);
  }
  size_t n = ranks.second - ranks.first;
  if (remove && n > 0) {
    z->RemoveRanks(ranks.first, ranks.second - 1);
    FinishWrite(db, args[1], z, kNotifyZset,
                by == RangeBy::kRank    ? "zremrangebyrank"
                : by == RangeBy::kScore ? "zremrangebyscore"
                                        : "zremrangebylex",
                n);
  }
  ctx.rb.Int(static_cast<int64_t>(n));
}

void CmdZCount(ArgList a, CommandContext& c) { RangeCountGeneric(a, c, RangeBy::kScore, false); }
void CmdZLexCount(ArgList a, CommandContext& c) { RangeCountGeneric(a, c, RangeBy::kLex, false); }
void CmdZRemRangeByRank(ArgList a, CommandContext& c) {
  RangeCountGeneric(a, c, RangeBy::kRank, true);
}
void CmdZRemRangeByScore(ArgList a, CommandContext& c) {
  RangeCountGeneric(a, c, RangeBy::kScore, true);
}
void CmdZRemRangeByLex(ArgList a, CommandContext& c) {
  RangeCountGeneric(a, c, RangeBy::kLex, true);
}

// ---- pops --------------------------------------------------------------------------------------

// Removes up to `count` lowest (or highest) elements.
std::vector<std::pair<std::string, double>> PopN(ZSetObject* z, size_t count, bool max) {
  size_t n = std::min(count, z->size());
  if (n == 0) return {};
  size_t size = z->size();
  auto items = max ? CollectRanks(*z, size - n, size - 1, true) : CollectRanks(*z, 0, n - 1, false);
  max ? z->RemoveRanks(size - n, size - 1) : z->RemoveRanks(0, n - 1);
  return items;
}

// ZPOPMIN / ZPOPMAX key [count]
void PopGeneric(ArgList args, CommandContext& ctx, bool max) {
  if (args.size() > 3) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  int64_t count = 1;
  if (args.size() == 3 && (!ParseInt64(args[2], &count) || count < 0)) {
    ctx.rb.Error(err::kMustBePositive);
    return;
  }
  Db db = ctx.db();
  ZSetObject* z;
  if (!WriteObject(ctx, db, args[1], kZSet, false, &z)) return;
  if (z == nullptr || count == 0) {
    ctx.rb.ArrayLen(0);
    return;
  }
  auto items = PopN(z, static_cast<size_t>(count), max);
  FinishWrite(db, args[1], z, kNotifyZset, max ? "zpopmax" : "zpopmin", items.size());
  if (args.size() == 2) {  // a single pair, flat even in RESP3
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(items[0].first);
    ctx.rb.Double(items[0].second);
    return;
  }
  ReplyScored(ctx.rb, items, true);
}

void CmdZPopMin(ArgList args, CommandContext& ctx) { PopGeneric(args, ctx, false); }
void CmdZPopMax(ArgList args, CommandContext& ctx) { PopGeneric(args, ctx, true); }

std::vector<int> ZMPopKeys(ArgList args) {
  std::vector<int> out;
  int64_t n;
  if (args.size() < 2 || !ParseInt64(args[1], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && static_cast<size_t>(2 + i) < args.size(); i++) {
    out.push_back(static_cast<int>(2 + i));
  }
  return out;
}

// Pops from the first non-empty sorted set among the keys and replies [key, [[m, s], ...]].
// Returns false after an error reply; *done tells whether a set was found.
bool ZMPopFirst(CommandContext& ctx, Db& db, const MPopArgs& m, bool* done) {
  *done = false;
  for (std::string_view k : m.keys) {
    ZSetObject* z;
    if (!WriteObject(ctx, db, k, kZSet, false, &z)) return false;
    if (z == nullptr) continue;
    std::string key(k);
    bool max = m.second_end;
    auto items = PopN(z, static_cast<size_t>(m.count), max);
    FinishWrite(db, key, z, kNotifyZset, max ? "zpopmax" : "zpopmin", items.size());
    if (ctx.propagating()) {
      ctx.Propagate({max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(items.size())});
    }
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(key);
    ctx.rb.ArrayLen(static_cast<int64_t>(items.size()));
    for (auto& [mem, sc] : items) {
      ctx.rb.ArrayLen(2);
      ctx.rb.Bulk(mem);
      ctx.rb.Double(sc);
    }
    *done = true;
    return true;
  }
  return true;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void CmdZMPop(ArgList args, CommandContext& ctx) {
  MPopArgs m;
  if (!ParseMPopArgs(ctx, args, 1, "MIN", "MAX", &m)) return;
  Db db = ctx.db();
  bool done;
  if (!ZMPopFirst(ctx, db, m, &done)) return;
  if (!done) ctx.rb.NullArray();
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void CmdBZMPop(ArgList args, CommandContext& ctx) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, args[1], &deadline)) return;
  MPopArgs m;
  if (!ParseMPopArgs(ctx, args, 2, "MIN", "MAX", &m)) return;
  Db db = ctx.db();
  bool done;
  if (!ZMPopFirst(ctx, db, m, &done)) return;
  if (!done && !ctx.Block(args, m.keys, deadline)) ctx.rb.NullArray();
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout
void BlockingPopGeneric(ArgList args, CommandContext& ctx, bool max) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, args.back(), &deadline)) return;
  Db db = ctx.db();
  std::vector<std::string_view> keys(args.begin() + 1, args.end() - 1);
  for (std::string_view k : keys) {
    ZSetObject* z;
    if (!WriteObject(ctx, db, k, kZSet, false, &z)) return;
    if (z == nullptr) continue;
    std::string key(k);
    auto items = PopN(z, 1, max);
    FinishWrite(db, key, z, kNotifyZset, max ? "zpopmax" : "zpopmin");
    if (ctx.propagating()) ctx.Propagate({max ? "ZPOPMAX" : "ZPOPMIN", key});
    ctx.rb.ArrayLen(3);
    ctx.rb.Bulk(key);
    ctx.rb.Bulk(items[0].first);
    ctx.rb.Double(items[0].second);
    return;
  }
  if (!ctx.Block(args, keys, deadline)) ctx.rb.NullArray();
}

void CmdBZPopMin(ArgList a, CommandContext& c) { BlockingPopGeneric(a, c, false); }
void CmdBZPopMax(ArgList a, CommandContext& c) { BlockingPopGeneric(a, c, true); }

std::vector<int> BZMPopKeys(ArgList args) {
  std::vector<int> out;
  int64_t n;
  if (args.size() < 3 || !ParseInt64(args[2], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && static_cast<size_t>(3 + i) < args.size(); i++) {
    out.push_back(static_cast<int>(3 + i));
  }
  return out;
}

// ---- random members and scan -------------------------------------------------------------------

// ZRANDMEMBER key [count [WITHSCORES]]
void CmdZRandMember(ArgList args, CommandContext& ctx) {
  RandomCountArgs ra;
  if (!ParseRandomCount(ctx, args, "WITHSCORES", &ra)) return;
  bool with_count = ra.with_count, with_scores = ra.with_values;
  int64_t count = ra.count;
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  std::mt19937_64& rng = ThreadRng();
  std::string m;
  double s;
  if (!with_count) {
    if (z == nullptr) {
      ctx.rb.Null();
      return;
    }
    z->Random(rng, &m, &s);
    ctx.rb.Bulk(m);
    return;
  }
  std::vector<std::pair<std::string, double>> items;
  if (z != nullptr && count != 0) {
    int64_t size = static_cast<int64_t>(z->size());
    if (count < 0) {
      // With repetitions: written as drawn (the count may be far more than the set holds),
      // stopping once the client is over its output limit.
      bool pairs = with_scores && ctx.rb.protocol() == 3;
      ctx.rb.ArrayLen(with_scores && !pairs ? -count * 2 : -count);
      for (int64_t i = 0; i < -count && !ctx.rb.over_cap(); i++) {
        z->Random(rng, &m, &s);
        if (pairs) ctx.rb.ArrayLen(2);
        ctx.rb.Bulk(m);
        if (with_scores) ctx.rb.Double(s);
      }
      return;
    } else if (count >= size) {
      items = CollectRanks(*z, 0, z->size() - 1, true);  // Redis walks from the tail here
    } else if (count * 3 > size || z->is_packed()) {
      items = CollectRanks(*z, 0, z->size() - 1, false);
      for (int64_t i = 0; i < count; i++) {
        std::swap(items[i],
                  items[i + static_cast<int64_t>(rng() % static_cast<uint64_t>(size - i))]);
      }
      items.resize(static_cast<size_t>(count));
    } else {
      std::unordered_set<std::string> seen;
      while (static_cast<int64_t>(items.size()) < count) {
        z->Random(rng, &m, &s);
        if (seen.insert(m).second) items.emplace_back(m, s);
      }
    }
  }
  ReplyScored(ctx.rb, items, with_scores);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void CmdZScan(ArgList args, CommandContext& ctx) {
  ScanArgs sa;
  if (!ParseScanArgs(args, 2, false, ctx, &sa)) return;
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  if (z == nullptr) {
    ctx.rb.ArrayLen(2);
    ctx.rb.Bulk("0");
    ctx.rb.ArrayLen(0);
    return;
  }
  ReplyCollectionScan(ctx, sa, true, [&](uint64_t cursor, auto&& emit) {
    return z->Scan(cursor,
                   [&](std::string_view m, double s) { emit(m, FormatDouble(s)); });
  });
}

}  // namespace

void ZAddCommand(ArgList args, CommandContext& ctx) { CmdZAdd(args, ctx); }

void RegisterZSetOps(CommandRegistry& r);

void RegisterZSetFamily(CommandRegistry& r) {
  constexpr uint64_t Z = acl::kSortedSet;
  r.Add({"ZADD", -4, kWrite | kDenyOom | kFast, 1, 1, 1, Z, &CmdZAdd, "sorted_set", "1.2.0",
         "Adds one or more members to a sorted set, or updates their scores. Creates the key if it "
         "doesn't exist.",
         "O(log(N)) for each item added, where N is the number of elements in the sorted set."})
      .Args(
          "key:key [condition(!NX|!XX)] [comparison(!GT|!LT)] [!CH] [!INCR]"
          " data{score:double member:string}...")
      .KeyFlags("RW update");
  r.Add({"ZINCRBY", 4, kWrite | kDenyOom | kFast, 1, 1, 1, Z, &CmdZIncrBy, "sorted_set", "1.2.0",
         "Increments the score of a member in a sorted set.",
         "O(log(N)) where N is the number of elements in the sorted set."})
      .Args("key:key increment:integer member:string")
      .KeyFlags("RW access update");
  r.Add({"ZREM", -3, kWrite | kFast, 1, 1, 1, Z, &CmdZRem, "sorted_set", "1.2.0",
         "Removes one or more members from a sorted set. Deletes the sorted set if all members "
         "were removed.",
         "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
         "elements to be removed."})
      .Args("key:key member:string...")
      .KeyFlags("RW delete");
  r.Add({"ZCARD", 2, kReadOnly | kFast, 1, 1, 1, Z, &CmdZCard, "sorted_set", "1.2.0",
         "Returns the number of members in a sorted set.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"ZSCORE", 3, kReadOnly | kFast, 1, 1, 1, Z, &CmdZScore, "sorted_set", "1.2.0",
         "Returns the score of a member in a sorted set.", "O(1)"})
      .Args("key:key member:string")
      .KeyFlags("RO access");
  r.Add({"ZMSCORE", -3, kReadOnly | kFast, 1, 1, 1, Z, &CmdZMScore, "sorted_set", "6.2.0",
         "Returns the score of one or more members in a sorted set.",
         "O(N) where N is the number of members being requested."})
      .Args("key:key member:string...")
      .KeyFlags("RO access");
  r.Add({"ZRANK", -3, kReadOnly | kFast, 1, 1, 1, Z, &CmdZRank, "sorted_set", "2.0.0",
         "Returns the index of a member in a sorted set ordered by ascending scores.",
         "O(log(N))"})
      .Args("key:key member:string [!WITHSCORE]")
      .KeyFlags("RO access");
  r.Add({"ZREVRANK", -3, kReadOnly | kFast, 1, 1, 1, Z, &CmdZRevRank, "sorted_set", "2.0.0",
         "Returns the index of a member in a sorted set ordered by descending scores.",
         "O(log(N))"})
      .Args("key:key member:string [!WITHSCORE]")
      .KeyFlags("RO access");
  r.Add({"ZCOUNT", 4, kReadOnly | kFast, 1, 1, 1, Z, &CmdZCount, "sorted_set", "2.0.0",
         "Returns the count of members in a sorted set that have scores within a range.",
         "O(log(N)) with N being the number of elements in the sorted set."})
      .Args("key:key min:double max:double")
      .KeyFlags("RO access");
  r.Add({"ZLEXCOUNT", 4, kReadOnly | kFast, 1, 1, 1, Z, &CmdZLexCount, "sorted_set", "2.8.9",
         "Returns the number of members in a sorted set within a lexicographical range.",
         "O(log(N)) with N being the number of elements in the sorted set."})
      .Args("key:key min:string max:string")
      .KeyFlags("RO access");
  r.Add({"ZRANGE", -4, kReadOnly, 1, 1, 1, Z, &CmdZRange, "sorted_set", "1.2.0",
         "Returns members in a sorted set within a range of indexes.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements returned."})
      .Args(
          "key:key start:string stop:string [sortby(!BYSCORE|!BYLEX)] [!REV]"
          " [LIMIT=limit{offset:integer count:integer}] [!WITHSCORES]")
      .KeyFlags("RO access");
  r.Add({"ZRANGESTORE", -5, kWrite | kDenyOom, 1, 2, 1, Z, &CmdZRangeStore, "sorted_set", "6.2.0",
         "Stores a range of members from sorted set in a key.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements stored into the destination key."})
      .Args(
          "dst:key src:key min:string max:string [sortby(!BYSCORE|!BYLEX)] [!REV]"
          " [LIMIT=limit{offset:integer count:integer}]")
      .KeyFlags("OW update|RO access");
  r.Add({"ZREVRANGE", -4, kReadOnly, 1, 1, 1, Z, &CmdZRevRange, "sorted_set", "1.2.0",
         "Returns members in a sorted set within a range of indexes in reverse order.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements returned."})
      .Args("key:key start:integer stop:integer [!WITHSCORES]")
      .KeyFlags("RO access");
  r.Add({"ZRANGEBYSCORE", -4, kReadOnly, 1, 1, 1, Z, &CmdRangeBy<RangeBy::kScore, false>,
         "sorted_set", "1.0.5", "Returns members in a sorted set within a range of scores.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
         "with LIMIT), you can consider it O(log(N))."})
      .Args("key:key min:double max:double [!WITHSCORES] [LIMIT=limit{offset:integer count:integer}]")
      .KeyFlags("RO access");
  r.Add({"ZREVRANGEBYSCORE", -4, kReadOnly, 1, 1, 1, Z, &CmdRangeBy<RangeBy::kScore, true>,
         "sorted_set", "2.2.0",
         "Returns members in a sorted set within a range of scores in reverse order.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
         "with LIMIT), you can consider it O(log(N))."})
      .Args("key:key max:double min:double [!WITHSCORES] [LIMIT=limit{offset:integer count:integer}]")
      .KeyFlags("RO access");
  r.Add({"ZRANGEBYLEX", -4, kReadOnly, 1, 1, 1, Z, &CmdRangeBy<RangeBy::kLex, false>, "sorted_set",
         "2.8.9", "Returns members in a sorted set within a lexicographical range.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
         "with LIMIT), you can consider it O(log(N))."})
      .Args("key:key min:string max:string [LIMIT=limit{offset:integer count:integer}]")
      .KeyFlags("RO access");
  r.Add({"ZREVRANGEBYLEX", -4, kReadOnly, 1, 1, 1, Z, &CmdRangeBy<RangeBy::kLex, true>,
         "sorted_set", "2.8.9",
         "Returns members in a sorted set within a lexicographical range in reverse order.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
         "with LIMIT), you can consider it O(log(N))."})
      .Args("key:key max:string min:string [LIMIT=limit{offset:integer count:integer}]")
      .KeyFlags("RO access");
  r.Add({"ZREMRANGEBYRANK", 4, kWrite, 1, 1, 1, Z, &CmdZRemRangeByRank, "sorted_set", "2.0.0",
         "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all "
         "members were removed.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements removed by the operation."})
      .Args("key:key start:integer stop:integer")
      .KeyFlags("RW delete");
  r.Add({"ZREMRANGEBYSCORE", 4, kWrite, 1, 1, 1, Z, &CmdZRemRangeByScore, "sorted_set", "1.2.0",
         "Removes members in a sorted set within a range of scores. Deletes the sorted set if all "
         "members were removed.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements removed by the operation."})
      .Args("key:key min:double max:double")
      .KeyFlags("RW delete");
  r.Add({"ZREMRANGEBYLEX", 4, kWrite, 1, 1, 1, Z, &CmdZRemRangeByLex, "sorted_set", "2.8.9",
         "Removes members in a sorted set within a lexicographical range. Deletes the sorted set "
         "if all members were removed.",
         "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
         "elements removed by the operation."})
      .Args("key:key min:string max:string")
      .KeyFlags("RW delete");
  r.Add({"ZPOPMIN", -2, kWrite | kFast, 1, 1, 1, Z, &CmdZPopMin, "sorted_set", "5.0.0",
         "Returns the lowest-scoring members from a sorted set after removing them. Deletes the "
         "sorted set if the last member was popped.",
         "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
         "number of elements popped."})
      .Args("key:key [count:integer]")
      .KeyFlags("RW access delete");
  r.Add({"ZPOPMAX", -2, kWrite | kFast, 1, 1, 1, Z, &CmdZPopMax, "sorted_set", "5.0.0",
         "Returns the highest-scoring members from a sorted set after removing them. Deletes the "
         "sorted set if the last member was popped.",
         "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
         "number of elements popped."})
      .Args("key:key [count:integer]")
      .KeyFlags("RW access delete");
  r.Add({"ZMPOP", -4, kWrite, 0, 0, 0, Z, &CmdZMPop, "sorted_set", "7.0.0",
         "Returns the highest- or lowest-scoring members from one or more sorted sets after "
         "removing them. Deletes the sorted set if the last member was popped.",
         "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
         "elements in the sorted set, and M being the number of elements popped."})
      .Args("numkeys:integer key:key... where(!MIN|!MAX) [COUNT=count:integer]")
      .Keys(&ZMPopKeys)
      .KeyFlags("RW access delete");
  r.Add({"BZPOPMIN", -3, kWrite | kFast | kBlocking, 1, -2, 1, Z, &CmdBZPopMin, "sorted_set",
         "5.0.0",
         "Removes and returns the member with the lowest score from one or more sorted sets. "
         "Blocks until a member is available otherwise. Deletes the sorted set if the last "
         "element was popped.",
         "O(log(N)) with N being the number of elements in the sorted set."})
      .Args("key:key... timeout:double")
      .KeyFlags("RW access delete");
  r.Add({"BZPOPMAX", -3, kWrite | kFast | kBlocking, 1, -2, 1, Z, &CmdBZPopMax, "sorted_set",
         "5.0.0",
         "Removes and returns the member with the highest score from one or more sorted sets. "
         "Blocks until a member available otherwise.  Deletes the sorted set if the last element "
         "was popped.",
         "O(log(N)) with N being the number of elements in the sorted set."})
      .Args("key:key... timeout:double")
      .KeyFlags("RW access delete");
  r.Add({"BZMPOP", -5, kWrite | kBlocking, 0, 0, 0, Z, &CmdBZMPop, "sorted_set", "7.0.0",
         "Removes and returns a member by score from one or more sorted sets. Blocks until a "
         "member is available otherwise. Deletes the sorted set if the last element was popped.",
         "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
         "elements in the sorted set, and M being the number of elements popped."})
      .Args("timeout:double numkeys:integer key:key... where(!MIN|!MAX) [COUNT=count:integer]")
      .Keys(&BZMPopKeys)
      .KeyFlags("RW access delete");
  r.Add({"ZRANDMEMBER", -2, kReadOnly, 1, 1, 1, Z, &CmdZRandMember, "sorted_set", "6.2.0",
         "Returns one or more random members from a sorted set.",
         "O(N) where N is the number of members returned"})
      .Args("key:key [options{count:integer [!WITHSCORES]}]")
      .KeyFlags("RO access");
  r.Add({"ZSCAN", -3, kReadOnly, 1, 1, 1, Z, &CmdZScan, "sorted_set", "2.8.0",
         "Iterates over members and scores of a sorted set.",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
         "the cursor to return back to 0. N is the number of elements inside the collection."})
      .Args("key:key cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer]")
      .KeyFlags("RO access");
  RegisterZSetOps(r);
}

}  // namespace carmine
