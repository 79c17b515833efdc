// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The thresholds at which small collections leave their compact encoding, named after the Redis
// directives that set them. Commands read a snapshot of the configured values for each call.
#pragma once

#include <cstdint>

namespace carmine {

struct EncodingLimits {
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  // Positive: elements per list node; -1..-5: node size limit of 4, 8, 16, 32 or 64 KB.
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  // An element at least this big gets a list node of its own (Redis's "plain" quicklist node),
  // and a list holding one is a quicklist. DEBUG QUICKLIST-PACKED-THRESHOLD changes it.
  int64_t list_packed_threshold = 1LL << 30;
  // A stream node holds at most this many entries (live and deleted; 0: no limit) and is closed
  // once Redis's listpack for it would reach this many bytes (0: 1 GB).
  int64_t stream_node_max_entries = 100;
  int64_t stream_node_max_bytes = 4096;
};

}  // namespace carmine
