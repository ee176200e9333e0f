#include "alloc.h"

#include "lib.h"

extern char _end[];

static uintptr_t next_free, limit;

const char* alloc_init(const struct boot_info* bi) {
  uintptr_t start = align_up((uintptr_t)_end, 4096);
  for (unsigned i = 0; i < bi->ram_count; i++) {
    if (bi->ram[i].start <= start && start < bi->ram[i].end) {
      next_free = start;
      limit = bi->ram[i].end < 0x100000000ull ? bi->ram[i].end : 0x100000000ull;
      return 0;
    }
  }
  return "no RAM range in the memory map contains the end of the probe image";
}

void* alloc_zeroed(size_t size, size_t align) {
  uintptr_t p = align_up(next_free, align);
  if (p < next_free || size > limit || p > limit - size) return 0;
  next_free = p + size;
  memset((void*)p, 0, size);
  return (void*)p;
}

uintptr_t alloc_mark(void) {
  return next_free;
}
void alloc_release(uintptr_t mark) {
  next_free = mark;
}
uint64_t alloc_free_bytes(void) {
  return limit - next_free;
}
