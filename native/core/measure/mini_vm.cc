// Throwaway real-mode VM (see mini_vm.h).
#include "measure/mini_vm.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace kick {

MiniVm::~MiniVm() {
  vcpu_.reset();
  if (mem_) munmap(mem_, kMemSize);
}

bool MiniVm::create(const KvmSystem& sys, const std::vector<uint8_t>& code, std::string* error) {
  if (code.size() > kMemSize - kCodeAddr) {
    *error = "mini VM: code too large";
    return false;
  }
  if (!vm_.create(sys, error)) return false;
  if (!vm_.set_tss_addr(0xfffbd000ull, error)) return false;  // Intel needs it for real mode
  mem_ = mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem_ == MAP_FAILED) {
    mem_ = nullptr;
    *error = std::string("mmap: ") + std::strerror(errno);
    return false;
  }
  std::memcpy(static_cast<uint8_t*>(mem_) + kCodeAddr, code.data(), code.size());
  if (!vm_.set_memory(0, 0, kMemSize, mem_, error)) return false;
  vcpu_ = vm_.create_vcpu(0, error);
  if (!vcpu_) return false;
  kvm_sregs s;
  if (ioctl(vcpu_->fd(), KVM_GET_SREGS, &s) < 0) {
    *error = std::string("KVM_GET_SREGS: ") + std::strerror(errno);
    return false;
  }
  s.cs.base = 0;
  s.cs.selector = 0;
  if (ioctl(vcpu_->fd(), KVM_SET_SREGS, &s) < 0) {
    *error = std::string("KVM_SET_SREGS: ") + std::strerror(errno);
    return false;
  }
  kvm_regs r;
  std::memset(&r, 0, sizeof r);
  r.rip = kCodeAddr;
  r.rflags = 0x2;
  r.rsp = kCodeAddr;
  if (ioctl(vcpu_->fd(), KVM_SET_REGS, &r) < 0) {
    *error = std::string("KVM_SET_REGS: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace kick
