// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Function libraries (FUNCTION LOAD): the code of a library runs once, at load, in an
// environment that offers nothing but redis.register_function, redis.log and the log levels, as
// in Redis 7.2. The callbacks it registers are kept in the registry; when called (FCALL) they
// see the same read-only globals as EVAL scripts, because their environment table answers from
// the load API only while a load runs.
#include <cctype>
#include <cstring>

#include <lua.hpp>

#include "base/clock.h"
#include "base/strutil.h"
#include "base/version.h"
#include "scripting/lua_engine.h"
#include "scripting/lua_internal.h"

namespace carmine {

using namespace lua_internal;  // NOLINT: the engine's own helpers

namespace {

constexpr std::string_view kBadName =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least "
    "one character long";

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool EngineLoading(lua_State* L);

// __index of the functions' environment: the load API while a library loads, else the globals.
// upvalue 1: the real globals; upvalue 2: the load API table.
int FunctionEnvIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, EngineLoading(L) ? lua_upvalueindex(2) : lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

}  // namespace

// redis.register_function(name, callback) or redis.register_function{function_name=...,
// callback=..., flags={...}, description=...}.
struct FunctionApi {
  static int Register(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->loading_) {
      return RaiseErrorTable(L, "ERR redis.register_function can only be called on FUNCTION "
                                "LOAD command");
    }
    LuaEngine::Function f;
    int argc = lua_gettop(L);
    if (argc == 1 && lua_istable(L, 1)) {
      for (lua_pushnil(L); lua_next(L, 1) != 0; lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
          return RaiseErrorTable(L, "ERR named argument key given to redis.register_function is not a string");
        }
        std::string_view key = lua_tostring(L, -2);
        if (key == "function_name") {
          if (lua_type(L, -1) != LUA_TSTRING) {
            return RaiseErrorTable(L, "ERR function_name argument given to redis.register_function must be a string");
          }
          size_t len;
          const char* n = lua_tolstring(L, -1, &len);
          f.name.assign(n, len);
        } else if (key == "description") {
          if (lua_type(L, -1) != LUA_TSTRING) {
            return RaiseErrorTable(L, "ERR description argument given to redis.register_function must be a string");
          }
          f.description = lua_tostring(L, -1);
        } else if (key == "callback") {
          if (!lua_isfunction(L, -1)) {
            return RaiseErrorTable(L, "ERR callback argument given to redis.register_function must be a function");
          }
          lua_pushvalue(L, -1);
          f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
        } else if (key == "flags") {
          if (!lua_istable(L, -1)) {
            return RaiseErrorTable(L, "ERR flags argument to redis.register_function must be a table representing function flags");
          }
          if (!ReadFlags(L, lua_gettop(L), &f.flags)) {
            return RaiseErrorTable(L, "ERR unknown flag given");
          }
        } else {
          return RaiseErrorTable(L, "ERR unknown argument given to redis.register_function");
        }
      }
      if (f.name.empty()) {
        if (f.ref != 0) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
        return RaiseErrorTable(L, "ERR redis.register_function must get a function name argument");
      }
      if (f.ref == 0) {
        return RaiseErrorTable(L, "ERR redis.register_function must get a callback argument");
      }
    } else if (argc == 1) {
      return RaiseErrorTable(L, "ERR calling redis.register_function with a single argument is "
                                "only applicable to Lua table (calling register_function with "
                                "named arguments).");
    } else if (argc == 2) {
      if (lua_type(L, 1) != LUA_TSTRING) {
        return RaiseErrorTable(L, "ERR first argument to redis.register_function must be a string");
      }
      if (!lua_isfunction(L, 2)) {
        return RaiseErrorTable(L, "ERR second argument to redis.register_function must be a function");
      }
      size_t len;
      const char* n = lua_tolstring(L, 1, &len);
      f.name.assign(n, len);
      lua_pushvalue(L, 2);
      f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
      return RaiseErrorTable(L, "ERR wrong number of arguments to redis.register_function");
    }
    if (!ValidName(f.name)) {
      luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
      return RaiseErrorTable(L, kBadName);
    }
    for (const auto& p : e->pending_) {
      if (EqualsIgnoreCase(p.name, f.name)) {
        luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
        return RaiseErrorTable(L, "ERR Function already exists in the library");
      }
    }
    e->pending_.push_back(std::move(f));
    return 0;
  }

  static bool ReadFlags(lua_State* L, int t, ScriptFlags* flags) {
    for (int i = 1;; i++) {
      lua_rawgeti(L, t, i);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return true;
      }
      const char* s = lua_tostring(L, -1);
      std::string_view f = s != nullptr ? s : "";
      lua_pop(L, 1);
      if (!SetScriptFlag(f, flags)) return false;
    }
  }

  static bool Loading(lua_State* L) { return EngineOf(L)->loading_; }

  // A library's code gets half a second to register its functions, as in Redis.
  static void LoadHook(lua_State* L, lua_Debug*) {
    LuaEngine* e = EngineOf(L);
    if (clock::MonotonicUs() - e->load_started_us_ > 500000) {
      RaiseErrorTable(L, "FUNCTION LOAD timeout");
    }
  }
};

namespace {
bool EngineLoading(lua_State* L) { return FunctionApi::Loading(L); }
}  // namespace

void LuaEngine::OpenFunctions() {
  lua_State* L = L_;
  // The load API: register_function, log and the log levels, versions.
  lua_newtable(L);  // {redis = api}
  lua_pushliteral(L, "redis");
  lua_newtable(L);
  lua_pushliteral(L, "register_function");
  lua_pushcfunction(L, FunctionApi::Register);
  lua_rawset(L, -3);
  lua_getglobal(L, "redis");  // the runtime table's proxy: copy log and the constants from it
  for (const char* name : {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                           "REDIS_VERSION", "REDIS_VERSION_NUM"}) {
    lua_pushstring(L, name);
    lua_pushstring(L, name);
    lua_gettable(L, -3);
    lua_rawset(L, -4);
  }
  lua_pop(L, 1);
  MakeProxy(L, true);  // the api itself: redis.call at load time names the missing 'call'
  lua_rawset(L, -3);
  int load_api = lua_gettop(L);

  // The environment of library code: empty, with the switching __index.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushliteral(L, "__index");
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, load_api);
  lua_pushcclosure(L, FunctionEnvIndex, 2);
  lua_rawset(L, -3);
  SetReadonlyFields(L);
  lua_setmetatable(L, -2);
  function_env_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);  // load_api (kept alive by the closure)
}

namespace {

// Parses "#!lua name=<lib>" into *name; false with Redis's error.
bool ParseLibraryHeader(std::string_view code, std::string* name, std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "ERR Missing library metadata";
    return false;
  }
  size_t eol = code.find('\n');
  std::string_view line = code.substr(2, eol == std::string_view::npos ? code.npos : eol - 2);
  size_t sp = line.find(' ');
  std::string_view engine = line.substr(0, sp);
  if (!EqualsIgnoreCase(engine, "lua")) {
    *error = "ERR Engine '" + std::string(engine) + "' not found";
    return false;
  }
  bool named = false;
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  while (!rest.empty()) {
    std::string_view opt = NextWord(&rest);
    if (opt.empty()) continue;
    if (opt.substr(0, 5) != "name=") {
      *error = "ERR Invalid metadata value given: " + std::string(opt);
      return false;
    }
    if (named) {
      *error = "ERR Invalid metadata value, name argument was given multiple times";
      return false;
    }
    std::string_view value = opt.substr(5);
    // The value may be quoted ("name=\"foo\""), as the line is split the way Redis splits
    // arguments.
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    *name = std::string(value);
    named = true;
  }
  if (!named) {
    *error = "ERR Library name was not given";
    return false;
  }
  if (!ValidName(*name)) {
    *error = std::string(kBadName);
    return false;
  }
  return true;
}

}  // namespace

bool LuaEngine::LoadLibrary(std::string_view code, bool replace, std::string* out) {
  std::string name;
  if (!ParseLibraryHeader(code, &name, out)) return false;
  auto existing = libraries_.find(ToLower(name));
  if (existing != libraries_.end() && !replace) {
    *out = "ERR Library '" + name + "' already exists";
    return false;
  }
  lua_State* L = L_;
  std::string body(code);
  body[0] = '-';  // the header line becomes a comment; line numbers stay those of the code
  body[1] = '-';
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    const char* msg = lua_tostring(L, -1);
    *out = std::string("ERR Error compiling function: ") + (msg != nullptr ? msg : "?");
    lua_settop(L, 0);
    return false;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, function_env_ref_);
  lua_setfenv(L, -2);
  pending_.clear();
  loading_ = true;
  load_started_us_ = clock::MonotonicUs();
  lua_sethook(L, FunctionApi::LoadHook, LUA_MASKCOUNT, 100000);
  int rc = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  loading_ = false;
  auto drop_pending = [&] {
    for (const auto& f : pending_) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    pending_.clear();
  };
  if (rc != 0) {
    std::string text;
    if (lua_istable(L, -1)) {
      lua_pushliteral(L, "err");
      lua_rawget(L, -2);
      if (const char* s = lua_tostring(L, -1)) text = s;
    } else if (const char* s = lua_tostring(L, -1)) {
      text = std::string("ERR ") + s;
    }
    lua_settop(L, 0);
    drop_pending();
    *out = "ERR Error registering functions: " + text;
    return false;
  }
  lua_settop(L, 0);
  if (pending_.empty()) {
    *out = "ERR No functions registered";
    return false;
  }
  for (const auto& f : pending_) {
    auto it = functions_.find(ToLower(f.name));
    if (it != functions_.end() && !EqualsIgnoreCase(it->second.library, name)) {
      *out = "ERR Function " + f.name + " already exists";
      drop_pending();
      return false;
    }
  }
  if (existing != libraries_.end()) {
    ReleaseLibrary(existing->second);
    libraries_.erase(existing);
  }
  Library lib;
  lib.name = name;
  lib.code = std::string(code);
  for (auto& f : pending_) {
    f.library = name;
    lib.functions.push_back(f.name);
    std::string key = ToLower(f.name);
    functions_[key] = std::move(f);
  }
  pending_.clear();
  libraries_[ToLower(name)] = std::move(lib);
  function_count_.store(functions_.size(), std::memory_order_relaxed);
  PublishFunctionFlags();
  library_count_.store(libraries_.size(), std::memory_order_relaxed);
  UpdateMemory();
  *out = name;
  return true;
}

void LuaEngine::PublishFunctionFlags() {
  decltype(declared_functions_) flags;
  for (const auto& [key, f] : functions_) flags.emplace(key, f.flags);
  std::lock_guard<std::mutex> l(declared_mu_);
  declared_functions_.swap(flags);
}

void LuaEngine::ReleaseLibrary(const Library& lib) {
  for (const auto& fname : lib.functions) {
    auto it = functions_.find(ToLower(fname));
    if (it == functions_.end()) continue;
    luaL_unref(L_, LUA_REGISTRYINDEX, it->second.ref);
    functions_.erase(it);
  }
}

bool LuaEngine::DeleteLibrary(std::string_view name) {
  auto it = libraries_.find(ToLower(name));
  if (it == libraries_.end()) return false;
  ReleaseLibrary(it->second);
  libraries_.erase(it);
  function_count_.store(functions_.size(), std::memory_order_relaxed);
  PublishFunctionFlags();
  library_count_.store(libraries_.size(), std::memory_order_relaxed);
  lua_gc(L_, LUA_GCCOLLECT, 0);
  UpdateMemory();
  return true;
}

void LuaEngine::FlushLibraries() {
  for (const auto& [name, lib] : libraries_) ReleaseLibrary(lib);
  libraries_.clear();
  function_count_.store(0, std::memory_order_relaxed);
  PublishFunctionFlags();
  library_count_.store(0, std::memory_order_relaxed);
  lua_gc(L_, LUA_GCCOLLECT, 0);
  UpdateMemory();
}

const LuaEngine::Function* LuaEngine::FindFunction(std::string_view name) const {
  auto it = functions_.find(ToLower(name));
  return it == functions_.end() ? nullptr : &it->second;
}

}  // namespace carmine
