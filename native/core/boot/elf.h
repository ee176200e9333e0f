// ELF kernels (a Linux vmlinux or the probe guest): header and program-header
// validation, PT_LOAD copying and the Xen PVH entry note. Parsing checks the
// file alone; loading additionally checks every segment against guest RAM.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "guest_memory.h"

namespace kick::boot {

struct ElfSegment {
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t paddr = 0;
  uint64_t mem_size = 0;  // >= file_size; the rest is bss, zeroed on load
};

struct ElfKernel {
  bool is_64bit = false;
  uint64_t entry = 0;  // e_entry
  std::vector<ElfSegment> segments;
  bool has_pvh_entry = false;
  uint32_t pvh_entry = 0;   // XEN_ELFNOTE_PHYS32_ENTRY
  uint64_t load_start = 0;  // lowest p_paddr of PT_LOAD
  uint64_t load_end = 0;    // highest p_paddr + p_memsz
};

constexpr uint32_t kXenElfNotePhys32Entry = 18;

bool looks_like_elf(const uint8_t* data, uint64_t size);

// Validates the ELF header, every program header and note against `size`.
bool parse_elf(const uint8_t* data, uint64_t size, ElfKernel* out, std::string* error);

// True when `addr` lies inside some PT_LOAD segment's memory image.
bool elf_contains(const ElfKernel& elf, uint64_t addr);

// Copies every PT_LOAD to its p_paddr and zeroes its bss. Rejects segments
// outside RAM or below 1 MiB (the boot structures live there).
bool load_elf(const GuestMemory& mem, const uint8_t* data, const ElfKernel& elf,
              std::string* error);

}  // namespace kick::boot
