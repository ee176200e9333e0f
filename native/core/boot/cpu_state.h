// The BSP's state at the kernel entry: the GDT and identity page tables in
// guest RAM, and the register values for the two entries:
//   Pvh32:   32-bit flat protected mode, paging off, EBX = hvm_start_info
//   Linux64: long mode on identity-mapped 2 MiB pages, RSI = boot_params
// One GDT serves both (boot.rst wants __BOOT_CS 0x10 / __BOOT_DS 0x18 for 64-bit):
//   0x08 32-bit flat code (PVH)   0x10 64-bit code   0x18 flat data   0x20 TSS
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <string>

#include "boot/boot.h"
#include "guest_memory.h"

namespace kick::boot {

constexpr uint16_t kCode32Selector = 0x08;
constexpr uint16_t kCode64Selector = 0x10;
constexpr uint16_t kDataSelector = 0x18;
constexpr uint16_t kTssSelector = 0x20;

constexpr uint64_t kCr0Pe = 1ull << 0;
constexpr uint64_t kCr0Et = 1ull << 4;
constexpr uint64_t kCr0Pg = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5;
constexpr uint64_t kEferLme = 1ull << 8;
constexpr uint64_t kEferLma = 1ull << 10;

// The 8-byte descriptor in GDT slot `index` (0..kGdtEntries-1).
uint64_t gdt_descriptor(unsigned index);

// Writes the GDT at kGdtAddr and the page tables at kPml4Addr.. into RAM.
bool write_boot_tables(const GuestMemory& mem, std::string* error);

// Overwrites the segment, descriptor-table and control registers of `sregs`
// for `entry`, keeping what KVM_GET_SREGS reported for the rest (APIC base,
// LDT, interrupt bitmap).
void set_boot_sregs(BootPlan::Entry entry, kvm_sregs* sregs);

// The general registers at entry (all others zero).
kvm_regs boot_regs(const BootPlan& plan);

}  // namespace kick::boot
