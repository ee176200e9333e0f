// PCI configuration mechanism #1 (see conf1_bus.h).
#include "pci/conf1_bus.h"

#include <cstring>

namespace kick {

bool PciConf1Bus::attach(IoBus& io) {
  return io.add(kPortBase, 8, this);
}

bool PciConf1Bus::add_function(uint8_t slot, PciFunction* fn) {
  if (slot >= kSlots || slots_[slot] || !fn) return false;
  slots_[slot] = fn;
  return true;
}

PciFunction* PciConf1Bus::selected(uint16_t* reg) const {
  if (!(address_ & 0x80000000u)) return nullptr;
  uint32_t bus = (address_ >> 16) & 0xff, slot = (address_ >> 11) & 0x1f, fn = (address_ >> 8) & 7;
  if (bus != 0 || fn != 0) return nullptr;
  *reg = uint16_t(address_ & 0xfc);
  return slots_[slot];
}

void PciConf1Bus::pio_read(uint16_t offset, uint8_t* data, uint8_t size) {
  std::lock_guard<std::mutex> g(lock_);
  std::memset(data, 0xff, size);
  if (offset == 0 && size == 4) {
    std::memcpy(data, &address_, 4);
    return;
  }
  if (offset < 4 || offset >= 8) return;  // partial address-register reads: nothing there
  uint16_t reg = 0;
  PciFunction* fn = selected(&reg);
  if (!fn) return;
  uint16_t byte = uint16_t(offset - 4);
  uint8_t n = uint8_t(size > 4 - byte ? 4 - byte : size);  // stay inside the dword window
  uint32_t v = fn->config_read(uint16_t(reg + byte), n);
  std::memcpy(data, &v, n);
}

void PciConf1Bus::pio_write(uint16_t offset, const uint8_t* data, uint8_t size) {
  std::lock_guard<std::mutex> g(lock_);
  if (offset == 0 && size == 4) {
    std::memcpy(&address_, data, 4);
    return;
  }
  // Byte/word writes to 0xCF8-0xCFB are not address writes (Linux's type-1
  // probe pokes 0xCFB); ignore them.
  if (offset < 4 || offset >= 8) return;
  uint16_t reg = 0;
  PciFunction* fn = selected(&reg);
  if (!fn) return;
  uint16_t byte = uint16_t(offset - 4);
  uint8_t n = uint8_t(size > 4 - byte ? 4 - byte : size);
  uint32_t v = 0;
  std::memcpy(&v, data, n);
  fn->config_write(uint16_t(reg + byte), v, n);
}

}  // namespace kick
