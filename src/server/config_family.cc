// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CONFIG GET/SET/RESETSTAT/REWRITE/HELP. The directives themselves are declared by the modules
// that own them (base/config.h); these handlers go through the server's config registry.
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/errors.h"
#include "server/aof.h"
#include "server/fork_child.h"
#include "server/persistence.h"
#include "server/server.h"

namespace carmine {
namespace {

// CONFIG GET parameter [parameter ...]
void CmdConfigGet(Server& s, ArgList args, CommandContext& ctx) {
  auto out = s.config().Match(args.subspan(2));
  ctx.rb.MapLen(static_cast<int64_t>(out.size()));
  for (auto& [k, v] : out) {
    ctx.rb.Bulk(k);
    ctx.rb.Bulk(v);
  }
}

// CONFIG SET parameter value [parameter value ...]
void CmdConfigSet(Server& s, ArgList args, CommandContext& ctx) {
  if (args.size() % 2 != 0) {
    ctx.rb.Error(err::WrongArgs("config|set"));
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i < args.size(); i += 2) {
    pairs.emplace_back(ToLower(args[i]), std::string(args[i + 1]));
  }
  auto mode = static_cast<EnableMode>(s.opts().enable_protected_configs.get());
  bool allow_protected =
      mode == EnableMode::kYes || (mode == EnableMode::kLocal && ctx.session.is_local);
  Aof::TransactionScope in_exec(ctx.no_block);  // no_block: run by EXEC (CONFIG is noscript)
  std::string e =
      err::ConfigSetReply(s.config().SetFromCommand(pairs, allow_protected,
                                                   s.dbs().loading() || s.dbs().async_loading()));
  if (e.empty()) {
    ctx.rb.Ok();
  } else {
    ctx.rb.Error(e);
  }
}

// CONFIG RESETSTAT
void CmdConfigResetStat(Server& s, ArgList, CommandContext& ctx) {
  s.dbs().stats().Reset();
  s.dispatcher().stats().Reset();
  s.registry().ResetStats();
  s.dispatcher().evictor().ResetStats();
  s.defrag().ResetStats();
  s.persistence().ResetStats();
  s.aof().ResetStats();
  s.lazy_freer().ResetStats();
  ForkChild::ResetStats();
  auto& st = s.stats();
  st.connections_received = 0;
  st.rejected_connections = 0;
  st.evicted_clients = 0;
  st.query_limit_disconnections = 0;
  st.output_limit_disconnections = 0;
  st.sync_full = 0;
  st.sync_partial_ok = 0;
  st.sync_partial_err = 0;
  st.net_input_bytes.Reset();
  st.net_output_bytes.Reset();
  st.reads_processed.Reset();
  st.writes_processed.Reset();
  for (RateSampler* r : {&st.ops, &st.input_bytes, &st.output_bytes, &st.loop_cycles,
                         &st.loop_busy_us}) {
    r->Reset();
  }
  ctx.rb.Ok();
}

// CONFIG REWRITE
void CmdConfigRewrite(Server& s, ArgList, CommandContext& ctx) {
  if (s.config_file().empty()) {
    ctx.rb.Error(err::kNoConfigFile);
    return;
  }
  Status st;
  {
    std::lock_guard<std::mutex> l(s.config().mu());
    st = s.config().Rewrite(s.config_file());
  }
  if (!st.ok()) {
    LOG_WARNING("CONFIG REWRITE failed: %s", st.message().c_str());
    ctx.rb.Error(err::Format(err::kConfigRewrite, st.message()));
    return;
  }
  LOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.rb.Ok();
}

void CmdConfigHelp(Server&, ArgList, CommandContext& ctx) {
  ReplyHelp(ctx,
            {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>",
             "    Return parameters matching the glob-like <pattern> and their values.",
             "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
             "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file.", "HELP", "    Print this help."});
}

}  // namespace

// CONFIG SET of a password (the options flagged kSensitive): the slow log and MONITOR show the
// value as "(redacted)".
void RedactConfigSet(ArgList args, std::vector<bool>* redacted) {
  static constexpr std::string_view kSecrets[] = {"requirepass", "masterauth",
                                                  "tls-key-file-pass", "tls-client-key-file-pass"};
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    for (auto name : kSecrets) {
      if (EqualsIgnoreCase(args[i], name)) (*redacted)[i + 1] = true;
    }
  }
}

void RegisterConfigFamily(CommandRegistry& r, Server& s) {
  constexpr uint32_t LS = kLoading | kStale;
  r.Add({"CONFIG", -2, 0, 0, 0, 0, 0, nullptr, "server", "2.0.0",
         "A container for server configuration commands.", "Depends on subcommand."});
  auto cfg = [&](const char* name, int arity, uint32_t flags, Handler h, const char* since,
                 const char* summary) -> CommandSpec& {
    return r.AddSub("CONFIG", {name, arity, flags, 0, 0, 0, 0, h, "server", since, summary, "O(N)"})
        .Lock(LockMode::kNone);
  };
  cfg("GET", -3, kAdmin | kNoScript | LS, Handler::Bind<CmdConfigGet>(&s), "2.0.0",
      "Returns the effective values of configuration parameters.")
      .Args("parameter:string...");
  // SET may start an AOF rewrite (appendonly yes), which takes every shard: inside EXEC the
  // transaction takes them all first (kSelf), so nothing is locked twice.
  cfg("SET", -4, kAdmin | kNoScript | LS, Handler::Bind<CmdConfigSet>(&s), "2.0.0",
      "Sets configuration parameters in-flight.")
      .Args("data{parameter:string value:string}...")
      .Redact(&RedactConfigSet)
      .Lock(LockMode::kSelf);
  cfg("RESETSTAT", 2, kAdmin | kNoScript | LS, Handler::Bind<CmdConfigResetStat>(&s), "2.0.0",
      "Resets the server's statistics.");
  cfg("REWRITE", 2, kAdmin | kNoScript | LS, Handler::Bind<CmdConfigRewrite>(&s), "2.8.0",
      "Persists the effective configuration to file.");
  cfg("HELP", 2, LS, Handler::Bind<CmdConfigHelp>(&s), "5.0.0",
      "Returns helpful text about the different subcommands.");

}

}  // namespace carmine
