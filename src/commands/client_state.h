// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Teardown of per-client registrations, shared by the commands that end them (UNWATCH, EXEC,
// DISCARD, UNSUBSCRIBE, CLIENT TRACKING OFF), RESET, and disconnection.
#pragma once

#include "pubsub/pubsub.h"
#include "commands/session.h"
#include "pubsub/tracking.h"
#include "db/db_set.h"
#include "protocol/reply_builder.h"

namespace carmine {

// Forgets every WATCHed key of the session (takes the keys' shard locks itself).
void UnwatchAll(DbSet& dbs, Session& s);

// Leaves every subscription of `kind`. With `rb`, answers one unsubscribe reply per channel (or
// one with a null channel when there was none), as UNSUBSCRIBE without arguments does.
void UnsubscribeAll(PubSubRegistry& reg, Session& s, SubKind kind, ReplyBuilder* rb);

// Turns CLIENT TRACKING off for the session.
void DisableTracking(TrackingRegistry& reg, Session& s);

// Whether `spec` is one of the commands a RESP2 client may send while subscribed.
bool AllowedWhileSubscribed(const CommandSpec* spec);

}  // namespace carmine
