// KVM ioctls whose <linux/kvm.h> structs end in __DECLARE_FLEX_ARRAY. Compiled
// as C++, that macro pads the struct (an empty struct has size 1), so both the
// entries' offset and the size encoded in the ioctl number come out wrong and
// the kernel answers EINVAL. These are the C layouts, spelled out.
#pragma once
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace kick::abi {

struct CpuidHeader {  // struct kvm_cpuid2 without its entries
  uint32_t nent;
  uint32_t padding;
};
struct MsrsHeader {  // struct kvm_msrs without its entries
  uint32_t nmsrs;
  uint32_t pad;
};
static_assert(sizeof(CpuidHeader) == 8 && sizeof(MsrsHeader) == 8, "C layout");
static_assert(sizeof(kvm_cpuid_entry2) == 40 && sizeof(kvm_msr_entry) == 16, "C layout");

constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);

}  // namespace kick::abi
