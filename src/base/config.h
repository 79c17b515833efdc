// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Typed configuration options and the registry that gathers them.
//
// Each directive is declared exactly once, as a member of the options struct of the module that
// owns it: name, aliases, type, bounds, default and flags sit in that one declaration, and the
// member is also where the value lives (an atomic, so CONFIG SET on one thread is seen by every
// reader without a lock). Declaring the member registers it with the Registry passed to its
// constructor, so nothing lists the directives a second time. The Registry reads redis.conf
// text, serves CONFIG GET/SET/REWRITE, and runs the apply hooks a module or the server attaches
// (rebind when `port` changes, reset the log level when `loglevel` does, ...).
//
// Every text a client or an operator can see (error messages, CONFIG GET formats, the fatal
// config error block) follows redis-server 7.2.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace carmine::config {

enum Flag : uint32_t {
  kImmutable = 1u << 0,    // startup only: CONFIG SET answers "can't set immutable config"
  kProtected = 1u << 1,    // CONFIG SET needs enable-protected-configs (paths the server writes)
  kHidden = 1u << 2,       // CONFIG GET matches it by its exact name only, never by a pattern
  kSensitive = 1u << 3,    // its value is redacted from the slow log and MONITOR
  kMultiArg = 1u << 4,     // several words on a config line; CONFIG SET splits its one value
  kMemory = 1u << 5,       // an integer that takes memory units (1gb) and no sign
  kDenyLoading = 1u << 6,  // CONFIG SET refused while the dataset loads
};

// Why CONFIG SET refused; the server turns it into Redis's reply (err::ConfigSetReply).
struct SetError {
  enum class Kind : uint8_t { kNone, kUnknownOption, kFailed, kLoading };
  Kind kind = Kind::kNone;
  std::string option;  // the parameter concerned
  std::string reason;  // kFailed: why ("can't set immutable config", a parse error, ...)
  bool ok() const { return kind == Kind::kNone; }
};

// Where a value comes from. A config file line may mean something else than a CONFIG SET of the
// same words (several `save` lines in a file add up; CONFIG SET replaces the list).
enum class Source : uint8_t { kFile, kConfigSet };

using Words = std::span<const std::string>;
class Registry;

class Option {
 public:
  Option(const Option&) = delete;
  Option& operator=(const Option&) = delete;
  virtual ~Option() = default;

  std::string_view name() const { return name_; }
  const std::vector<std::string_view>& aliases() const { return aliases_; }
  uint32_t flags() const { return flags_; }
  bool has(uint32_t f) const { return (flags_ & f) != 0; }

  // Parses `words` and stores the value. Returns "" or the reason, worded as Redis words it
  // ("argument must be 'yes' or 'no'"). A failed Set leaves the value unchanged.
  virtual std::string Set(Words words, Source src) = 0;
  // The value as CONFIG GET and CONFIG REWRITE print it; Set(Get()) restores it.
  virtual std::string Get() const = 0;
  // The default, as Get() would print it.
  virtual std::string DefaultText() const = 0;

  // The values CONFIG REWRITE writes for it, one config line each ("yes", "64mb", "\"/data\"").
  virtual std::vector<std::string> FileValues() const { return {Get()}; }

  // Apply hook: runs after the value changed through CONFIG SET (once per hook, after every
  // value of the command is set). Returns "" or the reason; on failure every value of the
  // command is restored and the hooks run again. Options that share a hook share the pointer
  // (make one with Hook()), so it runs once. A module attaches its hooks once, at startup.
  using ApplyHook = std::shared_ptr<const std::function<std::string()>>;
  static ApplyHook Hook(std::function<std::string()> fn) {
    return std::make_shared<const std::function<std::string()>>(std::move(fn));
  }
  void OnApply(ApplyHook hook) { apply_ = std::move(hook); }
  const ApplyHook& apply() const { return apply_; }

 protected:
  Option(Registry& reg, std::string_view name, uint32_t flags,
         std::initializer_list<std::string_view> aliases);

 private:
  std::string_view name_;
  std::vector<std::string_view> aliases_;
  uint32_t flags_;
  ApplyHook apply_;
};

// A check run on a parsed value before it is stored: "" or the reason (e.g. a feature that is
// not built yet asked for by a non-default value).
template <typename T>
using Check = std::function<std::string(const T&)>;

class Bool : public Option {
 public:
  Bool(Registry& reg, std::string_view name, bool dflt, uint32_t flags = 0,
       std::initializer_list<std::string_view> aliases = {}, Check<bool> check = nullptr);
  bool get() const { return v_.load(std::memory_order_relaxed); }
  // Stores without the checks Set() makes (the server's own adjustments, tests).
  void set(bool v) { v_.store(v, std::memory_order_relaxed); }
  std::string Set(Words words, Source src) override;
  std::string Get() const override { return get() ? "yes" : "no"; }
  std::string DefaultText() const override { return dflt_ ? "yes" : "no"; }

 private:
  std::atomic<bool> v_;
  bool dflt_;
  Check<bool> check_;
};

// Signed integers of any width within [min, max]; with kMemory the text may carry units.
template <typename T>
class Int : public Option {
 public:
  Int(Registry& reg, std::string_view name, T dflt, int64_t min, int64_t max, uint32_t flags = 0,
      std::initializer_list<std::string_view> aliases = {}, Check<int64_t> check = nullptr)
      : Option(reg, name, flags, aliases),
        v_(dflt),
        dflt_(dflt),
        min_(min),
        max_(max),
        check_(std::move(check)) {}
  T get() const { return v_.load(std::memory_order_relaxed); }
  // Stores without the checks Set() makes (the server's own adjustments, tests).
  void set(T v) { v_.store(v, std::memory_order_relaxed); }
  std::string Set(Words words, Source src) override;
  std::string Get() const override { return std::to_string(get()); }
  std::string DefaultText() const override { return std::to_string(dflt_); }
  std::vector<std::string> FileValues() const override;

 private:
  std::atomic<T> v_;
  T dflt_;
  int64_t min_, max_;
  Check<int64_t> check_;
};

// One of a fixed list of names; the value is the number paired with the name.
class Enum : public Option {
 public:
  using Names = std::vector<std::pair<std::string_view, int>>;
  Enum(Registry& reg, std::string_view name, int dflt, Names names, uint32_t flags = 0,
       std::initializer_list<std::string_view> aliases = {}, Check<int> check = nullptr);
  int get() const { return v_.load(std::memory_order_relaxed); }
  // Stores without the checks Set() makes (the server's own adjustments, tests).
  void set(int v) { v_.store(v, std::memory_order_relaxed); }
  std::string Set(Words words, Source src) override;
  std::string Get() const override { return NameOf(get()); }
  std::string DefaultText() const override { return NameOf(dflt_); }

 private:
  std::string NameOf(int v) const;
  std::atomic<int> v_;
  int dflt_;
  Names names_;
  Check<int> check_;
};

class String : public Option {
 public:
  String(Registry& reg, std::string_view name, std::string dflt, uint32_t flags = 0,
         std::initializer_list<std::string_view> aliases = {}, Check<std::string> check = nullptr);
  std::string get() const {
    std::lock_guard<std::mutex> l(mu_);
    return v_;
  }
  bool empty() const {
    std::lock_guard<std::mutex> l(mu_);
    return v_.empty();
  }
  std::string Set(Words words, Source src) override;
  std::string Get() const override { return get(); }
  std::string DefaultText() const override { return dflt_; }
  std::vector<std::string> FileValues() const override;

 private:
  mutable std::mutex mu_;
  std::string v_;
  std::string dflt_;
  Check<std::string> check_;
};

// A directive whose value has a shape of its own (save rules, buffer limits, bind addresses):
// the module keeps the value and supplies how it is parsed and printed.
class Custom : public Option {
 public:
  using SetFn = std::function<std::string(Words, Source)>;
  using GetFn = std::function<std::string()>;
  using FileFn = std::function<std::vector<std::string>()>;
  // `file`: the config lines' values for CONFIG REWRITE; null means {Get()}.
  Custom(Registry& reg, std::string_view name, uint32_t flags, SetFn set, GetFn get,
         std::initializer_list<std::string_view> aliases = {}, FileFn file = nullptr);
  std::string Set(Words words, Source src) override { return set_(words, src); }
  std::string Get() const override { return get_(); }
  std::string DefaultText() const override { return dflt_; }
  std::vector<std::string> FileValues() const override { return file_ ? file_() : Option::FileValues(); }

 private:
  friend class Registry;
  SetFn set_;
  GetFn get_;
  FileFn file_;
  std::string dflt_;  // captured by Registry::SealDefaults
};

// A config line that is not a value (include, rename-command, user, loadmodule): the handler
// gets the words after the name and returns "" or the reason.
using DirectiveFn = std::function<std::string(Words args)>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Called by Option's constructor. A second option with the same name or alias is a
  // programming error reported by Validate().
  void Add(Option* o);
  void AddDirective(std::string_view name, DirectiveFn fn);
  // Case-insensitive lookup by name or alias; nullptr if unknown.
  Option* Find(std::string_view name) const;
  const std::vector<Option*>& options() const { return options_; }
  // "" when names and aliases are unique, else the first duplicate.
  std::string Validate() const;
  // Records the current values of Custom options as their defaults (call once, before loading).
  void SealDefaults();

  // Reads redis.conf text: one directive per line, '#' comments, quoted words, `include`.
  // `origin` names the file in error messages. Errors are Redis's fatal config error block.
  Status Load(std::string_view text, const std::string& origin);

  // CONFIG SET name value [name value ...], all or nothing: values are set in order; on the
  // first failure the earlier ones are restored. Then each distinct apply hook runs once; if one
  // fails, every value is restored and the hooks run again. Returns "" or Redis's error reply.
  // `allow_protected`: the caller may set kProtected options (enable-protected-configs).
  // `loading`: the dataset is loading (kDenyLoading options are refused).
  SetError SetFromCommand(const std::vector<std::pair<std::string, std::string>>& pairs,
                          bool allow_protected, bool loading);

  // CONFIG GET: name/value pairs matching the glob patterns (hidden options only by exact name),
  // aliases answering under their own name, each at most once.
  std::vector<std::pair<std::string, std::string>> Match(
      std::span<const std::string_view> patterns) const;

  // CONFIG REWRITE: rewrites `path` keeping comments, unknown lines and the order of lines;
  // known directives get their current value (a repeated directive collapses to one line), and
  // options that differ from their default and were not in the file are appended (all of them,
  // defaults included, with `force_all`: DEBUG CONFIG-REWRITE-FORCE-ALL). Written to a temporary
  // file, fsynced and renamed over the original.
  Status Rewrite(const std::string& path, bool force_all = false) const;

  // A directive whose lines CONFIG REWRITE regenerates as a whole ("sentinel"): `lines` gives
  // every current line in order. Existing lines of the directive are replaced in place by the
  // new lines with the same first two words, in order; the rest are appended at the end.
  void SetRewriter(std::string_view directive, std::function<std::vector<std::string>()> lines);

  // Serializes CONFIG SET and REWRITE against each other.
  std::mutex& mu() const { return mu_; }

 private:
  Status LoadLines(std::string_view text, const std::string& origin, int depth, int line_offset);
  std::vector<Option*> options_;
  std::vector<std::pair<std::string, DirectiveFn>> directives_;
  std::vector<std::pair<std::string, std::function<std::vector<std::string>()>>> rewriters_;
  mutable std::mutex mu_;
};

// The fatal error block redis-server prints for a bad config line (without the trailing newline).
std::string FatalConfigError(int line, std::string_view text, std::string_view reason);

// A memory value as Redis reads one in a config: decimal digits (none means 0) and an optional
// unit (b, k, kb, m, mb, g, gb; any case); no sign. Too many digits saturate at UINT64_MAX.
bool ParseMemoryValue(std::string_view s, uint64_t* out);

}  // namespace carmine::config
