// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Argument documentation for COMMAND DOCS, written in a compact notation on each command's table
// row (redis-cli turns it into the hints and "help <command>" text it shows). Notation:
//
//   name:type              one argument; type is key, string, integer, double, pattern, unix-time;
//                          name@shown:type names it `shown` in redis-cli's hints (display_text)
//   TOKEN=name:type        an argument introduced by a token (EX=seconds:integer)
//   !TOKEN                 a pure token (!NX); !TOKEN=name names it otherwise, and the empty
//                          token is written !=name (MIGRATE's !=empty-string); a token that is
//                          a notation character is quoted: !'='=equal
//   name(a|b|c)            one of several alternatives
//   name{a b}              a block of arguments that go together
//   [x]  x...              optional / may repeat; x...+ repeats with its token each time
//                          (SORT's GET pattern GET pattern)
//
// Example (SET): key:key value:string [condition(!NX|!XX)] [!GET]
//                [expiration(EX=seconds:integer|PX=milliseconds:integer|!KEEPTTL)]
#pragma once

#include <string_view>

#include "protocol/reply_builder.h"

namespace carmine {

// Number of top-level arguments the notation describes (0 for an empty string).
int CountArgDocs(std::string_view notation);
// Writes the "arguments" array of COMMAND DOCS for the notation.
void ReplyArgDocs(ReplyBuilder& rb, std::string_view notation);

}  // namespace carmine
