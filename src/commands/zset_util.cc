// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/zset_util.h"

#include <cmath>
#include <cstdlib>

#include "base/strutil.h"

namespace carmine {

bool ParseScoreBound(std::string_view s, ScoreBound* out) {
  out->exclusive = !s.empty() && s[0] == '(';
  if (out->exclusive) s.remove_prefix(1);
  // Plain strtod rules (leading spaces and overflow to inf accepted), as Redis parses ranges.
  std::string buf(s);
  char* end = nullptr;
  out->value = strtod(buf.c_str(), &end);
  return end == buf.c_str() + buf.size() && !std::isnan(out->value);
}

bool ParseLexBound(std::string_view s, LexBound* out) {
  if (s == "-") {
    out->kind = LexBound::kMin;
    return true;
  }
  if (s == "+") {
    out->kind = LexBound::kMax;
    return true;
  }
  if (s.empty() || (s[0] != '(' && s[0] != '[')) return false;
  out->kind = LexBound::kValue;
  out->exclusive = s[0] == '(';
  out->value.assign(s.substr(1));
  return true;
}

std::pair<size_t, size_t> ScoreRanks(const ZSetObject& z, const ScoreBound& min,
                                     const ScoreBound& max) {
  if (min.value > max.value || (min.value == max.value && (min.exclusive || max.exclusive))) {
    return {0, 0};
  }
  size_t first = z.LowerBoundScore(min.value, min.exclusive);
  size_t last = z.LowerBoundScore(max.value, !max.exclusive);
  return {first, last > first ? last : first};
}

std::pair<size_t, size_t> LexRanks(const ZSetObject& z, const LexBound& min, const LexBound& max) {
  if (min.kind == LexBound::kMax || max.kind == LexBound::kMin) return {0, 0};
  if (min.kind == LexBound::kValue && max.kind == LexBound::kValue &&
      (min.value > max.value ||
       (min.value == max.value && (min.exclusive || max.exclusive)))) {
    return {0, 0};
  }
  size_t first = min.kind == LexBound::kMin ? 0 : z.LowerBoundLex(min.value, min.exclusive);
  size_t last;
  if (max.kind == LexBound::kMax) {
    last = z.size();
  } else if (z.is_packed()) {
    last = z.PackedWalkWhile(first, [&](std::string_view m) {
      return max.exclusive ? m < max.value : m <= max.value;
    });
  } else {
    last = z.LowerBoundLex(max.value, !max.exclusive);
  }
  return {first, last > first ? last : first};
}

bool ClampRankRange(int64_t start, int64_t stop, size_t size, size_t* first, size_t* last) {
  int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return false;
  if (stop >= n) stop = n - 1;
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(stop);
  return true;
}

void ReplyScored(ReplyBuilder& rb, const std::vector<std::pair<std::string, double>>& items,
                 bool with_scores) {
  bool pairs = with_scores && rb.protocol() == 3;
  rb.ArrayLen(static_cast<int64_t>(with_scores && !pairs ? items.size() * 2 : items.size()));
  for (auto& [m, s] : items) {
    if (pairs) rb.ArrayLen(2);
    rb.Bulk(m);
    if (with_scores) rb.Double(s);
  }
}

std::vector<std::pair<std::string, double>> CollectRanks(const ZSetObject& z, size_t first,
                                                         size_t last, bool reverse) {
  std::vector<std::pair<std::string, double>> out;
  if (first > last || last >= z.size()) return out;
  out.reserve(last - first + 1);
  z.ForRanks(first, last, reverse,
             [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  return out;
}

}  // namespace carmine
