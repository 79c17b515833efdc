// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// SORT and SORT_RO over lists, sets and sorted sets: numeric or ALPHA ordering, BY pattern
// (string keys or "key->field" hash fields; a pattern without '*' means "do not sort"), LIMIT,
// GET patterns ("#" is the element itself) and STORE into a list.
//
// BY and GET patterns may name any key of the database, so SORT locks the whole database
// (LockMode::kDb) instead of only its declared keys.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/collection_util.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "commands/string_value.h"
#include "core/hash_object.h"
#include "core/list_object.h"
#include "core/set_object.h"
#include "core/zset_object.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// BY and GET patterns reach keys the ACL check could not see: they need a user that may read
// every key.
bool ReadsAllKeys(ArgList args, CommandContext& ctx) {
  if (ctx.dispatcher == nullptr) return true;
  const auto& check = ctx.dispatcher->hooks().acl_reads_all_keys;
  return !check || check(ctx.spec, args, ctx.session);
}

// Resolves a BY/GET pattern for one element: "#" is the element; "prefix*suffix" names a string
// key, "prefix*suffix->field" a hash field. Absent (or of another type): nullopt.
std::optional<std::string> LookupPattern(Db& db, std::string_view pattern, std::string_view elem) {
  if (pattern == "#") return std::string(elem);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view field;
  std::string_view rest = pattern.substr(star + 1);
  size_t arrow = rest.find("->");
  if (arrow != std::string_view::npos && arrow + 2 < rest.size()) {
    field = rest.substr(arrow + 2);
    rest = rest.substr(0, arrow);
  }
  std::string key(pattern.substr(0, star));
  key.append(elem);
  key.append(rest);
  Entry* e = db.FindRead(key);
  if (e == nullptr) return std::nullopt;
  if (!field.empty()) {
    if (e->value.type() != ObjType::kHash) return std::nullopt;
    std::string v;
    if (!HashObject(&e->value).Get(field, &v)) return std::nullopt;
    return v;
  }
  if (e->value.type() != ObjType::kString) return std::nullopt;
  std::string scratch;
  return std::string(StrOf(e, &scratch));
}

struct Item {
  std::string elem;
  double score = 0;
  std::optional<std::string> cmp;  // BY value for ALPHA sorting by pattern
};

// Byte order, shorter first on a common prefix (Redis compares decoded strings this way).
int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void SortGeneric(ArgList args, CommandContext& ctx, bool readonly) {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::string_view sortby, storekey;
  bool has_by = false, has_store = false;
  std::vector<std::string_view> gets;
  for (size_t j = 2; j < args.size(); j++) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (EqualsIgnoreCase(a, "ASC")) {
      desc = false;
    } else if (EqualsIgnoreCase(a, "DESC")) {
      desc = true;
    } else if (EqualsIgnoreCase(a, "ALPHA")) {
      alpha = true;
    } else if (EqualsIgnoreCase(a, "LIMIT") && left >= 2) {
      if (!ParseInt64(args[j + 1], &limit_start) || !ParseInt64(args[j + 2], &limit_count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(a, "STORE") && left >= 1) {
      storekey = args[++j];
      has_store = true;
    } else if (EqualsIgnoreCase(a, "BY") && left >= 1) {
      sortby = args[++j];
      has_by = true;
      dontsort = sortby.find('*') == std::string_view::npos;
      if (!dontsort && ctx.opts.cluster_enabled.load(std::memory_order_relaxed)) {
        ctx.rb.Error(err::kSortByInCluster);
        return;
      }
      if (!dontsort && !ReadsAllKeys(args, ctx)) {
        ctx.rb.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
        return;
      }
    } else if (EqualsIgnoreCase(a, "GET") && left >= 1) {
      if (ctx.opts.cluster_enabled.load(std::memory_order_relaxed)) {
        ctx.rb.Error(err::kSortGetInCluster);
        return;
      }
      if (!ReadsAllKeys(args, ctx)) {
        ctx.rb.Error("ERR GET option of SORT denied due to insufficient ACL permissions.");
        return;
      }
      gets.push_back(args[++j]);
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  Entry* e = db.FindRead(args[1]);
  ObjType type = ObjType::kList;
  if (e != nullptr) {
    type = e->value.type();
    if (type != ObjType::kList && type != ObjType::kSet && type != ObjType::kZSet) {
      ctx.rb.Error(err::kWrongType);
      return;
    }
  }
  // A set has no order of its own: when storing (or in a script), sort it anyway so the result
  // is reproducible.
  if (dontsort && type == ObjType::kSet && (has_store || ctx.session.in_script)) {
    dontsort = false;
    alpha = true;
    has_by = false;
  }
  // Redis converts a sorted set it sorts to its skiplist encoding; OBJECT ENCODING shows it.
  if (e != nullptr && type == ObjType::kZSet) ObjectOf<ZSetObject>(e)->ConvertToTableEncoding();
  int64_t size = 0;
  if (e != nullptr) {
    if (type == ObjType::kList) size = static_cast<int64_t>(ObjectOf<ListObject>(e)->size());
    if (type == ObjType::kSet) size = static_cast<int64_t>(ObjectOf<SetObject>(e)->size());
    if (type == ObjType::kZSet) size = static_cast<int64_t>(ObjectOf<ZSetObject>(e)->size());
  }
  int64_t start = limit_start < 0 ? 0 : limit_start;
  // A count past the end (up to INT64_MAX) means "to the end"; start + count must not overflow.
  int64_t end = limit_count < 0 || limit_count > size ? size - 1 : start + limit_count - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;

  std::vector<Item> items;
  bool ranged = dontsort && (type == ObjType::kList || type == ObjType::kZSet);
  if (e != nullptr && ranged) {
    // Native order (reversed by DESC): load just the LIMIT window.
    if (end >= start) {
      size_t first = desc ? static_cast<size_t>(size - 1 - end) : static_cast<size_t>(start);
      size_t last = desc ? static_cast<size_t>(size - 1 - start) : static_cast<size_t>(end);
      if (type == ObjType::kList) {
        ObjectOf<ListObject>(e)->ForRange(first, last, desc, [&](std::string_view v) {
          items.push_back({std::string(v), 0, std::nullopt});
          return true;
        });
      } else {
        ObjectOf<ZSetObject>(e)->ForRanks(first, last, desc, [&](std::string_view m, double) {
          items.push_back({std::string(m), 0, std::nullopt});
        });
      }
      end -= start;
      start = 0;
    }
  } else if (e != nullptr) {
    auto add = [&](std::string_view v) { items.push_back({std::string(v), 0, std::nullopt}); };
    if (type == ObjType::kList) {
      auto* l = ObjectOf<ListObject>(e);
      if (l->size() > 0) {
        l->ForRange(0, l->size() - 1, false, [&](std::string_view v) {
          add(v);
          return true;
        });
      }
    } else if (type == ObjType::kSet) {
      ObjectOf<SetObject>(e)->ForEach(add);
    } else {
      auto* z = ObjectOf<ZSetObject>(e);
      if (z->size() > 0) {
        z->ForRanks(0, z->size() - 1, false, [&](std::string_view m, double) { add(m); });
      }
    }
  }

  bool conversion_error = false;
  if (!dontsort) {
    for (auto& it : items) {
      std::optional<std::string> by;
      if (has_by) {
        by = LookupPattern(db, sortby, it.elem);
        if (!by) continue;  // missing BY values sort as 0 / first
      }
      if (alpha) {
        if (has_by) it.cmp = std::move(by);
        continue;
      }
      const std::string& s = has_by ? *by : it.elem;
      char* endp = nullptr;
      errno = 0;
      it.score = strtod(s.c_str(), &endp);
      if (*endp != '\0' || errno == ERANGE || std::isnan(it.score)) conversion_error = true;
    }
    auto cmp = [&](const Item& a, const Item& b) {
      int c;
      if (!alpha) {
        c = a.score > b.score ? 1 : (a.score < b.score ? -1 : CompareBytes(a.elem, b.elem));
      } else if (has_by) {
        if (!a.cmp || !b.cmp) {
          c = (!a.cmp && !b.cmp) ? 0 : (!a.cmp ? -1 : 1);
        } else {
          c = CompareBytes(*a.cmp, *b.cmp);
        }
      } else {
        c = CompareBytes(a.elem, b.elem);
      }
      return desc ? c > 0 : c < 0;
    };
    std::stable_sort(items.begin(), items.end(), cmp);
  }

  int64_t n = end - start + 1;
  if (n < 0) n = 0;
  int64_t outputlen = gets.empty() ? n : static_cast<int64_t>(gets.size()) * n;
  if (conversion_error) {
    ctx.rb.Error(err::kSortNotDouble);
    return;
  }
  if (!has_store) {
    ctx.rb.ArrayLen(outputlen);
    for (int64_t j = start; j <= end; j++) {
      const std::string& elem = items[static_cast<size_t>(j)].elem;
      if (gets.empty()) ctx.rb.Bulk(elem);
      for (std::string_view g : gets) {
        auto v = LookupPattern(db, g, elem);
        v ? ctx.rb.Bulk(*v) : ctx.rb.Null();
      }
    }
    return;
  }
  std::string dst(storekey);
  if (outputlen == 0) {
    if (db.Delete(dst)) db.Changed(dst, kNotifyGeneric, "del");
    ctx.rb.Int(0);
    return;
  }
  auto list = std::make_unique<ListObject>();
  EncodingLimits lim = ctx.opts.limits();
  for (int64_t j = start; j <= end; j++) {
    const std::string& elem = items[static_cast<size_t>(j)].elem;
    if (gets.empty()) list->PushBack(elem, lim);
    for (std::string_view g : gets) list->PushBack(LookupPattern(db, g, elem).value_or(""), lim);
  }
  StoreObject(db, dst, std::move(list));
  db.Changed(dst, kNotifyList, "sortstore", static_cast<uint64_t>(outputlen));
  ctx.rb.Int(outputlen);
}

void CmdSort(ArgList args, CommandContext& ctx) { SortGeneric(args, ctx, false); }
void CmdSortRo(ArgList args, CommandContext& ctx) { SortGeneric(args, ctx, true); }

// The sorted key and the STORE destination.
// Only the last STORE counts (SORT itself uses the last one), as Redis's key extraction does.
std::vector<int> SortKeys(ArgList args) {
  std::vector<int> out;
  if (args.size() > 1) out.push_back(1);
  int store = 0;
  for (size_t i = 2; i < args.size(); i++) {
    size_t left = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "LIMIT") && left >= 2) {
      i += 2;
    } else if ((EqualsIgnoreCase(args[i], "BY") || EqualsIgnoreCase(args[i], "GET")) &&
               left >= 1) {
      i++;
    } else if (EqualsIgnoreCase(args[i], "STORE") && left >= 1) {
      store = static_cast<int>(++i);
    }
  }
  if (store > 0) out.push_back(store);
  return out;
}

}  // namespace

void RegisterSortFamily(CommandRegistry& r) {
  constexpr uint64_t K = acl::kSet | acl::kSortedSet | acl::kList | acl::kDangerous;
  r.Add({"SORT", -2, kWrite | kDenyOom, 1, 1, 1, K, &CmdSort, "generic", "1.0.0",
         "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
         "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
         "number of returned elements. When the elements are not sorted, complexity is O(N)."})
      .Args(
          "key:key [BY=pattern:pattern] [LIMIT=limit{offset:integer count:integer}]"
          " [GET=pattern:pattern...+] [order(!ASC|!DESC)] [!ALPHA] [STORE=destination:key]")
      .Keys(&SortKeys)
      .KeyFlags("RO access|OW update")
      .Lock(LockMode::kDb);
  r.Add({"SORT_RO", -2, kReadOnly, 1, 1, 1, K, &CmdSortRo, "generic", "7.0.0",
         "Returns the sorted elements of a list, a set, or a sorted set.",
         "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
         "number of returned elements. When the elements are not sorted, complexity is O(N)."})
      .Args(
          "key:key [BY=pattern:pattern] [LIMIT=limit{offset:integer count:integer}]"
          " [GET=pattern:pattern...+] [order(!ASC|!DESC)] [!ALPHA]")
      .Keys(&SortKeys)
      .KeyFlags("RO access")
      .Lock(LockMode::kDb);
}

}  // namespace carmine
