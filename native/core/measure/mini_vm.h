// A throwaway real-mode VM for the capability probe and the kick floor: one
// small memslot at GPA 0, a code blob at 0x1000, one vCPU with CS:IP = 0:0x1000.
// No irqchip, no devices: the caller owns the KVM_RUN loop.
#pragma once
#include <sys/mman.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kvm.h"

namespace kick {

class MiniVm {
 public:
  static constexpr uint64_t kMemSize = 0x10000;
  static constexpr uint64_t kCodeAddr = 0x1000;

  ~MiniVm();
  bool create(const KvmSystem& sys, const std::vector<uint8_t>& code, std::string* error);
  KvmVm& vm() { return vm_; }
  KvmVcpu& vcpu() { return *vcpu_; }

 private:
  KvmVm vm_;
  std::unique_ptr<KvmVcpu> vcpu_;
  void* mem_ = nullptr;
};

}  // namespace kick
