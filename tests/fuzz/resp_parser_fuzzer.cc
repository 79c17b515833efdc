// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for the request parser. The input is fed in pieces of varying size (the split
// points come from the input itself) the way a socket delivers it, so the incremental paths are
// exercised; each complete command is then run through the dispatcher against a small keyspace,
// so argument handling of every command is fuzzed too. Inputs whose first byte has the top bit
// set run with a memory limit of a few keys (a probe that counts keys) under the policy the byte
// names, so eviction runs between commands. The same bytes also go through the HTTP request
// recognizer and head parser (Prometheus scrapes share the client port). Nothing may crash, hang
// or leak.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl.h"
#include "base/config.h"
#include "commands/dispatcher.h"
#include "commands/options.h"
#include "commands/families.h"
#include "db/evict.h"
#include "protocol/http.h"
#include "protocol/reply_builder.h"
#include "protocol/resp_parser.h"

namespace {

// Commands whose legitimate cost grows with a count argument (HRANDFIELD h -1000000000 answers a
// billion elements, as in Redis) would only time the fuzzer out; their counts are capped here.
bool TooExpensive(const std::vector<std::string_view>& args) {
  static constexpr std::string_view kCounted[] = {"hrandfield", "srandmember", "zrandmember",
                                                  "spop"};
  std::string name;
  for (char c : args[0]) name.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
  bool counted = false;
  for (auto c : kCounted) counted |= name == c;
  if (!counted) return false;
  for (size_t i = 1; i < args.size(); i++) {
    if (args[i].size() > 4) return true;  // |count| >= 10000
  }
  return false;
}

carmine::DbSet* g_dbs = nullptr;
// Memory as 1000 bytes per key: a limit of a few keys then evicts deterministically.
size_t CountKeys() { return (g_dbs->KeyCount(0) + g_dbs->KeyCount(1)) * 1000; }

struct World {
  World() : dbs(2, 2, false) {
    carmine::RegisterCoreFamilies(registry);
    acl.Register(registry);  // ACL SETUSER & co. are fuzzed too, and their rules enforced
    opts.proto_max_bulk_len.set(1 << 20);
    dispatcher = std::make_unique<carmine::Dispatcher>(registry, dbs, opts, acl);
    dispatcher->hooks().acl = [this](const carmine::CommandCheck& c, std::string* refusal) {
      return acl.Check(c, refusal);
    };
    g_dbs = &dbs;
    dispatcher->evictor().set_probe(&CountKeys);
  }
  carmine::CommandRegistry registry;
  carmine::DbSet dbs;
  carmine::config::Registry config;  // before the options, which register themselves in it
  carmine::RuntimeOptions opts{config};
  carmine::Acl acl{config, registry};
  std::unique_ptr<carmine::Dispatcher> dispatcher;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();  // NOLINT: process-lifetime fuzzing state
  size_t head_len = 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (carmine::ProbeHttp(text, &head_len) == carmine::HttpProbe::kRequest) {
    carmine::ParseHttpHead(text.substr(0, head_len));
  }
  bool limited = size > 0 && (data[0] & 0x80);
  world->opts.maxmemory.set(limited ? 5000 : 0);
  world->opts.maxmemory_policy.set(limited ? data[0] % 8 : 7);
  world->dbs.set_lfu(limited && carmine::IsLfuPolicy(static_cast<carmine::EvictPolicy>(data[0] % 8)),
                     10, 1);
  carmine::RespParser parser;
  carmine::RespParser::Limits limits;
  limits.max_bulk_len = 1 << 20;
  // The client goes away after each input, as a disconnect would: its WATCHes and the like are
  // unregistered, so one input's state cannot pile up for the next.
  struct Client {
    carmine::Dispatcher& d;
    carmine::Session session;
    ~Client() { d.ClientClosed(session); }
  } client{*world->dispatcher, {}};
  carmine::Session& session = client.session;
  std::string out;
  carmine::ReplyBuilder rb(&out);
  // Each input starts from an empty keyspace: runs stay independent and collections built by one
  // input cannot slow down the next ones.
  static const std::string_view kFlush[] = {"FLUSHALL"};
  world->dispatcher->Dispatch(carmine::ArgList(kFlush, 1), session, rb, 1000);
  out.clear();
  std::string buf;
  size_t fed = 0;
  size_t step = size > 0 ? (data[0] % 7) + 1 : 1;
  while (fed < size) {
    size_t n = std::min(step, size - fed);
    buf.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    step = step * 3 % 97 + 1;
    while (!buf.empty()) {
      auto st = parser.Parse(buf.data(), buf.size(), limits);
      if (st == carmine::RespParser::State::kIncomplete) break;
      if (st == carmine::RespParser::State::kError) return 0;
      const auto& args = parser.args();
      if (!args.empty() && args[0] != "DEBUG" && args[0] != "debug" && !TooExpensive(args)) {
        world->dispatcher->Dispatch(carmine::ArgList(args.data(), args.size()), session, rb, 1000);
      }
      buf.erase(0, parser.consumed());
      out.clear();
    }
  }
  return 0;
}
