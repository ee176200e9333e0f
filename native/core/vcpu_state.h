// A vCPU's architectural state as one line, for post-mortems after a guest
// crash (see Vm::finish): what every vCPU was doing when the VM ended.
#pragma once
#include <linux/kvm.h>

#include <string>

namespace kick {

// True for the x86 reset state (CS:IP = F000:FFF0, CS base FFFF0000). After
// KVM_EXIT_SHUTDOWN on AMD, KVM has already re-initialised the vCPU (the VMCB
// is undefined after a shutdown intercept), so its state at the fault is gone.
bool is_reset_state(const kvm_regs& r, const kvm_sregs& s);

// "rip 0x... rsp 0x... rflags 0x... cs 0x... cr0 0x... cr2 0x... cr3 0x... cr4 0x... efer 0x..."
std::string describe_vcpu_state(const kvm_regs& r, const kvm_sregs& s);

// KVM_GET_REGS and KVM_GET_SREGS; false if either fails.
bool read_vcpu_state(int vcpu_fd, kvm_regs* r, kvm_sregs* s);

}  // namespace kick
