// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/collection_util.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

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
