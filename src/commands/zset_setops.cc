// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sorted-set algebra: ZUNION, ZINTER, ZDIFF (and their STORE forms, WEIGHTS and AGGREGATE) and
// ZINTERCARD. Inputs may be sorted sets or plain sets (every member scoring 1), as in Redis.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/strutil.h"
#include "commands/collection_util.h"
#include "commands/zset_util.h"
#include "core/set_object.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

enum class ZOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input of the algebra: a sorted set, a plain set, or nothing (absent key).
struct ZInput {
  const ZSetObject* z = nullptr;
  const SetObject* s = nullptr;
  double weight = 1;

  size_t size() const { return z ? z->size() : (s ? s->size() : 0); }
  bool Score(std::string_view m, double* out) const {
    if (z) return z->Score(m, out);
    if (s && s->Contains(m)) {
      *out = 1;
      return true;
    }
    return false;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (z && z->size() > 0) z->ForRanks(0, z->size() - 1, false, fn);
    if (s) s->ForEach([&](std::string_view m) { fn(m, 1.0); });
  }
};

double Weighted(double w, double score) {
  double v = w * score;
  return std::isnan(v) ? 0 : v;  // 0 * inf counts as 0
}

void Combine(Aggregate agg, double* target, double v) {
  switch (agg) {
    case Aggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = std::min(*target, v);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, v);
      break;
  }
}

// Loads the inputs; replies WRONGTYPE and returns false on a key of another type.
bool LoadInputs(CommandContext& ctx, Db& db, ArgList keys, std::vector<ZInput>* out) {
  for (std::string_view k : keys) {
    ZInput in;
    Entry* e = db.FindRead(k);
    if (e != nullptr) {
      if (e->value.type() == ObjType::kZSet) {
        in.z = ObjectOf<ZSetObject>(e);
      } else if (e->value.type() == ObjType::kSet) {
        in.s = ObjectOf<SetObject>(e);
      } else {
        ctx.rb.Error(err::kWrongType);
        return false;
      }
    }
    out->push_back(in);
  }
  return true;
}

std::vector<std::pair<std::string, double>> Compute(ZOp op, std::vector<ZInput> inputs,
                                                    Aggregate agg, size_t limit = 0) {
  std::vector<std::pair<std::string, double>> out;
  if (op == ZOp::kUnion) {
    std::unordered_map<std::string, size_t> index;
    for (auto& in : inputs) {
      in.ForEach([&](std::string_view m, double s) {
        double v = Weighted(in.weight, s);
        auto [it, fresh] = index.try_emplace(std::string(m), out.size());
        if (fresh) {
          out.emplace_back(std::string(m), v);
        } else {
          Combine(agg, &out[it->second].second, v);
        }
      });
    }
  } else if (op == ZOp::kInter) {
    for (auto& in : inputs) {
      if (in.size() == 0) return out;
    }
    // Smallest input first: it drives the walk, the others are probed.
    std::stable_sort(inputs.begin(), inputs.end(),
                     [](const ZInput& a, const ZInput& b) { return a.size() < b.size(); });
    inputs[0].ForEach([&](std::string_view m, double s) {
      if (limit != 0 && out.size() >= limit) return;
      double v = Weighted(inputs[0].weight, s);
      for (size_t i = 1; i < inputs.size(); i++) {
        double other;
        if (!inputs[i].Score(m, &other)) return;
        Combine(agg, &v, Weighted(inputs[i].weight, other));
      }
      out.emplace_back(std::string(m), v);
    });
  } else {
    inputs[0].ForEach([&](std::string_view m, double s) {
      double ignored;
      for (size_t i = 1; i < inputs.size(); i++) {
        if (inputs[i].Score(m, &ignored)) return;
      }
      out.emplace_back(std::string(m), s);
    });
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return CompareScoreMember(a.second, a.first, b.second, b.first) < 0;
  });
  return out;
}

// Shared by the six commands. `numkeys_at` is the index of numkeys; `dst` is empty for the
// reply-only forms.
// Reads numkeys at args[at] with the errors Redis gives for the numkeys-style zset commands.
bool ParseNumKeys(ArgList args, CommandContext& ctx, size_t at, int64_t* numkeys) {
  if (!ParseInt64(args[at], numkeys)) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  if (*numkeys < 1) {
    ctx.rb.Error(err::Format(err::kNeedInputKey, ctx.spec->full_name));
    return false;
  }
  if (*numkeys > static_cast<int64_t>(args.size() - at - 1)) {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  return true;
}

void ZSetOpGeneric(ArgList args, CommandContext& ctx, ZOp op, size_t numkeys_at,
                   std::string_view dst) {
  int64_t numkeys;
  if (!ParseNumKeys(args, ctx, numkeys_at, &numkeys)) return;
  size_t first_key = numkeys_at + 1;
  size_t n = static_cast<size_t>(numkeys);
  std::vector<double> weights(n, 1.0);
  Aggregate agg = Aggregate::kSum;
  bool with_scores = false;
  for (size_t i = first_key + n; i < args.size(); i++) {
    size_t remaining = args.size() - i - 1;
    if (op != ZOp::kDiff && remaining >= n && EqualsIgnoreCase(args[i], "WEIGHTS")) {
      for (size_t w = 0; w < n; w++) {
        if (!ParseDouble(args[i + 1 + w], &weights[w])) {
          ctx.rb.Error(err::kWeightNotFloat);
          return;
        }
      }
      i += n;
    } else if (op != ZOp::kDiff && remaining >= 1 && EqualsIgnoreCase(args[i], "AGGREGATE")) {
      std::string_view a = args[++i];
      if (EqualsIgnoreCase(a, "SUM")) {
        agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "MIN")) {
        agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "MAX")) {
        agg = Aggregate::kMax;
      } else {
        ctx.rb.Error(err::kSyntax);
        return;
      }
    } else if (dst.empty() && EqualsIgnoreCase(args[i], "WITHSCORES")) {
      with_scores = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  std::vector<ZInput> inputs;
  if (!LoadInputs(ctx, db, args.subspan(first_key, n), &inputs)) return;
  for (size_t i = 0; i < n; i++) inputs[i].weight = weights[i];
  auto items = Compute(op, std::move(inputs), agg);
  if (dst.empty()) {
    ReplyScored(ctx.rb, items, with_scores);
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
  db.Changed(dkey, kNotifyZset,
             op == ZOp::kInter ? "zinterstore" : op == ZOp::kUnion ? "zunionstore" : "zdiffstore");
  ctx.rb.Int(static_cast<int64_t>(items.size()));
}

void CmdZUnion(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kUnion, 1, {}); }
void CmdZInter(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kInter, 1, {}); }
void CmdZDiff(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kDiff, 1, {}); }
void CmdZUnionStore(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kUnion, 2, a[1]); }
void CmdZInterStore(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kInter, 2, a[1]); }
void CmdZDiffStore(ArgList a, CommandContext& c) { ZSetOpGeneric(a, c, ZOp::kDiff, 2, a[1]); }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdZInterCard(ArgList args, CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseNumKeys(args, ctx, 1, &numkeys)) return;
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < args.size(); i++) {
    if (i + 1 < args.size() && EqualsIgnoreCase(args[i], "LIMIT")) {
      if (!ParseInt64(args[++i], &limit) || limit < 0) {
        ctx.rb.Error(err::kLimitNegative);
        return;
      }
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  std::vector<ZInput> inputs;
  if (!LoadInputs(ctx, db, args.subspan(2, static_cast<size_t>(numkeys)), &inputs)) return;
  auto items = Compute(ZOp::kInter, std::move(inputs), Aggregate::kSum, static_cast<size_t>(limit));
  ctx.rb.Int(static_cast<int64_t>(items.size()));
}

// numkeys at args[1], then the keys (ZUNION, ZINTER, ZDIFF, ZINTERCARD).
std::vector<int> KeysAfterNumKeys1(ArgList args) {
  std::vector<int> out;
  int64_t n;
  if (args.size() < 2 || !ParseInt64(args[1], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && static_cast<size_t>(2 + i) < args.size(); i++) {
    out.push_back(static_cast<int>(2 + i));
  }
  return out;
}

// destination, then numkeys at args[2] and the keys (the STORE forms).
std::vector<int> StoreKeys(ArgList args) {
  std::vector<int> out;
  if (args.size() < 2) return out;
  out.push_back(1);
  int64_t n;
  if (args.size() < 3 || !ParseInt64(args[2], &n) || n <= 0) return out;
  for (int64_t i = 0; i < n && static_cast<size_t>(3 + i) < args.size(); i++) {
    out.push_back(static_cast<int>(3 + i));
  }
  return out;
}

}  // namespace

void RegisterZSetOps(CommandRegistry& r) {
  constexpr uint64_t Z = acl::kSortedSet;
  constexpr std::string_view kUnionCost =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  constexpr std::string_view kInterCost =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr std::string_view kDiffCost =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  r.Add({"ZUNION", -3, kReadOnly, 0, 0, 0, Z, &CmdZUnion, "sorted_set", "6.2.0",
         "Returns the union of multiple sorted sets.", kUnionCost})
      .Args("numkeys:integer key:key... [WEIGHTS=weight:integer...]"
            " [AGGREGATE=aggregate(!SUM|!MIN|!MAX)] [!WITHSCORES]")
      .Keys(&KeysAfterNumKeys1)
      .KeyFlags("RO access");
  r.Add({"ZINTER", -3, kReadOnly, 0, 0, 0, Z, &CmdZInter, "sorted_set", "6.2.0",
         "Returns the intersect of multiple sorted sets.", kInterCost})
      .Args("numkeys:integer key:key... [WEIGHTS=weight:integer...]"
            " [AGGREGATE=aggregate(!SUM|!MIN|!MAX)] [!WITHSCORES]")
      .Keys(&KeysAfterNumKeys1)
      .KeyFlags("RO access");
  r.Add({"ZDIFF", -3, kReadOnly, 0, 0, 0, Z, &CmdZDiff, "sorted_set", "6.2.0",
         "Returns the difference between multiple sorted sets.", kDiffCost})
      .Args("numkeys:integer key:key... [!WITHSCORES]")
      .Keys(&KeysAfterNumKeys1)
      .KeyFlags("RO access");
  r.Add({"ZUNIONSTORE", -4, kWrite | kDenyOom, 1, 1, 1, Z, &CmdZUnionStore, "sorted_set", "2.0.0",
         "Stores the union of multiple sorted sets in a key.", kUnionCost})
      .Args("destination:key numkeys:integer key:key... [WEIGHTS=weight:integer...]"
            " [AGGREGATE=aggregate(!SUM|!MIN|!MAX)]")
      .Keys(&StoreKeys)
      .KeyFlags("OW update|RO access");
  r.Add({"ZINTERSTORE", -4, kWrite | kDenyOom, 1, 1, 1, Z, &CmdZInterStore, "sorted_set", "2.0.0",
         "Stores the intersect of multiple sorted sets in a key.", kInterCost})
      .Args("destination:key numkeys:integer key:key... [WEIGHTS=weight:integer...]"
            " [AGGREGATE=aggregate(!SUM|!MIN|!MAX)]")
      .Keys(&StoreKeys)
      .KeyFlags("OW update|RO access");
  r.Add({"ZDIFFSTORE", -4, kWrite | kDenyOom, 1, 1, 1, Z, &CmdZDiffStore, "sorted_set", "6.2.0",
         "Stores the difference of multiple sorted sets in a key.", kDiffCost})
      .Args("destination:key numkeys:integer key:key...")
      .Keys(&StoreKeys)
      .KeyFlags("OW update|RO access");
  r.Add({"ZINTERCARD", -3, kReadOnly, 0, 0, 0, Z, &CmdZInterCard, "sorted_set", "7.0.0",
         "Returns the number of members of the intersect of multiple sorted sets.",
         "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
         "input sorted sets."})
      .Args("numkeys:integer key:key... [LIMIT=limit:integer]")
      .Keys(&KeysAfterNumKeys1)
      .KeyFlags("RO access");
}

}  // namespace carmine
