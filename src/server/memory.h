// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Allocator statistics for INFO memory: bytes allocated as the allocator counts them (what Redis
// reports as used_memory), resident set size of the process, and the allocator's name.
#pragma once

#include <cstddef>
#include <string>

namespace carmine::mem {

size_t Allocated();
size_t Active();      // bytes in pages the allocator has in use (>= Allocated)
size_t Resident();    // allocator's resident bytes, or RSS when unknown
// Returns unused dirty pages to the OS (MEMORY PURGE); false if the allocator cannot.
bool Purge();
// The allocator's own statistics report (MEMORY MALLOC-STATS).
std::string MallocStats();
size_t ProcessRss();  // from /proc/self/statm
size_t TotalSystemMemory();
std::string AllocatorName();

}  // namespace carmine::mem
