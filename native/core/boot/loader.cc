// inspect_kernel / load_guest: recognise the kernel file, pick the protocol,
// then place kernel, initrd, command line and boot structures in guest RAM.
#include <algorithm>
#include <cstring>

#include "boot/boot.h"
#include "boot/boot_params.h"
#include "boot/bzimage.h"
#include "boot/cpu_state.h"
#include "boot/elf.h"
#include "boot/file_reader.h"
#include "boot/initrd.h"
#include "boot/layout.h"
#include "boot/memory_map.h"
#include "boot/mptable.h"
#include "boot/pvh.h"

namespace kick {
namespace {

using namespace boot;

// A parsed kernel file and the protocol chosen for it.
struct Kernel {
  std::vector<uint8_t> file;
  bool is_elf = false;
  ElfKernel elf;
  BzImage bz;
  BootPlan::Entry entry = BootPlan::Entry::Pvh32;
  std::string kind;
};

bool identify(const std::string& path, BootProtocol protocol, Kernel* k, std::string* error) {
  if (path.empty()) {
    *error = "no kernel given";
    return false;
  }
  if (!read_whole_file(path, kMaxKernelFileSize, &k->file, error)) return false;
  const uint8_t* data = k->file.data();
  const uint64_t size = k->file.size();
  std::string why;
  if (looks_like_elf(data, size)) {
    k->is_elf = true;
    if (!parse_elf(data, size, &k->elf, &why)) {
      *error = path + ": " + why;
      return false;
    }
    const bool pvh =
        protocol == BootProtocol::Pvh || (protocol == BootProtocol::Auto && k->elf.has_pvh_entry);
    if (pvh) {
      if (!k->elf.has_pvh_entry) {
        *error = path + ": no Xen PVH entry note; boot it with the linux64 protocol";
        return false;
      }
      if (!elf_contains(k->elf, k->elf.pvh_entry)) {
        *error = path + ": PVH entry point lies outside every loadable segment";
        return false;
      }
      k->entry = BootPlan::Entry::Pvh32;
      k->kind = "elf-pvh";
    } else {
      if (!k->elf.is_64bit) {
        *error = path + ": the linux64 protocol needs a 64-bit ELF";
        return false;
      }
      if (k->elf.entry < kHighMemStart || !elf_contains(k->elf, k->elf.entry)) {
        *error = path + ": ELF entry point must be at or above 1 MiB inside a loadable segment";
        return false;
      }
      k->entry = BootPlan::Entry::Linux64;
      k->kind = "elf-linux64";
    }
    return true;
  }
  if (looks_like_bzimage(data, size)) {
    if (protocol == BootProtocol::Pvh) {
      *error = path + ": a bzImage has no PVH entry; boot it with auto or linux64";
      return false;
    }
    if (!parse_bzimage(data, size, &k->bz, &why)) {
      *error = path + ": " + why;
      return false;
    }
    k->entry = BootPlan::Entry::Linux64;
    k->kind = "bzimage-linux64";
    return true;
  }
  *error = path + ": not an ELF kernel or a bzImage";
  return false;
}

// The longest command line (NUL excluded) the chosen protocol accepts.
uint64_t cmdline_limit(const Kernel& k) {
  const uint64_t ours = kMaxCmdlineSize - 1;
  return k.is_elf ? ours : std::min<uint64_t>(ours, k.bz.cmdline_max);
}

}  // namespace

bool parse_boot_protocol(const std::string& s, BootProtocol* out) {
  if (s == "auto")
    *out = BootProtocol::Auto;
  else if (s == "pvh")
    *out = BootProtocol::Pvh;
  else if (s == "linux64")
    *out = BootProtocol::Linux64;
  else
    return false;
  return true;
}

bool inspect_kernel(const std::string& path, BootProtocol protocol, std::string* kind,
                    std::string* error) {
  Kernel k;
  if (!identify(path, protocol, &k, error)) return false;
  *kind = k.kind;
  return true;
}

bool load_guest(const GuestMemory& mem, const BootOptions& opts, BootPlan* plan,
                std::string* error) {
  if (mem.size() < 2 * kHighMemStart) {
    *error = "guest RAM must be at least 2 MiB";
    return false;
  }
  if (mem.size() > kMaxRamSize) {
    *error = "guest RAM above " + std::to_string(kMaxRamSize >> 20) +
             " MiB is not supported (it would overlap the 32-bit MMIO hole)";
    return false;
  }
  Kernel k;
  if (!identify(opts.kernel_path, opts.protocol, &k, error)) return false;

  const uint64_t limit = cmdline_limit(k);
  if (opts.cmdline.size() > limit) {
    *error = "kernel command line is " + std::to_string(opts.cmdline.size()) +
             " bytes; this kernel accepts at most " + std::to_string(limit);
    return false;
  }
  if (opts.cmdline.find('\0') != std::string::npos) {
    *error = "kernel command line contains a NUL byte";
    return false;
  }

  // Kernel first: its extent decides where the initrd may go.
  std::string why;
  uint64_t kernel_end;
  if (k.is_elf) {
    if (!load_elf(mem, k.file.data(), k.elf, &why)) {
      *error = opts.kernel_path + ": " + why;
      return false;
    }
    kernel_end = k.elf.load_end;
  } else {
    if (!load_bzimage(mem, k.file.data(), k.bz, &why)) {
      *error = opts.kernel_path + ": " + why;
      return false;
    }
    kernel_end = bzimage_kernel_end(k.bz);
  }

  uint64_t initrd_addr = 0, initrd_size = 0;
  if (!opts.initrd_path.empty()) {
    if (!file_size(opts.initrd_path, &initrd_size, error)) return false;
    if (initrd_size == 0) {
      *error = opts.initrd_path + ": initrd is empty";
      return false;
    }
    const uint64_t addr_max = k.is_elf ? kDefaultInitrdAddrMax : k.bz.initrd_addr_max;
    if (!place_initrd(mem.size(), addr_max, kernel_end, initrd_size, &initrd_addr, &why)) {
      *error = opts.initrd_path + ": " + why;
      return false;
    }
    if (!read_file_into_guest(opts.initrd_path, mem, initrd_addr, initrd_size, error)) return false;
  }

  if (!mem.write(kCmdlineAddr, opts.cmdline.c_str(), opts.cmdline.size() + 1)) {
    *error = "guest RAM too small for the command line";
    return false;
  }

  const std::vector<MemoryRange> map = guest_memory_map(mem.size());
  if (k.entry == BootPlan::Entry::Pvh32) {
    PvhInput in;
    in.cmdline_addr = kCmdlineAddr;
    in.initrd_addr = initrd_addr;
    in.initrd_size = initrd_size;
    in.memory_map = map;
    if (!write_pvh_start_info(mem, in, error)) return false;
    plan->rip = k.elf.pvh_entry;
    plan->boot_info_gpa = kStartInfoAddr;
  } else {
    BootParamsInput in;
    if (!k.is_elf)
      in.setup_header.assign(k.file.begin() + bzhdr::kSetupSects,
                             k.file.begin() + k.bz.setup_header_end);
    in.cmdline_addr = kCmdlineAddr;
    in.initrd_addr = initrd_addr;
    in.initrd_size = initrd_size;
    in.memory_map = map;
    std::vector<uint8_t> zero_page;
    if (!build_boot_params(in, &zero_page, error)) return false;
    if (!mem.write(kBootParamsAddr, zero_page.data(), zero_page.size())) {
      *error = "guest RAM too small for boot_params";
      return false;
    }
    plan->rip = k.is_elf ? k.elf.entry : kKernelLoadAddr + 0x200;  // 64-bit entry
    plan->boot_info_gpa = kBootParamsAddr;
  }

  if (!write_mptable(mem, opts.num_cpus, opts.pci_irq_routes, error)) return false;
  if (!write_boot_tables(mem, error)) return false;
  plan->entry = k.entry;
  plan->kernel_kind = k.kind;
  return true;
}

}  // namespace kick
