// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The declarative command table. Each family registers rows (name, arity, flags, key positions,
// ACL categories, handler, docs) and everything else reads them: the dispatcher (arity, auth,
// locking), COMMAND INFO/DOCS/LIST/GETKEYS, and later ACL and cluster routing.
//
// Arity counts the command name: N means exactly N arguments, -N at least N. Key positions are
// first/last/step as Redis's legacy triple (last -1 = the final argument); commands whose keys do
// not fit (MSETNX fits; numkeys-style commands don't) set a key extractor. Subcommands live in a
// child table and are addressed as "parent|sub".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/strutil.h"
#include "base/counter.h"
#include "base/latency_histogram.h"

namespace carmine {

using ArgList = std::span<const std::string_view>;
class CommandContext;
struct CommandSpec;

using CommandMap =
    std::unordered_map<std::string, std::unique_ptr<CommandSpec>, StringViewHash, std::equal_to<>>;
// A command handler: a plain function, or a function bound to the object that owns the family's
// state (the server for CONFIG and CLIENT, later the replication and cluster modules). Three
// words, copied freely, called through one indirect call.
class Handler {
 public:
  using Fn = void (*)(ArgList args, CommandContext& ctx);
  constexpr Handler() = default;
  constexpr Handler(std::nullptr_t) {}  // NOLINT: containers have no handler of their own
  constexpr Handler(Fn fn) : call_(&CallPlain), fn_(fn) {}  // NOLINT: implicit by design
  // Binds `F` to `obj`: F is a member function `void (T::*)(ArgList, CommandContext&)` or a
  // function `void (*)(T&, ArgList, CommandContext&)`. `obj` must outlive the registry.
  template <auto F, typename T>
  static Handler Bind(T* obj) {
    Handler h;
    h.obj_ = obj;
    h.call_ = [](const Handler& self, ArgList args, CommandContext& ctx) {
      T& o = *static_cast<T*>(self.obj_);
      if constexpr (std::is_member_function_pointer_v<decltype(F)>) {
        (o.*F)(args, ctx);
      } else {
        F(o, args, ctx);
      }
    };
    return h;
  }
  void operator()(ArgList args, CommandContext& ctx) const { call_(*this, args, ctx); }
  explicit operator bool() const { return call_ != nullptr; }
  bool operator==(std::nullptr_t) const { return call_ == nullptr; }

 private:
  static void CallPlain(const Handler& self, ArgList args, CommandContext& ctx) {
    self.fn_(args, ctx);
  }
  void (*call_)(const Handler&, ArgList, CommandContext&) = nullptr;
  Fn fn_ = nullptr;
  void* obj_ = nullptr;
};
// Returns the argument indexes that are keys (for commands the first/last/step triple can't
// describe). Must tolerate malformed argument lists (return what it can).
using KeyExtractor = std::vector<int> (*)(ArgList args);
// Marks the arguments that carry secrets (passwords): the slow log and MONITOR show them as
// "(redacted)". `redacted` comes sized to args, all false.
using Redactor = void (*)(ArgList args, std::vector<bool>* redacted);

// Command flags, named as COMMAND INFO shows them.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubSub = 1u << 4,
  kNoScript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,
  kMayReplicate = 1u << 13,  // may write to the replication stream; not shown by COMMAND INFO (7.2)
  kNoMandatoryKeys = 1u << 14,
  kNoAsyncLoading = 1u << 15,
  kNoMulti = 1u << 16,
  kMovableKeys = 1u << 17,
  kAllowBusy = 1u << 18,
  kSentinel = 1u << 19,
  kProtected = 1u << 20,     // set by CommandSpec::Gated: runs only where its gate allows
  kAsking = 1u << 21,  // runs on a slot being imported without ASKING first (RESTORE-ASKING)
};

namespace acl {
enum Category : uint64_t {
  kKeyspace = 1ull << 0,
  kRead = 1ull << 1,
  kWrite = 1ull << 2,
  kSet = 1ull << 3,
  kSortedSet = 1ull << 4,
  kList = 1ull << 5,
  kHash = 1ull << 6,
  kString = 1ull << 7,
  kBitmap = 1ull << 8,
  kHyperLogLog = 1ull << 9,
  kGeo = 1ull << 10,
  kStream = 1ull << 11,
  kPubSub = 1ull << 12,
  kAdmin = 1ull << 13,
  kFast = 1ull << 14,
  kSlow = 1ull << 15,
  kBlocking = 1ull << 16,
  kDangerous = 1ull << 17,
  kConnection = 1ull << 18,
  kTransaction = 1ull << 19,
  kScripting = 1ull << 20,
};
// Names in COMMAND INFO order, e.g. "keyspace" for kKeyspace.
std::vector<std::string_view> CategoryNames(uint64_t mask);
}  // namespace acl

// Which shard locks the dispatcher takes before running the handler.
enum class LockMode : uint8_t {
  kKeys,  // the shards of the command's keys in the selected db
  kDb,    // every shard of the selected db (KEYS, DBSIZE, FLUSHDB, RANDOMKEY)
  kAll,   // every shard of every db (FLUSHALL, SWAPDB, MOVE, COPY ... DB)
  kNone,  // no keyspace access
  kSelf,  // the handler takes the locks it needs by itself (SCAN, INFO, UNWATCH)
};

// The directive that decides who may run a protected command (kProtected): Redis gates DEBUG
// and MODULE's loaders separately.
enum class CommandGate : uint8_t {
  kNone,
  kDebug,   // enable-debug-command
  kModule,  // enable-module-command
};

// Per-command counters for INFO commandstats; updated from any thread.
struct CommandStats {
  Counter calls, usec;
  LatencyHistogram histogram;  // INFO latencystats, LATENCY HISTOGRAM
  std::atomic<uint64_t> rejected{0}, failed{0};
};

struct CommandSpec {
  std::string_view name;
  int arity = 0;
  uint32_t flags = 0;
  int first_key = 0, last_key = 0, step = 0;
  uint64_t acl = 0;  // extra categories; flags add the implied ones
  Handler handler;
  std::string_view group, since, summary, complexity;

  // Optional attributes, set with the chaining helpers below.
  LockMode lock = LockMode::kKeys;
  CommandGate gate = CommandGate::kNone;
  KeyExtractor key_extractor = nullptr;
  std::string_view key_flags;  // key-spec flags for COMMAND INFO/GETKEYSANDFLAGS, e.g. "RW update"
  std::string_view arg_docs;   // argument notation for COMMAND DOCS (commands/arg_docs.h)
  // For commands whose key access depends on their options (SET with or without GET): the flags
  // of this particular call, for COMMAND GETKEYSANDFLAGS. Null: key_flags.
  std::string_view (*call_key_flags)(ArgList args) = nullptr;
  std::vector<std::string_view> tips;
  Redactor redactor = nullptr;
  // For commands whose kind depends on what they run (EVAL and FCALL of a script that declared
  // its flags): this call's flags, for the checks before it runs or is queued (read-only
  // replica, OOM, stale, CLIENT PAUSE WRITE). Null: `flags`.
  std::function<uint32_t(ArgList)> call_flags;

  // Filled by the registry.
  uint32_t id = 0;        // dense index of every command and subcommand (ACL bitmaps)
  std::string full_name;  // lowercase, "config|get" for subcommands
  const CommandSpec* parent = nullptr;
  CommandMap subcommands;
  std::unique_ptr<CommandStats> stats = std::make_unique<CommandStats>();

  CommandSpec& Lock(LockMode m) {
    lock = m;
    return *this;
  }
  CommandSpec& Gated(CommandGate g) {
    gate = g;
    flags |= kProtected;
    return *this;
  }
  CommandSpec& Keys(KeyExtractor k) {
    key_extractor = k;
    flags |= kMovableKeys;
    return *this;
  }
  CommandSpec& KeyFlags(std::string_view f) {
    key_flags = f;
    return *this;
  }
  CommandSpec& CallKeyFlags(std::string_view (*fn)(ArgList)) {
    call_key_flags = fn;
    return *this;
  }
  CommandSpec& Redact(Redactor r) {
    redactor = r;
    return *this;
  }
  CommandSpec& Args(std::string_view notation) {
    arg_docs = notation;
    return *this;
  }
  // Categories including those implied by the flags (write -> @write, ...).
  uint64_t AclCategories() const;
  bool is_container() const { return !subcommands.empty(); }
  // Argument indexes of the keys in `args` (args[0] is the command name).
  std::vector<int> KeyPositions(ArgList args) const;
  bool HasKeys() const { return first_key > 0 || key_extractor != nullptr; }
  uint32_t FlagsOf(ArgList args) const { return call_flags ? call_flags(args) : flags; }
  // The key-spec flags ("RW", "access", "delete", ...) of the first key or of the others, from
  // `flag_text` (key_flags, or call_key_flags of this call).
  std::vector<std::string_view> KeyFlagWords(std::string_view flag_text, bool first) const;
};

class CommandRegistry {
 public:
  // Adds a top-level command. Returns it so options can be chained.
  CommandSpec& Add(CommandSpec spec);
  // Adds a subcommand under an existing container ("CONFIG" + {"GET", ...}).
  CommandSpec& AddSub(std::string_view parent, CommandSpec spec);

  // Case-insensitive lookup of a top-level command; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  // Resolves "config|get" style names too.
  const CommandSpec* FindByFullName(std::string_view full) const;
  const CommandMap& all() const { return cmds_; }

  // rename-command: the command is found under `to` from now on (its name in replies, COMMAND
  // INFO and errors stays the original, as in Redis); an empty `to` removes it. Returns "" or
  // Redis's startup error text.
  std::string Rename(std::string_view from, std::string_view to);

  // Checks the table's invariants (unique names, first <= last, not both write and read-only).
  // Returns an empty string when valid, else the first problem.
  std::string Validate() const;
  void ResetStats();

 private:
  // Find's index: open addressing over the names in cmds_ (which own the bytes), keyed by a
  // hash computed while lowercasing the request's name, so a lookup is one pass over the name
  // and usually one probe. Rebuilt after every change to cmds_ (startup only).
  struct Slot {
    uint64_t hash = 0;
    std::string_view name;
    const CommandSpec* spec = nullptr;
  };
  void Reindex();

  CommandMap cmds_;
  std::vector<Slot> index_;
  uint32_t next_id_ = 0;
  std::vector<std::string> duplicates_;  // names added twice (reported by Validate)
};

}  // namespace carmine
