// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "cluster/migrate.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/clock.h"
#include "base/strutil.h"
#include "commands/context.h"
#include "db/notify.h"
#include "net/dial.h"
#include "persist/rdb_value.h"
#include "protocol/errors.h"
#include "protocol/reply_reader.h"
#include "protocol/request.h"

namespace carmine {
namespace {

constexpr size_t kMaxCached = 64;
constexpr int64_t kIdleCloseMs = 10000;
// Requests go out in pieces of this size, each allowed the whole timeout: the timeout bounds
// how long the target may stall, not how long a large transfer may take.
constexpr size_t kWriteChunk = 64 * 1024;

struct Options {
  bool copy = false, replace = false;
  std::string_view user, password;
  bool auth = false;
  size_t first_key = 3, num_keys = 1;
};

// Parses the options after the timeout. "" or the error reply.
std::string_view ParseOptions(ArgList args, Options* o) {
  for (size_t i = 6; i < args.size(); i++) {
    size_t more = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "copy")) {
      o->copy = true;
    } else if (EqualsIgnoreCase(args[i], "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(args[i], "auth")) {
      if (more < 1) return err::kSyntax;
      o->auth = true;
      o->user = {};
      o->password = args[++i];
    } else if (EqualsIgnoreCase(args[i], "auth2")) {
      if (more < 2) return err::kSyntax;
      o->auth = true;
      o->user = args[++i];
      o->password = args[++i];
    } else if (EqualsIgnoreCase(args[i], "keys")) {
      if (!args[3].empty()) {
        return err::kMigrateKeysNeedEmptyKey;
      }
      o->first_key = i + 1;
      o->num_keys = args.size() - i - 1;
      break;
    } else {
      return err::kSyntax;
    }
  }
  return {};
}

// The keys of a call: the key argument, or everything after KEYS when it is "".
std::vector<int> MigrateKeys(ArgList args) {
  std::vector<int> out;
  if (args.size() < 6) return out;
  if (args[3].empty()) {
    for (size_t i = 6; i < args.size(); i++) {
      if (EqualsIgnoreCase(args[i], "auth")) {
        i++;
      } else if (EqualsIgnoreCase(args[i], "auth2")) {
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "keys")) {
        for (size_t k = i + 1; k < args.size(); k++) out.push_back(static_cast<int>(k));
        break;
      }
    }
    return out;
  }
  out.push_back(3);
  return out;
}

// AUTH's and AUTH2's credentials are secrets in the slow log and MONITOR.
void RedactMigrate(ArgList args, std::vector<bool>* redacted) {
  for (size_t i = 6; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "auth") && i + 1 < args.size()) {
      (*redacted)[++i] = true;
    } else if (EqualsIgnoreCase(args[i], "auth2") && i + 2 < args.size()) {
      (*redacted)[i + 1] = (*redacted)[i + 2] = true;
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "keys")) {
      break;
    }
  }
}

struct KeyToMove {
  std::string_view key;
  std::string payload;
  int64_t ttl_ms;  // 0: no expiry
};

}  // namespace

MigrateClient::MigrateClient(std::function<std::string()> source_addr)
    : source_addr_(std::move(source_addr)) {}

MigrateClient::~MigrateClient() = default;

size_t MigrateClient::cached() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.size();
}

void MigrateClient::Cron(int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (now_ms - it->second->last_use_ms > kIdleCloseMs) {
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
}

std::unique_ptr<MigrateClient::Target> MigrateClient::Take(const std::string& host, int port,
                                                           int64_t timeout_ms,
                                                           std::string* error) {
  std::string addr = host + ":" + std::to_string(port);
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(addr);
    if (it != cache_.end()) {
      auto t = std::move(it->second);
      cache_.erase(it);
      return t;
    }
  }
  bool answered = false;
  Result<int> fd = net::ConnectWithTimeout(host, port, source_addr_(), timeout_ms, &answered);
  if (!fd.ok()) {
    // A target that answered the connect with a refusal is reported as Redis reports it: as a
    // failed write to a connection that seemed open.
    *error = answered ? "write" : "connect";
    return nullptr;
  }
  auto t = std::make_unique<Target>();
  t->transport = net::MakePlainTransport(fd.value());
  return t;
}

void MigrateClient::Return(const std::string& addr, std::unique_ptr<Target> t, int64_t now_ms) {
  t->last_use_ms = now_ms;
  std::lock_guard<std::mutex> l(mu_);
  if (cache_.count(addr) == 0 && cache_.size() >= kMaxCached) cache_.erase(cache_.begin());
  cache_[addr] = std::move(t);  // a connection opened meanwhile by another worker is replaced
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key [key ...]]
void MigrateClient::Migrate(ArgList args, CommandContext& ctx) {
  Options o;
  if (std::string_view e = ParseOptions(args, &o); !e.empty()) return ctx.rb.Error(e);
  int64_t dbid, timeout;
  if (!ParseInt64(args[5], &timeout) || !ParseInt64(args[4], &dbid)) {
    return ctx.rb.Error(err::kNotInt);
  }
  if (timeout <= 0) timeout = 1000;
  ctx.PropagateNothing();  // only what the target acknowledged is propagated, as DEL

  Db db = ctx.db();
  std::vector<KeyToMove> keys;
  for (size_t i = o.first_key; i < o.first_key + o.num_keys; i++) {
    Entry* e = db.FindRead(args[i]);
    if (e == nullptr) continue;
    int64_t ttl = 0;
    if (e->has_expire()) ttl = std::max<int64_t>(1, e->expire_at() - ctx.now_ms);
    keys.push_back({args[i], rdb::DumpPayload(e->value, ctx.opts.limits()), ttl});
  }
  if (keys.empty()) return ctx.rb.Simple("NOKEY");

  // The port is read as atoi would ("x" is port 0): the connect then fails as in Redis.
  std::string host(args[1]);
  int port = atoi(std::string(args[2]).c_str());
  std::string addr = host + ":" + std::to_string(port);
  std::string_view restore = ctx.opts.cluster_enabled.load() ? "RESTORE-ASKING" : "RESTORE";
  std::vector<std::string> deleted;
  for (bool may_retry = true;; may_retry = false) {
    std::string failed_op;
    std::unique_ptr<Target> t = Take(host, port, timeout, &failed_op);
    if (t == nullptr && failed_op == "connect") return ctx.rb.Error(err::kMigrateConnect);

    std::string req;
    bool select = t != nullptr && t->selected_db != dbid;
    if (t != nullptr) {
      if (o.auth) {
        if (o.user.empty()) {
          protocol::AppendRequest(&req, {"AUTH", o.password});
        } else {
          protocol::AppendRequest(&req, {"AUTH", o.user, o.password});
        }
      }
      if (select) protocol::AppendRequest(&req, {"SELECT", Int64ToString(dbid)});
      for (const KeyToMove& k : keys) {
        std::string ttl = Int64ToString(k.ttl_ms);
        if (o.replace) {
          protocol::AppendRequest(&req, {restore, k.key, ttl, k.payload, "REPLACE"});
        } else {
          protocol::AppendRequest(&req, {restore, k.key, ttl, k.payload});
        }
      }
      for (size_t off = 0; off < req.size() && failed_op.empty(); off += kWriteChunk) {
        std::string_view chunk = std::string_view(req).substr(off, kWriteChunk);
        if (!net::SyncWrite(*t->transport, chunk, clock::MonotonicUs() + timeout * 1000)) {
          failed_op = "write";
        }
      }
    }
    int saved_errno = failed_op == "write" && t == nullptr ? ECONNREFUSED : errno;

    // The answers, in order: AUTH's, SELECT's, then one per key.
    ReplyReader reader;
    std::vector<RespValue> answers;
    size_t expected = (o.auth ? 1 : 0) + (select ? 1 : 0) + keys.size();
    size_t prefix = expected - keys.size();
    std::string target_error;
    size_t acked = 0;  // key answers read
    while (failed_op.empty() && answers.size() < expected) {
      RespValue v;
      auto st = reader.Parse(std::string_view(t->in.data(), t->in.size()), &v);
      if (st == ReplyReader::State::kOk) {
        t->in.Consume(reader.consumed());
        answers.push_back(std::move(v));
        if (answers.size() <= prefix) continue;
        acked++;
        const RespValue& mine = answers.back();
        const RespValue* bad = nullptr;
        for (size_t i = 0; i < prefix && bad == nullptr; i++) {
          if (answers[i].is_error()) bad = &answers[i];
        }
        if (bad == nullptr && mine.is_error()) bad = &mine;
        if (bad != nullptr) {
          if (target_error.empty()) target_error = bad->str;
        } else if (!o.copy) {
          std::string_view key = keys[answers.size() - prefix - 1].key;
          if (db.Delete(key)) {
            db.Changed(key, kNotifyGeneric, "del");
            deleted.emplace_back(key);
          }
        }
        continue;
      }
      if (st == ReplyReader::State::kError) {
        errno = EPROTO;
        failed_op = "read";
        break;
      }
      ssize_t n = net::SyncRead(*t->transport, &t->in, clock::MonotonicUs() + timeout * 1000);
      if (n <= 0) {
        if (n == 0) errno = ECONNRESET;
        failed_op = "read";
      }
    }
    if (failed_op == "read") saved_errno = errno;

    if (failed_op.empty() || !target_error.empty()) {
      t->selected_db = target_error.empty() ? dbid : -1;
      Return(addr, std::move(t), ctx.now_ms);
    }
    // A connection that failed before any key was answered (typically one the target closed
    // while it sat in the cache) is retried once on a new one, unless the failure was a timeout.
    bool retry = !failed_op.empty() && target_error.empty() && acked == 0 && may_retry &&
                 saved_errno != ETIMEDOUT;
    if (retry) continue;
    if (!deleted.empty() && ctx.propagating()) {
      std::vector<std::string> del{"DEL"};
      del.insert(del.end(), deleted.begin(), deleted.end());
      ctx.Propagate(std::move(del));
    }
    if (!target_error.empty()) {
      return ctx.rb.Error(err::Format(err::kMigrateTargetError, target_error));
    }
    if (!failed_op.empty()) {
      return ctx.rb.Error(failed_op == "write" ? err::kMigrateWrite : err::kMigrateRead);
    }
    return ctx.rb.Ok();
  }
}

void MigrateClient::Register(CommandRegistry& r) {
  r.Add({"MIGRATE", -6, kWrite, 3, 3, 1, acl::kKeyspace | acl::kDangerous,
         Handler::Bind<&MigrateClient::Migrate>(this), "generic", "2.6.0",
         "Atomically transfers a key from one Redis instance to another.",
         "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
         "target instance. See the pages of these commands for time complexity. Also an O(N) "
         "data transfer between the two instances is performed."})
      .Args(
          "host:string port:integer key-selector(key:key|!=empty-string) "
          "destination-db:integer timeout:integer [!COPY] [!REPLACE] "
          "[authentication(AUTH=auth@password:string|AUTH2=auth2{username:string password:string})] "
          "[KEYS=keys@key:key...]")
      .Keys(&MigrateKeys)
      .KeyFlags("RW access delete")
      .Redact(&RedactMigrate)
      .tips = {"nondeterministic_output"};
}

}  // namespace carmine
