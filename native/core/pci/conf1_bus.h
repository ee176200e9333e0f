// PCI configuration mechanism #1: the address register at 0xCF8 and the data
// window at 0xCFC-0xCFF, routing to the functions on bus 0. Anything absent
// (other buses, functions > 0, empty slots, enable bit clear) reads all 1s.
#pragma once
#include <cstdint>
#include <mutex>

#include "io_bus.h"
#include "pci/config_space.h"

namespace kick {

class PciConf1Bus : public PortIoDevice {
 public:
  static constexpr uint16_t kPortBase = 0xCF8;  // 0xCF8-0xCFB address, 0xCFC-0xCFF data
  static constexpr int kSlots = 32;

  // Claims 0xCF8-0xCFF on `io`.
  bool attach(IoBus& io);
  // Places `fn` at 00:slot.0. False if the slot is taken or out of range.
  bool add_function(uint8_t slot, PciFunction* fn);

  void pio_read(uint16_t offset, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) override;

 private:
  // The function the address register selects, or nullptr.
  PciFunction* selected(uint16_t* reg) const;

  std::mutex lock_;  // address + data accesses must pair up per vCPU
  uint32_t address_ = 0;
  PciFunction* slots_[kSlots] = {};
};

}  // namespace kick
