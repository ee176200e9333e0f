// Booting a guest: everything between "a kernel file" and "the BSP's first
// instruction". The platform calls load_guest() once guest RAM exists, then
// apply_boot_cpu_state() on the BSP. Supported images:
//   - an ELF with a Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY): the probe guest, Linux vmlinux
//   - a vmlinux ELF through the Linux 64-bit boot protocol
//   - a bzImage through its 64-bit entry (only the setup header is copied)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "guest_memory.h"
#include "pci_platform.h"

namespace kick {

enum class BootProtocol { Auto, Pvh, Linux64 };

// "auto" | "pvh" | "linux64", as both fronts spell it; false for anything else.
bool parse_boot_protocol(const std::string& s, BootProtocol* out);

struct BootOptions {
  std::string kernel_path;
  std::string initrd_path;  // empty: none
  std::string cmdline;
  BootProtocol protocol = BootProtocol::Auto;  // Auto: PVH when the ELF has the note
  uint32_t num_cpus = 1;
  std::vector<PciIrqRoute> pci_irq_routes;  // described in the MP table
};

struct BootPlan {
  enum class Entry { Pvh32, Linux64 };
  Entry entry = Entry::Pvh32;
  uint64_t rip = 0;
  uint64_t boot_info_gpa = 0;  // hvm_start_info (EBX) for PVH, boot_params (RSI) for Linux64
  std::string kernel_kind;     // "elf-pvh", "elf-linux64", "bzimage-linux64"
};

// Identifies a kernel file without loading it: fills `kind` as in BootPlan::kernel_kind
// (the one `protocol` would pick). One-line error for missing, unreadable or corrupt files.
bool inspect_kernel(const std::string& path, BootProtocol protocol, std::string* kind,
                    std::string* error);

// Loads kernel, initrd and command line into guest memory and writes the boot
// structures (start_info or boot_params with e820, MP table, GDT, page tables).
bool load_guest(const GuestMemory& mem, const BootOptions& opts, BootPlan* plan,
                std::string* error);

// Sets the BSP's special and general registers (and FPU) for plan.entry.
bool apply_boot_cpu_state(int vcpu_fd, const BootPlan& plan, std::string* error);

}  // namespace kick
