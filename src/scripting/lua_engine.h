// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// LuaEngine: the one Lua 5.1 interpreter that EVAL, EVALSHA and SCRIPT use, set up as Redis 7.2
// sets up its own: the standard libraries without file, OS or module access, cjson and bit,
// globals and library tables read-only, the `redis` table (call, pcall, error_reply,
// status_reply, sha1hex, log, setresp, set_repl, replicate_commands, acl_check_cmd, breakpoint,
// debug and the constants), and the script cache keyed by SHA1.
//
// One interpreter serves every worker thread. Scripts run with every shard locked (they may touch
// any key of any database), so they are serial anyway; the engine's own mutex is taken after the
// shard locks, never before, and only by code that needs the interpreter.
//
// The engine knows nothing of commands: a script's redis.call goes to a ScriptHost, which runs
// the command and hands back its RESP reply, converted here to Lua values by Redis's rules.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/strutil.h"
#include "protocol/reply_builder.h"

struct lua_State;

namespace carmine {

class LuaDebugger;

// The flags a script declares in its shebang (`#!lua flags=no-writes,allow-oom`).
struct ScriptFlags {
  bool shebang = false;  // declared with #!lua (flags then default to "none": writes allowed)
  bool no_writes = false;
  bool allow_oom = false;
  bool allow_stale = false;
  bool no_cluster = false;
  bool allow_cross_slot_keys = false;
};

// Sets the flag named `name` (no-writes, allow-oom, ...); false for a name Redis does not know.
bool SetScriptFlag(std::string_view name, ScriptFlags* flags);

// Parses a shebang line ("#!lua flags=..."); false with Redis's error text when it is invalid.
bool ParseShebang(std::string_view body, ScriptFlags* flags, std::string* error);

// How a script's redis.call reaches the server.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // Runs `args` (args[0] is the command name) and appends its reply, in RESP `resp`, to *out: the
  // command's own reply (true), or the error a script gets (unknown command, not allowed, ...)
  // when it did not run (false).
  virtual bool Call(std::span<const std::string_view> args, int resp, std::string* out) = 0;
  // redis.acl_check_cmd: whether the caller may run `args`; false with *error when the command
  // itself is unknown.
  virtual bool AclCheck(std::span<const std::string_view> args, bool* allowed) = 0;
  // Called about every millisecond of the script's run with how long it has run so far.
  virtual void StillRunning(int64_t elapsed_ms) = 0;
};

class LuaEngine {
 public:
  struct Script {
    std::string sha;  // 40 lowercase hex digits
    ScriptFlags flags;
    size_t body_bytes = 0;
  };

  // Functions (FUNCTION LOAD): named callbacks registered by a library's code.
  struct Function {
    std::string name, description, library;
    ScriptFlags flags;
    int ref = 0;  // registry reference of the callback
  };
  struct Library {
    std::string name, code;
    std::vector<std::string> functions;  // in registration order
  };

  LuaEngine();
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // Everything below except the atomics needs mu() held.
  std::mutex& mu() { return mu_; }

  // Compiles `body` (EVAL, SCRIPT LOAD) unless it is cached. Null, with Redis's error text in
  // *error, when its shebang is invalid or it does not compile.
  const Script* Load(std::string_view body, std::string* error);
  // A cached script by its SHA1 (any case); null when unknown.
  const Script* Find(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script, with a fresh interpreter.
  void Flush();

  // FUNCTION LOAD [REPLACE]: runs the library's code, which registers its functions. The
  // library's name, or false with Redis's error text.
  bool LoadLibrary(std::string_view code, bool replace, std::string* name_or_error);
  // FUNCTION DELETE; false when there is no such library.
  bool DeleteLibrary(std::string_view name);
  // FUNCTION FLUSH.
  void FlushLibraries();
  const Function* FindFunction(std::string_view name) const;
  const std::map<std::string, Library>& libraries() const { return libraries_; }
  // Names are case-insensitive: the maps are keyed by the lowercase name.
  const Function& function(const std::string& name) const { return functions_.at(ToLower(name)); }
  // FCALL: calls the function with KEYS and ARGV as its two arguments.
  bool RunFunction(const Function& f, std::span<const std::string_view> keys,
                   std::span<const std::string_view> argv, ScriptHost& host, ReplyBuilder& rb);
  // The function running now and the command that runs it (FUNCTION STATS); false when none.
  bool RunningFunction(std::string* name, std::vector<std::string>* command) const;
  void set_running_command(std::vector<std::string> command) {
    std::lock_guard<std::mutex> l(running_mu_);
    running_command_ = std::move(command);
  }
  size_t function_count() const { return function_count_.load(std::memory_order_relaxed); }
  size_t library_count() const { return library_count_.load(std::memory_order_relaxed); }

  // Runs a cached script with KEYS and ARGV; its result (or error) goes to rb in the client's
  // protocol. `host` runs the commands it calls. True when the reply is an error counted in
  // errorstats already (one of a command the script called, passed on); RunFunction the same.
  bool Run(const Script& script, std::span<const std::string_view> keys,
           std::span<const std::string_view> argv, ScriptHost& host, ReplyBuilder& rb);

  // The flags a cached script (by SHA1) or a function (by name) declared, for the dispatcher's
  // checks on any thread without the interpreter's lock (a running script holds that); false
  // when unknown, or for a script without a shebang line.
  bool DeclaredFlags(std::string_view key, bool function, ScriptFlags* out) const;

  // Thread-safe state for other threads: INFO, SCRIPT KILL, -BUSY.
  size_t cached_scripts() const { return cached_.load(std::memory_order_relaxed); }
  // Bytes the script cache holds (bodies and their digests), INFO used_memory_scripts_eval.
  size_t script_bytes() const { return script_bytes_.load(std::memory_order_relaxed); }
  int64_t memory() const { return memory_.load(std::memory_order_relaxed); }
  // Milliseconds (monotonic) since the running script started; 0 when none runs.
  int64_t running_since_ms() const { return running_since_.load(std::memory_order_relaxed); }
  // Whether what runs is a function (FUNCTION KILL) rather than an EVAL script (SCRIPT KILL).
  bool running_function() const { return running_fn_.load(std::memory_order_relaxed); }
  // Whether the running script wrote anything yet (SCRIPT KILL refuses then).
  bool running_wrote() const { return wrote_.load(std::memory_order_relaxed); }
  // redis.set_repl's flags for the running script (3: REPL_ALL, 0: REPL_NONE).
  int repl_flags() const { return repl_flags_; }
  // The running script's SHA1 or function name (mu_ held: the running thread only).
  const std::string& running_label() const { return label_; }
  // SCRIPT KILL: the running script stops at its next hook check with an error.
  void RequestKill() { kill_.store(true, std::memory_order_relaxed); }
  // The host tells the engine when a command the script runs wrote (for SCRIPT KILL).
  void NoteWrite() { wrote_.store(true, std::memory_order_relaxed); }
  // SCRIPT DEBUG SYNC: the next Run goes through this debugger session (null: none).
  void set_debugger(LuaDebugger* d) { debugger_ = d; }

 private:
  friend struct LuaApi;
  friend struct FunctionApi;
  void Open();
  void Close();
  void UpdateMemory();
  // Calls the function below its `nargs` arguments on the stack, the reply (or the error, named
  // after `name` in `chunk`) to rb.
  bool Invoke(std::string_view name, std::string_view chunk, int nargs, ScriptHost& host,
              ReplyBuilder& rb);
  // Builds the environment library code runs in (functions.cc).
  void OpenFunctions();
  void ReleaseLibrary(const Library& lib);
  // Copies the functions' flags where DeclaredFlags reads them.
  void PublishFunctionFlags();

  std::mutex mu_;
  lua_State* L_ = nullptr;
  std::unordered_map<std::string, Script> scripts_;
  int scripts_ref_ = 0;  // registry reference of the table sha -> compiled function
  std::atomic<size_t> cached_{0};
  std::atomic<size_t> script_bytes_{0};
  std::atomic<int64_t> memory_{0};
  std::atomic<int64_t> running_since_{0};
  std::atomic<bool> wrote_{false};
  std::atomic<bool> kill_{false};
  mutable std::mutex declared_mu_;
  // Searched by string_view: FCALL/EVALSHA read a script's flags without allocating.
  std::unordered_map<std::string, ScriptFlags, StringViewHash, std::equal_to<>> declared_scripts_,
      declared_functions_;

  // Functions (mu_ held).
  std::map<std::string, Library> libraries_;
  std::unordered_map<std::string, Function> functions_;
  std::vector<Function> pending_;  // registered by the library being loaded
  bool loading_ = false;
  int64_t load_started_us_ = 0;
  int function_env_ref_ = 0;
  std::atomic<size_t> function_count_{0}, library_count_{0};
  std::atomic<bool> running_fn_{false};
  mutable std::mutex running_mu_;
  std::string running_name_;                 // guarded by running_mu_
  std::vector<std::string> running_command_;  // guarded by running_mu_

  // State of the running script (mu_ held).
  ScriptHost* host_ = nullptr;
  int resp_ = 2;  // redis.setresp
  int repl_flags_ = 3;  // redis.set_repl
  int gc_count_ = 0;    // runs since the last garbage collection step
  std::string reply_buf_;
  std::string label_;
  LuaDebugger* debugger_ = nullptr;
  std::string debug_error_;  // why the session ended the script (raised from the hook)
};

}  // namespace carmine
