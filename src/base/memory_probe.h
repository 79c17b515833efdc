// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// UsedMemory(): bytes currently allocated by the process, cheap enough to ask before every command
// (maxmemory is checked that often). With jemalloc each registered thread's running totals of
// allocated and freed bytes are summed: a few loads per thread, no locks, no stats refresh. Memory
// allocated on one thread and freed on another still nets out in the sum. Under a sanitizer the
// sanitizer's own allocator count is used; with plain libc a mallinfo2 reading (slow, but libc is
// only a fallback build).
#pragma once

#include <cstddef>
#include <cstdint>

namespace carmine::mem {

// Threads that allocate or free dataset memory register once (workers, the lazy-free thread, the
// main thread). A thread that ends unregisters, folding its net total into a constant so the sum
// stays right.
void RegisterThread();
void UnregisterThread();
size_t UsedMemory();
// jemalloc-bg-thread: lets jemalloc purge unused pages from a thread of its own (no effect with
// other allocators).
void SetBackgroundThread(bool on);

}  // namespace carmine::mem
