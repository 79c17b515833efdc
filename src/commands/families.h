// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Registration entry points of the command families in commands/. server/ adds its own families
// (CONFIG, CLIENT, INFO, DEBUG, SHUTDOWN) next to these.
#pragma once

#include "commands/registry.h"

namespace carmine {

void RegisterStringFamily(CommandRegistry& r);
void RegisterBitmapFamily(CommandRegistry& r);
void RegisterKeysFamily(CommandRegistry& r);
void RegisterConnectionFamily(CommandRegistry& r);
void RegisterCommandFamily(CommandRegistry& r);
void RegisterHashFamily(CommandRegistry& r);
void RegisterSetFamily(CommandRegistry& r);
void RegisterZSetFamily(CommandRegistry& r);
void RegisterListFamily(CommandRegistry& r);
void RegisterHllFamily(CommandRegistry& r);
void RegisterGeoFamily(CommandRegistry& r);
void RegisterSortFamily(CommandRegistry& r);
void RegisterPubSubFamily(CommandRegistry& r);
void RegisterMultiFamily(CommandRegistry& r);
void RegisterObserveFamily(CommandRegistry& r);
void RegisterDumpFamily(CommandRegistry& r);
void RegisterStreamFamily(CommandRegistry& r);
void RegisterModuleFamily(CommandRegistry& r);

// All of the above.
inline void RegisterCoreFamilies(CommandRegistry& r) {
  RegisterStringFamily(r);
  RegisterBitmapFamily(r);
  RegisterKeysFamily(r);
  RegisterConnectionFamily(r);
  RegisterCommandFamily(r);
  RegisterHashFamily(r);
  RegisterSetFamily(r);
  RegisterZSetFamily(r);
  RegisterListFamily(r);
  RegisterHllFamily(r);
  RegisterGeoFamily(r);
  RegisterSortFamily(r);
  RegisterPubSubFamily(r);
  RegisterMultiFamily(r);
  RegisterObserveFamily(r);
  RegisterDumpFamily(r);
  RegisterStreamFamily(r);
  RegisterModuleFamily(r);
}

}  // namespace carmine
