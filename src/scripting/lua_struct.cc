// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The `struct` library Redis gives scripts: struct.pack(fmt, ...), struct.unpack(fmt, s [, i])
// and struct.size(fmt), converting between Lua values and C-struct-like binary strings.
//
// A format is a sequence of options: '<' little endian, '>' big endian, '=' native (little
// here), '!n' aligns fields to at most n bytes ('!' alone: 8), 'x' one zero byte of padding,
// 'b'/'B' signed/unsigned char, 'h'/'H' short, 'l'/'L' long, 'T' size_t, 'i'/'I' int (with an
// optional size in bytes, 'i4'), 'f' float, 'd' double, 'cn' a string of n bytes ('c0' in pack:
// the string's own length; in unpack: the length read by the option before it), 's' a
// zero-terminated string (written whole, a zero inside included), ' ' ignored. unpack returns the values and then the position after
// them. Integers use the low bytes of a 64-bit value; the sizes are those of x86-64 Linux, as
// scripts written for Redis expect.
//
// Lua errors unwind with longjmp, so nothing here owns memory: strings are built in a
// luaL_Buffer.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <lua.hpp>

namespace carmine {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;

struct Header {
  bool little = true;
  int align = 1;
};

bool IsPowerOf2(int x) { return x > 0 && (x & (x - 1)) == 0; }

// The number after an option (its size), or `def` when none follows.
int ReadNumber(lua_State* L, const char** fmt, int def) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return def;
  int a = 0;
  do {
    if (a > (INT32_MAX / 10) || a * 10 > (INT32_MAX - (**fmt - '0'))) {
      luaL_error(L, "integral size overflow");
    }
    a = a * 10 + *((*fmt)++) - '0';
  } while (isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

// The size of option `opt` (reading its number from *fmt); 0 for the options without data.
size_t OptionSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
      return 8;
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(ReadNumber(L, fmt, 1));
    case 'i':
    case 'I': {
      int size = ReadNumber(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return static_cast<size_t>(size);
    }
    default:
      return 0;  // 's', the controls, and unknown options (Controls reports those)
  }
}

// The options that carry an integer (signed when lowercase).
bool IsIntegerOption(char opt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I':
      return true;
    default:
      return false;
  }
}

// Padding before a field of `size` bytes at offset `len`.
size_t AlignPadding(lua_State* L, size_t len, const Header& h, char opt, size_t size) {
  if (size <= 1 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  if (!IsPowerOf2(static_cast<int>(size))) luaL_error(L, "alignment %d is not a power of 2", static_cast<int>(size));
  return (size - (len & (size - 1))) & (size - 1);
}

// Handles the options that carry no data; errors on an unknown option.
void Controls(lua_State* L, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->little = false;
      return;
    case '<':
    case '=':
      h->little = true;
      return;
    case '!': {
      int a = ReadNumber(L, fmt, kMaxAlign);
      if (!IsPowerOf2(a)) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default: {
      char msg[32];
      snprintf(msg, sizeof(msg), "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, bool little, size_t size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {
    unsigned char byte;
    // Beyond 64 bits the value has no more bytes: zeros, with no sign extension.
    byte = i < 8 ? static_cast<unsigned char>(value >> (8 * i)) : 0;
    buf[little ? i : size - 1 - i] = static_cast<char>(byte);
  }
  luaL_addlstring(b, buf, size);
}

void PushInteger(lua_State* L, const char* data, bool little, bool is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) {
    size_t idx = little ? size - 1 - i : i;  // most significant byte first
    v = (v << 8) | static_cast<unsigned char>(data[idx]);
  }
  if (is_signed && size > 0 && size < 8) {
    uint64_t mask = ~uint64_t{0} << (size * 8 - 1);
    if (v & mask) v |= mask;
  }
  if (is_signed) {
    lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
  } else {
    lua_pushnumber(L, static_cast<lua_Number>(v));
  }
}

// Copies `size` bytes of a float or double in the byte order asked for.
void CopyOrdered(char* dst, const char* src, size_t size, bool little) {
  for (size_t i = 0; i < size; i++) dst[i] = src[little ? i : size - 1 - i];
}

int Pack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  int arg = 2;
  size_t total = 0;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = AlignPadding(L, total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      PutInteger(L, &b, arg++, h.little, size);
      total += size;
      continue;
    }
    switch (opt) {
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        char out[sizeof(f)];
        CopyOrdered(out, reinterpret_cast<const char*>(&f), sizeof(f), h.little);
        luaL_addlstring(&b, out, sizeof(f));
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        char out[sizeof(d)];
        CopyOrdered(out, reinterpret_cast<const char*>(&d), sizeof(d), h.little);
        luaL_addlstring(&b, out, sizeof(d));
        break;
      }
      case 'c':
      case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg, &len);
        if (size == 0) size = len;
        // (Redis's library names the argument after this one.)
        luaL_argcheck(L, len >= size, arg + 1, "string too short");
        if (opt == 's') {
          luaL_addlstring(&b, s, len);
          luaL_addchar(&b, '\0');
          size = len + 1;
        } else {
          luaL_addlstring(&b, s, size);
        }
        arg++;
        break;
      }
      default:
        Controls(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int Unpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  // A start past the end is caught by the first field ("data string too short").
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  int pushed = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += AlignPadding(L, pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (IsIntegerOption(opt)) {
      PushInteger(L, data + pos, h.little, islower(static_cast<unsigned char>(opt)) != 0, size);
      pushed++;
      pos += size;
      continue;
    }
    switch (opt) {
      case 'x':
        break;
      case 'f': {
        float f;
        CopyOrdered(reinterpret_cast<char*>(&f), data + pos, sizeof(f), h.little);
        lua_pushnumber(L, f);
        pushed++;
        break;
      }
      case 'd': {
        double d;
        CopyOrdered(reinterpret_cast<char*>(&d), data + pos, sizeof(d), h.little);
        lua_pushnumber(L, d);
        pushed++;
        break;
      }
      case 'c': {
        if (size == 0) {
          // "c0": the length is the number the option before it read.
          if (pushed == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          pushed--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        pushed++;
        break;
      }
      case 's': {
        const void* end = memchr(data + pos, '\0', ld - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        pushed++;
        break;
      }
      default:
        Controls(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos) + 1);
  return pushed + 1;
}

int Size(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += AlignPadding(L, pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (size == 0) Controls(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}};
  for (const auto& f : fns) {
    lua_pushstring(L, f.name);
    lua_pushcfunction(L, f.func);
    lua_rawset(L, -3);
  }
  return 1;
}

}  // namespace carmine
