// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// HyperLogLog commands PFADD, PFCOUNT and PFMERGE over core/hyperloglog.h. An HLL is a plain
// string value (GET/SET/DUMP see Redis's exact bytes); these commands check its header first.
#include <cstring>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/context.h"
#include "commands/families.h"
#include "commands/string_value.h"
#include "core/hyperloglog.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

// Reads the HLL bytes of an existing key. Replies and returns false if it is not an HLL.
bool LoadHll(CommandContext& ctx, const Entry* e, std::string* out) {
  if (e->value.type() != ObjType::kString) {
    ctx.rb.Error(err::kWrongType);
    return false;
  }
  if (e->value.is_int()) {
    ctx.rb.Error(err::kNotHll);
    return false;
  }
  std::string scratch;
  std::string_view v = StrOf(e, &scratch);
  if (!hll::IsValid(v)) {
    ctx.rb.Error(err::kNotHll);
    return false;
  }
  out->assign(v);
  return true;
}

size_t SparseMax(CommandContext& ctx) {
  return static_cast<size_t>(ctx.opts.hll_sparse_max_bytes.get());
}

// PFADD key [element ...]
void CmdPfAdd(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  Entry* e = db.Find(args[1]);
  std::string h;
  // Changes as Redis counts them: the key's creation, and each element that raised a register.
  uint64_t changes = 0;
  if (e == nullptr) {
    h = hll::Create();
    changes = 1;
  } else if (!LoadHll(ctx, e, &h)) {
    return;
  }
  size_t max_bytes = SparseMax(ctx);
  for (size_t i = 2; i < args.size(); i++) {
    int r = hll::Add(&h, args[i], max_bytes);
    if (r < 0) {
      ctx.rb.Error(err::kHllCorrupt);
      return;
    }
    changes += r == 1;
  }
  if (changes > 0) {
    hll::InvalidateCache(&h);
    if (e == nullptr) e = db.Add(args[1]);
    StoreString(e, h, StrEnc::kRaw);
    db.Changed(args[1], kNotifyString, "pfadd", changes);
  }
  ctx.rb.Int(changes > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void CmdPfCount(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  if (args.size() > 2) {
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t i = 1; i < args.size(); i++) {
      Entry* e = db.FindRead(args[i]);
      if (e == nullptr) continue;
      std::string h;
      if (!LoadHll(ctx, e, &h)) return;
      if (!hll::MergeInto(h, max.data())) {
        ctx.rb.Error(err::kHllCorrupt);
        return;
      }
    }
    ctx.rb.Int(static_cast<int64_t>(hll::CountRegisters(max.data())));
    return;
  }
  Entry* e = db.FindRead(args[1]);
  if (e == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  std::string h;
  if (!LoadHll(ctx, e, &h)) return;
  uint64_t card;
  bool cache_updated;
  if (!hll::Count(&h, &card, &cache_updated)) {
    ctx.rb.Error(err::kHllCorrupt);
    return;
  }
  if (cache_updated) {
    // The cached cardinality lives in the value itself.
    StoreString(e, h, StrEnc::kRaw);
    db.Modified(args[1]);
  }
  ctx.rb.Int(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
void CmdPfMerge(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  for (size_t i = 1; i < args.size(); i++) {  // the destination counts as a source too
    Entry* e = db.FindRead(args[i]);
    if (e == nullptr) continue;
    std::string h;
    if (!LoadHll(ctx, e, &h)) return;
    use_dense |= hll::IsDense(h);
    if (!hll::MergeInto(h, max.data())) {
      ctx.rb.Error(err::kHllCorrupt);
      return;
    }
  }
  Entry* dst = db.Find(args[1]);
  std::string h;
  if (dst == nullptr) {
    h = hll::Create();
  } else {
    std::string scratch;
    h.assign(StrOf(dst, &scratch));
  }
  if (use_dense && !hll::ToDense(&h)) {
    ctx.rb.Error(err::kHllCorrupt);
    return;
  }
  size_t max_bytes = SparseMax(ctx);
  for (int j = 0; j < hll::kRegisters; j++) {
    if (max[j] != 0 && hll::SetRegister(&h, j, max[j], max_bytes) < 0) {
      ctx.rb.Error(err::kHllCorrupt);
      return;
    }
  }
  hll::InvalidateCache(&h);
  if (dst == nullptr) dst = db.Add(args[1]);
  StoreString(dst, h, StrEnc::kRaw);
  db.Changed(args[1], kNotifyString, "pfadd");
  ctx.rb.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: the internals, for tests. GETREG and TODENSE
// leave the value dense.
void CmdPfDebug(ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  Db db = ctx.db();
  Entry* e = db.Find(args[2]);
  if (e == nullptr) {
    ctx.rb.Error(err::kPfdebugNoKey);
    return;
  }
  std::string h;
  if (!LoadHll(ctx, e, &h)) return;
  auto make_dense = [&](bool* converted) {
    *converted = !hll::IsDense(h);
    if (!*converted) return true;
    if (!hll::ToDense(&h)) return false;
    StoreString(e, h, StrEnc::kRaw);
    db.Modified(args[2]);
    return true;
  };
  bool converted;
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (!make_dense(&converted)) return ctx.rb.Error(err::kHllCorrupt);
    std::vector<uint8_t> regs(hll::kRegisters, 0);
    hll::MergeInto(h, regs.data());
    ctx.rb.ArrayLen(hll::kRegisters);
    for (uint8_t r : regs) ctx.rb.Int(r);
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (hll::IsDense(h)) return ctx.rb.Error(err::kHllNotSparse);
    std::string text;
    if (!hll::DecodeSparse(h, &text)) return ctx.rb.Error(err::kHllCorrupt);
    ctx.rb.Bulk(text);
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.rb.Simple(hll::IsDense(h) ? "dense" : "sparse");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    if (!make_dense(&converted)) return ctx.rb.Error(err::kHllCorrupt);
    ctx.rb.Int(converted ? 1 : 0);
  } else {
    ctx.rb.Error(err::Format(err::kPfdebugSubcommand, sub));
  }
}

// PFSELFTEST
void CmdPfSelfTest(ArgList, CommandContext& ctx) {
  std::string failure = hll::SelfTest();
  if (failure.empty()) return ctx.rb.Ok();
  ctx.rb.Error(failure);
}

}  // namespace

void RegisterHllFamily(CommandRegistry& r) {
  constexpr uint64_t H = acl::kHyperLogLog;
  r.Add({"PFADD", -2, kWrite | kDenyOom | kFast, 1, 1, 1, H, &CmdPfAdd, "hyperloglog", "2.8.9",
         "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
         "O(1) to add every element."})
      .Args("key:key [element:string...]")
      .KeyFlags("RW insert");
  r.Add({"PFCOUNT", -2, kReadOnly | kMayReplicate, 1, -1, 1, H, &CmdPfCount, "hyperloglog",
         "2.8.9",
         "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
         "O(1) with a very small average constant time when called with a single key. O(N) with "
         "N being the number of keys, and much bigger constant times, when called with multiple "
         "keys."})
      .Args("key:key...")
      .KeyFlags("RW access");
  r.Add({"PFMERGE", -2, kWrite | kDenyOom, 1, -1, 1, H, &CmdPfMerge, "hyperloglog", "2.8.9",
         "Merges one or more HyperLogLog values into a single key.",
         "O(N) to merge N HyperLogLogs, but with high constant times."})
      .Args("destkey:key [sourcekey:key...]")
      .KeyFlags("RW access insert|RO access");
  r.Add({"PFDEBUG", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, H, &CmdPfDebug, "hyperloglog",
         "2.8.9", "Internal commands for debugging HyperLogLog values.", "N/A"})
      .Args("subcommand:string key:key")
      .KeyFlags("RW access");
  r.Add({"PFSELFTEST", 1, kAdmin, 0, 0, 0, H, &CmdPfSelfTest, "hyperloglog", "2.8.9",
         "An internal command for testing HyperLogLog values.", "N/A"})
      .Lock(LockMode::kNone);
}

}  // namespace carmine
