// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/collection_util.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/strutil.h"
#include "commands/arg_parser.h"

namespace carmine {

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

void StoreObject(Db& db, std::string_view key, std::unique_ptr<DataObject> obj) {
  db.Delete(key);
  Entry* e = db.Add(key);
  e->value.SetObject(std::move(obj));
}

bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double secs;
  if (!ParseLongDouble(arg, &secs)) {
    ctx.rb.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = secs * 1000.0L;
  // Values beyond int64 (inf included) wrap negative in Redis 7.0's conversion.
  if (!(ms < 9223372036854775807.0L) || ms <= -1.0L) {
    ctx.rb.Error(err::kTimeoutNegative);
    return false;
  }
  int64_t t = static_cast<int64_t>(ms);  // truncated, as Redis does
  *deadline_ms = t == 0 ? 0 : ctx.now_ms + t;
  return true;
}

bool ParseScanArgs(ArgList args, size_t cursor_pos, bool allow_type, CommandContext& ctx,
                   ScanArgs* out) {
  // Cursors are parsed like strtoul: a leading '-' wraps around, as Redis accepts "-1".
  std::string cur(args[cursor_pos]);
  char* end = nullptr;
  errno = 0;
  out->cursor = strtoull(cur.c_str(), &end, 10);
  if (cur.empty() || isspace(static_cast<unsigned char>(cur[0])) || *end != '\0' ||
      errno == ERANGE) {
    ctx.rb.Error(err::kInvalidCursor);
    return false;
  }
  for (ArgParser p(args, cursor_pos + 1); p.HasNext();) {
    bool has_value = p.remaining() >= 2;
    if (has_value && p.Check("COUNT")) {
      out->count = p.NextInt();
      if (!p.ok()) {
        ctx.rb.Error(p.error());
        return false;
      }
      if (out->count < 1) {
        ctx.rb.Error(err::kSyntax);
        return false;
      }
    } else if (has_value && p.Check("MATCH")) {
      out->pattern = p.Next();
    } else if (allow_type && has_value && p.Check("TYPE")) {
      out->type = p.Next();
      out->has_type = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

}  // namespace carmine
