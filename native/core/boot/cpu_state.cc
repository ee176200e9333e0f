#include "boot/cpu_state.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "boot/layout.h"

namespace kick::boot {
namespace {

// Flat 4 GiB descriptors (base 0, limit 0xFFFFF pages) and a 104-byte TSS.
constexpr uint64_t kGdt[kGdtEntries] = {
    0,
    0x00CF9B000000FFFF,  // 32-bit code, execute/read, accessed
    0x00AF9B000000FFFF,  // 64-bit code (L=1, D=0)
    0x00CF93000000FFFF,  // data, read/write, accessed
    0x00008B0000000067,  // 32-bit TSS, busy (VMX requires a busy TR)
};

// Unpacks a descriptor into KVM's view of a loaded segment register.
kvm_segment segment(unsigned index, uint16_t selector) {
  const uint64_t d = kGdt[index];
  kvm_segment s{};
  s.base = ((d >> 16) & 0xFFFFFF) | (((d >> 56) & 0xFF) << 24);
  const uint32_t limit = static_cast<uint32_t>((d & 0xFFFF) | (((d >> 48) & 0xF) << 16));
  s.g = (d >> 55) & 1;
  s.limit = s.g ? (limit << 12) | 0xFFF : limit;
  s.selector = selector;
  s.type = (d >> 40) & 0xF;
  s.s = (d >> 44) & 1;
  s.dpl = (d >> 45) & 3;
  s.present = (d >> 47) & 1;
  s.avl = (d >> 52) & 1;
  s.l = (d >> 53) & 1;
  s.db = (d >> 54) & 1;
  return s;
}

std::string errno_line(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

uint64_t gdt_descriptor(unsigned index) {
  return index < kGdtEntries ? kGdt[index] : 0;
}

bool write_boot_tables(const GuestMemory& mem, std::string* error) {
  bool ok = mem.write(kGdtAddr, kGdt, sizeof kGdt);
  // PML4[0] -> PDPT; PDPT[i] -> PD i; PD i maps GiB i with 2 MiB pages.
  constexpr uint64_t kPresentRw = 0x3, kPageSize = 0x80;
  ok = ok && mem.write_obj<uint64_t>(kPml4Addr, kPdptAddr | kPresentRw);
  for (uint64_t i = 0; ok && i < kIdentityMapGiB; i++) {
    const uint64_t pd = kPdAddr + i * 0x1000;
    ok = mem.write_obj<uint64_t>(kPdptAddr + i * 8, pd | kPresentRw);
    for (uint64_t j = 0; ok && j < 512; j++)
      ok = mem.write_obj<uint64_t>(pd + j * 8, ((i * 512 + j) << 21) | kPresentRw | kPageSize);
  }
  if (!ok) *error = "guest RAM too small for the boot page tables";
  return ok;
}

void set_boot_sregs(BootPlan::Entry entry, kvm_sregs* sregs) {
  const bool long_mode = entry == BootPlan::Entry::Linux64;
  sregs->gdt.base = kGdtAddr;
  sregs->gdt.limit = kGdtEntries * 8 - 1;
  sregs->idt.base = 0;
  sregs->idt.limit = 0;  // no IDT: the kernel installs its own before enabling interrupts
  sregs->cs = long_mode ? segment(2, kCode64Selector) : segment(1, kCode32Selector);
  const kvm_segment data = segment(3, kDataSelector);
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = segment(4, kTssSelector);
  if (long_mode) {
    sregs->cr0 = kCr0Pe | kCr0Et | kCr0Pg;
    sregs->cr3 = kPml4Addr;
    sregs->cr4 = kCr4Pae;
    sregs->efer = kEferLme | kEferLma;
  } else {
    sregs->cr0 = kCr0Pe | kCr0Et;  // PVH: PE set, every other writable bit clear
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;
  }
}

kvm_regs boot_regs(const BootPlan& plan) {
  kvm_regs regs{};
  regs.rflags = 0x2;  // reserved bit 1; IF, TF and VM clear
  regs.rip = plan.rip;
  regs.rsp = regs.rbp = kBootStackTop;
  if (plan.entry == BootPlan::Entry::Linux64)
    regs.rsi = plan.boot_info_gpa;
  else
    regs.rbx = plan.boot_info_gpa;
  return regs;
}

}  // namespace kick::boot

namespace kick {

bool apply_boot_cpu_state(int vcpu_fd, const BootPlan& plan, std::string* error) {
  kvm_sregs sregs;
  if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) != 0) {
    *error = boot::errno_line("KVM_GET_SREGS");
    return false;
  }
  boot::set_boot_sregs(plan.entry, &sregs);
  if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) != 0) {
    *error = boot::errno_line("KVM_SET_SREGS");
    return false;
  }
  kvm_regs regs = boot::boot_regs(plan);
  if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) != 0) {
    *error = boot::errno_line("KVM_SET_REGS");
    return false;
  }
  kvm_fpu fpu{};
  fpu.fcw = 0x37F;     // x87 reset control word
  fpu.mxcsr = 0x1F80;  // SSE exceptions masked
  if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) != 0) {
    *error = boot::errno_line("KVM_SET_FPU");
    return false;
  }
  return true;
}

}  // namespace kick
