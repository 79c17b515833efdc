// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// DEBUG DIGEST and DEBUG DIGEST-VALUE: a SHA-1 based fingerprint of the whole dataset or of one
// value, computed the way Redis computes it, so the same data gives the same 40 hex digits on
// both servers. Ordered contents (strings, lists) are chained; unordered ones (set members, hash
// fields, zset members) are combined with XOR so iteration order does not matter. A key with a
// TTL contributes a fixed marker, not its deadline.
#pragma once

#include <string>
#include <string_view>

#include "db/db_set.h"

namespace carmine::digest {

// 40 hex digits; all zeros for an empty dataset. The caller keeps the dataset still.
std::string Dataset(DbSet& dbs);
// The digest of one value (and whether it has a TTL), as DEBUG DIGEST-VALUE prints it.
std::string Value(const Entry& e);

}  // namespace carmine::digest
