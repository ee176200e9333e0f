// Xen PVH direct boot (docs/misc/pvh.pandoc): struct hvm_start_info version 1
// with the command line, the memory map and the initrd as module 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "boot/memory_map.h"
#include "guest_memory.h"

namespace kick::boot {

constexpr uint32_t kHvmStartMagic = 0x336EC578;

#pragma pack(push, 1)
struct HvmStartInfo {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  uint64_t memmap_paddr;  // version >= 1
  uint32_t memmap_entries;
  uint32_t reserved;
};
struct HvmModlistEntry {
  uint64_t paddr;
  uint64_t size;
  uint64_t cmdline_paddr;
  uint64_t reserved;
};
struct HvmMemmapEntry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};
#pragma pack(pop)
static_assert(sizeof(HvmStartInfo) == 56, "hvm_start_info layout");
static_assert(sizeof(HvmModlistEntry) == 32, "hvm_modlist_entry layout");
static_assert(sizeof(HvmMemmapEntry) == 24, "hvm_memmap_table_entry layout");

struct PvhInput {
  uint64_t cmdline_addr = 0;
  uint64_t initrd_addr = 0;
  uint64_t initrd_size = 0;  // 0: no module
  std::vector<MemoryRange> memory_map;
};

// Writes start_info at kStartInfoAddr, the module list and the memory map.
bool write_pvh_start_info(const GuestMemory& mem, const PvhInput& in, std::string* error);

}  // namespace kick::boot
