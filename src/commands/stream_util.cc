// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/stream_util.h"

#include "base/strutil.h"

namespace carmine {
namespace {

// Digits only, leading zeros allowed ("007-1" is 7-1 for Redis, whose parser falls back to
// strtoull), unlike ParseUint64's canonical form.
bool ParseU64Digits(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseStreamId(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  if (seq_given != nullptr) *seq_given = true;
  if (s.size() > 127) return false;
  if (s == "-" || s == "+") {
    if (strict) return false;
    *id = s == "-" ? StreamID{} : StreamID::Max();
    return true;
  }
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseU64Digits(s, &id->ms)) return false;
    id->seq = missing_seq;
    return true;
  }
  if (!ParseU64Digits(s.substr(0, dash), &id->ms)) return false;
  std::string_view seq = s.substr(dash + 1);
  if (seq_given != nullptr && seq == "*") {
    id->seq = 0;
    *seq_given = false;
    return true;
  }
  return ParseU64Digits(seq, &id->seq);
}

bool ParseStreamIdOrReply(CommandContext& ctx, std::string_view s, StreamID* id,
                          uint64_t missing_seq, bool strict) {
  if (ParseStreamId(s, id, missing_seq, strict)) return true;
  ctx.rb.Error(kErrInvalidStreamId);
  return false;
}

bool ParseIntervalOrReply(CommandContext& ctx, std::string_view s, StreamID* id, bool is_start) {
  uint64_t missing = is_start ? 0 : UINT64_MAX;
  if (s.size() > 1 && s[0] == '(') {
    if (!ParseStreamIdOrReply(ctx, s.substr(1), id, missing, true)) return false;
    if (!(is_start ? id->Incr() : id->Decr())) {
      ctx.rb.Error(is_start ? "ERR invalid start ID for the interval"
                            : "ERR invalid end ID for the interval");
      return false;
    }
    return true;
  }
  return ParseStreamIdOrReply(ctx, s, id, missing, false);
}

void ReplyStreamId(ReplyBuilder& rb, StreamID id) { rb.Bulk(id.ToString()); }

void ReplyStreamEntry(ReplyBuilder& rb, const StreamEntry& e) {
  rb.ArrayLen(2);
  ReplyStreamId(rb, e.id);
  rb.ArrayLen(static_cast<int64_t>(e.fv.size()));
  for (auto s : e.fv) rb.Bulk(s);
}

size_t ReplyStreamRange(ReplyBuilder& rb, const StreamObject& s, StreamID start, StreamID end,
                        size_t count, bool reverse) {
  size_t token = rb.DeferArray();
  size_t n = 0;
  StreamIterator it(s, start, end, reverse);
  StreamEntry e;
  while ((count == 0 || n < count) && it.Next(&e)) {
    ReplyStreamEntry(rb, e);
    n++;
  }
  rb.SetDeferredArray(token, static_cast<int64_t>(n));
  return n;
}

bool LookupGroup(CommandContext& ctx, Db& db, std::string_view key, std::string_view group,
                 StreamObject** s, StreamGroup** g) {
  // A read lookup, as Redis makes it (a missing key is a keyspace "keymiss").
  if (!ReadObject(ctx, db, key, ObjType::kStream, s)) return false;
  *g = *s == nullptr ? nullptr : (*s)->FindGroup(group);
  if (*g == nullptr) {
    ctx.rb.Error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                 std::string(group) + "'");
    return false;
  }
  return true;
}

void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group,
                    const StreamGroup& g, StreamID id, const StreamPending& p) {
  if (!ctx.propagating()) return;
  ctx.Propagate({"XCLAIM", std::string(key), std::string(group), p.consumer->name, "0",
                 id.ToString(), "TIME", std::to_string(p.delivery_time), "RETRYCOUNT",
                 std::to_string(p.delivery_count), "FORCE", "JUSTID", "LASTID",
                 g.last_id.ToString()});
}

void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group,
                      const StreamGroup& g) {
  if (!ctx.propagating()) return;
  ctx.Propagate({"XGROUP", "SETID", std::string(key), std::string(group), g.last_id.ToString(),
                 "ENTRIESREAD", std::to_string(g.entries_read)});
}

void PropagateConsumerCreated(CommandContext& ctx, std::string_view key, std::string_view group,
                              std::string_view consumer) {
  if (!ctx.propagating()) return;
  ctx.Propagate({"XGROUP", "CREATECONSUMER", std::string(key), std::string(group),
                 std::string(consumer)});
}

StreamConsumer* TouchConsumer(CommandContext& ctx, Db& db, std::string_view key, StreamGroup* g,
                              std::string_view name, bool* created) {
  StreamConsumer* c = g->GetConsumer(name, ctx.now_ms, created);
  if (*created) {
    db.Changed(key, kNotifyStream, "xgroup-createconsumer");
  }
  c->seen_time = ctx.now_ms;
  return c;
}

}  // namespace carmine
