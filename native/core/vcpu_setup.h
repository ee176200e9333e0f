// Per-vCPU state the platform sets before boot: CPUID (host's KVM-supported
// set, with this vCPU's APIC id and the hypervisor bit), the boot MSRs, the
// LAPIC's LINT0/LINT1 wiring and a sane FPU. The BSP's registers come from boot.h.
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kick {

// Rewrites `entries` (from KVM_GET_SUPPORTED_CPUID) for vCPU `index` of `count`:
// leaf 1 APIC id / logical count / hypervisor bit, leaf 0xB (and 0x1F) x2APIC
// topology (adding subleaf 1 when the kernel left it out), AMD core counts.
void patch_cpuid(std::vector<kvm_cpuid_entry2>* entries, uint32_t index, uint32_t count);

// LVT LINT0 -> ExtINT (the PIC's output), LINT1 -> NMI, in a KVM_GET_LAPIC image.
void wire_lapic_lints(kvm_lapic_state* lapic);

bool setup_cpuid(int vcpu_fd, const std::vector<kvm_cpuid_entry2>& supported, uint32_t index,
                 uint32_t count, std::string* error);
bool setup_boot_msrs(int vcpu_fd, std::string* error);
bool setup_lapic(int vcpu_fd, std::string* error);
bool setup_fpu(int vcpu_fd, std::string* error);

// All of the above, in the order KVM needs (CPUID before MSRs).
bool setup_vcpu(int vcpu_fd, const std::vector<kvm_cpuid_entry2>& supported, uint32_t index,
                uint32_t count, std::string* error);

}  // namespace kick
