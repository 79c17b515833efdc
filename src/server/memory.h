// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Allocator statistics for INFO memory: bytes allocated as the allocator counts them (what Redis
// reports as used_memory), resident set size of the process, and the allocator's name.
#pragma once

#include <cstddef>
#include <string>

namespace carmine::mem {

size_t Allocated();
size_t Resident();    // allocator's resident bytes, or RSS when unknown
size_t ProcessRss();  // from /proc/self/statm
size_t TotalSystemMemory();
std::string AllocatorName();

}  // namespace carmine::mem
