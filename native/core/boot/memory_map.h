// The guest's physical memory map, shared by the Linux e820 table and the
// PVH memmap so both protocols describe the same machine.
#pragma once
#include <cstdint>
#include <vector>

namespace kick::boot {

enum class MemoryType : uint32_t { Ram = 1, Reserved = 2 };

struct MemoryRange {
  uint64_t addr;
  uint64_t size;
  MemoryType type;
};

// RAM [0, 639 KiB), reserved [639 KiB, 1 MiB) (EBDA, VGA hole, BIOS area and
// our MP table), RAM [1 MiB, ram_size). Ascending and non-overlapping.
// ram_size must exceed 1 MiB.
std::vector<MemoryRange> guest_memory_map(uint64_t ram_size);

}  // namespace kick::boot
