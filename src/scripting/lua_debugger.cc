// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "scripting/lua_debugger.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <lua.hpp>

#include "base/clock.h"
#include "base/strutil.h"

namespace carmine {

namespace {

constexpr size_t kMaxBreakpoints = 64;
// A debugger command is small: these bound what a client can make the server buffer.
constexpr int64_t kMaxArgs = 1024;
constexpr int64_t kMaxArgLen = 1024 * 1024;

const char* const kHelp[] = {
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
};

bool Is(const std::string& cmd, const char* shortname, const char* name) {
  return EqualsIgnoreCase(cmd, shortname) || EqualsIgnoreCase(cmd, name);
}

// A whole-string integer (what `list` and `break` take); false for anything else.
bool ToInt(const std::string& s, long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = strtol(s.c_str(), &end, 10);
  return end != nullptr && *end == '\0';
}

void AppendNumber(lua_Number n, std::string* out) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%g", static_cast<double>(n));
  out->append(buf);
}

// Reads a "<prefix><text>\r\n" line of `resp` at *pos.
std::string_view LineAt(std::string_view resp, size_t* pos) {
  size_t end = resp.find("\r\n", *pos);
  if (end == std::string_view::npos) end = resp.size();
  std::string_view line = resp.substr(*pos + 1, end - *pos - 1);
  *pos = std::min(resp.size(), end + 2);
  return line;
}

}  // namespace

void AppendLuaValue(lua_State* L, int index, std::string* out, int depth) {
  if (index < 0) index = lua_gettop(L) + index + 1;
  switch (lua_type(L, index)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, index, &len);
      AppendQuoted(out, std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      out->append(lua_toboolean(L, index) ? "true" : "false");
      return;
    case LUA_TNUMBER:
      AppendNumber(lua_tonumber(L, index), out);
      return;
    case LUA_TNIL:
      out->append("nil");
      return;
    case LUA_TTABLE: {
      if (depth > 64 || !lua_checkstack(L, 4)) {
        out->append("{...}");  // deeper than anyone reads (or a table that contains itself)
        return;
      }
      // Rendered both ways at once: as a list while the keys run 1, 2, 3..., else with keys.
      std::string as_list, as_map;
      bool is_list = true;
      lua_Number expected = 1;
      lua_pushnil(L);
      while (lua_next(L, index) != 0) {
        if (is_list) {
          if (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) == expected) {
            if (expected > 1) as_list.append("; ");
            AppendLuaValue(L, -1, &as_list, depth + 1);
            expected += 1;
          } else {
            is_list = false;
          }
        }
        if (!as_map.empty()) as_map.append("; ");
        as_map.push_back('[');
        AppendLuaValue(L, -2, &as_map, depth + 1);
        as_map.append("]=");
        AppendLuaValue(L, -1, &as_map, depth + 1);
        lua_pop(L, 1);
      }
      out->push_back('{');
      out->append(is_list ? as_list : as_map);
      out->push_back('}');
      return;
    }
    default: {
      char buf[64];
      snprintf(buf, sizeof(buf), "%s@%p", lua_typename(L, lua_type(L, index)),
               lua_topointer(L, index));
      AppendQuoted(out, buf);
      return;
    }
  }
}

void AppendHumanReply(std::string_view resp, size_t* pos, std::string* out) {
  if (*pos >= resp.size()) return;
  const char type = resp[*pos];
  const size_t start = *pos;
  std::string_view line = LineAt(resp, pos);
  switch (type) {
    case '+':
    case '-':
      AppendQuoted(out, resp.substr(start, line.size() + 1));
      return;
    case ':':
      out->append(line);
      return;
    case ',':
      out->append("(double) ").append(line);
      return;
    case '#':
      out->append(line == "t" ? "#true" : "#false");
      return;
    case '_':
      out->append("(null)");
      return;
    case '(':
      out->append("(big number) ").append(line);
      return;
    case '$':
    case '=': {
      long long len = strtoll(std::string(line).c_str(), nullptr, 10);
      if (len < 0) {
        out->append("NULL");
        return;
      }
      size_t n = std::min(static_cast<size_t>(len), resp.size() - *pos);
      std::string_view body = resp.substr(*pos, n);
      if (type == '=' && body.size() >= 4) body.remove_prefix(4);  // "txt:"
      AppendQuoted(out, body);
      *pos = std::min(resp.size(), *pos + n + 2);
      return;
    }
    case '*':
    case '~':
    case '%':
    case '>': {
      long long n = strtoll(std::string(line).c_str(), nullptr, 10);
      if (n < 0) {
        out->append("NULL");
        return;
      }
      const bool map = type == '%';
      out->append(type == '*' || type == '>' ? "[" : type == '~' ? "~(" : "{");
      for (long long i = 0; i < n && *pos < resp.size(); i++) {
        if (i > 0) out->push_back(',');
        AppendHumanReply(resp, pos, out);
        if (map) {
          out->append(" => ");
          AppendHumanReply(resp, pos, out);
        }
      }
      out->append(type == '*' || type == '>' ? "]" : type == '~' ? ")" : "}");
      return;
    }
    default:
      out->append(line);
  }
}

LuaDebugger::LuaDebugger(std::string_view source, ReadFn read, WriteFn write, int64_t timeout_ms)
    : read_(std::move(read)), write_(std::move(write)), timeout_ms_(timeout_ms) {
  for (std::string_view rest = source;;) {
    size_t nl = rest.find('\n');
    lines_.emplace_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  resumed_ms_ = clock::MonotonicUs() / 1000;
}

void LuaDebugger::Log(std::string line) {
  // Each entry is one status line: a line break inside would end it early.
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  logs_.push_back(std::move(line));
}

void LuaDebugger::LogTrimmed(std::string line) {
  bool trimmed = maxlen_ != 0 && line.size() > maxlen_;
  if (trimmed) {
    line.resize(maxlen_);
    line.append(" ...");
  }
  Log(std::move(line));
  if (trimmed && !hint_sent_) {
    hint_sent_ = true;
    Log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
  }
}

bool LuaDebugger::SendLogs() {
  std::string out = "*" + std::to_string(logs_.size()) + "\r\n";
  for (const std::string& l : logs_) out.append("+").append(l).append("\r\n");
  logs_.clear();
  return write_(out);
}

void LuaDebugger::LogSourceLine(int line) {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) return;
  char head[32];
  snprintf(head, sizeof(head), "%s%s%-3d ", line == current_ ? "->" : "  ",
           breakpoints_.contains(line) ? "#" : " ", line);
  Log(head + lines_[static_cast<size_t>(line - 1)]);
}

void LuaDebugger::List(int around, int context) {
  if (around == 0) around = current_;
  for (int l = around - context; l <= around + context; l++) LogSourceLine(l);
}

bool LuaDebugger::OnLine(lua_State* L, int line, std::string* error) {
  const bool at_break = lua_break_ || breakpoints_.contains(line);
  const int64_t now = clock::MonotonicUs() / 1000;
  const bool timed_out = timeout_ms_ > 0 && now - resumed_ms_ >= timeout_ms_;
  if (!step_ && !at_break && !timed_out) return true;
  const char* reason = lua_break_ ? "redis.breakpoint() called"
                       : step_    ? "step over"
                       : at_break ? "break point"
                                  : "timeout reached, infinite loop?";
  step_ = false;
  lua_break_ = false;
  current_ = line;
  Log("* Stopped at " + std::to_string(line) + ", stop reason = " + reason);
  LogSourceLine(line);
  if (!SendLogs()) {
    *error = "ERR connection lost";
    return false;
  }
  Next next = Repl(L, error);
  resumed_ms_ = clock::MonotonicUs() / 1000;
  return next == Next::kResume;
}

bool LuaDebugger::ParseCommand(std::vector<std::string>* argv, bool* bad) {
  // Only arrays of bulk strings, as redis-cli sends them; anything else ends the session.
  *bad = false;
  argv->clear();
  if (in_.empty()) return false;
  if (in_[0] != '*') {
    *bad = true;
    return false;
  }
  size_t pos = 0;
  auto number = [&](int64_t* n) -> int {  // 1 read, 0 incomplete, -1 bad
    size_t end = in_.find("\r\n", pos);
    if (end == std::string::npos) return in_.size() - pos > 32 ? -1 : 0;
    if (!ParseInt64(std::string_view(in_).substr(pos + 1, end - pos - 1), n)) return -1;
    pos = end + 2;
    return 1;
  };
  int64_t count;
  int r = number(&count);
  if (r <= 0 || count <= 0 || count > kMaxArgs) {
    *bad = r < 0 || (r > 0 && (count <= 0 || count > kMaxArgs));
    return false;
  }
  for (int64_t i = 0; i < count; i++) {
    if (pos >= in_.size()) return false;
    if (in_[pos] != '$') {
      *bad = true;
      return false;
    }
    int64_t len;
    r = number(&len);
    if (r <= 0 || len < 0 || len > kMaxArgLen) {
      *bad = r < 0 || (r > 0 && (len < 0 || len > kMaxArgLen));
      return false;
    }
    if (in_.size() - pos < static_cast<size_t>(len) + 2) return false;
    argv->emplace_back(in_, pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len) + 2;
  }
  in_.erase(0, pos);
  return true;
}

LuaDebugger::Next LuaDebugger::Repl(lua_State* L, std::string* error) {
  std::vector<std::string> argv;
  for (;;) {
    bool bad = false;
    while (!ParseCommand(&argv, &bad)) {
      if (bad) {
        *error = "ERR protocol error";
        return Next::kEnd;
      }
      if (!read_(&in_)) {
        *error = "ERR connection lost";
        return Next::kEnd;
      }
    }
    const std::string& cmd = argv[0];
    const size_t argc = argv.size();
    long n1 = 0, n2 = 0;
    if (Is(cmd, "h", "help") && argc == 1) {
      for (const char* l : kHelp) Log(l);
    } else if ((Is(cmd, "s", "step") || Is(cmd, "n", "next")) && argc == 1) {
      step_ = true;
      return Next::kResume;
    } else if (Is(cmd, "c", "continue") && argc == 1) {
      return Next::kResume;
    } else if (Is(cmd, "t", "trace") && argc == 1) {
      Trace(L);
    } else if (Is(cmd, "m", "maxlen") && argc <= 2) {
      Maxlen(argv);
    } else if (Is(cmd, "b", "break")) {
      Breakpoints(argv);
    } else if (Is(cmd, "e", "eval") && argc >= 2) {
      Eval(L, argv);
    } else if (Is(cmd, "a", "abort") && argc == 1) {
      *error = "ERR script aborted for user request";
      return Next::kEnd;
    } else if (Is(cmd, "l", "list") && argc <= 3 && (argc < 2 || ToInt(argv[1], &n1)) &&
               (argc < 3 || ToInt(argv[2], &n2))) {
      List(static_cast<int>(n1), argc == 3 ? static_cast<int>(n2) : 5);
    } else if (Is(cmd, "w", "whole") && argc == 1) {
      List(1, 1000000);
    } else if (Is(cmd, "p", "print") && argc <= 2) {
      Print(L, argv);
    } else if (Is(cmd, "r", "redis") && argc >= 2) {
      Redis(L, argv);
    } else {
      Log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
    }
    if (!SendLogs()) {
      *error = "ERR connection lost";
      return Next::kEnd;
    }
  }
}

void LuaDebugger::Maxlen(const std::vector<std::string>& argv) {
  if (argv.size() == 2) {
    long n = atol(argv[1].c_str());
    maxlen_ = n <= 0 ? 0 : static_cast<size_t>(n < 60 ? 60 : n);
    hint_sent_ = true;  // the user knows about trimming now
  }
  Log(maxlen_ == 0 ? std::string("<value> replies are unlimited.")
                   : "<value> replies are truncated at " + std::to_string(maxlen_) + " bytes.");
}

void LuaDebugger::Breakpoints(const std::vector<std::string>& argv) {
  if (argv.size() == 1) {
    if (breakpoints_.empty()) {
      Log("No breakpoints set. Use 'b <line>' to add one.");
      return;
    }
    Log(std::to_string(breakpoints_.size()) + " breakpoints set:");
    for (int l : breakpoints_) LogSourceLine(l);
    return;
  }
  for (size_t i = 1; i < argv.size(); i++) {
    long line;
    if (!ToInt(argv[i], &line)) {
      Log("Invalid argument:'" + argv[i] + "'");
    } else if (line == 0) {
      breakpoints_.clear();
      Log("All breakpoints removed.");
    } else if (line > 0) {
      if (static_cast<size_t>(line) > lines_.size()) {
        Log("Wrong line number.");
      } else if (breakpoints_.size() >= kMaxBreakpoints && !breakpoints_.contains(line)) {
        Log("Too many breakpoints set.");
      } else {
        breakpoints_.insert(static_cast<int>(line));
        List(static_cast<int>(line), 1);
      }
    } else {
      Log(breakpoints_.erase(static_cast<int>(-line)) ? "Breakpoint removed."
                                                     : "No breakpoint in the specified line.");
    }
  }
}

void LuaDebugger::Print(lua_State* L, const std::vector<std::string>& argv) {
  lua_Debug ar;
  bool any = false;
  // Locals of the running function first (innermost frame outwards), then the globals.
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    for (int i = 1;; i++) {
      const char* name = lua_getlocal(L, &ar, i);
      if (name == nullptr) break;
      if (name[0] == '(') {  // the interpreter's own temporaries
        lua_pop(L, 1);
        continue;
      }
      if (argv.size() == 1) {
        std::string line = "<value> " + std::string(name) + " = ";
        AppendLuaValue(L, -1, &line);
        LogTrimmed(std::move(line));
        any = true;
      } else if (argv[1] == name) {
        std::string line = "<value> ";
        AppendLuaValue(L, -1, &line);
        lua_pop(L, 1);
        LogTrimmed(std::move(line));
        return;
      }
      lua_pop(L, 1);
    }
    if (argv.size() == 1) break;  // all locals: the current frame only
  }
  if (argv.size() == 1) {
    if (!any) Log("No local variables in the current context.");
    return;
  }
  lua_getglobal(L, argv[1].c_str());
  if (!lua_isnil(L, -1)) {
    std::string line = "<value> ";
    AppendLuaValue(L, -1, &line);
    LogTrimmed(std::move(line));
  } else {
    Log("No such variable.");
  }
  lua_pop(L, 1);
}

void LuaDebugger::Eval(lua_State* L, const std::vector<std::string>& argv) {
  std::string code;
  for (size_t i = 1; i < argv.size(); i++) {
    if (i > 1) code.push_back(' ');
    code.append(argv[i]);
  }
  // An expression is shown as its value, so it is tried with "return" in front first.
  std::string expr = "return " + code;
  if (luaL_loadbuffer(L, expr.data(), expr.size(), "@ldb_eval") != 0) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, code.data(), code.size(), "@ldb_eval") != 0) {
      Log(std::string("<error> ") + lua_tostring(L, -1));
      lua_pop(L, 1);
      return;
    }
  }
  if (lua_pcall(L, 0, 1, 0) != 0) {
    const char* msg = lua_tostring(L, -1);
    Log(std::string("<error> ") + (msg != nullptr ? msg : "error object is not a string"));
    lua_pop(L, 1);
    return;
  }
  std::string line = "<retval> ";
  AppendLuaValue(L, -1, &line);
  lua_pop(L, 1);
  LogTrimmed(std::move(line));
}

void LuaDebugger::Redis(lua_State* L, const std::vector<std::string>& argv) {
  if (!lua_checkstack(L, static_cast<int>(argv.size()) + 4)) {
    Log("<error> Too many arguments.");
    return;
  }
  lua_getglobal(L, "redis");
  lua_getfield(L, -1, "call");
  lua_remove(L, -2);
  for (size_t i = 1; i < argv.size(); i++) lua_pushlstring(L, argv[i].data(), argv[i].size());
  in_redis_ = true;
  // The call logs its command and reply itself; an error it raised is already logged.
  lua_pcall(L, static_cast<int>(argv.size()) - 1, 1, 0);
  in_redis_ = false;
  lua_pop(L, 1);
}

void LuaDebugger::Trace(lua_State* L) {
  lua_Debug ar;
  bool first = true;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Snl", &ar);
    if (strstr(ar.short_src, "user_script") == nullptr) continue;
    Log(std::string(first ? "In " : "From ") + (ar.name != nullptr ? ar.name : "top level") + ":");
    LogSourceLine(ar.currentline);
    first = false;
  }
  if (first) Log("<error> Can't retrieve Lua stack.");
}

void LuaDebugger::LogValues(lua_State* L, int line) {
  std::string out = "<debug> line " + std::to_string(line) + ": ";
  for (int i = 1, n = lua_gettop(L); i <= n; i++) {
    if (i > 1) out.append(", ");
    AppendLuaValue(L, i, &out);
  }
  LogTrimmed(std::move(out));
}

void LuaDebugger::LogCall(std::span<const std::string_view> args) {
  std::string line = "<redis>";
  for (std::string_view a : args) line.append(" ").append(a);
  Log(std::move(line));
}

void LuaDebugger::LogReply(std::string_view reply, bool ran) {
  if (!ran) {
    // Refused before it ran: the error's text without its code.
    size_t pos = 0;
    std::string_view text = LineAt(reply, &pos);
    if (text.starts_with("ERR ")) text.remove_prefix(4);
    Log("<error> " + std::string(text));
    return;
  }
  if (!reply.empty() && reply[0] == '-') {
    size_t pos = 0;
    std::string_view text = LineAt(reply, &pos);
    Log("<error> -" + std::string(text));
  }
  std::string line = "<reply> ";
  size_t pos = 0;
  AppendHumanReply(reply, &pos, &line);
  LogTrimmed(std::move(line));
}

void LuaDebugger::End() {
  Log("<endsession>");
  SendLogs();
}

}  // namespace carmine
