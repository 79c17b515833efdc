// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "scripting/lua_convert.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include <lua.hpp>

namespace carmine {

namespace {

// The text of a line-typed element starting at *pos (after its type byte); moves past "\r\n".
std::string_view LineAt(std::string_view r, size_t* pos) {
  size_t start = *pos + 1;
  size_t end = r.find("\r\n", start);
  if (end == std::string_view::npos) end = r.size();
  *pos = end + 2;
  return r.substr(start, end - start);
}

int64_t LenAt(std::string_view r, size_t* pos) {
  std::string_view s = LineAt(r, pos);
  return strtoll(std::string(s).c_str(), nullptr, 10);
}

void SetField(lua_State* L, const char* name) {  // t[name] = top; pops the value
  lua_pushstring(L, name);
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

void PushAt(lua_State* L, std::string_view r, size_t* pos);

// A RESP3 map or set's elements, as {map={k=v}} / {set={k=true}}.
void PushKeyed(lua_State* L, std::string_view r, size_t* pos, bool is_set) {
  int64_t n = LenAt(r, pos);
  lua_newtable(L);
  lua_newtable(L);
  for (int64_t i = 0; i < n; i++) {
    PushAt(L, r, pos);
    if (is_set) {
      lua_pushboolean(L, 1);
    } else {
      PushAt(L, r, pos);
    }
    lua_rawset(L, -3);
  }
  SetField(L, is_set ? "set" : "map");
}

void PushAt(lua_State* L, std::string_view r, size_t* pos) {
  if (*pos >= r.size()) {
    lua_pushnil(L);
    return;
  }
  lua_checkstack(L, 8);
  switch (r[*pos]) {
    case '+': {
      std::string_view s = LineAt(r, pos);
      lua_newtable(L);
      lua_pushlstring(L, s.data(), s.size());
      SetField(L, "ok");
      return;
    }
    case '-': {
      std::string_view s = LineAt(r, pos);
      PushErrorTable(L, s);
      // A command's error is counted in errorstats when the command fails; a script that
      // returns it does not count it again (Redis marks such tables the same way).
      lua_pushboolean(L, 1);
      SetField(L, "ignore_error_stats_update");
      return;
    }
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(LenAt(r, pos)));
      return;
    case '$': {
      int64_t n = LenAt(r, pos);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_pushlstring(L, r.data() + *pos, static_cast<size_t>(n));
      *pos += static_cast<size_t>(n) + 2;
      return;
    }
    case '*':
    case '>': {
      int64_t n = LenAt(r, pos);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_createtable(L, static_cast<int>(n), 0);
      for (int64_t i = 0; i < n; i++) {
        PushAt(L, r, pos);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    }
    case '%':
      PushKeyed(L, r, pos, false);
      return;
    case '~':
      PushKeyed(L, r, pos, true);
      return;
    case '_':
      LineAt(r, pos);
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, LineAt(r, pos) == "t");
      return;
    case ',': {
      std::string s(LineAt(r, pos));
      lua_newtable(L);
      lua_pushnumber(L, strtod(s.c_str(), nullptr));
      SetField(L, "double");
      return;
    }
    case '(': {
      std::string_view s = LineAt(r, pos);
      lua_newtable(L);
      lua_pushlstring(L, s.data(), s.size());
      SetField(L, "big_number");
      return;
    }
    case '=': {
      int64_t n = LenAt(r, pos);
      std::string_view body = r.substr(*pos, static_cast<size_t>(n));
      *pos += static_cast<size_t>(n) + 2;
      lua_newtable(L);
      lua_newtable(L);
      std::string_view fmt = body.substr(0, 3), text = body.size() >= 4 ? body.substr(4) : "";
      lua_pushlstring(L, fmt.data(), fmt.size());
      SetField(L, "format");
      lua_pushlstring(L, text.data(), text.size());
      SetField(L, "string");
      SetField(L, "verbatim_string");
      return;
    }
    case '|': {  // attributes are not shown to scripts: skip them, then read the value
      PushKeyed(L, r, pos, false);
      lua_pop(L, 1);
      PushAt(L, r, pos);
      return;
    }
    default:
      *pos = r.size();
      lua_pushnil(L);
  }
}

// t[name] of the table at `t` (raw: no metamethod can run, and so no Lua error can unwind
// through the reply builder); leaves it on the stack.
int RawField(lua_State* L, int t, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, t);
  return lua_type(L, -1);
}

std::string_view StringAt(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_type(L, index) == LUA_TSTRING ? lua_tolstring(L, index, &len) : nullptr;
  return s != nullptr ? std::string_view(s, len) : std::string_view();
}

// Status and big number replies are single lines: CR and LF become spaces, as Redis sends them.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

void Reply(lua_State* L, int index, ReplyBuilder& rb, int resp) {
  switch (lua_type(L, index)) {
    case LUA_TSTRING:
      rb.Bulk(StringAt(L, index));
      return;
    case LUA_TBOOLEAN:
      if (resp == 3) {
        rb.Bool(lua_toboolean(L, index) != 0);
      } else if (lua_toboolean(L, index)) {
        rb.Int(1);
      } else {
        rb.Null();
      }
      return;
    case LUA_TNUMBER: {
      lua_Number n = lua_tonumber(L, index);
      // Truncated toward zero, as Redis does; out of range (and NaN) saturates.
      if (n >= 9.2233720368547758e18) {
        rb.Int(INT64_MAX);
      } else if (n >= -9.2233720368547758e18) {
        rb.Int(static_cast<int64_t>(n));
      } else {
        rb.Int(INT64_MIN);
      }
      return;
    }
    case LUA_TTABLE:
      break;
    default:
      rb.Null();
      return;
  }
  if (!lua_checkstack(L, 8)) {
    rb.Error("ERR reached lua stack limit");
    return;
  }
  int top = lua_gettop(L);
  if (RawField(L, index, "err") == LUA_TSTRING) {
    rb.Error(StringAt(L, -1));  // as it is: a '-' in front stays (redis.error_reply drops it)
  } else if (lua_settop(L, top), RawField(L, index, "ok") == LUA_TSTRING) {
    rb.Simple(OneLine(StringAt(L, -1)));
  } else if (lua_settop(L, top), RawField(L, index, "double") == LUA_TNUMBER) {
    rb.Double(lua_tonumber(L, -1));
  } else if (lua_settop(L, top), RawField(L, index, "big_number") == LUA_TSTRING) {
    rb.BigNumber(OneLine(StringAt(L, -1)));
  } else if (lua_settop(L, top), RawField(L, index, "map") == LUA_TTABLE) {
    int m = lua_gettop(L);
    int64_t n = 0;
    for (lua_pushnil(L); lua_next(L, m) != 0; lua_pop(L, 1)) n++;
    rb.MapLen(n);
    for (lua_pushnil(L); lua_next(L, m) != 0; lua_pop(L, 1)) {
      Reply(L, lua_gettop(L) - 1, rb, resp);
      Reply(L, lua_gettop(L), rb, resp);
    }
  } else if (lua_settop(L, top), RawField(L, index, "set") == LUA_TTABLE) {
    int m = lua_gettop(L);
    int64_t n = 0;
    for (lua_pushnil(L); lua_next(L, m) != 0; lua_pop(L, 1)) n++;
    rb.SetLen(n);
    for (lua_pushnil(L); lua_next(L, m) != 0; lua_pop(L, 1)) Reply(L, lua_gettop(L) - 1, rb, resp);
  } else if (lua_settop(L, top), RawField(L, index, "verbatim_string") == LUA_TTABLE) {
    int v = lua_gettop(L);
    RawField(L, v, "string");
    RawField(L, v, "format");
    std::string_view fmt = StringAt(L, -1);
    rb.Verbatim(StringAt(L, -2), fmt.size() == 3 ? fmt : std::string_view("txt"));
  } else {
    lua_settop(L, top);
    int64_t n = 0;
    while (true) {
      lua_rawgeti(L, index, static_cast<int>(n + 1));
      bool nil = lua_isnil(L, -1);
      lua_pop(L, 1);
      if (nil) break;
      n++;
    }
    rb.ArrayLen(n);
    for (int64_t i = 1; i <= n; i++) {
      lua_rawgeti(L, index, static_cast<int>(i));
      Reply(L, lua_gettop(L), rb, resp);
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
}

}  // namespace

void PushReply(lua_State* L, std::string_view reply) {
  size_t pos = 0;
  PushAt(L, reply, &pos);
}

void PushErrorTable(lua_State* L, std::string_view text) {
  lua_newtable(L);
  lua_pushlstring(L, text.data(), text.size());
  SetField(L, "err");
}

void ReplyFromLua(lua_State* L, int index, ReplyBuilder& rb, int script_resp) {
  if (index < 0) index = lua_gettop(L) + index + 1;
  Reply(L, index, rb, script_resp);
}

}  // namespace carmine
