#include "boot/memory_map.h"

#include "boot/layout.h"

namespace kick::boot {

std::vector<MemoryRange> guest_memory_map(uint64_t ram_size) {
  return {
      {0, kLowRamEnd, MemoryType::Ram},
      {kLowRamEnd, kHighMemStart - kLowRamEnd, MemoryType::Reserved},
      {kHighMemStart, ram_size - kHighMemStart, MemoryType::Ram},
  };
}

}  // namespace kick::boot
