// vCPU state for post-mortems (see vcpu_state.h).
#include "vcpu_state.h"

#include <sys/ioctl.h>

#include <cstdio>

namespace kick {

bool is_reset_state(const kvm_regs& r, const kvm_sregs& s) {
  return r.rip == 0xfff0 && s.cs.selector == 0xf000 && s.cs.base == 0xffff0000;
}

std::string describe_vcpu_state(const kvm_regs& r, const kvm_sregs& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "rip 0x%llx rsp 0x%llx rflags 0x%llx cs 0x%x cr0 0x%llx cr2 0x%llx cr3 0x%llx "
                "cr4 0x%llx efer 0x%llx",
                (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags,
                unsigned(s.cs.selector), (unsigned long long)s.cr0, (unsigned long long)s.cr2,
                (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
  return buf;
}

bool read_vcpu_state(int vcpu_fd, kvm_regs* r, kvm_sregs* s) {
  return ioctl(vcpu_fd, KVM_GET_REGS, r) == 0 && ioctl(vcpu_fd, KVM_GET_SREGS, s) == 0;
}

}  // namespace kick
