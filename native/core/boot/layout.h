// Every fixed guest-physical address the boot code uses, in one place, so the
// low-memory map can be read (and checked for overlaps) at a glance:
//
//   0x00500  GDT (5 descriptors)            0x09000  PML4
//   0x06000  hvm_start_info (PVH)           0x0A000  PDPT
//   0x06040  PVH module list                0x0B000  4 page directories (0-4 GiB)
//   0x06100  PVH memory map                 0x20000  kernel command line (64 KiB)
//   0x07000  boot_params (Linux 64-bit)     0x9FC00  reserved up to 1 MiB:
//   0x08FF0  initial stack (grows down)     0xF0000    MP floating pointer + table
//   0x100000 kernel (bzImage protected-mode part; ELFs load at their p_paddr >= 1 MiB)
#pragma once
#include <cstdint>

namespace kick::boot {

constexpr uint64_t kGdtAddr = 0x500;
constexpr uint64_t kGdtEntries = 5;

constexpr uint64_t kStartInfoAddr = 0x6000;   // hvm_start_info, 56 bytes
constexpr uint64_t kPvhModlistAddr = 0x6040;  // one 32-byte entry (the initrd)
constexpr uint64_t kPvhMemmapAddr = 0x6100;   // 24-byte entries up to kBootParamsAddr
constexpr uint64_t kPvhMemmapMaxEntries = (0x7000 - kPvhMemmapAddr) / 24;

constexpr uint64_t kBootParamsAddr = 0x7000;  // the "zero page", 4 KiB
constexpr uint64_t kBootStackTop = 0x8FF0;

constexpr uint64_t kPml4Addr = 0x9000;
constexpr uint64_t kPdptAddr = 0xA000;
constexpr uint64_t kPdAddr = 0xB000;     // kIdentityMapGiB consecutive pages
constexpr uint64_t kIdentityMapGiB = 4;  // 2 MiB pages cover [0, 4 GiB)

constexpr uint64_t kCmdlineAddr = 0x20000;
constexpr uint64_t kCmdlineRegionSize = 0x10000;

// Conventional memory ends at 639 KiB; from there to 1 MiB is reserved (EBDA,
// VGA hole, BIOS area). Linux scans [0xF0000, 0x100000) for the MP table.
constexpr uint64_t kLowRamEnd = 0x9FC00;
constexpr uint64_t kMpTableAddr = 0xF0000;
constexpr uint64_t kMpTableLimit = 0x100000;
constexpr uint64_t kHighMemStart = 0x100000;  // 1 MiB

constexpr uint64_t kKernelLoadAddr = 0x100000;  // bzImage protected-mode part

// Guest RAM is one region from 0; above 3 GiB it would run into the 32-bit
// MMIO hole (IOAPIC, LAPIC, KVM's TSS/identity pages), which e820 cannot call RAM.
constexpr uint64_t kMaxRamSize = 0xC0000000;

constexpr uint32_t kLapicAddr = 0xFEE00000;
constexpr uint32_t kIoApicAddr = 0xFEC00000;

// x86 COMMAND_LINE_SIZE: the most any protocol here will pass, NUL included.
constexpr uint64_t kMaxCmdlineSize = 2048;

}  // namespace kick::boot
