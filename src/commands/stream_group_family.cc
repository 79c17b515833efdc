// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Consumer groups and introspection: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER,
// DELCONSUMER), XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO (STREAM [FULL], GROUPS,
// CONSUMERS). Claims propagate as the XCLAIM ... FORCE JUSTID form Redis sends its replicas, so a
// replica's pending entries match its master's.
#include <algorithm>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/families.h"
#include "commands/stream_util.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kStream = ObjType::kStream;

std::string NoGroupForKey(std::string_view group, std::string_view key) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
         std::string(key) + "'";
}

bool ParseEntriesRead(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (!ParseInt64(arg, out)) {
    ctx.rb.Error(err::kNotInt);
    return false;
  }
  if (*out < 0 && *out != StreamGroup::kInvalidEntriesRead) {
    ctx.rb.Error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  return true;
}

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER key group ...
void CmdXGroup(ArgList args, CommandContext& ctx) {
  std::string_view sub = args[1];
  auto syntax = [&] { ctx.rb.Error(err::SubcommandSyntax(sub, "XGROUP")); };
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
  const bool create = EqualsIgnoreCase(sub, "CREATE");
  const bool setid = EqualsIgnoreCase(sub, "SETID");
  if (create) {
    for (size_t i = 5; i < args.size();) {
      if (EqualsIgnoreCase(args[i], "MKSTREAM")) {
        mkstream = true;
        i++;
      } else if (EqualsIgnoreCase(args[i], "ENTRIESREAD") && i + 1 < args.size()) {
        if (!ParseEntriesRead(ctx, args[i + 1], &entries_read)) return;
        i += 2;
      } else {
        return syntax();
      }
    }
  } else if (setid) {
    if (args.size() == 7) {
      if (!EqualsIgnoreCase(args[5], "ENTRIESREAD")) return syntax();
      if (!ParseEntriesRead(ctx, args[6], &entries_read)) return;
    } else if (args.size() > 5) {
      return syntax();
    }
  }
  Db db = ctx.db();
  std::string_view key = args[2], gname = args[3];
  StreamObject* s;
  if (!WriteObject(ctx, db, key, kStream, false, &s)) return;
  StreamGroup* g = s != nullptr ? s->FindGroup(gname) : nullptr;
  if (!mkstream) {
    if (s == nullptr) {
      ctx.rb.Error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
          "to use the MKSTREAM option to create an empty stream automatically.");
      return;
    }
    if (g == nullptr && (setid || EqualsIgnoreCase(sub, "CREATECONSUMER") ||
                         EqualsIgnoreCase(sub, "DELCONSUMER"))) {
      ctx.rb.Error(NoGroupForKey(gname, key));
      return;
    }
  }
  if (create && args.size() >= 5 && args.size() <= 8) {
    StreamID id;
    if (args[4] == "$") {
      id = s != nullptr ? s->last_id : StreamID{};
    } else if (!ParseStreamIdOrReply(ctx, args[4], &id, 0, true)) {
      return;
    }
    if (s == nullptr) {
      if (!WriteObject(ctx, db, key, kStream, true, &s)) return;
    } else if (g != nullptr) {
      ctx.rb.Error("BUSYGROUP Consumer Group name already exists");
      return;
    }
    auto ng = std::make_unique<StreamGroup>();
    ng->last_id = id;
    ng->entries_read = entries_read;
    s->groups.emplace(std::string(gname), std::move(ng));
    db.Changed(key, kNotifyStream, "xgroup-create");
    ctx.rb.Ok();
  } else if (setid && (args.size() == 5 || args.size() == 7)) {
    StreamID id;
    if (args[4] == "$") {
      id = s->last_id;
    } else if (!ParseStreamIdOrReply(ctx, args[4], &id, 0, false)) {
      return;
    }
    g->last_id = id;
    g->entries_read = entries_read;
    db.Changed(key, kNotifyStream, "xgroup-setid");
    ctx.rb.Ok();
  } else if (EqualsIgnoreCase(sub, "DESTROY") && args.size() == 4) {
    if (g == nullptr) {
      ctx.rb.Int(0);
      return;
    }
    s->groups.erase(s->groups.find(gname));
    db.Changed(key, kNotifyStream, "xgroup-destroy");
    db.SignalReady(key);  // blocked XREADGROUP readers of the group get their error
    ctx.rb.Int(1);
  } else if (EqualsIgnoreCase(sub, "CREATECONSUMER") && args.size() == 5) {
    bool created;
    g->GetConsumer(args[4], ctx.now_ms, &created);
    if (created) db.Changed(key, kNotifyStream, "xgroup-createconsumer");
    ctx.rb.Int(created ? 1 : 0);
  } else if (EqualsIgnoreCase(sub, "DELCONSUMER") && args.size() == 5) {
    int64_t pending = 0;
    if (g->FindConsumer(args[4]) != nullptr) {
      pending = static_cast<int64_t>(g->DeleteConsumer(args[4]));
      db.Changed(key, kNotifyStream, "xgroup-delconsumer");
    }
    ctx.rb.Int(pending);
  } else {
    syntax();
  }
}

void CmdXGroupHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Print this help.",
  });
}

// XACK key group id [id ...]
void CmdXAck(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  StreamObject* s;
  if (!ReadObject(ctx, db, args[1], kStream, &s)) return;
  StreamGroup* g = s != nullptr ? s->FindGroup(args[2]) : nullptr;
  if (g == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  std::vector<StreamID> ids(args.size() - 3);
  for (size_t i = 3; i < args.size(); i++) {
    if (!ParseStreamIdOrReply(ctx, args[i], &ids[i - 3], 0, true)) return;
  }
  int64_t acked = 0;
  for (StreamID id : ids) acked += g->Ack(id);
  if (acked > 0) db.Modified(args[1], static_cast<uint64_t>(acked));
  ctx.rb.Int(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void CmdXPending(ArgList args, CommandContext& ctx) {
  const bool summary = args.size() == 3;
  if (!summary && (args.size() < 6 || args.size() > 9)) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  int64_t minidle = 0, count = 0;
  StreamID start, end;
  std::string_view consumer_name;
  bool with_consumer = false;
  if (!summary) {
    size_t at = 3;
    if (EqualsIgnoreCase(args[3], "IDLE")) {
      if (!ParseInt64(args[4], &minidle)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (args.size() < 8) {
        ctx.rb.Error(err::kSyntax);
        return;
      }
      at += 2;
    }
    if (!ParseInt64(args[at + 2], &count)) {
      ctx.rb.Error(err::kNotInt);
      return;
    }
    if (count < 0) count = 0;
    if (!ParseIntervalOrReply(ctx, args[at], &start, true)) return;
    if (!ParseIntervalOrReply(ctx, args[at + 1], &end, false)) return;
    if (at + 3 < args.size()) {
      consumer_name = args[at + 3];
      with_consumer = true;
    }
  }
  Db db = ctx.db();
  StreamObject* s;
  StreamGroup* g;
  if (!LookupGroup(ctx, db, args[1], args[2], &s, &g)) return;
  if (summary) {
    ctx.rb.ArrayLen(4);
    ctx.rb.Int(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      ctx.rb.Null();
      ctx.rb.Null();
      ctx.rb.NullArray();
      return;
    }
    ReplyStreamId(ctx.rb, g->pel.begin()->first);
    ReplyStreamId(ctx.rb, std::prev(g->pel.end())->first);
    size_t token = ctx.rb.DeferArray();
    int64_t n = 0;
    for (auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      ctx.rb.ArrayLen(2);
      ctx.rb.Bulk(name);
      ctx.rb.Bulk(std::to_string(c->pel.size()));
      n++;
    }
    ctx.rb.SetDeferredArray(token, n);
    return;
  }
  StreamConsumer* consumer = nullptr;
  if (with_consumer) {
    consumer = g->FindConsumer(consumer_name);
    if (consumer == nullptr) {
      ctx.rb.EmptyArray();
      return;
    }
  }
  size_t token = ctx.rb.DeferArray();
  int64_t n = 0;
  auto emit = [&](StreamID id, const StreamPending& p) {
    if (minidle > 0 && ctx.now_ms - p.delivery_time < minidle) return;
    ctx.rb.ArrayLen(4);
    ReplyStreamId(ctx.rb, id);
    ctx.rb.Bulk(p.consumer->name);
    ctx.rb.Int(std::max<int64_t>(0, ctx.now_ms - p.delivery_time));
    ctx.rb.Int(static_cast<int64_t>(p.delivery_count));
    n++;
  };
  if (consumer != nullptr) {
    for (auto it = consumer->pel.lower_bound(start);
         it != consumer->pel.end() && it->first <= end && n < count; ++it) {
      emit(it->first, *it->second);
    }
  } else {
    for (auto it = g->pel.lower_bound(start); it != g->pel.end() && it->first <= end && n < count;
         ++it) {
      emit(it->first, it->second);
    }
  }
  ctx.rb.SetDeferredArray(token, n);
}

// Drops a pending entry whose stream entry is gone (propagated as the claim Redis sends).
void DropDeleted(CommandContext& ctx, std::string_view key, std::string_view gname,
                 StreamGroup* g, std::map<StreamID, StreamPending>::iterator it) {
  PropagateClaim(ctx, key, gname, *g, it->first, it->second);
  StreamGroup::Unassign(it->second);
  g->pel.erase(it);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void CmdXClaim(ArgList args, CommandContext& ctx) {
  ctx.PropagateNothing();
  Db db = ctx.db();
  StreamObject* s;
  StreamGroup* g;
  if (!LookupGroup(ctx, db, args[1], args[2], &s, &g)) return;
  int64_t minidle;
  if (!ParseInt64(args[4], &minidle)) {
    ctx.rb.Error("ERR Invalid min-idle-time argument for XCLAIM");
    return;
  }
  if (minidle < 0) minidle = 0;
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < args.size(); j++) {
    StreamID id;
    if (!ParseStreamId(args[j], &id, 0, true)) break;
    ids.push_back(id);
  }
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < args.size(); j++) {
    bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "FORCE")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "JUSTID")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "IDLE") && more) {
      if (!ParseInt64(args[++j], &deliverytime)) {
        ctx.rb.Error("ERR Invalid IDLE option argument for XCLAIM");
        return;
      }
      deliverytime = ctx.now_ms - deliverytime;
    } else if (EqualsIgnoreCase(opt, "TIME") && more) {
      if (!ParseInt64(args[++j], &deliverytime)) {
        ctx.rb.Error("ERR Invalid TIME option argument for XCLAIM");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "RETRYCOUNT") && more) {
      if (!ParseInt64(args[++j], &retrycount)) {
        ctx.rb.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "LASTID") && more) {
      if (!ParseStreamIdOrReply(ctx, args[++j], &last_id, 0, true)) return;
    } else {
      ctx.rb.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return;
    }
  }
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (deliverytime == -1 || deliverytime < 0 || deliverytime > ctx.now_ms) {
    deliverytime = ctx.now_ms;
  }
  std::string_view key = args[1], gname = args[2];
  // The consumer exists from now on, whether or not anything gets claimed (as in Redis 7.2).
  bool created;
  StreamConsumer* consumer = TouchConsumer(ctx, db, key, g, args[3], &created);
  size_t token = ctx.rb.DeferArray();
  int64_t n = 0;
  uint64_t changes = 0;
  for (StreamID id : ids) {
    auto it = g->pel.find(id);
    StreamEntry e;
    if (!s->Find(id, &e)) {
      if (it != g->pel.end()) {
        DropDeleted(ctx, key, gname, g, it);
        propagate_last_id = false;
        changes++;
      }
      continue;
    }
    if (force && it == g->pel.end()) {
      it = g->pel.try_emplace(id).first;
      it->second.delivery_count = 0;
    }
    if (it == g->pel.end()) continue;
    StreamPending& p = it->second;
    if (p.consumer != nullptr && minidle > 0 && ctx.now_ms - p.delivery_time < minidle) continue;
    StreamGroup::Assign(id, p, consumer);
    p.delivery_time = deliverytime;
    if (retrycount >= 0) {
      p.delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      p.delivery_count++;
    }
    justid ? ReplyStreamId(ctx.rb, id) : ReplyStreamEntry(ctx.rb, e);
    n++;
    consumer->active_time = ctx.now_ms;
    PropagateClaim(ctx, key, gname, *g, id, p);
    propagate_last_id = false;
    changes++;
  }
  if (propagate_last_id) {
    PropagateGroupId(ctx, key, gname, *g);
    changes++;
  }
  if (changes > 0) db.Modified(key, changes);
  ctx.rb.SetDeferredArray(token, n);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void CmdXAutoClaim(ArgList args, CommandContext& ctx) {
  ctx.PropagateNothing();
  int64_t minidle;
  if (!ParseInt64(args[4], &minidle)) {
    ctx.rb.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamID start;
  if (!ParseIntervalOrReply(ctx, args[5], &start, true)) return;
  int64_t count = 100;
  bool justid = false;
  constexpr int64_t kAttemptsFactor = 10;
  for (size_t j = 6; j < args.size(); j++) {
    if (EqualsIgnoreCase(args[j], "COUNT") && j + 1 < args.size()) {
      if (!ParseInt64(args[j + 1], &count) || count < 1 ||
          count > INT64_MAX / std::max<int64_t>(16, kAttemptsFactor)) {
        ctx.rb.Error("ERR COUNT must be > 0");
        return;
      }
      j++;
    } else if (EqualsIgnoreCase(args[j], "JUSTID")) {
      justid = true;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Db db = ctx.db();
  StreamObject* s;
  StreamGroup* g;
  if (!LookupGroup(ctx, db, args[1], args[2], &s, &g)) return;
  std::string_view key = args[1], gname = args[2];
  int64_t attempts = count * kAttemptsFactor;
  bool created;
  StreamConsumer* consumer = TouchConsumer(ctx, db, key, g, args[3], &created);
  std::vector<StreamID> deleted;
  std::string body;
  ReplyBuilder rb(&body);
  rb.SetProtocol(ctx.session.resp.load(std::memory_order_relaxed));
  int64_t n = 0;
  uint64_t changes = 0;
  auto it = g->pel.lower_bound(start);
  while (attempts > 0 && count > 0 && it != g->pel.end()) {
    attempts--;
    StreamID id = it->first;
    StreamEntry e;
    if (!s->Find(id, &e)) {
      auto next = std::next(it);
      DropDeleted(ctx, key, gname, g, it);
      it = next;
      deleted.push_back(id);
      count--;
      changes++;
      continue;
    }
    StreamPending& p = it->second;
    if (minidle > 0 && ctx.now_ms - p.delivery_time < minidle) {
      ++it;
      continue;
    }
    StreamGroup::Assign(id, p, consumer);
    p.delivery_time = ctx.now_ms;
    if (!justid) p.delivery_count++;
    justid ? ReplyStreamId(rb, id) : ReplyStreamEntry(rb, e);
    n++;
    count--;
    consumer->active_time = ctx.now_ms;
    PropagateClaim(ctx, key, gname, *g, id, p);
    changes++;
    ++it;
  }
  if (changes > 0) db.Modified(key, changes);
  ctx.rb.ArrayLen(3);
  ReplyStreamId(ctx.rb, it == g->pel.end() ? StreamID{} : it->first);
  ctx.rb.ArrayLen(n);
  ctx.rb.Raw(body);
  ctx.rb.ArrayLen(static_cast<int64_t>(deleted.size()));
  for (StreamID id : deleted) ReplyStreamId(ctx.rb, id);
}

// ---- XINFO ---------------------------------------------------------------------------------------

// Nodes of the radix tree Redis would hold for these 16-byte node keys (XINFO's
// radix-tree-nodes): compressed runs, branching nodes and key nodes.
size_t RaxNodes(const std::vector<std::string>& keys, size_t l, size_t r, size_t start) {
  if (r - l == 1) return start == 16 ? 1 : 2;
  size_t p = start;
  while (p < 16 && keys[l][p] == keys[r - 1][p]) p++;
  size_t n = p > start ? 1 : 0;
  n++;  // the branching node
  for (size_t i = l; i < r;) {
    size_t j = i;
    while (j < r && keys[j][p] == keys[i][p]) j++;
    n += RaxNodes(keys, i, j, p + 1);
    i = j;
  }
  return n;
}

size_t RaxNodeCount(const StreamObject& s) {
  if (s.nodes().empty()) return 1;
  std::vector<std::string> keys;
  for (auto& [id, node] : s.nodes()) {
    std::string k(16, '\0');
    for (int i = 0; i < 8; i++) {
      k[i] = static_cast<char>(id.ms >> (56 - 8 * i));
      k[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
    }
    keys.push_back(std::move(k));
  }
  return RaxNodes(keys, 0, keys.size(), 0);
}

void ReplyLag(CommandContext& ctx, const StreamObject& s, const StreamGroup& g) {
  if (s.entries_added == 0) {
    ctx.rb.Int(0);
  } else if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
             !s.RangeHasTombstones(g.last_id, StreamID::Max())) {
    ctx.rb.Int(static_cast<int64_t>(s.entries_added) - g.entries_read);
  } else {
    int64_t read = s.EstimateDistanceFromFirstEver(g.last_id);
    if (read != StreamGroup::kInvalidEntriesRead) {
      ctx.rb.Int(static_cast<int64_t>(s.entries_added) - read);
    } else {
      ctx.rb.Null();
    }
  }
}

void ReplyEntriesRead(CommandContext& ctx, const StreamGroup& g) {
  if (g.entries_read == StreamGroup::kInvalidEntriesRead) {
    ctx.rb.Null();
  } else {
    ctx.rb.Int(g.entries_read);
  }
}

// XINFO's key lookup: the stream, or null after replying WRONGTYPE or "no such key".
StreamObject* StreamOrNoSuchKey(CommandContext& ctx, Db& db, std::string_view key) {
  StreamObject* s;
  if (!ReadObject(ctx, db, key, kStream, &s)) return nullptr;
  if (s == nullptr) ctx.rb.Error(err::kNoSuchKey);
  return s;
}

void ReplyStreamHeader(CommandContext& ctx, const StreamObject& s) {
  ctx.rb.Bulk("length");
  ctx.rb.Int(static_cast<int64_t>(s.size()));
  ctx.rb.Bulk("radix-tree-keys");
  ctx.rb.Int(static_cast<int64_t>(s.nodes().size()));
  ctx.rb.Bulk("radix-tree-nodes");
  ctx.rb.Int(static_cast<int64_t>(RaxNodeCount(s)));
  ctx.rb.Bulk("last-generated-id");
  ReplyStreamId(ctx.rb, s.last_id);
  ctx.rb.Bulk("max-deleted-entry-id");
  ReplyStreamId(ctx.rb, s.max_deleted_id);
  ctx.rb.Bulk("entries-added");
  ctx.rb.Int(static_cast<int64_t>(s.entries_added));
  ctx.rb.Bulk("recorded-first-entry-id");
  ReplyStreamId(ctx.rb, s.first_id);
}

void ReplyStreamFull(CommandContext& ctx, const StreamObject& s, int64_t count) {
  ctx.rb.MapLen(9);
  ReplyStreamHeader(ctx, s);
  ctx.rb.Bulk("entries");
  ReplyStreamRange(ctx.rb, s, StreamID{}, StreamID::Max(), static_cast<size_t>(count), false);
  ctx.rb.Bulk("groups");
  ctx.rb.ArrayLen(static_cast<int64_t>(s.groups.size()));
  auto limited = [&](size_t n) {
    return count == 0 ? n : std::min(n, static_cast<size_t>(count));
  };
  for (auto& [name, g] : s.groups) {
    ctx.rb.MapLen(7);
    ctx.rb.Bulk("name");
    ctx.rb.Bulk(name);
    ctx.rb.Bulk("last-delivered-id");
    ReplyStreamId(ctx.rb, g->last_id);
    ctx.rb.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.rb.Bulk("lag");
    ReplyLag(ctx, s, *g);
    ctx.rb.Bulk("pel-count");
    ctx.rb.Int(static_cast<int64_t>(g->pel.size()));
    ctx.rb.Bulk("pending");
    size_t np = limited(g->pel.size());
    ctx.rb.ArrayLen(static_cast<int64_t>(np));
    auto pit = g->pel.begin();
    for (size_t i = 0; i < np; i++, ++pit) {
      ctx.rb.ArrayLen(4);
      ReplyStreamId(ctx.rb, pit->first);
      ctx.rb.Bulk(pit->second.consumer->name);
      ctx.rb.Int(pit->second.delivery_time);
      ctx.rb.Int(static_cast<int64_t>(pit->second.delivery_count));
    }
    ctx.rb.Bulk("consumers");
    ctx.rb.ArrayLen(static_cast<int64_t>(g->consumers.size()));
    for (auto& [cname, c] : g->consumers) {
      ctx.rb.MapLen(5);
      ctx.rb.Bulk("name");
      ctx.rb.Bulk(cname);
      ctx.rb.Bulk("seen-time");
      ctx.rb.Int(c->seen_time);
      ctx.rb.Bulk("active-time");
      ctx.rb.Int(c->active_time);
      ctx.rb.Bulk("pel-count");
      ctx.rb.Int(static_cast<int64_t>(c->pel.size()));
      ctx.rb.Bulk("pending");
      size_t nc = limited(c->pel.size());
      ctx.rb.ArrayLen(static_cast<int64_t>(nc));
      auto cit = c->pel.begin();
      for (size_t i = 0; i < nc; i++, ++cit) {
        ctx.rb.ArrayLen(3);
        ReplyStreamId(ctx.rb, cit->first);
        ctx.rb.Int(cit->second->delivery_time);
        ctx.rb.Int(static_cast<int64_t>(cit->second->delivery_count));
      }
    }
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void CmdXInfoStream(ArgList args, CommandContext& ctx) {
  bool full = args.size() > 3;
  int64_t count = 10;
  if (full) {
    if ((args.size() != 4 && args.size() != 6) || !EqualsIgnoreCase(args[3], "FULL") ||
        (args.size() == 6 && !EqualsIgnoreCase(args[4], "COUNT"))) {
      ctx.rb.Error(err::SubcommandSyntax(args[1], "XINFO"));
      return;
    }
    if (args.size() == 6) {
      if (!ParseInt64(args[5], &count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (count < 0) count = 10;
    }
  }
  Db db = ctx.db();
  StreamObject* s = StreamOrNoSuchKey(ctx, db, args[2]);
  if (s == nullptr) return;
  if (full) {
    ReplyStreamFull(ctx, *s, count);
    return;
  }
  ctx.rb.MapLen(10);
  ReplyStreamHeader(ctx, *s);
  ctx.rb.Bulk("groups");
  ctx.rb.Int(static_cast<int64_t>(s->groups.size()));
  for (bool last : {false, true}) {
    ctx.rb.Bulk(last ? "last-entry" : "first-entry");
    StreamIterator it(*s, StreamID{}, StreamID::Max(), last);
    StreamEntry e;
    it.Next(&e) ? ReplyStreamEntry(ctx.rb, e) : ctx.rb.Null();
  }
}

// XINFO GROUPS key
void CmdXInfoGroups(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  StreamObject* s = StreamOrNoSuchKey(ctx, db, args[2]);
  if (s == nullptr) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(s->groups.size()));
  for (auto& [name, g] : s->groups) {
    ctx.rb.MapLen(6);
    ctx.rb.Bulk("name");
    ctx.rb.Bulk(name);
    ctx.rb.Bulk("consumers");
    ctx.rb.Int(static_cast<int64_t>(g->consumers.size()));
    ctx.rb.Bulk("pending");
    ctx.rb.Int(static_cast<int64_t>(g->pel.size()));
    ctx.rb.Bulk("last-delivered-id");
    ReplyStreamId(ctx.rb, g->last_id);
    ctx.rb.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.rb.Bulk("lag");
    ReplyLag(ctx, *s, *g);
  }
}

// XINFO CONSUMERS key group
void CmdXInfoConsumers(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  StreamObject* s = StreamOrNoSuchKey(ctx, db, args[2]);
  if (s == nullptr) return;
  StreamGroup* g = s->FindGroup(args[3]);
  if (g == nullptr) {
    ctx.rb.Error(NoGroupForKey(args[3], args[2]));
    return;
  }
  ctx.rb.ArrayLen(static_cast<int64_t>(g->consumers.size()));
  for (auto& [name, c] : g->consumers) {
    ctx.rb.MapLen(4);
    ctx.rb.Bulk("name");
    ctx.rb.Bulk(name);
    ctx.rb.Bulk("pending");
    ctx.rb.Int(static_cast<int64_t>(c->pel.size()));
    ctx.rb.Bulk("idle");
    ctx.rb.Int(std::max<int64_t>(0, ctx.now_ms - c->seen_time));
    ctx.rb.Bulk("inactive");
    ctx.rb.Int(c->active_time < 0 ? -1 : std::max<int64_t>(0, ctx.now_ms - c->active_time));
  }
}

void CmdXInfoHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Print this help.",
  });
}

}  // namespace

void RegisterStreamGroupCommands(CommandRegistry& r) {
  constexpr uint64_t S = acl::kStream;
  r.Add({"XACK", -4, kWrite | kFast, 1, 1, 1, S, &CmdXAck, "stream", "5.0.0",
         "Returns the number of messages that were successfully acknowledged by the consumer "
         "group member of a stream.",
         "O(1) for each message ID processed."})
      .Args("key:key group:string id:string...")
      .KeyFlags("RW update");
  r.Add({"XPENDING", -3, kReadOnly, 1, 1, 1, S, &CmdXPending, "stream", "5.0.0",
         "Returns the information and entries from a stream consumer group's pending entries "
         "list.",
         "O(N) with N being the number of elements returned, so asking for a small fixed number "
         "of entries per call is O(1). O(M), where M is the total number of entries scanned when "
         "used with the IDLE filter. When the command returns just the summary and the list of "
         "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
         "iterating every consumer."})
      .Args(
          "key:key group:string [filters{[IDLE=min-idle-time:integer] start:string end:string"
          " count:integer [consumer:string]}]")
      .KeyFlags("RO access");
  r.Add({"XCLAIM", -6, kWrite | kFast, 1, 1, 1, S, &CmdXClaim, "stream", "5.0.0",
         "Changes, or acquires, ownership of a message in a consumer group, as if the message "
         "was delivered a consumer group member.",
         "O(log N) with N being the number of messages in the PEL of the consumer group."})
      .Args(
          "key:key group:string consumer:string min-idle-time:string id:string... "
          "[IDLE=ms:integer] [TIME=unix-time-milliseconds:unix-time] [RETRYCOUNT=count:integer] "
          "[!FORCE] [!JUSTID] [LASTID=lastid:string]")
      .KeyFlags("RW update");
  r.Add({"XAUTOCLAIM", -6, kWrite | kFast, 1, 1, 1, S, &CmdXAutoClaim, "stream", "6.2.0",
         "Changes, or acquires, ownership of messages in a consumer group, as if the messages "
         "were delivered to as consumer group member.",
         "O(1) if COUNT is small."})
      .Args(
          "key:key group:string consumer:string min-idle-time:string start:string "
          "[COUNT=count:integer] [!JUSTID]")
      .KeyFlags("RW delete");

  r.Add({"XGROUP", -2, 0, 0, 0, 0, 0, nullptr, "stream", "5.0.0",
         "A container for consumer groups commands.", "Depends on subcommand."});
  r.AddSub("XGROUP", {"CREATE", -5, kWrite | kDenyOom, 2, 2, 1, S, &CmdXGroup, "stream", "5.0.0",
                      "Creates a consumer group.", "O(1)"})
      .Args(
          "key:key group:string id-selector(id:string|!$=new-id) [!MKSTREAM]"
          " [ENTRIESREAD=entries-read:integer]")
      .KeyFlags("RW insert");
  r.AddSub("XGROUP", {"SETID", -5, kWrite, 2, 2, 1, S, &CmdXGroup, "stream", "5.0.0",
                      "Sets the last-delivered ID of a consumer group.", "O(1)"})
      .Args("key:key group:string id-selector(id:string|!$=new-id) [ENTRIESREAD=entriesread:integer]")
      .KeyFlags("RW update");
  r.AddSub("XGROUP", {"DESTROY", 4, kWrite, 2, 2, 1, S, &CmdXGroup, "stream", "5.0.0",
                      "Destroys a consumer group.",
                      "O(N) where N is the number of entries in the group's pending entries list "
                      "(PEL)."})
      .Args("key:key group:string")
      .KeyFlags("RW delete");
  r.AddSub("XGROUP", {"CREATECONSUMER", 5, kWrite | kDenyOom, 2, 2, 1, S, &CmdXGroup, "stream",
                      "6.2.0", "Creates a consumer in a consumer group.", "O(1)"})
      .Args("key:key group:string consumer:string")
      .KeyFlags("RW insert");
  r.AddSub("XGROUP", {"DELCONSUMER", 5, kWrite, 2, 2, 1, S, &CmdXGroup, "stream", "5.0.0",
                      "Deletes a consumer from a consumer group.", "O(1)"})
      .Args("key:key group:string consumer:string")
      .KeyFlags("RW delete");
  r.AddSub("XGROUP", {"HELP", 2, kLoading | kStale, 0, 0, 0, S, &CmdXGroupHelp, "stream", "5.0.0",
                      "Returns helpful text about the different subcommands.", "O(1)"});

  r.Add({"XINFO", -2, 0, 0, 0, 0, 0, nullptr, "stream", "5.0.0",
         "A container for stream introspection commands.", "Depends on subcommand."});
  r.AddSub("XINFO", {"STREAM", -3, kReadOnly, 2, 2, 1, S, &CmdXInfoStream, "stream", "5.0.0",
                     "Returns information about a stream.", "O(1)"})
      .Args("key:key [full-block{!FULL [COUNT=count:integer]}]")
      .KeyFlags("RO access");
  r.AddSub("XINFO", {"GROUPS", 3, kReadOnly, 2, 2, 1, S, &CmdXInfoGroups, "stream", "5.0.0",
                     "Returns a list of the consumer groups of a stream.", "O(1)"})
      .Args("key:key")
      .KeyFlags("RO access");
  r.AddSub("XINFO", {"CONSUMERS", 4, kReadOnly, 2, 2, 1, S, &CmdXInfoConsumers, "stream",
                     "5.0.0", "Returns a list of the consumers in a consumer group.", "O(1)"})
      .Args("key:key group:string")
      .KeyFlags("RO access");
  r.AddSub("XINFO", {"HELP", 2, kLoading | kStale, 0, 0, 0, S, &CmdXInfoHelp, "stream", "5.0.0",
                     "Returns helpful text about the different subcommands.", "O(1)"});
}

}  // namespace carmine
