// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Pieces shared by the sorted-set command files: score and lex range parsing (Redis's "(" / "["
// / "-inf" / "+" grammar), their translation into rank intervals of a ZSetObject, and the reply
// shape of member/score lists (flat in RESP2, pairs in RESP3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/context.h"
#include "core/zset_object.h"
#include "protocol/errors.h"

namespace carmine {


struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};
// Parses "1.5", "(1.5", "-inf", "+inf". False if not a float.
bool ParseScoreBound(std::string_view s, ScoreBound* out);

struct LexBound {
  enum Kind { kMin, kMax, kValue } kind = kValue;  // "-", "+", or "[x" / "(x"
  std::string value;
  bool exclusive = false;
};
bool ParseLexBound(std::string_view s, LexBound* out);

// Half-open rank interval [first, last) of the elements inside the bounds.
std::pair<size_t, size_t> ScoreRanks(const ZSetObject& z, const ScoreBound& min,
                                     const ScoreBound& max);
std::pair<size_t, size_t> LexRanks(const ZSetObject& z, const LexBound& min, const LexBound& max);

// Converts Redis-style start/stop indexes (negative from the end) into an inclusive rank interval;
// false when the interval is empty.
bool ClampRankRange(int64_t start, int64_t stop, size_t size, size_t* first, size_t* last);

// Writes a member/score list: RESP2 flat (scores as bulk strings), RESP3 [member, double] pairs.
// `with_scores` false writes members only.
void ReplyScored(ReplyBuilder& rb, const std::vector<std::pair<std::string, double>>& items,
                 bool with_scores);

// ZADD itself (GEOADD runs it with the geohash scores).
void ZAddCommand(ArgList args, CommandContext& ctx);

// The members of ranks [first, last] (inclusive), optionally reversed.
std::vector<std::pair<std::string, double>> CollectRanks(const ZSetObject& z, size_t first,
                                                         size_t last, bool reverse);

}  // namespace carmine
