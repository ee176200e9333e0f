#include "boot_info.h"

#include "lib.h"

#define HVM_START_MAGIC 0x336EC578u
#define E820_RAM 1
#define IDENTITY_LIMIT 0x100000000ull  // entry.S maps 0-4 GiB

// Layout of struct hvm_start_info (Xen public/arch-x86/hvm/start_info.h).
struct hvm_start_info {
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  uint32_t memmap_entries, reserved;
};
struct hvm_memmap_entry {
  uint64_t addr, size;
  uint32_t type, reserved;
};

const char* boot_info_read(uint64_t start_info_paddr, struct boot_info* out) {
  if (start_info_paddr == 0 || start_info_paddr + sizeof(struct hvm_start_info) > IDENTITY_LIMIT)
    return "hvm_start_info address (EBX) is 0 or above 4 GiB";
  const struct hvm_start_info* si = (const void*)(uintptr_t)start_info_paddr;
  if (si->magic != HVM_START_MAGIC) return "hvm_start_info magic is not 0x336EC578";

  out->cmdline[0] = 0;
  if (si->cmdline_paddr) {
    if (si->cmdline_paddr >= IDENTITY_LIMIT - CMDLINE_MAX) return "command line above 4 GiB";
    const char* src = (const char*)(uintptr_t)si->cmdline_paddr;
    size_t n = 0;
    while (n < CMDLINE_MAX && src[n]) n++;
    if (n == CMDLINE_MAX) return "command line longer than 4095 bytes";
    memcpy(out->cmdline, src, n + 1);
  }

  if (si->version < 1 || si->memmap_entries == 0 || si->memmap_paddr == 0)
    return "hvm_start_info has no memory map (version < 1 or memmap_entries = 0)";
  if (si->memmap_paddr >= IDENTITY_LIMIT) return "memory map above 4 GiB";
  const struct hvm_memmap_entry* e = (const void*)(uintptr_t)si->memmap_paddr;
  out->ram_count = 0;
  out->ram_top = 0;
  for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++) {
    if (e[i].type != E820_RAM || e[i].size == 0) continue;
    uint64_t end = e[i].addr + e[i].size;
    if (end < e[i].addr) continue;  // wraps: ignore
    if (end > out->ram_top) out->ram_top = end;
    if (out->ram_count < RAM_RANGES_MAX)
      out->ram[out->ram_count++] = (struct ram_range){e[i].addr, end};
  }
  if (out->ram_count == 0) return "memory map lists no RAM";
  return 0;
}
