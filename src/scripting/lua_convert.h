// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The conversions between RESP replies and Lua values that Redis's scripting defines:
//   - a command's reply, seen by the script (PushReply): integers become numbers, bulk strings
//     strings, a RESP2 null false, arrays tables, a status {ok=...} and an error {err=...}; with
//     RESP3 (redis.setresp(3)) maps become {map={...}}, sets {set={k=true}}, null nil, booleans
//     booleans, doubles {double=n}, big numbers {big_number="..."} and verbatim strings
//     {verbatim_string={format=..., string=...}};
//   - the script's result, sent to the client (ReplyFromLua): the reverse, with numbers
//     truncated to integers, true as 1 (or a RESP3 boolean), false as null (or #f), a table as
//     an array up to its first nil unless it is one of the typed tables above.
#pragma once

#include <string_view>

#include "protocol/reply_builder.h"

struct lua_State;

namespace carmine {

// Pushes the Lua value of the one RESP reply in `reply` (produced by this server's ReplyBuilder).
void PushReply(lua_State* L, std::string_view reply);
// Pushes {err = text}.
void PushErrorTable(lua_State* L, std::string_view text);
// Writes the Lua value at `index` as the reply; `script_resp` is the script's redis.setresp.
void ReplyFromLua(lua_State* L, int index, ReplyBuilder& rb, int script_resp);

}  // namespace carmine
