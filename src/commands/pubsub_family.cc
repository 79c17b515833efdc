// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB. The registry
// and the fan-out are in commands/pubsub.h; this file keeps the session's view of its
// subscriptions in step with the registry and answers in Redis's reply shapes (RESP3 push frames
// for subscription confirmations).
#include "base/strutil.h"
#include "commands/client_state.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

std::unordered_set<std::string>& SetFor(Session& s, SubKind kind) {
  return kind == SubKind::kChannel ? s.channels : kind == SubKind::kPattern ? s.patterns
                                                                            : s.shard_channels;
}

// The count a confirmation carries: shard subscriptions are counted apart, as Redis does.
int64_t CountFor(const Session& s, SubKind kind) {
  if (kind == SubKind::kShard) return static_cast<int64_t>(s.shard_channels.size());
  return static_cast<int64_t>(s.channels.size() + s.patterns.size());
}

void SyncCounts(Session& s) {
  s.sub_count.store(static_cast<int>(s.channels.size()), std::memory_order_relaxed);
  s.psub_count.store(static_cast<int>(s.patterns.size()), std::memory_order_relaxed);
  s.ssub_count.store(static_cast<int>(s.shard_channels.size()), std::memory_order_relaxed);
  if (s.subscriber) s.subscriber->subscribed.store(s.pubsub_count() > 0);
}

void Confirm(ReplyBuilder& rb, std::string_view what, const std::string_view* name,
             int64_t count) {
  rb.PushLen(3);
  rb.Bulk(what);
  if (name != nullptr) {
    rb.Bulk(*name);
  } else {
    rb.Null();
  }
  rb.Int(count);
}

void Subscribe(ArgList args, CommandContext& ctx, SubKind kind, std::string_view what) {
  Session& s = ctx.session;
  s.reply_is_push = true;  // confirmations reach the client even under CLIENT REPLY OFF
  PubSubRegistry& reg = ctx.dispatcher->pubsub();
  auto& mine = SetFor(s, kind);
  for (size_t i = 1; i < args.size(); i++) {
    bool fresh = false;
    if (s.subscriber) {
      std::lock_guard<std::mutex> l(s.info_mu);  // the ACL reads them from other threads
      fresh = mine.emplace(args[i]).second;
    }
    if (fresh) reg.Subscribe(kind, args[i], s.subscriber);
    Confirm(ctx.rb, what, &args[i], CountFor(s, kind));
  }
  SyncCounts(s);
}

void Unsubscribe(ArgList args, CommandContext& ctx, SubKind kind, std::string_view what) {
  Session& s = ctx.session;
  s.reply_is_push = true;
  PubSubRegistry& reg = ctx.dispatcher->pubsub();
  if (args.size() == 1) {
    UnsubscribeAll(reg, s, kind, &ctx.rb);
    return;
  }
  auto& mine = SetFor(s, kind);
  for (size_t i = 1; i < args.size(); i++) {
    auto it = mine.find(std::string(args[i]));
    if (it != mine.end()) {
      {
        std::lock_guard<std::mutex> l(s.info_mu);
        mine.erase(it);
      }
      reg.Unsubscribe(kind, args[i], s.subscriber.get());
    }
    Confirm(ctx.rb, what, &args[i], CountFor(s, kind));
  }
  SyncCounts(s);
}

void CmdSubscribe(ArgList a, CommandContext& c) { Subscribe(a, c, SubKind::kChannel, "subscribe"); }
void CmdPSubscribe(ArgList a, CommandContext& c) {
  Subscribe(a, c, SubKind::kPattern, "psubscribe");
}
void CmdSSubscribe(ArgList a, CommandContext& c) { Subscribe(a, c, SubKind::kShard, "ssubscribe"); }
void CmdUnsubscribe(ArgList a, CommandContext& c) {
  Unsubscribe(a, c, SubKind::kChannel, "unsubscribe");
}
void CmdPUnsubscribe(ArgList a, CommandContext& c) {
  Unsubscribe(a, c, SubKind::kPattern, "punsubscribe");
}
void CmdSUnsubscribe(ArgList a, CommandContext& c) {
  Unsubscribe(a, c, SubKind::kShard, "sunsubscribe");
}

// Other servers hear of a message: the cluster's nodes over the bus, or else the replicas.
void PropagatePublish(ArgList args, CommandContext& ctx, bool shard) {
  const CommandHooks& h = ctx.dispatcher->hooks();
  if (h.cluster_publish) {
    h.cluster_publish(args[1], args[2], shard);
  } else if (h.replicate_only) {
    h.replicate_only(ctx.session.db.load(), args);
  }
}

// PUBLISH channel message
void CmdPublish(ArgList args, CommandContext& ctx) {
  ctx.rb.Int(ctx.dispatcher->pubsub().Publish(args[1], args[2]));
  PropagatePublish(args, ctx, false);
}

// SPUBLISH shardchannel message
void CmdSPublish(ArgList args, CommandContext& ctx) {
  ctx.rb.Int(ctx.dispatcher->pubsub().PublishShard(args[1], args[2]));
  PropagatePublish(args, ctx, true);
}

void ReplyNames(CommandContext& ctx, const std::vector<std::string>& names) {
  ctx.rb.ArrayLen(static_cast<int64_t>(names.size()));
  for (auto& n : names) ctx.rb.Bulk(n);
}

// PUBSUB CHANNELS [pattern] / SHARDCHANNELS [pattern]
void CmdPubsubChannels(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error(err::SubcommandSyntax(args[1], "pubsub"));
    return;
  }
  ReplyNames(ctx, ctx.dispatcher->pubsub().Channels(SubKind::kChannel,
                                                    args.size() == 3 ? args[2] : ""));
}
void CmdPubsubShardChannels(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    ctx.rb.Error(err::SubcommandSyntax(args[1], "pubsub"));
    return;
  }
  ReplyNames(ctx,
             ctx.dispatcher->pubsub().Channels(SubKind::kShard, args.size() == 3 ? args[2] : ""));
}

// PUBSUB NUMSUB [channel ...] / SHARDNUMSUB [shardchannel ...]
void ReplyNumSub(ArgList args, CommandContext& ctx, SubKind kind) {
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); i++) {
    ctx.rb.Bulk(args[i]);
    ctx.rb.Int(ctx.dispatcher->pubsub().NumSubscribers(kind, args[i]));
  }
}
void CmdPubsubNumSub(ArgList a, CommandContext& c) { ReplyNumSub(a, c, SubKind::kChannel); }
void CmdPubsubShardNumSub(ArgList a, CommandContext& c) { ReplyNumSub(a, c, SubKind::kShard); }

void CmdPubsubNumPat(ArgList, CommandContext& ctx) {
  ctx.rb.Int(static_cast<int64_t>(ctx.dispatcher->pubsub().NumPatterns()));
}

void CmdPubsubHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Print this help."});
}

}  // namespace

void UnsubscribeAll(PubSubRegistry& reg, Session& s, SubKind kind, ReplyBuilder* rb) {
  auto& mine = SetFor(s, kind);
  std::string_view what = kind == SubKind::kChannel   ? "unsubscribe"
                          : kind == SubKind::kPattern ? "punsubscribe"
                                                      : "sunsubscribe";
  if (mine.empty() && rb != nullptr) Confirm(*rb, what, nullptr, CountFor(s, kind));
  std::vector<std::string> names(mine.begin(), mine.end());
  for (auto& n : names) {
    {
      std::lock_guard<std::mutex> l(s.info_mu);
      mine.erase(n);
    }
    reg.Unsubscribe(kind, n, s.subscriber.get());
    if (rb != nullptr) {
      std::string_view v = n;
      Confirm(*rb, what, &v, CountFor(s, kind));
    }
  }
  SyncCounts(s);
}

void DisableTracking(TrackingRegistry& reg, Session& s) {
  if (s.tracking == nullptr) return;
  reg.Disable(s.id);
  s.tracking.reset();
  s.tracking_redir.store(-1, std::memory_order_relaxed);
  s.tracking_bcast.store(false, std::memory_order_relaxed);
}

bool AllowedWhileSubscribed(const CommandSpec* spec) {
  if (spec->parent != nullptr) return false;
  static constexpr std::string_view kAllowed[] = {"ping",         "subscribe",   "psubscribe",
                                                  "ssubscribe",   "unsubscribe", "punsubscribe",
                                                  "sunsubscribe", "quit",        "reset"};
  for (auto n : kAllowed) {
    if (EqualsIgnoreCase(spec->name, n)) return true;
  }
  return false;
}

void RegisterPubSubFamily(CommandRegistry& r) {
  constexpr uint32_t F = kPubSub | kNoScript | kLoading | kStale;
  r.Add({"SUBSCRIBE", -2, F, 0, 0, 0, 0, &CmdSubscribe, "pubsub", "2.0.0",
         "Listens for messages published to channels.",
         "O(N) where N is the number of channels to subscribe to."})
      .Args("channel:string...")
      .Lock(LockMode::kNone);
  r.Add({"UNSUBSCRIBE", -1, F, 0, 0, 0, 0, &CmdUnsubscribe, "pubsub", "2.0.0",
         "Stops listening to messages posted to channels.",
         "O(N) where N is the number of channels to unsubscribe."})
      .Args("[channel:string...]")
      .Lock(LockMode::kNone);
  r.Add({"PSUBSCRIBE", -2, F, 0, 0, 0, 0, &CmdPSubscribe, "pubsub", "2.0.0",
         "Listens for messages published to channels that match one or more patterns.",
         "O(N) where N is the number of patterns to subscribe to."})
      .Args("pattern:pattern...")
      .Lock(LockMode::kNone);
  r.Add({"PUNSUBSCRIBE", -1, F, 0, 0, 0, 0, &CmdPUnsubscribe, "pubsub", "2.0.0",
         "Stops listening to messages published to channels that match one or more patterns.",
         "O(N) where N is the number of patterns to unsubscribe."})
      .Args("[pattern:pattern...]")
      .Lock(LockMode::kNone);
  r.Add({"SSUBSCRIBE", -2, F, 1, -1, 1, 0, &CmdSSubscribe, "pubsub", "7.0.0",
         "Listens for messages published to shard channels.",
         "O(N) where N is the number of shard channels to subscribe to."})
      .Args("shardchannel:string...")
      .KeyFlags("not_key")
      .Lock(LockMode::kNone);
  r.Add({"SUNSUBSCRIBE", -1, F, 1, -1, 1, 0, &CmdSUnsubscribe, "pubsub", "7.0.0",
         "Stops listening to messages posted to shard channels.",
         "O(N) where N is the number of shard channels to unsubscribe."})
      .Args("[shardchannel:string...]")
      .KeyFlags("not_key")
      .Lock(LockMode::kNone);
  r.Add({"PUBLISH", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate, 0, 0, 0, 0, &CmdPublish, "pubsub",
         "2.0.0", "Posts a message to a channel.",
         "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
         "the total number of subscribed patterns (by any client)."})
      .Args("channel:string message:string")
      .Lock(LockMode::kNone);
  r.Add({"SPUBLISH", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate, 1, 1, 1, 0, &CmdSPublish, "pubsub",
         "7.0.0", "Post a message to a shard channel",
         "O(N) where N is the number of clients subscribed to the receiving shard channel."})
      .Args("shardchannel:string message:string")
      .KeyFlags("not_key")
      .Lock(LockMode::kNone);

  r.Add({"PUBSUB", -2, 0, 0, 0, 0, 0, nullptr, "pubsub", "2.8.0",
         "A container for Pub/Sub commands.", "Depends on subcommand."});
  auto sub = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary, const char* complexity) -> CommandSpec& {
    return r
        .AddSub("PUBSUB", {name, arity, flags | kLoading | kStale, 0, 0, 0, 0, h, "pubsub", since,
                           summary, complexity})
        .Lock(LockMode::kNone);
  };
  sub("CHANNELS", -2, kPubSub, &CmdPubsubChannels, "2.8.0", "Returns the active channels.",
      "O(N) where N is the number of active channels, and assuming constant time pattern "
      "matching (relatively short channels and patterns)")
      .Args("[pattern:pattern]");
  sub("NUMPAT", 2, kPubSub, &CmdPubsubNumPat, "2.8.0",
      "Returns a count of unique pattern subscriptions.", "O(1)");
  sub("NUMSUB", -2, kPubSub, &CmdPubsubNumSub, "2.8.0",
      "Returns a count of subscribers to channels.",
      "O(N) for the NUMSUB subcommand, where N is the number of requested channels")
      .Args("[channel:string...]");
  sub("SHARDCHANNELS", -2, kPubSub, &CmdPubsubShardChannels, "7.0.0",
      "Returns the active shard channels.",
      "O(N) where N is the number of active shard channels, and assuming constant time pattern "
      "matching (relatively short shard channels).")
      .Args("[pattern:pattern]");
  sub("SHARDNUMSUB", -2, kPubSub, &CmdPubsubShardNumSub, "7.0.0",
      "Returns the count of subscribers of shard channels.",
      "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels")
      .Args("[shardchannel:string...]");
  sub("HELP", 2, 0, &CmdPubsubHelp, "6.2.0", "Returns helpful text about the different subcommands.",
      "O(1)");
}

}  // namespace carmine
