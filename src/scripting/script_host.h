// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// What EVAL and FCALL share: the host that runs a script's commands, and the sink that
// collects their effects (scripting.cc, function_family.cc).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/crc16.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "scripting/scripting.h"

namespace carmine {

// Collects a script's write effects, to be propagated as one unit once it ends.
class EffectSink : public PropagationSink {
 public:
  explicit EffectSink(bool active) : active_(active) {}
  bool active() const override { return active_; }
  void Append(int db, std::vector<std::string> args) override {
    entries.push_back({db, std::move(args), target});
  }
  std::vector<TargetedEntry> entries;
  int target = kToAll;  // where what is appended now goes (redis.set_repl)

 private:
  bool active_;
};

// Runs the commands of one script for the engine: Redis's checks for commands called from a
// script, then the dispatcher with the script's locks held.
class Scripting::Host : public ScriptHost {
 public:
  // `oom`: the server was over maxmemory when the script started, and the script declared no
  // flags: its deny-oom commands fail until it has written something, as in Redis.
  Host(Scripting& s, CommandContext& ctx, bool read_only, bool oom)
      : s_(s), ctx_(ctx), read_only_(read_only), oom_(oom), sink_(ctx.propagating()) {
    Session& me = s.session_;
    me.db.store(ctx.session.db.load(std::memory_order_relaxed), std::memory_order_relaxed);
    me.is_master = ctx.session.is_master;
    me.loader = ctx.session.loader;
    me.authenticated = true;
    me.in_script = true;
    me.script_time_us = clock::NowUs();
    // Keys the script reads are tracked for the caller, and its writes are the caller's (NOLOOP).
    me.tracking = ctx.session.tracking;
    me.id = ctx.session.id;
  }
  ~Host() override { s_.session_.tracking.reset(); }

  bool Call(std::span<const std::string_view> args, int resp, std::string* out) override {
    const CommandSpec* spec = nullptr;
    const size_t start = out->size();
    if (Run(args, resp, out, &spec)) return true;
    // Refused before it ran: a rejected call of that command, and an error, in the statistics.
    std::string_view e = std::string_view(*out).substr(start + 1);
    ctx_.dispatcher->CountScriptRefusal(spec, e.substr(0, e.find('\r')));
    return false;
  }

  // Call's checks and the command; false when refused (the error in *out).
  bool Run(std::span<const std::string_view> args, int resp, std::string* out,
           const CommandSpec** resolved) {
    ReplyBuilder rb(out);
    rb.SetProtocol(resp);
    const CommandSpec* spec = Resolve(args);
    *resolved = spec;
    if (spec == nullptr) {
      rb.Error("ERR Unknown Redis command called from script");
      return false;
    }
    int argc = static_cast<int>(args.size());
    if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
      rb.Error("ERR Wrong number of args calling Redis command from script");
      return false;
    }
    if ((spec->flags & kNoScript) && !s_.deny_disabled_.load(std::memory_order_relaxed)) {
      rb.Error("ERR This Redis command is not allowed from script");
      return false;
    }
    Session& me = s_.session_;
    const CommandHooks& hooks = ctx_.dispatcher->hooks();
    if (!(spec->flags & kStale) && !me.is_master && !me.loader && hooks.master_down &&
        hooks.master_down()) {
      rb.Error("ERR Can not execute the command on a stale replica");
      return false;
    }
    if (hooks.acl_script) {
      if (std::string e = hooks.acl_script(spec, args, ctx_.session, true); !e.empty()) {
        rb.Error("ERR ACL failure in script: " + e);
        return false;
      }
    }
    // What may reach replicas counts as a write here (PUBLISH too), so a read-only script never
    // needs to wait out CLIENT PAUSE WRITE.
    if (read_only_ && (spec->flags & (kWrite | kMayReplicate))) {
      rb.Error("ERR Write commands are not allowed from read-only scripts.");
      return false;
    }
    if (spec->flags & kWrite) {
      const auto& ro = ctx_.dispatcher->hooks().read_only_replica;
      if (!me.is_master && !me.loader && ro && ro()) {
        rb.Error("READONLY You can't write against a read only replica.");
        return false;
      }
      // Judged before the script's first write only: once it wrote, it runs to its end rather
      // than stop half done because a replica dropped meanwhile (as in Redis).
      if (!me.is_master && !me.loader && !wrote_ && !ctx_.dispatcher->EnoughReplicas()) {
        rb.Error(err::kNoReplicas);
        return false;
      }
      if (!me.is_master && !me.loader) {
        if (std::string e = ctx_.dispatcher->WriteMisconf(); !e.empty()) {
          rb.Error(e);
          return false;
        }
      }
      s_.engine_.NoteWrite();
    }
    if ((spec->flags & kDenyOom) && oom_ && !wrote_) {
      rb.Error(err::kOom);
      return false;
    }
    if (std::string e = ClusterRefusal(spec, args); !e.empty()) {
      rb.Error(e);
      return false;
    }
    if (spec->flags & kWrite) wrote_ = true;
    me.resp.store(resp, std::memory_order_relaxed);
    // redis.set_repl(redis.REPL_NONE): what follows is not propagated.
    static EffectSink unpropagated(false);
    PropagationSink* sink = &unpropagated;
    if (int repl = s_.engine_.repl_flags(); repl != 0) {
      sink_.target = repl;  // REPL_AOF 1, REPL_REPLICA 2, REPL_ALL 3
      sink = &sink_;
    }
    ctx_.dispatcher->CallFromScript(spec, args, me, rb, ctx_.now_ms, sink, &ctx_.ready.keys);
    return true;
  }

  // In cluster mode: the keys the script's declared keys hash to (any slot when none were
  // declared, or with the allow-cross-slot-keys flag).
  void SetDeclaredKeys(ArgList keys, bool allow_cross_slot) {
    if (!keys.empty()) slot_ = static_cast<int>(KeySlot(keys[0]));
    allow_cross_slot_ = allow_cross_slot;
  }

  bool AclCheck(std::span<const std::string_view> args, bool* allowed) override {
    const CommandSpec* spec = Resolve(args);
    if (spec == nullptr) return false;
    const auto& check = ctx_.dispatcher->hooks().acl_script;
    *allowed = !check || check(spec, args, ctx_.session, false).empty();
    return true;
  }

  void StillRunning(int64_t elapsed_ms) override {
    if (elapsed_ms < s_.opts_.busy_reply_threshold.get()) return;
    if (!warned_) {
      warned_ = true;
      LOG_WARNING("Slow script detected: still in execution after %lld milliseconds. You can try "
                  "killing the script using the %s command. Script name is: %s.",
                  static_cast<long long>(elapsed_ms),
                  s_.engine_.running_function() ? "FUNCTION KILL" : "SCRIPT KILL",
                  s_.engine_.running_label().c_str());
    }
    if (ctx_.session.process_while_busy) ctx_.session.process_while_busy();
  }

  // Propagates what the script wrote, as one unit.
  void Finish() {
    auto& e = sink_.entries;
    if (e.empty() || ctx_.sink == nullptr) return;
    // Inside EXEC the transaction's own MULTI/EXEC already wraps it.
    if (e.size() > 1 && !ctx_.no_block) {
      e.insert(e.begin(), {-1, {"MULTI"}, PropagationSink::kToAll});
      e.push_back({-1, {"EXEC"}, PropagationSink::kToAll});
    }
    bool everywhere = true;
    for (const auto& x : e) everywhere &= x.targets == PropagationSink::kToAll;
    if (!everywhere) {
      ctx_.sink->AppendTargeted(std::move(e));
      return;
    }
    std::vector<std::pair<int, std::vector<std::string>>> batch;
    batch.reserve(e.size());
    for (auto& x : e) batch.emplace_back(x.db, std::move(x.args));
    ctx_.sink->AppendBatch(std::move(batch));
  }

 private:
  // A cluster node's checks of a command a script calls (Redis's words): its keys are served
  // here, hash to one slot, and, unless the script allows cross-slot keys, to the slot of the
  // script's other keys. What the master's stream or the AOF replays runs as it comes.
  std::string ClusterRefusal(const CommandSpec* spec, std::span<const std::string_view> args) {
    const CommandHooks& hooks = ctx_.dispatcher->hooks();
    if (!hooks.cluster || ctx_.session.is_master || ctx_.session.loader || !spec->HasKeys()) {
      return "";
    }
    std::string e;
    hooks.cluster(CommandCheck{spec, args, ctx_.session, spec->flags, false, false}, &e);
    if (e.starts_with("CLUSTERDOWN The cluster is down and only accepts read commands")) {
      return "ERR Script attempted to execute a write command while the cluster is down and "
             "readonly";
    }
    if (e.starts_with("CLUSTERDOWN The cluster is down")) {
      return "ERR Script attempted to execute a command while the cluster is down";
    }
    // Keys of several slots in one call are "non local" too, in Redis 7.2's words.
    if (!e.empty()) return "ERR Script attempted to access a non local key in a cluster node";
    if (allow_cross_slot_) return "";
    std::vector<int> pos = spec->KeyPositions(args);
    if (pos.empty()) return "";
    const int slot = static_cast<int>(KeySlot(args[static_cast<size_t>(pos[0])]));
    if (slot_ < 0) slot_ = slot;
    if (slot != slot_) return "ERR Script attempted to access keys that do not hash to the same slot";
    return "";
  }

  const CommandSpec* Resolve(std::span<const std::string_view> args) {
    const CommandSpec* spec = ctx_.registry.Find(args[0]);
    if (spec != nullptr && spec->is_container()) {
      if (args.size() < 2) return spec;
      auto it = spec->subcommands.find(ToLower(args[1]));
      return it == spec->subcommands.end() ? nullptr : it->second.get();
    }
    return spec;
  }

  Scripting& s_;
  CommandContext& ctx_;
  bool read_only_;
  bool oom_;
  bool wrote_ = false;
  int slot_ = -1;  // the slot the script's keys hash to, once known (cluster mode)
  bool allow_cross_slot_ = false;
  bool warned_ = false;
  EffectSink sink_;
};

// What Redis checks before running a script that declared its flags (a shebang, or any
// function): a script that may write is refused on a read-only replica, one that did not say
// allow-stale on a replica whose master link is down (with replica-serve-stale-data no). ""
// when it may run.
inline std::string_view FlaggedScriptRefusal(const ScriptFlags& f, CommandContext& ctx) {
  if (ctx.session.is_master || ctx.session.loader) return {};
  const CommandHooks& h = ctx.dispatcher->hooks();
  if (!f.no_writes && h.read_only_replica && h.read_only_replica()) {
    return err::kReadOnlyReplica;
  }
  if (!f.allow_stale && h.master_down && h.master_down()) return err::kMasterDown;
  if (!f.no_writes && !ctx.dispatcher->EnoughReplicas()) return err::kNoReplicas;
  if (!f.no_writes && ctx.opts.refuse_writes_misconf.load()) return err::kMisconfRdb;
  return {};
}

// A script's hold on the dataset: every shard of every database (a script may touch keys it
// did not declare and SELECT any database), the thread marked as holding them all, and the
// dataset marked as held by a script (DbSet::exclusive) for the scope.
class WholeDataset {
 public:
  explicit WholeDataset(DbSet& dbs) : dbs_(dbs) {
    locks_.AddAll(dbs);
    locks_.Acquire();
    if (dbs.locking()) held_.emplace();
    was_ = dbs.exclusive();
    dbs.set_exclusive(true);
  }
  ~WholeDataset() { dbs_.set_exclusive(was_); }
  WholeDataset(const WholeDataset&) = delete;
  WholeDataset& operator=(const WholeDataset&) = delete;

 private:
  DbSet& dbs_;
  ShardLocks locks_;
  std::optional<AllShardsHeld> held_;
  bool was_ = false;
};

// EVAL's and FCALL's keys: numkeys (at 2) names the keys that follow.
std::vector<int> ScriptKeys(ArgList args);

// EVAL's and FCALL's numkeys (args[2]), checked against the arguments given; false after
// replying with Redis's error (`not_int` is the text when it is no integer).
inline bool ParseNumKeys(ArgList args, CommandContext& ctx, std::string_view not_int,
                         size_t* out) {
  int64_t n;
  if (!ParseInt64(args[2], &n)) {
    ctx.rb.Error(not_int);
    return false;
  }
  if (n < 0) {
    ctx.rb.Error("ERR Number of keys can't be negative");
    return false;
  }
  if (n > static_cast<int64_t>(args.size()) - 3) {
    ctx.rb.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  *out = static_cast<size_t>(n);
  return true;
}

// Adds EVAL, EVALSHA, FCALL or one of their _RO variants: the same flags, key specs and locking
// (the handler takes every shard itself). Those that may write are "may replicate" (CLIENT PAUSE
// WRITE holds them); a script that declared its flags is judged by those instead (`call_flags`).
inline CommandSpec& AddScriptCommand(CommandRegistry& r, std::string_view name, bool read_only,
                                     Handler handler, std::string_view since,
                                     std::string_view summary, std::string_view complexity,
                                     std::string_view args) {
  constexpr uint32_t kFlags = kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys;
  return r
      .Add({name, -3, kFlags | (read_only ? kReadOnly : kMayReplicate), 0, 0, 0, acl::kScripting,
            handler, "scripting", since, summary, complexity})
      .Args(args)
      .Keys(&ScriptKeys)
      .KeyFlags(read_only ? "RO access" : "RW access update")
      .Lock(LockMode::kSelf);
}

}  // namespace carmine
