// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// What the stream commands share: ID parsing in Redis's forms ("ms", "ms-seq", "-" and "+",
// "(" exclusive interval bounds, XADD's "ms-*"), the reply shapes of entries, and the
// propagation forms of consumer-group changes (XREADGROUP and XAUTOCLAIM are replicated as the
// XCLAIM / XGROUP SETID commands that have the same effect).
#pragma once

#include <string>
#include <string_view>

#include "commands/collection_util.h"
#include "core/stream_object.h"

namespace carmine {

inline constexpr std::string_view kErrInvalidStreamId =
    "ERR Invalid stream ID specified as stream command argument";

// Parses an ID. A missing sequence takes `missing_seq`. `strict` refuses "-" and "+". With
// `seq_given` non-null "ms-*" is accepted and *seq_given tells whether the sequence was given.
bool ParseStreamId(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);
// The same, replying Redis's error on bad input.
bool ParseStreamIdOrReply(CommandContext& ctx, std::string_view s, StreamID* id,
                          uint64_t missing_seq, bool strict);
// An interval bound: "(" makes it exclusive (then moved one ID inwards; Redis's errors when it
// cannot be). `is_start` picks the direction and the error text.
bool ParseIntervalOrReply(CommandContext& ctx, std::string_view s, StreamID* id, bool is_start);

void ReplyStreamId(ReplyBuilder& rb, StreamID id);
// [id, [field, value, ...]]
void ReplyStreamEntry(ReplyBuilder& rb, const StreamEntry& e);
// Entries from start to end (inclusive; reverse walks end to start), at most `count` (0: all),
// as an array. Returns how many were written.
size_t ReplyStreamRange(ReplyBuilder& rb, const StreamObject& s, StreamID start, StreamID end,
                        size_t count, bool reverse);

// The stream under `key` for a group command: replies WRONGTYPE / NOGROUP as Redis words them
// and returns false when the key or group is missing.
bool LookupGroup(CommandContext& ctx, Db& db, std::string_view key, std::string_view group,
                 StreamObject** s, StreamGroup** g);

// Propagation of consumer-group state changes.
void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group,
                    const StreamGroup& g, StreamID id, const StreamPending& p);
void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group,
                      const StreamGroup& g);

void PropagateConsumerCreated(CommandContext& ctx, std::string_view key, std::string_view group,
                              std::string_view consumer);

// A consumer looked up (created when absent, with its keyspace event) for XREADGROUP, XCLAIM and
// XAUTOCLAIM; its seen time is now.
StreamConsumer* TouchConsumer(CommandContext& ctx, Db& db, std::string_view key, StreamGroup* g,
                              std::string_view name, bool* created);

// The consumer-group half of the family (RegisterStreamFamily calls it).
void RegisterStreamGroupCommands(CommandRegistry& r);

}  // namespace carmine
