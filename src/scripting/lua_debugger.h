// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// LuaDebugger: one session of Redis's Lua debugger (SCRIPT DEBUG SYNC, `redis-cli --ldb-sync-mode`)
// for one EVAL. The script stops on its first line; from then on the client's connection speaks
// the debugger's protocol instead of commands: the client sends a command as a RESP array (step,
// continue, list, print, break, eval, redis, trace, maxlen, abort, help), the server answers with
// an array of status lines (what it logged since the last answer), blocking on the socket as
// Redis does, until the script ends. Then "<endsession>", the EVAL's reply, and the connection
// closes.
//
// The engine calls in from its line hook (OnLine), from redis.debug/redis.breakpoint and around
// each redis.call; the debugger never touches the connection itself, only the two functions it
// is given.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace carmine {

class LuaDebugger {
 public:
  // Appends bytes from the client to *buf, blocking until some arrive; false once it is gone.
  using ReadFn = std::function<bool(std::string*)>;
  // Writes every byte to the client, blocking; false once it is gone.
  using WriteFn = std::function<bool(std::string_view)>;

  // `source`: the script's body (what `list` shows). `timeout_ms`: a script that runs this long
  // without stopping stops by itself ("timeout reached, infinite loop?").
  LuaDebugger(std::string_view source, ReadFn read, WriteFn write, int64_t timeout_ms);

  // Called from the line hook for each new line of the script. Stops there when stepping, at a
  // breakpoint or after the timeout, and serves the client until it continues. False (with
  // Redis's error text) when the script must end: `abort`, a protocol error, the client gone.
  bool OnLine(lua_State* L, int line, std::string* error);
  // redis.breakpoint(): stop at the next line.
  void Break() {
    step_ = true;
    lua_break_ = true;
  }
  // redis.debug(...): logs the arguments on the stack.
  void LogValues(lua_State* L, int line);
  // Whether redis.call is being logged: while stepping, and for the debugger's own `redis`.
  bool logging_calls() const { return step_ || in_redis_; }
  // A redis.call's command and what became of it: its RESP reply when it ran (`ran`), or the
  // error that stopped it before it ran.
  void LogCall(std::span<const std::string_view> args);
  void LogReply(std::string_view reply, bool ran);
  // The script ended: "<endsession>" and what is still logged go to the client.
  void End();

 private:
  enum class Next { kResume, kEnd };
  // Serves the client's commands until one resumes the script (or ends it).
  Next Repl(lua_State* L, std::string* error);
  // The next command in the input, or false when more must be read; *bad on a protocol error.
  bool ParseCommand(std::vector<std::string>* argv, bool* bad);
  void Log(std::string line);
  // A value line trimmed to maxlen (with the trimming hint once per session).
  void LogTrimmed(std::string line);
  bool SendLogs();
  void LogSourceLine(int line);
  void List(int around, int context);
  void Print(lua_State* L, const std::vector<std::string>& argv);
  void Breakpoints(const std::vector<std::string>& argv);
  void Eval(lua_State* L, const std::vector<std::string>& argv);
  void Redis(lua_State* L, const std::vector<std::string>& argv);
  void Trace(lua_State* L);
  void Maxlen(const std::vector<std::string>& argv);

  std::vector<std::string> lines_;  // the source, one entry per line
  ReadFn read_;
  WriteFn write_;
  int64_t timeout_ms_;
  int64_t resumed_ms_;  // when the script last went on running
  std::string in_;      // bytes from the client not parsed yet
  std::vector<std::string> logs_;
  std::set<int> breakpoints_;
  int current_ = -1;
  size_t maxlen_ = 256;
  bool hint_sent_ = false;
  bool step_ = true;  // a session starts stopped on the first line
  bool lua_break_ = false;
  bool in_redis_ = false;
};

// Appends the debugger's rendering of the Lua value at `index` (strings quoted, tables as
// {1; 2} or {["k"]=v}).
void AppendLuaValue(lua_State* L, int index, std::string* out, int depth = 0);
// Appends the debugger's rendering of one RESP reply ("+OK" quoted, [a,b], {k => v}, NULL).
void AppendHumanReply(std::string_view resp, size_t* pos, std::string* out);

}  // namespace carmine
