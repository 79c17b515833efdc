// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/collection_util.h"

#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "protocol/errors.h"

namespace carmine {

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

void StoreObject(Db& db, std::string_view key, std::unique_ptr<DataObject> obj) {
  // Replacing an existing key is an overwrite; only a key that did not exist is reported "new".
  Entry* e = db.Delete(key) ? db.AddQuiet(key) : db.Add(key);
  e->value.SetObject(std::move(obj));
}

bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double secs;
  if (!ParseLongDouble(arg, &secs)) {
    ctx.rb.Error(err::kTimeoutNotFloat);
    return false;
  }
  // Rounded up to whole milliseconds, so any positive timeout expires (0.0001 waits 1 ms); a
  // deadline past what the clock can represent is out of range.
  long double ms = ceill(secs * 1000.0L);
  if (ms > static_cast<long double>(INT64_MAX)) {
    ctx.rb.Error(err::kTimeoutOutOfRange);
    return false;
  }
  if (ms < 0) {
    ctx.rb.Error(err::kTimeoutNegative);
    return false;
  }
  int64_t t = static_cast<int64_t>(ms);
  if (t > INT64_MAX - ctx.now_ms) {
    ctx.rb.Error(err::kTimeoutOutOfRange);
    return false;
  }
  *deadline_ms = t == 0 ? 0 : ctx.now_ms + t;
  return true;
}

bool ParseMPopArgs(CommandContext& ctx, ArgList args, size_t at, std::string_view first_word,
                   std::string_view second_word, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseInt64(args[at], &numkeys) || numkeys <= 0) {
    ctx.rb.Error(err::kNumkeysNotPositive);
    return false;
  }
  if (numkeys > static_cast<int64_t>(args.size() - at) - 2) {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  size_t where = at + 1 + static_cast<size_t>(numkeys);
  out->keys.assign(args.begin() + static_cast<long>(at + 1), args.begin() + static_cast<long>(where));
  if (EqualsIgnoreCase(args[where], first_word)) {
    out->second_end = false;
  } else if (EqualsIgnoreCase(args[where], second_word)) {
    out->second_end = true;
  } else {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < args.size(); i++) {
    if (!has_count && i + 1 < args.size() && EqualsIgnoreCase(args[i], "COUNT")) {
      if (!ParseInt64(args[i + 1], &out->count) || out->count <= 0) {
        ctx.rb.Error(err::kCountNotPositive);
        return false;
      }
      has_count = true;
      i++;
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

bool ParseRandomCount(CommandContext& ctx, ArgList args, std::string_view with_word,
                      RandomCountArgs* out) {
  out->with_count = args.size() >= 3;
  if (!out->with_count) return true;
  if (!ParseInt64(args[2], &out->count)) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  if (out->count == INT64_MIN) {
    ctx.rb.Error(err::kOutOfRangeLong);
    return false;
  }
  if (args.size() == 4 && EqualsIgnoreCase(args[3], with_word)) {
    out->with_values = true;
  } else if (args.size() >= 4) {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  // Pairs are twice the elements: Redis refuses counts whose reply length would overflow.
  if (out->with_values && out->count < -INT64_MAX / 2) {
    ctx.rb.Error(err::kOutOfRange);
    return false;
  }
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
