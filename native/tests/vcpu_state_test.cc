// The post-mortem description of a vCPU after a guest crash (vcpu_state.h).
#include <gtest/gtest.h>

#include <cstring>

#include "vcpu_state.h"

namespace kick {
namespace {

kvm_regs regs_at(uint64_t rip) {
  kvm_regs r;
  std::memset(&r, 0, sizeof r);
  r.rip = rip;
  r.rsp = 0xffffc90000013e40;
  r.rflags = 0x246;
  return r;
}

kvm_sregs long_mode_sregs() {
  kvm_sregs s;
  std::memset(&s, 0, sizeof s);
  s.cs.selector = 0x10;
  s.cr0 = 0x80050033;
  s.cr3 = 0x2a10000;
  s.cr4 = 0x3506f0;
  s.efer = 0xd01;
  return s;
}

TEST(VcpuState, RecognisesTheResetStateKvmLeavesAfterAnAmdShutdown) {
  kvm_sregs reset;
  std::memset(&reset, 0, sizeof reset);
  reset.cs.selector = 0xf000;
  reset.cs.base = 0xffff0000;
  EXPECT_TRUE(is_reset_state(regs_at(0xfff0), reset));
  // The same rip in a running kernel is not a reset.
  EXPECT_FALSE(is_reset_state(regs_at(0xfff0), long_mode_sregs()));
  EXPECT_FALSE(is_reset_state(regs_at(0xffffffff81e01d30), long_mode_sregs()));
}

TEST(VcpuState, DescribesTheRegistersAPostMortemNeeds) {
  EXPECT_EQ(describe_vcpu_state(regs_at(0xffffffff81e01d30), long_mode_sregs()),
            "rip 0xffffffff81e01d30 rsp 0xffffc90000013e40 rflags 0x246 cs 0x10 cr0 0x80050033 "
            "cr2 0x0 cr3 0x2a10000 cr4 0x3506f0 efer 0xd01");
}

}  // namespace
}  // namespace kick
