// What the PVH loader told us (hvm_start_info): the command line and the RAM
// map. Both are copied into the image's .bss first thing, so the allocator
// may later hand out whatever memory the loader used for them.
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define CMDLINE_MAX 4096
#define RAM_RANGES_MAX 32

struct ram_range {
  uint64_t start, end;  // [start, end)
};

struct boot_info {
  char cmdline[CMDLINE_MAX];
  struct ram_range ram[RAM_RANGES_MAX];
  unsigned ram_count;
  uint64_t ram_top;  // highest end of any RAM range: "beyond RAM" starts here
};

// Returns NULL on success, else a one-line reason.
const char* boot_info_read(uint64_t start_info_paddr, struct boot_info* out);
