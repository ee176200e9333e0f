// The narrow slice of VM-level KVM ioctls that devices may use. Devices never
// see the KVM fds themselves; the platform implements this interface.
#pragma once
#include <cstdint>

namespace kick {

class VmIoctls {
 public:
  virtual ~VmIoctls() = default;
  // KVM_IRQ_LINE on the in-kernel irqchip. level=true asserts.
  virtual bool set_irq_line(uint32_t gsi, bool level) = 0;
  // KVM_IOEVENTFD, PIO, 2-byte access, with datamatch. Returns false (errno set) on failure.
  virtual bool assign_pio_ioeventfd(int eventfd, uint16_t port, uint8_t len,
                                    uint64_t datamatch) = 0;
  virtual bool deassign_pio_ioeventfd(int eventfd, uint16_t port, uint8_t len,
                                      uint64_t datamatch) = 0;
};

}  // namespace kick
