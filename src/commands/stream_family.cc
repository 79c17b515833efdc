// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Stream commands over core/stream_object.h: XADD (with trimming), XLEN, XRANGE/XREVRANGE, XDEL,
// XTRIM, XSETID, and the readers XREAD and XREADGROUP with their blocking forms (served like the
// list waiters, commands/blocking.h). The consumer-group administration is in
// stream_group_family.cc.
//
// Replicas and the AOF must end up with the same stream: XADD with an automatic ID propagates the
// ID it chose, approximate trimming propagates the exact length or minimum ID it reached, and
// XREADGROUP propagates as XCLAIM / XGROUP SETID, as Redis does.
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/arg_parser.h"
#include "commands/families.h"
#include "commands/stream_util.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kStream = ObjType::kStream;

// ---- XADD / XTRIM arguments ------------------------------------------------------------------

enum class Trim { kNone, kMaxLen, kMinId };

struct TrimArgs {
  Trim strategy = Trim::kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamID minid;
  int64_t limit = 0;
  size_t arg_idx = 0;  // the threshold's index in args (rewritten when approx)
  // XADD only
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
  size_t id_idx = 0;
};

// Parses the options of XADD (from args[2] to the ID) or XTRIM (args[2..]). Replies and returns
// false on bad input.
bool ParseTrimArgs(CommandContext& ctx, ArgList args, bool xadd, TrimArgs* t) {
  bool limit_given = false;
  size_t i = 2;
  for (; i < args.size(); i++) {
    size_t more = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") {
      break;
    } else if ((EqualsIgnoreCase(opt, "MAXLEN") || EqualsIgnoreCase(opt, "MINID")) && more > 0) {
      bool maxlen = EqualsIgnoreCase(opt, "MAXLEN");
      if (t->strategy != Trim::kNone) {
        ctx.rb.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return false;
      }
      t->approx = false;
      std::string_view next = args[i + 1];
      if (more >= 2 && (next == "~" || next == "=")) {
        t->approx = next == "~";
        i++;
      }
      if (maxlen) {
        if (!ParseInt64(args[i + 1], &t->maxlen)) {
          ctx.rb.Error(err::kNotInt);
          return false;
        }
        if (t->maxlen < 0) {
          ctx.rb.Error("ERR The MAXLEN argument must be >= 0.");
          return false;
        }
      } else if (!ParseStreamIdOrReply(ctx, args[i + 1], &t->minid, 0, false)) {
        return false;
      }
      i++;
      t->strategy = maxlen ? Trim::kMaxLen : Trim::kMinId;
      t->arg_idx = i;
    } else if (EqualsIgnoreCase(opt, "LIMIT") && more > 0) {
      if (!ParseInt64(args[i + 1], &t->limit)) {
        ctx.rb.Error(err::kNotInt);
        return false;
      }
      if (t->limit < 0) {
        ctx.rb.Error("ERR The LIMIT argument must be >= 0.");
        return false;
      }
      limit_given = true;
      i++;
    } else if (xadd && EqualsIgnoreCase(opt, "NOMKSTREAM")) {
      t->nomkstream = true;
    } else if (xadd) {
      if (!ParseStreamId(opt, &t->id, 0, true, &t->seq_given)) {
        ctx.rb.Error(kErrInvalidStreamId);
        return false;
      }
      t->id_given = true;
      break;
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  t->id_idx = i;
  if (t->limit != 0 && t->strategy == Trim::kNone) {
    ctx.rb.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return false;
  }
  if (!xadd && t->strategy == Trim::kNone) {
    ctx.rb.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return false;
  }
  if (ctx.session.is_master || ctx.session.loader) {
    t->limit = 0;  // what the master or the AOF did is replayed exactly
  } else if (limit_given) {
    if (!t->approx) {
      ctx.rb.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return false;
    }
  } else if (t->approx) {
    t->limit = 100 * ctx.opts.stream_node_max_entries.get();
    if (t->limit <= 0) t->limit = 10000;
    if (t->limit > 1000000) t->limit = 1000000;
  } else {
    t->limit = 0;
  }
  return true;
}

int64_t ApplyTrim(StreamObject* s, const TrimArgs& t) {
  if (t.strategy == Trim::kMaxLen) {
    return s->TrimMaxLen(static_cast<uint64_t>(t.maxlen), t.approx, t.limit);
  }
  return s->TrimMinId(t.minid, t.approx, t.limit);
}

// After approximate trimming the replicas must trim to where this one stopped, exactly.
void RewriteApproxTrim(std::vector<std::string>* out, const StreamObject& s, const TrimArgs& t) {
  (*out)[t.arg_idx - 1] = "=";
  (*out)[t.arg_idx] = t.strategy == Trim::kMaxLen ? std::to_string(s.size()) : s.first_id.ToString();
}

std::vector<std::string> ArgsCopy(ArgList args) { return {args.begin(), args.end()}; }

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]
void CmdXAdd(ArgList args, CommandContext& ctx) {
  TrimArgs t;
  if (!ParseTrimArgs(ctx, args, true, &t)) return;
  size_t field_pos = t.id_idx + 1;
  if (field_pos > args.size() || (args.size() - field_pos) < 2 ||
      (args.size() - field_pos) % 2 == 1) {
    ctx.rb.Error(err::WrongArgs(ctx.spec->full_name));
    return;
  }
  if (t.id_given && t.seq_given && t.id.IsZero()) {
    ctx.rb.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  Db db = ctx.db();
  StreamObject* s;
  if (!WriteObject(ctx, db, args[1], kStream, false, &s)) return;
  bool created = false;
  if (s == nullptr) {
    if (t.nomkstream) {
      ctx.rb.Null();
      return;
    }
    created = true;
  }
  StreamObject scratch;
  const StreamObject& cur = s != nullptr ? *s : scratch;
  if (cur.last_id == StreamID::Max()) {
    ctx.rb.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamID id;
  if (!t.id_given) {
    id = {static_cast<uint64_t>(ctx.now_ms), 0};
    if (id.ms <= cur.last_id.ms) {
      id = cur.last_id;
      id.Incr();
    }
  } else if (!t.seq_given) {
    id = t.id;
    if (id.ms == cur.last_id.ms) {
      if (cur.last_id.seq == UINT64_MAX) id = StreamID{};  // refused below
      else id.seq = cur.last_id.seq + 1;
    }
  } else {
    id = t.id;
  }
  if (id <= cur.last_id) {
    ctx.rb.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  if (created && !WriteObject(ctx, db, args[1], kStream, true, &s)) return;
  s->Append(id, args.subspan(field_pos), ctx.opts.limits());
  db.SignalReady(args[1]);
  db.Changed(args[1], kNotifyStream, "xadd");
  std::vector<std::string> prop;
  bool rewrite = !t.id_given || !t.seq_given;
  if (t.strategy != Trim::kNone) {
    if (ApplyTrim(s, t) > 0) db.Notify(kNotifyStream, "xtrim", args[1]);
    if (t.approx) {
      prop = ArgsCopy(args);
      RewriteApproxTrim(&prop, *s, t);
    }
  }
  if (rewrite) {
    if (prop.empty()) prop = ArgsCopy(args);
    prop[t.id_idx] = id.ToString();
  }
  if (!prop.empty() && ctx.propagating()) ctx.Propagate(std::move(prop));
  ReplyStreamId(ctx.rb, id);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void CmdXTrim(ArgList args, CommandContext& ctx) {
  TrimArgs t;
  if (!ParseTrimArgs(ctx, args, false, &t)) return;
  Db db = ctx.db();
  StreamObject* s;
  if (!WriteObject(ctx, db, args[1], kStream, false, &s)) return;
  if (s == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  int64_t removed = ApplyTrim(s, t);
  if (removed > 0) db.Changed(args[1], kNotifyStream, "xtrim", static_cast<uint64_t>(removed));
  if (t.approx && ctx.propagating()) {
    auto prop = ArgsCopy(args);
    RewriteApproxTrim(&prop, *s, t);
    ctx.Propagate(std::move(prop));
  }
  ctx.rb.Int(removed);
}

// XLEN key
void CmdXLen(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  StreamObject* s;
  if (!ReadObject(ctx, db, args[1], kStream, &s)) return;
  ctx.rb.Int(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
void RangeGeneric(ArgList args, CommandContext& ctx, bool reverse) {
  StreamID start, end;
  if (!ParseIntervalOrReply(ctx, args[reverse ? 3 : 2], &start, true)) return;
  if (!ParseIntervalOrReply(ctx, args[reverse ? 2 : 3], &end, false)) return;
  int64_t count = -1;
  for (size_t i = 4; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "COUNT") && i + 1 < args.size()) {
      if (!ParseInt64(args[i + 1], &count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (count < 0) count = 0;
      i++;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  StreamObject* s;
  if (!ReadObject(ctx, db, args[1], kStream, &s)) return;
  if (s == nullptr) {
    ctx.rb.EmptyArray();
    return;
  }
  if (count == 0) {
    ctx.rb.NullArray();
    return;
  }
  ReplyStreamRange(ctx.rb, *s, start, end, count < 0 ? 0 : static_cast<size_t>(count), reverse);
}

void CmdXRange(ArgList a, CommandContext& c) { RangeGeneric(a, c, false); }
void CmdXRevRange(ArgList a, CommandContext& c) { RangeGeneric(a, c, true); }

// XDEL key id [id ...]
void CmdXDel(ArgList args, CommandContext& ctx) {
  std::vector<StreamID> ids(args.size() - 2);
  for (size_t i = 2; i < args.size(); i++) {
    if (!ParseStreamIdOrReply(ctx, args[i], &ids[i - 2], 0, true)) return;
  }
  Db db = ctx.db();
  StreamObject* s;
  if (!WriteObject(ctx, db, args[1], kStream, false, &s)) return;
  int64_t deleted = 0;
  if (s != nullptr) {
    for (StreamID id : ids) deleted += s->Delete(id);
  }
  if (deleted > 0) db.Changed(args[1], kNotifyStream, "xdel", static_cast<uint64_t>(deleted));
  ctx.rb.Int(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void CmdXSetId(ArgList args, CommandContext& ctx) {
  StreamID id, max_xdel;
  if (!ParseStreamIdOrReply(ctx, args[2], &id, 0, true)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < args.size(); i += 2) {
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "ENTRIESADDED") && more) {
      if (!ParseInt64(args[i + 1], &entries_added)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (entries_added < 0) {
        ctx.rb.Error("ERR entries_added must be positive");
        return;
      }
    } else if (EqualsIgnoreCase(args[i], "MAXDELETEDID") && more) {
      if (!ParseStreamIdOrReply(ctx, args[i + 1], &max_xdel, 0, true)) return;
      if (id < max_xdel) {
        ctx.rb.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  StreamObject* s;
  if (!WriteObject(ctx, db, args[1], kStream, false, &s)) return;
  if (s == nullptr) {
    ctx.rb.Error(err::kNoSuchKey);
    return;
  }
  if (id < s->max_deleted_id) {
    ctx.rb.Error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    return;
  }
  if (s->size() > 0) {
    StreamIterator it(*s, StreamID{}, StreamID::Max(), true);
    StreamEntry last;
    it.Next(&last);
    if (id < last.id) {
      ctx.rb.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->size() > static_cast<uint64_t>(entries_added)) {
      ctx.rb.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->last_id = id;
  if (entries_added != -1) s->entries_added = static_cast<uint64_t>(entries_added);
  if (!max_xdel.IsZero()) s->max_deleted_id = max_xdel;
  db.Changed(args[1], kNotifyStream, "xsetid");
  ctx.rb.Ok();
}

// ---- XREAD / XREADGROUP ------------------------------------------------------------------------

struct ReadArgs {
  int64_t count = 0;
  int64_t block_ms = -1;  // -1: no BLOCK
  bool noack = false;
  std::string_view group, consumer;
  size_t streams_at = 0, nstreams = 0;
};

bool ParseReadArgs(CommandContext& ctx, ArgList args, bool xreadgroup, ReadArgs* r) {
  for (size_t i = 1; i < args.size(); i++) {
    size_t more = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqualsIgnoreCase(o, "BLOCK") && more > 0) {
      if (ctx.session.in_script) {
        // A script cannot wait, and an empty answer would read as "timed out": refused outright.
        ctx.rb.Error("ERR " + ctx.spec->full_name +
                     " command is not allowed with BLOCK option from scripts");
        return false;
      }
      i++;
      int64_t ms;
      if (!ParseInt64(args[i], &ms)) {
        ctx.rb.Error(err::kTimeout);
        return false;
      }
      if (ms < 0) {
        ctx.rb.Error(err::kTimeoutNegative);
        return false;
      }
      r->block_ms = ms;
    } else if (EqualsIgnoreCase(o, "COUNT") && more > 0) {
      i++;
      if (!ParseInt64(args[i], &r->count)) {
        ctx.rb.Error(err::kNotInt);
        return false;
      }
      if (r->count < 0) r->count = 0;
    } else if (EqualsIgnoreCase(o, "STREAMS") && more > 0) {
      r->streams_at = i + 1;
      size_t n = args.size() - r->streams_at;
      if (n % 2 != 0) {
        ctx.rb.Error(std::string("ERR Unbalanced '") + std::string(ctx.spec->full_name) +
                     "' list of streams: for each stream key an ID or '" +
                     (xreadgroup ? ">" : "$") + "' must be specified.");
        return false;
      }
      r->nstreams = n / 2;
      break;
    } else if (EqualsIgnoreCase(o, "GROUP") && more >= 2) {
      if (!xreadgroup) {
        ctx.rb.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      r->group = args[i + 1];
      r->consumer = args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(o, "NOACK")) {
      if (!xreadgroup) {
        ctx.rb.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      r->noack = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return false;
    }
  }
  if (r->streams_at == 0) {
    ctx.rb.Error(err::kSyntax);
    return false;
  }
  if (xreadgroup && r->group.empty() && r->consumer.empty()) {
    ctx.rb.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// Delivers new entries (after the group's last ID) to `consumer`, as XREADGROUP ">" does.
// A consumer that XREADGROUP created reaches replicas with its first XCLAIM, or, reading with
// NOACK (no claims), as XGROUP CREATECONSUMER once it got entries; one that got nothing exists on
// the master only, as in Redis.
void ServeGroupNew(CommandContext& ctx, std::string_view key, std::string_view gname,
                   StreamObject* s, StreamGroup* g, StreamConsumer* consumer, size_t count,
                   bool noack) {
  StreamID start = g->last_id;
  start.Incr();
  size_t token = ctx.rb.DeferArray();
  size_t n = 0;
  bool propagate_last_id = false;
  StreamIterator it(*s, start, StreamID::Max(), false);
  StreamEntry e;
  while ((count == 0 || n < count) && it.Next(&e)) {
    ReplyStreamEntry(ctx.rb, e);
    n++;
    if (e.id > g->last_id) {
      if (g->entries_read != StreamGroup::kInvalidEntriesRead &&
          !s->RangeHasTombstones(e.id, StreamID::Max())) {
        g->entries_read++;
      } else if (s->entries_added != 0) {
        g->entries_read = s->EstimateDistanceFromFirstEver(e.id);
      }
      g->last_id = e.id;
      if (noack) propagate_last_id = true;
    }
    if (noack) continue;
    // A pending entry for this ID (after XGROUP SETID moved the group back) changes owner.
    auto [pit, fresh] = g->pel.try_emplace(e.id);
    StreamPending& p = pit->second;
    if (!fresh) p.delivery_count = 1;
    p.delivery_time = ctx.now_ms;
    StreamGroup::Assign(e.id, p, consumer);
    PropagateClaim(ctx, key, gname, *g, e.id, p);
  }
  ctx.rb.SetDeferredArray(token, static_cast<int64_t>(n));
  if (n > 0) consumer->active_time = ctx.now_ms;
  if (n > 0 && !consumer->announced) {
    if (noack) PropagateConsumerCreated(ctx, key, gname, consumer->name);
    consumer->announced = true;
  }
  if (propagate_last_id) PropagateGroupId(ctx, key, gname, *g);
}

// Replies with the consumer's own pending entries after `after` (XREADGROUP with an ID).
void ServeGroupHistory(CommandContext& ctx, const StreamObject& s, StreamConsumer* consumer,
                       StreamID after, size_t count) {
  StreamID start = after;
  start.Incr();
  size_t token = ctx.rb.DeferArray();
  size_t n = 0;
  for (auto it = consumer->pel.lower_bound(start);
       it != consumer->pel.end() && (count == 0 || n < count); ++it, n++) {
    StreamEntry e;
    if (s.Find(it->first, &e)) {
      ReplyStreamEntry(ctx.rb, e);
      it->second->delivery_time = ctx.now_ms;
      it->second->delivery_count++;
    } else {
      ctx.rb.ArrayLen(2);
      ReplyStreamId(ctx.rb, it->first);
      ctx.rb.NullArray();
    }
  }
  ctx.rb.SetDeferredArray(token, static_cast<int64_t>(n));
}

void ReadGeneric(ArgList args, CommandContext& ctx, bool xreadgroup) {
  ReadArgs r;
  if (!ParseReadArgs(ctx, args, xreadgroup, &r)) return;
  if (xreadgroup) ctx.PropagateNothing();
  Db db = ctx.db();
  const size_t n = r.nstreams;
  std::vector<StreamID> ids(n);
  std::vector<bool> new_only(n, false);  // XREADGROUP ">"
  std::vector<StreamObject*> streams(n, nullptr);
  std::vector<StreamGroup*> groups(n, nullptr);
  std::vector<std::string> rewritten;  // XREAD's "$" resolved, for blocking
  for (size_t i = 0; i < n; i++) {
    std::string_view key = args[r.streams_at + i];
    std::string_view arg = args[r.streams_at + n + i];
    StreamObject* s;
    // A blocked XREAD ignores a key that is no longer a stream (it keeps waiting); a blocked
    // XREADGROUP gets the error its command now meets (WRONGTYPE, NOGROUP), as in Redis.
    if (ctx.serving_blocked && !xreadgroup ? !WriteObject(ctx, db, key, kStream, false, &s)
                            : !ReadObject(ctx, db, key, kStream, &s)) {
      return;
    }
    streams[i] = s;
    if (xreadgroup) {
      if (s == nullptr || (groups[i] = s->FindGroup(r.group)) == nullptr) {
        ctx.rb.Error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                     std::string(r.group) + "' in XREADGROUP with GROUP option");
        return;
      }
    }
    if (arg == "$") {
      if (xreadgroup) {
        ctx.rb.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return;
      }
      ids[i] = s != nullptr ? s->last_id : StreamID{};
      if (rewritten.empty()) rewritten = ArgsCopy(args);
      rewritten[r.streams_at + n + i] = ids[i].ToString();
      continue;
    }
    if (arg == ">") {
      if (!xreadgroup) {
        ctx.rb.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return;
      }
      new_only[i] = true;
      continue;
    }
    if (!ParseStreamIdOrReply(ctx, arg, &ids[i], 0, true)) return;
  }
  const size_t count = static_cast<size_t>(r.count);
  size_t served = 0;
  size_t token = 0;
  for (size_t i = 0; i < n; i++) {
    StreamObject* s = streams[i];
    std::string_view key = args[r.streams_at + i];
    if (s == nullptr) {
      db.FindRead(key);  // Redis looks each key up twice: a missing one misses twice
      continue;
    }
    bool sync = false, history = false;
    StreamConsumer* consumer = nullptr;
    if (xreadgroup) {
      if (!new_only[i]) {
        sync = history = true;
      } else if (s->size() > 0 && s->last_id > groups[i]->last_id) {
        // The stream's top may be a tombstone; what matters is a live entry past the group.
        StreamIterator it(*s, groups[i]->last_id, StreamID::Max(), true);
        StreamEntry top;
        sync = it.Next(&top) && top.id > groups[i]->last_id;
      }
      bool created;
      consumer = TouchConsumer(ctx, db, key, groups[i], r.consumer, &created);
      if (created) consumer->announced = false;
    } else if (s->size() > 0) {
      StreamIterator it(*s, StreamID{}, StreamID::Max(), true);
      StreamEntry top;
      sync = it.Next(&top) && top.id > ids[i];
    }
    if (!sync) continue;
    // RESP3: a map of key -> entries; RESP2: an array of [key, entries] pairs.
    const bool resp2 = ctx.session.resp.load(std::memory_order_relaxed) == 2;
    if (served++ == 0) token = resp2 ? ctx.rb.DeferArray() : ctx.rb.DeferMap();
    if (resp2) ctx.rb.ArrayLen(2);
    ctx.rb.Bulk(key);
    if (history) {
      ServeGroupHistory(ctx, *s, consumer, ids[i], count);
    } else if (xreadgroup) {
      ServeGroupNew(ctx, key, r.group, s, groups[i], consumer, count, r.noack);
      db.Modified(key);
    } else {
      StreamID start = ids[i];
      start.Incr();
      ReplyStreamRange(ctx.rb, *s, start, StreamID::Max(), count, false);
    }
  }
  if (served > 0) {
    if (ctx.session.resp.load(std::memory_order_relaxed) == 2) {
      ctx.rb.SetDeferredArray(token, static_cast<int64_t>(served));
    } else {
      ctx.rb.SetDeferredMap(token, static_cast<int64_t>(served));
    }
    return;
  }
  if (r.block_ms >= 0) {
    int64_t deadline = r.block_ms == 0 ? 0 : ctx.now_ms + r.block_ms;
    std::vector<std::string_view> keys(args.begin() + static_cast<ptrdiff_t>(r.streams_at),
                                       args.begin() + static_cast<ptrdiff_t>(r.streams_at + n));
    if (!rewritten.empty()) {
      // A blocked XREAD "$" waits for entries after the top it saw now, not when it is served.
      std::vector<std::string_view> views(rewritten.begin(), rewritten.end());
      if (ctx.Block(ArgList(views.data(), views.size()), keys, deadline)) return;
    } else if (ctx.Block(args, keys, deadline)) {
      return;
    }
  }
  ctx.rb.NullArray();
}

void CmdXRead(ArgList a, CommandContext& c) { ReadGeneric(a, c, false); }
void CmdXReadGroup(ArgList a, CommandContext& c) { ReadGeneric(a, c, true); }

// The keys of XREAD/XREADGROUP: the first half of what follows STREAMS.
std::vector<int> ReadKeys(ArgList args) {
  std::vector<int> out;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "STREAMS")) {
      size_t n = (args.size() - i - 1) / 2;
      for (size_t k = 0; k < n; k++) out.push_back(static_cast<int>(i + 1 + k));
      break;
    }
  }
  return out;
}

}  // namespace

void RegisterStreamFamily(CommandRegistry& r) {
  constexpr uint64_t S = acl::kStream;
  r.Add({"XADD", -5, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdXAdd, "stream", "5.0.0",
         "Appends a new message to a stream. Creates the key if it doesn't exist.",
         "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
         "evicted."})
      .Args(
          "key:key [!NOMKSTREAM] [trim{strategy(!MAXLEN|!MINID) [operator(!'='=equal|!~=approximately)]"
          " threshold:string [LIMIT=count:integer]}] id-selector(!*=auto-id|id:string)"
          " data{field:string value:string}...")
      .KeyFlags("RW update");
  r.Add({"XLEN", 2, kReadOnly | kFast, 1, 1, 1, S, &CmdXLen, "stream", "5.0.0",
         "Return the number of messages in a stream.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO");
  r.Add({"XRANGE", -4, kReadOnly, 1, 1, 1, S, &CmdXRange, "stream", "5.0.0",
         "Returns the messages from a stream within a range of IDs.",
         "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
         "asking for the first 10 elements with COUNT), you can consider it O(1)."})
      .Args("key:key start:string end:string [COUNT=count:integer]")
      .KeyFlags("RO access");
  r.Add({"XREVRANGE", -4, kReadOnly, 1, 1, 1, S, &CmdXRevRange, "stream", "5.0.0",
         "Returns the messages from a stream within a range of IDs in reverse order.",
         "O(N) with N being the number of elements returned. If N is constant (e.g. always "
         "asking for the first 10 elements with COUNT), you can consider it O(1)."})
      .Args("key:key end:string start:string [COUNT=count:integer]")
      .KeyFlags("RO access");
  r.Add({"XDEL", -3, kWrite | kFast, 1, 1, 1, S, &CmdXDel, "stream", "5.0.0",
         "Returns the number of messages after removing them from a stream.",
         "O(1) for each single item to delete in the stream, regardless of the stream size."})
      .Args("key:key id:string...")
      .KeyFlags("RW delete");
  r.Add({"XTRIM", -4, kWrite, 1, 1, 1, S, &CmdXTrim, "stream", "5.0.0",
         "Deletes messages from the beginning of a stream.",
         "O(N), with N being the number of evicted entries. Constant times are very small "
         "however, since entries are organized in macro nodes containing multiple entries that "
         "can be released with a single deallocation."})
      .Args(
          "key:key trim{strategy(!MAXLEN|!MINID) [operator(!'='=equal|!~=approximately)]"
          " threshold:string [LIMIT=count:integer]}")
      .KeyFlags("RW delete");
  r.Add({"XSETID", -3, kWrite | kDenyOom | kFast, 1, 1, 1, S, &CmdXSetId, "stream", "5.0.0",
         "An internal command for replicating stream values.", "O(1)"})
      .Args(
          "key:key last-id:string [ENTRIESADDED=entries-added:integer] "
          "[MAXDELETEDID=max-deleted-id:string]")
      .KeyFlags("RW update");
  r.Add({"XREAD", -4, kReadOnly | kBlocking, 0, 0, 0, S, &CmdXRead, "stream", "5.0.0",
         "Returns messages from multiple streams with IDs greater than the ones requested. "
         "Blocks until a message is available otherwise.",
         ""})
      .Args(
          "[COUNT=count:integer] [BLOCK=milliseconds:integer] STREAMS=streams{key:key..."
          " id:string...}")
      .Keys(&ReadKeys)
      .KeyFlags("RO access");
  r.Add({"XREADGROUP", -7, kWrite | kBlocking, 0, 0, 0, S, &CmdXReadGroup, "stream", "5.0.0",
         "Returns new or historical messages from a stream for a consumer in a group. Blocks "
         "until a message is available otherwise.",
         "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
         "constant (e.g. always asking for the first 10 elements with COUNT), you can consider "
         "it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in "
         "order to serve the N clients blocked on the stream getting new data."})
      .Args(
          "GROUP=group-block{group:string consumer:string} [COUNT=count:integer]"
          " [BLOCK=milliseconds:integer] [!NOACK] STREAMS=streams{key:key... id:string...}")
      .Keys(&ReadKeys)
      .KeyFlags("RO access");
  RegisterStreamGroupCommands(r);
}

}  // namespace carmine
