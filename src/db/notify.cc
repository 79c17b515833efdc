// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/notify.h"

namespace carmine {

bool ParseNotifyFlags(std::string_view s, uint32_t* out) {
  uint32_t f = 0;
  for (char c : s) {
    switch (c) {
      case 'A': f |= kNotifyAll; break;
      case 'g': f |= kNotifyGeneric; break;
      case '$': f |= kNotifyString; break;
      case 'l': f |= kNotifyList; break;
      case 's': f |= kNotifySet; break;
      case 'h': f |= kNotifyHash; break;
      case 'z': f |= kNotifyZset; break;
      case 'x': f |= kNotifyExpired; break;
      case 'e': f |= kNotifyEvicted; break;
      case 't': f |= kNotifyStream; break;
      case 'd': f |= kNotifyModule; break;
      case 'm': f |= kNotifyKeyMiss; break;
      case 'n': f |= kNotifyNew; break;
      case 'K': f |= kNotifyKeyspace; break;
      case 'E': f |= kNotifyKeyevent; break;
      default: return false;
    }
  }
  *out = f;
  return true;
}

std::string NotifyFlagsToString(uint32_t flags) {
  std::string r;
  if ((flags & kNotifyAll) == kNotifyAll) {
    r += 'A';
  } else {
    static constexpr std::pair<uint32_t, char> kOrder[] = {
        {kNotifyGeneric, 'g'}, {kNotifyString, '$'}, {kNotifyList, 'l'},   {kNotifySet, 's'},
        {kNotifyHash, 'h'},    {kNotifyZset, 'z'},   {kNotifyExpired, 'x'}, {kNotifyEvicted, 'e'},
        {kNotifyStream, 't'},  {kNotifyModule, 'd'}, {kNotifyNew, 'n'}};
    for (auto [bit, c] : kOrder) {
      if (flags & bit) r += c;
    }
  }
  // With every class set, Redis prints "A" and leaves 'n' out (it stays in force); same here.
  if (flags & kNotifyKeyspace) r += 'K';
  if (flags & kNotifyKeyevent) r += 'E';
  if (flags & kNotifyKeyMiss) r += 'm';
  return r;
}

}  // namespace carmine
