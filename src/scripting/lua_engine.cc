// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "scripting/lua_engine.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <vector>

#include <lua.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "base/version.h"
#include "scripting/lua_convert.h"
#include "scripting/lua_debugger.h"
#include "scripting/lua_internal.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace carmine {

int OpenCmsgpack(lua_State* L);  // lua_cmsgpack.cc
int OpenStruct(lua_State* L);    // lua_struct.cc

namespace {

std::string Sha1Hex(std::string_view s) {
  unsigned char h[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), h);
  static const char* hex = "0123456789abcdef";
  std::string out(40, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
    out[2 * i] = hex[h[i] >> 4];
    out[2 * i + 1] = hex[h[i] & 15];
  }
  return out;
}

}  // namespace

namespace lua_internal {

// Registry keys (addresses of these statics are unique light userdata).
char kEngineKey, kGlobalsKey, kProtectedKey;

LuaEngine* EngineOf(lua_State* L) {
  lua_pushlightuserdata(L, &kEngineKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* e = static_cast<LuaEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return e;
}

// Raises a Redis error the way redis.call raises it: a table {err = text}, which EVAL's reply
// shows as the text itself (with the script's name and line) and pcall hands back as a string.
int RaiseErrorTable(lua_State* L, std::string_view text) {
  lua_newtable(L);
  lua_pushliteral(L, "err");
  lua_pushlstring(L, text.data(), text.size());
  lua_rawset(L, -3);
  return lua_error(L);
}

// Globals and library tables are read-only, as in Redis 7: a script sees each through an empty
// proxy whose metatable reads from the real table and refuses writes.
int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

void SetReadonlyFields(lua_State* L) {
  lua_pushliteral(L, "__newindex");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_rawset(L, -3);
  lua_pushliteral(L, "__metatable");
  lua_pushboolean(L, 0);
  lua_rawset(L, -3);
}

}  // namespace lua_internal

using namespace lua_internal;  // NOLINT: this file is their home

namespace {

int GlobalsIndex(lua_State* L) {
  // upvalue 1: the real globals table.
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

// rawset must not write through the proxies either.
int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 1);
  lua_rawget(L, -2);
  bool ro = lua_toboolean(L, -1);
  lua_pop(L, 2);
  if (ro) {
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

}  // namespace

namespace {

bool IsProtected(lua_State* L, int idx) {
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool ro = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return ro;
}

// setmetatable on a read-only table fails as a write to it does; upvalue 1 is the original.
int SafeSetmetatable(lua_State* L) {
  if (lua_istable(L, 1) && IsProtected(L, 1)) {
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring takes source text only: precompiled chunks (string.dump) are refused, as in Redis.
int SafeLoadstring(lua_State* L) {
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  if (s != nullptr && len > 0 && s[0] == LUA_SIGNATURE[0]) {
    lua_pushnil(L);
    lua_pushliteral(L, "binary chunks are not allowed");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace

// Replaces the table at the top of the stack by a read-only proxy of it.
void lua_internal::MakeProxy(lua_State* L, bool globals) {
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  int proxy = real + 1;
  lua_newtable(L);  // its metatable
  lua_pushliteral(L, "__index");
  if (globals) {
    lua_pushvalue(L, real);
    lua_pushcclosure(L, GlobalsIndex, 1);
  } else {
    lua_pushvalue(L, real);
  }
  lua_rawset(L, -3);
  lua_pushliteral(L, "__newindex");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_rawset(L, -3);
  // getmetatable() shows an empty read-only table: changing it fails like any write.
  lua_pushliteral(L, "__metatable");
  lua_newtable(L);
  lua_newtable(L);  // the copy's own metatable: writes refused, nothing to show
  SetReadonlyFields(L);
  lua_setmetatable(L, -2);
  lua_rawset(L, -3);
  lua_setmetatable(L, proxy);
  // Remember it as protected (for rawset).
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, proxy);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

namespace {

// Formats a Lua number argument of redis.call as Redis does: integers exactly, others with 17
// significant digits.
std::string_view NumberArg(lua_Number n, char* buf, size_t size) {
  int len;
  if (n == static_cast<lua_Number>(static_cast<long long>(n))) {
    len = snprintf(buf, size, "%lld", static_cast<long long>(n));
  } else {
    len = snprintf(buf, size, "%.17g", n);
  }
  return {buf, static_cast<size_t>(len)};
}

// Whether the value at `index` is an error table marked as counted in errorstats already (the
// error of a command the script called).
bool ErrorCounted(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_pushliteral(L, "ignore_error_stats_update");
  lua_rawget(L, index);
  bool counted = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  return counted;
}
}  // namespace

// The C functions of the `redis` table. Each does its C++ work in a scope that ends before any
// Lua error is raised: lua_error unwinds with longjmp, which must not skip destructors.
struct LuaApi {
  static int Call(lua_State* L, bool raise) {
    LuaEngine* e = EngineOf(L);
    int argc = lua_gettop(L);
    const char* problem = nullptr;
    {
      if (argc == 0) {
        problem = "ERR Please specify at least one argument for this redis lib call";
      } else {
        std::vector<std::string_view> args;
        args.reserve(static_cast<size_t>(argc));
        std::vector<std::string> numbers;
        numbers.reserve(static_cast<size_t>(argc));
        for (int i = 1; i <= argc; i++) {
          int t = lua_type(L, i);
          if (t == LUA_TSTRING) {
            size_t len;
            const char* s = lua_tolstring(L, i, &len);
            args.emplace_back(s, len);
          } else if (t == LUA_TNUMBER) {
            char buf[64];
            numbers.emplace_back(NumberArg(lua_tonumber(L, i), buf, sizeof(buf)));
            args.emplace_back(numbers.back());
          } else {
            problem = "ERR Lua redis lib command arguments must be strings or integers";
            break;
          }
        }
        if (problem == nullptr) {
          e->reply_buf_.clear();
          LuaDebugger* dbg = e->debugger_ != nullptr && e->debugger_->logging_calls()
                                 ? e->debugger_
                                 : nullptr;
          if (dbg != nullptr) dbg->LogCall(args);
          bool ran = e->host_->Call(args, e->resp_, &e->reply_buf_);
          if (dbg != nullptr) dbg->LogReply(e->reply_buf_, ran);
        }
      }
    }
    if (problem != nullptr) {
      if (raise) return RaiseErrorTable(L, problem);
      PushErrorTable(L, problem);
      return 1;
    }
    std::string_view reply = e->reply_buf_;
    if (raise && !reply.empty() && reply[0] == '-') {
      size_t end = reply.find("\r\n");
      std::string_view text = reply.substr(1, end == std::string_view::npos ? reply.npos : end - 1);
      lua_newtable(L);
      lua_pushliteral(L, "err");
      lua_pushlstring(L, text.data(), text.size());
      lua_rawset(L, -3);
      // Counted in errorstats where it happened: the script's error reply does not count again.
      lua_pushliteral(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
      return lua_error(L);
    }
    PushReply(L, reply);
    return 1;
  }
  static int RedisCall(lua_State* L) { return Call(L, true); }
  static int RedisPcall(lua_State* L) { return Call(L, false); }

  static int ErrorReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
      // Returned, not raised, as Redis does.
      PushErrorTable(L, "ERR wrong number or type of arguments");
      return 1;
    }
    size_t len;
    const char* s = lua_tolstring(L, 1, &len);
    std::string_view text(s, len);
    if (!text.empty() && text[0] == '-') text.remove_prefix(1);
    // A message without an error code (no space: no first word to take) gets ERR in front.
    if (text.find(' ') == std::string_view::npos) {
      PushErrorTable(L, "ERR " + std::string(text));
    } else {
      PushErrorTable(L, text);
    }
    return 1;
  }

  static int StatusReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
      // Returned, not raised, as Redis does.
      PushErrorTable(L, "ERR wrong number or type of arguments");
      return 1;
    }
    lua_newtable(L);
    lua_pushliteral(L, "ok");
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);
    return 1;
  }

  static int Sha1hex(lua_State* L) {
    if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
    size_t len;
    const char* s = lua_tolstring(L, 1, &len);
    char hex[41];
    {
      std::string h = Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0));
      memcpy(hex, h.data(), 40);
    }
    lua_pushlstring(L, hex, 40);
    return 1;
  }

  static int Log(lua_State* L) {
    int argc = lua_gettop(L);
    if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return luaL_error(L, "First argument must be a number (log level).");
    int level = static_cast<int>(lua_tonumber(L, 1));
    if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
    // Joined with spaces, as Redis writes them.
    for (int i = 2; i <= argc; i++) {
      if (lua_tostring(L, i) == nullptr) lua_pushliteral(L, ""), lua_replace(L, i);
    }
    lua_pushliteral(L, " ");
    int sep = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= argc; i++) {
      if (i > 2) {
        lua_pushvalue(L, sep);
        luaL_addvalue(&b);
      }
      lua_pushvalue(L, i);
      luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log::WriteRaw(static_cast<log::Level>(level), lua_tostring(L, -1));
    return 0;
  }

  static int SetResp(lua_State* L) {
    if (lua_gettop(L) != 1) return RaiseErrorTable(L, "ERR redis.setresp() requires one argument.");
    int v = static_cast<int>(lua_tonumber(L, 1));
    if (v != 2 && v != 3) return RaiseErrorTable(L, "ERR RESP version must be 2 or 3.");
    EngineOf(L)->resp_ = v;
    return 0;
  }

  static int SetRepl(lua_State* L) {
    if (lua_gettop(L) != 1) {
      return RaiseErrorTable(L, "ERR redis.set_repl() requires one argument.");
    }
    int v = static_cast<int>(lua_tonumber(L, 1));
    if (v < 0 || v > 3) return RaiseErrorTable(L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    EngineOf(L)->repl_flags_ = v;  // REPL_AOF 1 and REPL_REPLICA 2 are bits of REPL_ALL 3
    return 0;
  }

  static int ReplicateCommands(lua_State* L) {
    lua_pushboolean(L, 1);  // always on since Redis 7: effects are what is propagated
    return 1;
  }

  // redis.breakpoint(): true when a debugger session stops at the next line.
  static int Breakpoint(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (e->debugger_ != nullptr) e->debugger_->Break();
    lua_pushboolean(L, e->debugger_ != nullptr ? 1 : 0);
    return 1;
  }

  // redis.debug(...): a log line for the debugger's client; nothing without a session.
  static int Debug(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (e->debugger_ == nullptr) return 0;
    lua_Debug ar;
    int line = 0;
    if (lua_getstack(L, 1, &ar)) {
      lua_getinfo(L, "l", &ar);
      line = ar.currentline;
    }
    e->debugger_->LogValues(L, line);
    return 0;
  }

  static int AclCheckCmd(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    int argc = lua_gettop(L);
    bool allowed = false, known = false;
    const char* problem = nullptr;
    {
      if (argc == 0) {
        problem = "ERR Please specify at least one argument for this redis lib call";
      } else {
        std::vector<std::string_view> args;
        for (int i = 1; i <= argc; i++) {
          size_t len;
          const char* s = lua_tolstring(L, i, &len);
          if (s == nullptr) {
            problem = "ERR Lua redis lib command arguments must be strings or integers";
            break;
          }
          args.emplace_back(s, len);
        }
        if (problem == nullptr) known = e->host_->AclCheck(args, &allowed);
      }
    }
    if (problem != nullptr) return RaiseErrorTable(L, problem);
    if (!known) return RaiseErrorTable(L, "ERR Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, allowed ? 1 : 0);
    return 1;
  }

  // The count hook: SCRIPT KILL stops the script here. With a debugger session it is the line
  // hook too, where the session stops the script.
  static void Hook(lua_State* L, lua_Debug* ar) {
    LuaEngine* e = EngineOf(L);
    if (e->debugger_ != nullptr) {
      if (ar->event != LUA_HOOKLINE || e->kill_.load(std::memory_order_relaxed)) return KillHook(L);
      lua_getinfo(L, "Sl", ar);
      if (strstr(ar->short_src, "user_script") == nullptr) return;
      bool go_on;
      {
        std::string error;
        go_on = e->debugger_->OnLine(L, ar->currentline, &error);
        if (!go_on) e->debug_error_ = std::move(error);
      }
      if (!go_on) RaiseErrorTable(L, e->debug_error_);
      return;
    }
    int64_t since = e->running_since_.load(std::memory_order_relaxed);
    if (e->host_ != nullptr && since > 0) e->host_->StillRunning(clock::MonotonicUs() / 1000 - since);
    KillHook(L);
  }

  // SCRIPT KILL's part of the hook.
  static void KillHook(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (e->kill_.load(std::memory_order_relaxed)) {
      lua_sethook(L, Hook, LUA_MASKLINE, 0);  // fire again at once if the error is caught
      RaiseErrorTable(L, e->running_fn_.load(std::memory_order_relaxed)
                             ? "ERR Script killed by user with FUNCTION KILL..."
                             : "ERR Script killed by user with SCRIPT KILL...");
    }
  }

  // lua_pcall's message handler: keeps the error value and the line of the script where it was
  // raised ({error, line}).
  static int ErrorHandler(lua_State* L) {
    int line = -1;
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
      lua_getinfo(L, "Sl", &ar);
      if (strcmp(ar.source, "@user_script") == 0 || strcmp(ar.source, "@user_function") == 0) {
        line = ar.currentline;
        break;
      }
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, line);
    lua_rawseti(L, -2, 2);
    return 1;
  }
};

bool SetScriptFlag(std::string_view name, ScriptFlags* flags) {
  if (name == "no-writes") {
    flags->no_writes = true;
  } else if (name == "allow-oom") {
    flags->allow_oom = true;
  } else if (name == "allow-stale") {
    flags->allow_stale = true;
  } else if (name == "no-cluster") {
    flags->no_cluster = true;
  } else if (name == "allow-cross-slot-keys") {
    flags->allow_cross_slot_keys = true;
  } else {
    return false;
  }
  return true;
}

bool ParseShebang(std::string_view body, ScriptFlags* flags, std::string* error) {
  *flags = ScriptFlags{};
  if (body.substr(0, 2) != "#!") return true;
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    *error = "ERR Invalid script shebang";
    return false;
  }
  std::string_view line = body.substr(0, eol);
  size_t sp = line.find(' ');
  std::string_view engine = line.substr(0, sp);
  if (engine != "#!lua") {
    *error = "ERR Unexpected engine in script shebang: " + std::string(engine);
    return false;
  }
  flags->shebang = true;
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  while (!rest.empty()) {
    std::string_view opt = NextWord(&rest);
    if (opt.empty()) continue;
    if (opt.substr(0, 6) != "flags=") {
      *error = "ERR Unknown lua shebang option: " + std::string(opt);
      return false;
    }
    std::string_view list = opt.substr(6);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view f = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (!SetScriptFlag(f, flags)) {
        *error = "ERR Unexpected flag in script shebang: " + std::string(f);
        return false;
      }
    }
  }
  return true;
}

LuaEngine::LuaEngine() { Open(); }

LuaEngine::~LuaEngine() { Close(); }

void LuaEngine::Close() {
  if (L_ != nullptr) lua_close(L_);
  L_ = nullptr;
  scripts_.clear();
  libraries_.clear();
  functions_.clear();
  pending_.clear();
  function_count_.store(0, std::memory_order_relaxed);
  library_count_.store(0, std::memory_order_relaxed);
  cached_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> l(declared_mu_);
    declared_scripts_.clear();
    declared_functions_.clear();
  }
  script_bytes_.store(0, std::memory_order_relaxed);
}

void LuaEngine::Open() {
  L_ = luaL_newstate();
  lua_State* L = L_;
  // The libraries Redis loads: base, table, string, math (not debug, io, os), cjson, bit,
  // cmsgpack and struct.
  const luaL_Reg libs[] = {{"", luaopen_base},       {LUA_TABLIBNAME, luaopen_table},
                           {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                           {"cjson", luaopen_cjson}, {"bit", luaopen_bit},
                           {"cmsgpack", OpenCmsgpack}, {"struct", OpenStruct}};
  for (const auto& lib : libs) {
    lua_pushcfunction(L, lib.func);
    lua_pushstring(L, lib.name);
    lua_call(L, 1, 1);
    if (lib.name[0] != '\0' && lua_istable(L, -1)) {
      lua_setglobal(L, lib.name);  // cjson and bit do not always set their global themselves
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushlightuserdata(L, &kEngineKey);
  lua_pushlightuserdata(L, this);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_newtable(L);
  lua_rawset(L, LUA_REGISTRYINDEX);

  // What a script may not reach, as in Redis: files, modules, the OS, printing.
  for (const char* name : {"loadfile", "dofile", "print", "require", "module", "os", "io",
                           "debug", "package"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, SafeRawset);
  lua_setglobal(L, "rawset");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, SafeSetmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lua_getglobal(L, "loadstring");
  lua_pushcclosure(L, SafeLoadstring, 1);
  lua_setglobal(L, "loadstring");

  // The redis table.
  lua_newtable(L);
  const luaL_Reg fns[] = {{"call", LuaApi::RedisCall},
                          {"pcall", LuaApi::RedisPcall},
                          {"error_reply", LuaApi::ErrorReply},
                          {"status_reply", LuaApi::StatusReply},
                          {"sha1hex", LuaApi::Sha1hex},
                          {"log", LuaApi::Log},
                          {"setresp", LuaApi::SetResp},
                          {"set_repl", LuaApi::SetRepl},
                          {"replicate_commands", LuaApi::ReplicateCommands},
                          {"breakpoint", LuaApi::Breakpoint},
                          {"debug", LuaApi::Debug},
                          {"acl_check_cmd", LuaApi::AclCheckCmd}};
  for (const auto& f : fns) {
    lua_pushstring(L, f.name);
    lua_pushcfunction(L, f.func);
    lua_rawset(L, -3);
  }
  const std::pair<const char*, int> consts[] = {
      {"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2},  {"LOG_WARNING", 3},
      {"REPL_NONE", 0},  {"REPL_AOF", 1},    {"REPL_SLAVE", 2},  {"REPL_REPLICA", 2},
      {"REPL_ALL", 3}};
  for (const auto& [name, v] : consts) {
    lua_pushstring(L, name);
    lua_pushinteger(L, v);
    lua_rawset(L, -3);
  }
  lua_pushliteral(L, "REDIS_VERSION");
  lua_pushlstring(L, version::kRedis.data(), version::kRedis.size());
  lua_rawset(L, -3);
  lua_pushliteral(L, "REDIS_VERSION_NUM");
  lua_pushinteger(L, version::kRedisNum);
  lua_rawset(L, -3);
  lua_setglobal(L, "redis");

  // pcall returns a Redis error raised as a table ({err = ...}) as its text, as in Redis.
  const char* wrap =
      "local real_pcall = pcall\n"
      "local function fix(ok, ...)\n"
      "  if not ok then\n"
      "    local e = ...\n"
      "    if type(e) == 'table' and e.err ~= nil then return false, e.err end\n"
      "  end\n"
      "  return ok, ...\n"
      "end\n"
      "pcall = function(...) return fix(real_pcall(...)) end\n";
  if (luaL_loadbuffer(L, wrap, strlen(wrap), "=init") == 0) lua_call(L, 0, 0);

  // Library tables become read-only proxies; then the globals themselves.
  for (const char* name :
       {"redis", "string", "math", "table", "cjson", "bit", "cmsgpack", "struct", "coroutine"}) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
      MakeProxy(L, false);
      lua_setglobal(L, name);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  MakeProxy(L, true);
  // _G names the proxy, so a script cannot reach the real table through it.
  lua_pushliteral(L, "_G");
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_GLOBALSINDEX);
  lua_pushlightuserdata(L, &kGlobalsKey);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_newtable(L);
  scripts_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  OpenFunctions();
  UpdateMemory();
}

void LuaEngine::UpdateMemory() {
  memory_.store(static_cast<int64_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 +
                    lua_gc(L_, LUA_GCCOUNTB, 0),
                std::memory_order_relaxed);
}

const LuaEngine::Script* LuaEngine::Load(std::string_view body, std::string* error) {
  std::string sha = Sha1Hex(body);
  if (auto it = scripts_.find(sha); it != scripts_.end()) return &it->second;
  ScriptFlags flags;
  if (!ParseShebang(body, &flags, error)) return nullptr;
  lua_State* L = L_;
  int rc;
  if (flags.shebang) {
    // The shebang line becomes a comment, so line numbers stay those of the body.
    std::string code(body);
    code[0] = '-';
    code[1] = '-';
    rc = luaL_loadbuffer(L, code.data(), code.size(), "@user_script");
  } else {
    rc = luaL_loadbuffer(L, body.data(), body.size(), "@user_script");
  }
  if (rc != 0) {
    const char* msg = lua_tostring(L, -1);
    *error = std::string("ERR Error compiling script (new function): ") + (msg ? msg : "?");
    lua_pop(L, 1);
    return nullptr;
  }
  // Scripts see the read-only globals.
  lua_pushlightuserdata(L, &kGlobalsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_setfenv(L, -2);
  lua_rawgeti(L, LUA_REGISTRYINDEX, scripts_ref_);
  lua_pushlstring(L, sha.data(), sha.size());
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 2);
  Script s;
  s.sha = sha;
  s.flags = flags;
  s.body_bytes = body.size();
  if (flags.shebang) {
    std::lock_guard<std::mutex> l(declared_mu_);
    declared_scripts_.emplace(sha, flags);
  }
  auto [it, inserted] = scripts_.emplace(sha, std::move(s));
  cached_.store(scripts_.size(), std::memory_order_relaxed);
  script_bytes_.fetch_add(body.size() + 40 + sizeof(Script), std::memory_order_relaxed);
  UpdateMemory();
  return &it->second;
}

bool LuaEngine::DeclaredFlags(std::string_view key, bool function, ScriptFlags* out) const {
  // The names and SHA1s clients send are lowercase already; only others are copied.
  std::string lowered;
  if (std::any_of(key.begin(), key.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    lowered = ToLower(key);
    key = lowered;
  }
  std::lock_guard<std::mutex> l(declared_mu_);
  const auto& map = function ? declared_functions_ : declared_scripts_;
  auto it = map.find(key);
  if (it == map.end()) return false;
  *out = it->second;
  return true;
}

const LuaEngine::Script* LuaEngine::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  std::string key(sha);
  for (char& c : key) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  auto it = scripts_.find(key);
  return it == scripts_.end() ? nullptr : &it->second;
}

void LuaEngine::Flush() {
  // A fresh interpreter forgets the scripts; the function libraries are loaded into it again.
  std::vector<std::string> codes;
  for (const auto& [name, lib] : libraries_) codes.push_back(lib.code);
  Close();
  Open();
  std::string ignored;
  for (const auto& code : codes) LoadLibrary(code, false, &ignored);
}

namespace {
// Sets global `name` (in the real globals table) to an array of strings.
void SetArrayGlobal(lua_State* L, const char* name, std::span<const std::string_view> items) {
  lua_pushstring(L, name);
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); i++) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  lua_rawset(L, LUA_GLOBALSINDEX);
}
}  // namespace

bool LuaEngine::Run(const Script& script, std::span<const std::string_view> keys,
                    std::span<const std::string_view> argv, ScriptHost& host, ReplyBuilder& rb) {
  lua_State* L = L_;
  SetArrayGlobal(L, "KEYS", keys);
  SetArrayGlobal(L, "ARGV", argv);
  lua_rawgeti(L, LUA_REGISTRYINDEX, scripts_ref_);
  lua_pushlstring(L, script.sha.data(), script.sha.size());
  lua_rawget(L, -2);
  lua_remove(L, -2);
  return Invoke(script.sha, "user_script", 0, host, rb);
}

bool LuaEngine::RunFunction(const Function& f, std::span<const std::string_view> keys,
                            std::span<const std::string_view> argv, ScriptHost& host,
                            ReplyBuilder& rb) {
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, f.ref);
  for (auto list : {keys, argv}) {
    lua_createtable(L, static_cast<int>(list.size()), 0);
    for (size_t i = 0; i < list.size(); i++) {
      lua_pushlstring(L, list[i].data(), list[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  }
  {
    std::lock_guard<std::mutex> l(running_mu_);
    running_name_ = f.name;
  }
  running_fn_.store(true, std::memory_order_relaxed);
  bool counted = Invoke(f.name, "user_function", 2, host, rb);
  running_fn_.store(false, std::memory_order_relaxed);
  std::lock_guard<std::mutex> l(running_mu_);
  running_name_.clear();
  running_command_.clear();
  return counted;
}

bool LuaEngine::RunningFunction(std::string* name, std::vector<std::string>* command) const {
  std::lock_guard<std::mutex> l(running_mu_);
  if (running_name_.empty()) return false;
  *name = running_name_;
  *command = running_command_;
  return true;
}

bool LuaEngine::Invoke(std::string_view name, std::string_view chunk, int nargs,
                       ScriptHost& host, ReplyBuilder& rb) {
  lua_State* L = L_;
  host_ = &host;
  resp_ = 2;
  repl_flags_ = 3;
  label_ = name;
  kill_.store(false, std::memory_order_relaxed);
  wrote_.store(false, std::memory_order_relaxed);
  running_since_.store(std::max<int64_t>(1, clock::MonotonicUs() / 1000), std::memory_order_relaxed);
  int fn = lua_gettop(L) - nargs;
  lua_pushcfunction(L, LuaApi::ErrorHandler);
  lua_insert(L, fn);
  int errh = fn;
  lua_sethook(L, LuaApi::Hook, debugger_ != nullptr ? LUA_MASKCOUNT | LUA_MASKLINE : LUA_MASKCOUNT,
              100000);
  int rc = lua_pcall(L, nargs, 1, errh);
  lua_sethook(L, nullptr, 0, 0);
  bool counted = false;
  if (rc == 0) {
    counted = ErrorCounted(L, lua_gettop(L));
    ReplyFromLua(L, lua_gettop(L), rb, resp_);
  } else {
    // {error, line}: the error is a Redis error table or the interpreter's message.
    std::string text;
    int line = -1;
    if (lua_istable(L, -1)) {
      lua_rawgeti(L, -1, 2);
      line = static_cast<int>(lua_tointeger(L, -1));
      lua_pop(L, 1);
      lua_rawgeti(L, -1, 1);
      counted = ErrorCounted(L, lua_gettop(L));
      if (lua_istable(L, -1)) {
        lua_pushliteral(L, "err");
        lua_rawget(L, -2);  // raw: nothing of the script's may run outside the protected call
        if (const char* s = lua_tostring(L, -1)) text = s;
        lua_pop(L, 1);
      } else if (const char* s = lua_tostring(L, -1)) {
        text = std::string("ERR ") + s;
      }
      lua_pop(L, 1);
    } else if (const char* s = lua_tostring(L, -1)) {
      text = std::string("ERR ") + s;  // the handler itself failed (out of memory)
    }
    if (text.empty()) text = "ERR unknown error";
    text += " script: " + std::string(name) + ", on @" + std::string(chunk) + ":" +
            (line >= 0 ? std::to_string(line) : std::string("?")) + ".";
    rb.Error(text);
  }
  lua_settop(L, 0);
  host_ = nullptr;
  running_since_.store(0, std::memory_order_relaxed);
  // A step of garbage collection every 50 runs keeps the heap near its live size without
  // paying for it on every call (Redis uses the same period).
  if (++gc_count_ >= 50) {
    gc_count_ = 0;
    lua_gc(L, LUA_GCSTEP, 50);
  }
  UpdateMemory();
  return counted;
}

}  // namespace carmine
