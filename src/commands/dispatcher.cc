// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/dispatcher.h"

#include "base/clock.h"
#include "base/strutil.h"
#include "protocol/errors.h"

namespace carmine {

std::string_view ErrorText(OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType:
      return err::kWrongType;
    case OpStatus::kSyntaxError:
      return err::kSyntax;
    case OpStatus::kNotInteger:
      return err::kNotInt;
    case OpStatus::kNotFloat:
      return err::kNotFloat;
    case OpStatus::kOverflow:
      return err::kOverflow;
    case OpStatus::kNanOrInf:
      return err::kNanOrInf;
    case OpStatus::kOutOfRange:
      return err::kOffsetRange;
    case OpStatus::kStringTooLong:
      return err::kStringTooLong;
    case OpStatus::kSameObject:
      return err::kSameObject;
    case OpStatus::kKeyNotFound:
      return err::kNoSuchKey;
    default:
      return err::kSyntax;
  }
}

void DispatchStats::CountError(std::string_view code) {
  error_replies.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> l(mu);
  // Redis caps the number of distinct error codes it tracks at 128.
  auto it = errors_by_code.find(std::string(code));
  if (it != errors_by_code.end()) {
    it->second++;
  } else if (errors_by_code.size() < 128) {
    errors_by_code.emplace(std::string(code), 1);
  }
}

void DispatchStats::Reset() {
  commands.Reset();
  error_replies = 0;
  unexpected_error_replies = 0;
  std::lock_guard<std::mutex> l(mu);
  errors_by_code.clear();
}

void Dispatcher::Propagate(ArgList args, Session& session, CommandContext& ctx) {
  int db = session.db.load(std::memory_order_relaxed);
  if (ctx.custom_propagation) {
    for (auto& p : ctx.propagated) sink_->Append(p.db < 0 ? db : p.db, std::move(p.args));
    return;
  }
  if (ctx.changes == 0 || !(ctx.spec->flags & kWrite)) return;
  sink_->Append(db, std::vector<std::string>(args.begin(), args.end()));
}

void Dispatcher::Reject(const CommandSpec* spec, ReplyBuilder& rb, std::string_view msg) {
  if (spec != nullptr) spec->stats->rejected.fetch_add(1, std::memory_order_relaxed);
  rb.Error(msg);
  stats_.CountError(rb.last_error_code());
}

const CommandSpec* Dispatcher::Resolve(ArgList args, Session& session, ReplyBuilder& rb) {
  const CommandSpec* spec = registry_.Find(args[0]);
  if (spec == nullptr) {
    Reject(nullptr, rb, err::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    return nullptr;
  }
  // A container called alone is checked (and, for COMMAND, run) as itself, as Redis does.
  if (spec->is_container() && args.size() > 1) {
    auto it = spec->subcommands.find(ToLower(args[1]));
    if (it == spec->subcommands.end()) {
      Reject(spec, rb, err::UnknownSubcommand(args[1], args[0]));
      return nullptr;
    }
    spec = it->second.get();
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    Reject(spec, rb, err::WrongArgs(spec->full_name));
    return nullptr;
  }
  if (!session.authenticated && !(spec->flags & kNoAuth)) {
    Reject(spec, rb, err::kNoAuth);
    return nullptr;
  }
  if (spec->flags & kProtected) {
    int mode = opts_.enable_debug_command.load(std::memory_order_relaxed);
    if (mode == 0 || (mode == 2 && !session.is_local)) {
      std::string name = ToUpper(spec->parent ? spec->parent->name : spec->name);
      Reject(spec, rb,
             "ERR " + name +
                 " command not allowed. If the enable-debug-command option is set to \"local\", "
                 "you can run it from a local connection, otherwise you need to set this option "
                 "in the configuration file, and then restart the server.");
      return nullptr;
    }
  }
  return spec;
}

void Dispatcher::Dispatch(ArgList args, Session& session, ReplyBuilder& rb, int64_t now_ms) {
  stats_.commands.Add();
  const CommandSpec* spec = Resolve(args, session, rb);
  if (spec == nullptr) return;
  session.last_cmd.store(spec, std::memory_order_relaxed);
  ExecResult r = Execute(spec, args, session, rb, now_ms, false);
  if (!r.ready.empty()) ServeReady(std::move(r.ready), now_ms);
}

Dispatcher::ExecResult Dispatcher::Execute(const CommandSpec* spec, ArgList args, Session& session,
                                           ReplyBuilder& rb, int64_t now_ms, bool serving) {
  ShardLocks locks;
  if (dbs_.locking()) {
    int db = session.db.load(std::memory_order_relaxed);
    switch (spec->lock) {
      case LockMode::kKeys:
        if (spec->HasKeys()) {
          for (int pos : spec->KeyPositions(args)) locks.Add(dbs_, db, dbs_.ShardOf(args[pos]));
        }
        break;
      case LockMode::kDb:
        locks.AddDb(dbs_, db);
        break;
      case LockMode::kAll:
        locks.AddAll(dbs_);
        break;
      case LockMode::kNone:
        break;
    }
    locks.Acquire();
  }

  uint64_t errors_before = rb.errors();
  CommandContext ctx(rb, session, dbs_, registry_, opts_, server_, spec, now_ms);
  ctx.sink = sink_;
  ctx.blocking = &blocking_;
  ctx.ready.set_registry(&blocking_);
  ctx.serving_blocked = serving;
  int64_t start = clock::MonotonicUs();
  spec->handler(args, ctx);
  int64_t took = clock::MonotonicUs() - start;
  ExecResult r;
  r.would_block = ctx.would_block;
  if (ctx.would_block) return r;  // nothing happened: the client keeps waiting
  if (ctx.propagating()) Propagate(args, session, ctx);
  locks.Release();
  if (!ctx.ready.keys.empty()) r.ready = std::move(ctx.ready.keys);

  CommandStats& cs = *spec->stats;
  cs.calls.Add();
  cs.usec.Add(static_cast<uint64_t>(took));
  if (rb.errors() != errors_before) {
    cs.failed.fetch_add(1, std::memory_order_relaxed);
    stats_.CountError(rb.last_error_code());
  }
  return r;
}

void Dispatcher::ServeReady(std::vector<std::pair<int, std::string>> ready, int64_t now_ms) {
  for (size_t i = 0; i < ready.size(); i++) {
    auto [db, key] = ready[i];
    while (auto w = blocking_.ClaimFirst(db, key)) {
      const CommandSpec* spec = registry_.Find(w->args[0]);
      Session s;
      s.id = w->client_id;
      s.db.store(w->db, std::memory_order_relaxed);
      s.resp.store(w->resp, std::memory_order_relaxed);
      std::string out;
      ReplyBuilder rb(&out);
      rb.SetProtocol(w->resp);
      std::vector<std::string_view> args(w->args.begin(), w->args.end());
      ExecResult r = Execute(spec, ArgList(args.data(), args.size()), s, rb, now_ms, true);
      if (r.would_block) {
        // Someone else took the data first: keep the place in line. If a push on another of
        // its keys saw it busy meanwhile, look at all its keys again.
        w->state.store(BlockedClient::kWaiting);
        if (w->rescan.exchange(false)) {
          for (auto& k : w->keys) ready.emplace_back(w->db, k);
        }
        break;
      }
      blocking_.Remove(w.get());
      w->state.store(BlockedClient::kDone);
      w->deliver(std::move(out));
      for (auto& k : r.ready) ready.push_back(std::move(k));
    }
  }
}

}  // namespace carmine
