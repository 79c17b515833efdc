// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Helpers the engine's source files share (lua_engine.cc, functions.cc); not for other code.
#pragma once

#include <string_view>

struct lua_State;

namespace carmine {
class LuaEngine;

namespace lua_internal {

// Registry keys: the engine, the read-only globals scripts see, the set of read-only tables.
extern char kEngineKey, kGlobalsKey, kProtectedKey;

LuaEngine* EngineOf(lua_State* L);
// Raises {err = text}, the form redis.call's errors take.
int RaiseErrorTable(lua_State* L, std::string_view text);
// Replaces the table on top of the stack by an empty read-only proxy reading from it; with
// `globals`, reading a missing name is an error ("Script attempted to access nonexistent global
// variable"), as for the globals.
void MakeProxy(lua_State* L, bool globals);
// The next space-separated word of a shebang line; *rest moves past it ("" at the end).
inline std::string_view NextWord(std::string_view* rest) {
  size_t next = rest->find(' ');
  std::string_view word = rest->substr(0, next);
  *rest = next == std::string_view::npos ? std::string_view() : rest->substr(next + 1);
  return word;
}
// Sets __newindex (writes refused) and __metatable (getmetatable shows false) in the table on
// top of the stack, a metatable being built.
void SetReadonlyFields(lua_State* L);
// __newindex of read-only tables.
int ReadonlyNewIndex(lua_State* L);

}  // namespace lua_internal
}  // namespace carmine
