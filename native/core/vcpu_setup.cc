// vCPU CPUID / MSR / LAPIC / FPU setup (see vcpu_setup.h).
#include "vcpu_setup.h"

#include "kvm_abi.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace kick {

namespace {

bool fail(std::string* error, const char* what) {
  if (error) *error = std::string(what) + ": " + std::strerror(errno);
  return false;
}

uint32_t ceil_log2(uint32_t n) {
  uint32_t s = 0;
  while ((1u << s) < n) s++;
  return s;
}

// x2APIC topology leaves (0xB, 0x1F): one thread per core, `count` cores.
void patch_topology_leaf(std::vector<kvm_cpuid_entry2>* entries, uint32_t leaf, uint32_t index,
                         uint32_t count) {
  bool has_leaf = false, has_sub1 = false;
  for (auto& e : *entries) {
    if (e.function != leaf) continue;
    has_leaf = true;
    if (e.index == 1) has_sub1 = true;
  }
  if (!has_leaf) return;
  if (!has_sub1) {
    kvm_cpuid_entry2 e;
    std::memset(&e, 0, sizeof e);
    e.function = leaf;
    e.index = 1;
    e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    entries->push_back(e);
  }
  for (auto& e : *entries) {
    if (e.function != leaf) continue;
    e.edx = index;
    if (e.index == 0) {  // SMT level: one thread per core
      e.eax = 0;
      e.ebx = 1;
      e.ecx = (1u << 8) | 0;
    } else if (e.index == 1) {  // core level: all vCPUs in one package
      e.eax = ceil_log2(count);
      e.ebx = count;
      e.ecx = (2u << 8) | 1;
    } else {  // invalid level terminates the enumeration
      e.eax = 0;
      e.ebx = 0;
      e.ecx = e.index & 0xff;
    }
  }
}

}  // namespace

void patch_cpuid(std::vector<kvm_cpuid_entry2>* entries, uint32_t index, uint32_t count) {
  if (count == 0) count = 1;
  for (auto& e : *entries) {
    switch (e.function) {
      case 1: {
        uint32_t logical = 1u << ceil_log2(count);
        e.ebx = (e.ebx & 0x000000ffu) | (8u << 8) | ((logical & 0xff) << 16) | (index << 24);
        e.ecx |= 1u << 31;  // running under a hypervisor: lets Linux use kvmclock etc.
        if (count > 1)
          e.edx |= 1u << 28;
        else
          e.edx &= ~(1u << 28);
        break;
      }
      case 6:
        e.ecx &= ~(1u << 3);  // no energy-performance bias MSR
        break;
      case 0x80000008:  // AMD: NC = cores - 1, APIC id size
        e.ecx = (e.ecx & ~0xf0ffu) | ((count - 1) & 0xff) | (ceil_log2(count) << 12);
        break;
      case 0x8000001e:  // AMD extended APIC id / core id, one thread per core
        e.eax = index;
        e.ebx = index & 0xff;
        e.ecx = 0;
        break;
      default:
        break;
    }
  }
  patch_topology_leaf(entries, 0xb, index, count);
  patch_topology_leaf(entries, 0x1f, index, count);
}

void wire_lapic_lints(kvm_lapic_state* lapic) {
  auto set_mode = [&](size_t reg, uint32_t mode) {
    uint32_t v;
    std::memcpy(&v, lapic->regs + reg, 4);
    v = (v & ~0x700u) | (mode << 8);
    v &= ~(1u << 16);  // unmasked
    std::memcpy(lapic->regs + reg, &v, 4);
  };
  set_mode(0x350, 7);  // LINT0: ExtINT
  set_mode(0x360, 4);  // LINT1: NMI
}

bool setup_cpuid(int vcpu_fd, const std::vector<kvm_cpuid_entry2>& supported, uint32_t index,
                 uint32_t count, std::string* error) {
  std::vector<kvm_cpuid_entry2> entries = supported;
  patch_cpuid(&entries, index, count);
  std::vector<uint8_t> buf(sizeof(abi::CpuidHeader) + entries.size() * sizeof(kvm_cpuid_entry2));
  auto* c = reinterpret_cast<abi::CpuidHeader*>(buf.data());
  c->nent = uint32_t(entries.size());
  std::memcpy(buf.data() + sizeof(abi::CpuidHeader), entries.data(),
              entries.size() * sizeof(kvm_cpuid_entry2));
  if (ioctl(vcpu_fd, abi::kSetCpuid2, c) < 0) return fail(error, "KVM_SET_CPUID2");
  return true;
}

bool setup_boot_msrs(int vcpu_fd, std::string* error) {
  static const struct {
    uint32_t index;
    uint64_t value;
  } kMsrs[] = {
      {0x174, 0},
      {0x175, 0},
      {0x176, 0},  // SYSENTER_CS/ESP/EIP
      {0xc0000081, 0},
      {0xc0000082, 0},
      {0xc0000083, 0},
      {0xc0000084, 0},          // STAR..SFMASK
      {0xc0000102, 0},          // KERNEL_GS_BASE
      {0x10, 0},                // TSC
      {0x1a0, 1},               // MISC_ENABLE: fast strings (FSRM memmove needs it)
      {0x2ff, (1u << 11) | 6},  // MTRRdefType: enabled, write-back
  };
  const size_t n = sizeof kMsrs / sizeof kMsrs[0];
  std::vector<uint8_t> buf(sizeof(abi::MsrsHeader) + n * sizeof(kvm_msr_entry));
  auto* m = reinterpret_cast<abi::MsrsHeader*>(buf.data());
  m->nmsrs = uint32_t(n);
  auto* entries = reinterpret_cast<kvm_msr_entry*>(buf.data() + sizeof(abi::MsrsHeader));
  for (size_t i = 0; i < n; i++) {
    entries[i].index = kMsrs[i].index;
    entries[i].data = kMsrs[i].value;
  }
  int r = ioctl(vcpu_fd, abi::kSetMsrs, m);
  if (r < 0) return fail(error, "KVM_SET_MSRS");
  if (size_t(r) != n) {
    if (error) *error = "KVM_SET_MSRS: MSR " + std::to_string(kMsrs[r].index) + " rejected";
    return false;
  }
  return true;
}

bool setup_lapic(int vcpu_fd, std::string* error) {
  kvm_lapic_state l;
  if (ioctl(vcpu_fd, KVM_GET_LAPIC, &l) < 0) return fail(error, "KVM_GET_LAPIC");
  wire_lapic_lints(&l);
  if (ioctl(vcpu_fd, KVM_SET_LAPIC, &l) < 0) return fail(error, "KVM_SET_LAPIC");
  return true;
}

bool setup_fpu(int vcpu_fd, std::string* error) {
  kvm_fpu f;
  std::memset(&f, 0, sizeof f);
  f.fcw = 0x37f;
  f.mxcsr = 0x1f80;
  if (ioctl(vcpu_fd, KVM_SET_FPU, &f) < 0) return fail(error, "KVM_SET_FPU");
  return true;
}

bool setup_vcpu(int vcpu_fd, const std::vector<kvm_cpuid_entry2>& supported, uint32_t index,
                uint32_t count, std::string* error) {
  return setup_cpuid(vcpu_fd, supported, index, count, error) && setup_boot_msrs(vcpu_fd, error) &&
         setup_lapic(vcpu_fd, error) && setup_fpu(vcpu_fd, error);
}

}  // namespace kick
