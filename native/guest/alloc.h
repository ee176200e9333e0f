// Bump allocator over the RAM range that holds the image, from _end up to
// the end of that range (capped at 4 GiB, the identity-mapped limit).
// Workloads take a mark before allocating and release back to it after.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "boot_info.h"

// Returns NULL on success, else a one-line reason.
const char* alloc_init(const struct boot_info* bi);
// Zeroed memory aligned to `align` (a power of two), or NULL when RAM is exhausted.
void* alloc_zeroed(size_t size, size_t align);
uintptr_t alloc_mark(void);
void alloc_release(uintptr_t mark);
uint64_t alloc_free_bytes(void);
