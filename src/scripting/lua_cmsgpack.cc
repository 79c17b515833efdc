// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The `cmsgpack` library scripts find in Redis: MessagePack encoding of Lua values.
//   pack(v1, v2, ...)             the encodings of the values, concatenated
//   unpack(s)                     every value encoded in s
//   unpack_one(s [, offset])      next offset (-1 at the end) and one value
//   unpack_limit(s, n [, offset]) next offset and up to n values
// Numbers with an integral value are encoded as the smallest integer form, others as float32
// when that is exact, else float64; a table is an array when its keys are exactly 1..n, else a
// map; tables nest at most 16 deep (deeper ones are encoded as nil, so cycles end).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include <lua.hpp>

namespace carmine {

namespace {

constexpr int kMaxNesting = 16;

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void EncodeInt(std::string* out, int64_t v) {
  if (v >= 0) {
    auto u = static_cast<uint64_t>(v);
    if (u < 128) {
      out->push_back(static_cast<char>(u));
    } else if (u <= 0xFF) {
      out->push_back(static_cast<char>(0xcc));
      PutBig(out, u, 1);
    } else if (u <= 0xFFFF) {
      out->push_back(static_cast<char>(0xcd));
      PutBig(out, u, 2);
    } else if (u <= 0xFFFFFFFFULL) {
      out->push_back(static_cast<char>(0xce));
      PutBig(out, u, 4);
    } else {
      out->push_back(static_cast<char>(0xcf));
      PutBig(out, u, 8);
    }
  } else if (v >= -32) {
    out->push_back(static_cast<char>(static_cast<uint8_t>(v)));
  } else if (v >= -128) {
    out->push_back(static_cast<char>(0xd0));
    PutBig(out, static_cast<uint64_t>(v), 1);
  } else if (v >= -32768) {
    out->push_back(static_cast<char>(0xd1));
    PutBig(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN) {
    out->push_back(static_cast<char>(0xd2));
    PutBig(out, static_cast<uint64_t>(v), 4);
  } else {
    out->push_back(static_cast<char>(0xd3));
    PutBig(out, static_cast<uint64_t>(v), 8);
  }
}

void EncodeNumber(std::string* out, lua_Number n) {
  if (std::isfinite(n) && n == std::floor(n) && n >= -9.2233720368547758e18 &&
      n < 9.2233720368547758e18) {
    EncodeInt(out, static_cast<int64_t>(n));
    return;
  }
  float f = static_cast<float>(n);
  if (static_cast<lua_Number>(f) == n) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    out->push_back(static_cast<char>(0xca));
    PutBig(out, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &n, 8);
    out->push_back(static_cast<char>(0xcb));
    PutBig(out, bits, 8);
  }
}

void EncodeHeader(std::string* out, size_t n, uint8_t fix, size_t fix_max, uint8_t t8, uint8_t t16,
                  uint8_t t32) {
  if (n <= fix_max) {
    out->push_back(static_cast<char>(fix | n));
  } else if (t8 != 0 && n <= 0xFF) {
    out->push_back(static_cast<char>(t8));
    PutBig(out, n, 1);
  } else if (n <= 0xFFFF) {
    out->push_back(static_cast<char>(t16));
    PutBig(out, n, 2);
  } else {
    out->push_back(static_cast<char>(t32));
    PutBig(out, n, 4);
  }
}

// The array length of table t when its keys are exactly 1..n, else -1.
int64_t ArrayLength(lua_State* L, int t) {
  int64_t count = 0;
  lua_Number max = 0;
  for (lua_pushnil(L); lua_next(L, t) != 0; lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TNUMBER) {
      lua_pop(L, 2);
      return -1;
    }
    lua_Number k = lua_tonumber(L, -2);
    if (k <= 0 || k != std::floor(k)) {
      lua_pop(L, 2);
      return -1;
    }
    if (k > max) max = k;
    count++;
  }
  return max == static_cast<lua_Number>(count) ? count : -1;
}

void Encode(lua_State* L, int idx, std::string* out, int level) {
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, idx) ? 0xc3 : 0xc2));
      return;
    case LUA_TNUMBER:
      EncodeNumber(out, lua_tonumber(L, idx));
      return;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, idx, &len);
      EncodeHeader(out, len, 0xa0, 31, 0xd9, 0xda, 0xdb);
      out->append(s, len);
      return;
    }
    case LUA_TTABLE:
      if (level < kMaxNesting && lua_checkstack(L, 4)) break;
      [[fallthrough]];
    default:
      out->push_back(static_cast<char>(0xc0));
      return;
  }
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  int64_t n = ArrayLength(L, idx);
  if (n >= 0) {
    EncodeHeader(out, static_cast<size_t>(n), 0x90, 15, 0, 0xdc, 0xdd);
    for (int64_t i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, static_cast<int>(i));
      Encode(L, -1, out, level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  size_t pairs = 0;
  for (lua_pushnil(L); lua_next(L, idx) != 0; lua_pop(L, 1)) pairs++;
  EncodeHeader(out, pairs, 0x80, 15, 0, 0xde, 0xdf);
  for (lua_pushnil(L); lua_next(L, idx) != 0; lua_pop(L, 1)) {
    lua_pushvalue(L, -2);  // a copy: encoding a number key must not change the iteration key
    Encode(L, -1, out, level + 1);
    lua_pop(L, 1);
    Encode(L, -1, out, level + 1);
  }
}

int Pack(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    std::string one;  // destroyed before luaL_addlstring could raise
    Encode(L, i, &one, 0);
    lua_pushlstring(L, one.data(), one.size());
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return 1;
}

// Decoding: a cursor over the input; errors are reported after the C++ work, not raised in it.
struct Cursor {
  const unsigned char* p;
  size_t left;
  const char* error = nullptr;
  bool Need(size_t n) {
    if (left < n) {
      error = "Missing bytes in input.";
      return false;
    }
    return true;
  }
  uint64_t Big(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
    p += bytes;
    left -= static_cast<size_t>(bytes);
    return v;
  }
};

void Decode(lua_State* L, Cursor& c);

void DecodeString(lua_State* L, Cursor& c, size_t len) {
  if (!c.Need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

void DecodeArray(lua_State* L, Cursor& c, size_t n) {
  lua_createtable(L, static_cast<int>(n < 1024 ? n : 1024), 0);
  for (size_t i = 1; i <= n && c.error == nullptr; i++) {
    Decode(L, c);
    if (c.error != nullptr) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void DecodeMap(lua_State* L, Cursor& c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n && c.error == nullptr; i++) {
    Decode(L, c);
    if (c.error != nullptr) return;
    Decode(L, c);
    if (c.error != nullptr) return;
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);  // a nil key cannot be stored
    } else {
      lua_rawset(L, -3);
    }
  }
}

void Decode(lua_State* L, Cursor& c) {
  if (!lua_checkstack(L, 4)) {
    c.error = "Bad data format in input.";
    return;
  }
  if (!c.Need(1)) return;
  uint8_t t = *c.p++;
  c.left--;
  if (t < 0x80) {
    lua_pushnumber(L, t);
  } else if (t >= 0xe0) {
    lua_pushnumber(L, static_cast<int8_t>(t));
  } else if ((t & 0xe0) == 0xa0) {
    DecodeString(L, c, t & 0x1f);
  } else if ((t & 0xf0) == 0x90) {
    DecodeArray(L, c, t & 0x0f);
  } else if ((t & 0xf0) == 0x80) {
    DecodeMap(L, c, t & 0x0f);
  } else {
    static const int kSize[] = {0, 0, 0, 0, 1, 2, 4, 0, 0, 0, 4, 8, 1, 2, 4, 8,
                                1, 2, 4, 8, 0, 0, 0, 0, 0, 1, 2, 4, 2, 4, 2, 4};
    int n = kSize[t - 0xc0];
    if (!c.Need(static_cast<size_t>(n))) return;
    switch (t) {
      case 0xc0: lua_pushnil(L); break;
      case 0xc2: lua_pushboolean(L, 0); break;
      case 0xc3: lua_pushboolean(L, 1); break;
      case 0xc4: case 0xc5: case 0xc6:  // bin 8/16/32
      case 0xd9: case 0xda: case 0xdb:  // str 8/16/32
        DecodeString(L, c, c.Big(n));
        break;
      case 0xca: {
        uint32_t bits = static_cast<uint32_t>(c.Big(4));
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, f);
        break;
      }
      case 0xcb: {
        uint64_t bits = c.Big(8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
        break;
      }
      case 0xcc: case 0xcd: case 0xce: case 0xcf:
        lua_pushnumber(L, static_cast<lua_Number>(c.Big(n)));
        break;
      case 0xd0: lua_pushnumber(L, static_cast<int8_t>(c.Big(1))); break;
      case 0xd1: lua_pushnumber(L, static_cast<int16_t>(c.Big(2))); break;
      case 0xd2: lua_pushnumber(L, static_cast<int32_t>(c.Big(4))); break;
      case 0xd3: lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(c.Big(8)))); break;
      case 0xdc: case 0xdd: DecodeArray(L, c, c.Big(n)); break;
      case 0xde: case 0xdf: DecodeMap(L, c, c.Big(n)); break;
      default: c.error = "Bad data format in input."; break;
    }
  }
}

// Decodes up to `limit` values (0: all) from offset; pushes the next offset then the values.
int UnpackFrom(lua_State* L, int limit, size_t offset, bool with_offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset > len) return luaL_error(L, "Start offset %d greater than input length %d.",
                                      static_cast<int>(offset), static_cast<int>(len));
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  int base = lua_gettop(L);
  if (with_offset) lua_pushnil(L);  // the offset, set below
  int count = 0;
  while (c.left > 0 && (limit == 0 || count < limit)) {
    Decode(L, c);
    if (c.error != nullptr) return luaL_error(L, "%s", c.error);
    count++;
  }
  if (with_offset) {
    lua_pushnumber(L, c.left == 0 ? -1 : static_cast<lua_Number>(len - c.left));
    lua_replace(L, base + 1);
  }
  return lua_gettop(L) - base;
}

int Unpack(lua_State* L) { return UnpackFrom(L, 0, 0, false); }

int UnpackOne(lua_State* L) {
  auto offset = static_cast<size_t>(luaL_optnumber(L, 2, 0));
  lua_settop(L, 1);
  return UnpackFrom(L, 1, offset, true);
}

int UnpackLimit(lua_State* L) {
  int limit = static_cast<int>(luaL_checknumber(L, 2));
  auto offset = static_cast<size_t>(luaL_optnumber(L, 3, 0));
  lua_settop(L, 1);
  return UnpackFrom(L, limit, offset, true);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", Pack},
                          {"unpack", Unpack},
                          {"unpack_one", UnpackOne},
                          {"unpack_limit", UnpackLimit}};
  for (const auto& f : fns) {
    lua_pushstring(L, f.name);
    lua_pushcfunction(L, f.func);
    lua_rawset(L, -3);
  }
  lua_pushliteral(L, "_NAME");
  lua_pushliteral(L, "cmsgpack");
  lua_rawset(L, -3);
  return 1;
}

}  // namespace carmine
