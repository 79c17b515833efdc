// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
// Template definitions for commands/collection_util.h.
#pragma once

#include <string>
#include <vector>

#include "base/strutil.h"

namespace carmine {

template <typename ScanFn>
void ReplyCollectionScan(CommandContext& ctx, const ScanArgs& sa, bool with_values, ScanFn&& scan) {
  // Redis filters by MATCH after collecting, so filtered elements still count toward COUNT.
  std::vector<std::string> items;
  int64_t collected = 0;
  bool all = sa.MatchAll();
  uint64_t cursor = sa.cursor;
  int64_t budget = sa.count * 10;
  do {
    cursor = scan(cursor, [&](std::string_view k, std::string_view v) {
      collected += with_values ? 2 : 1;
      if (!all && !GlobMatch(sa.pattern, k)) return;
      items.emplace_back(k);
      if (with_values) items.emplace_back(v);
    });
  } while (cursor != 0 && --budget > 0 && collected < sa.count);
  ctx.rb.ArrayLen(2);
  ctx.rb.Bulk(std::to_string(cursor));
  ctx.rb.ArrayLen(static_cast<int64_t>(items.size()));
  for (auto& s : items) ctx.rb.Bulk(s);
}

}  // namespace carmine
