// Type-0 PCI configuration header with masked writes and I/O BAR decoding.
#include "pci/config_space.h"

#include <cstring>

namespace kick {

using namespace pcicfg;

PciFunction::PciFunction(const PciIdentity& id) {
  put16(kVendorId, id.vendor);
  put16(kDeviceId, id.device);
  cfg_[kRevision] = id.revision;
  cfg_[kClassCode] = uint8_t(id.class_code);
  cfg_[kClassCode + 1] = uint8_t(id.class_code >> 8);
  cfg_[kClassCode + 2] = uint8_t(id.class_code >> 16);
  cfg_[kHeaderType] = 0x00;  // type 0, single function
  put16(kSubsysVendor, id.subsys_vendor);
  put16(kSubsysId, id.subsys_id);
  // Writable: the COMMAND bits a driver may toggle, cache line size and the
  // interrupt line (scratch for the OS). Everything else is read-only.
  const uint16_t cmd_mask = kCmdIo | kCmdMem | kCmdMaster | kCmdParity | kCmdSerr | kCmdIntxDisable;
  wmask_[kCommand] = uint8_t(cmd_mask);
  wmask_[kCommand + 1] = uint8_t(cmd_mask >> 8);
  wmask_[kCacheLine] = 0xff;
  wmask_[kIntLine] = 0xff;
}

void PciFunction::put16(uint8_t off, uint16_t v) {
  std::memcpy(&cfg_[off], &v, 2);
}
void PciFunction::put32(uint8_t off, uint32_t v) {
  std::memcpy(&cfg_[off], &v, 4);
}
uint32_t PciFunction::get32(uint8_t off) const {
  uint32_t v;
  std::memcpy(&v, &cfg_[off], 4);
  return v;
}

void PciFunction::set_interrupt_pin(uint8_t pin, uint8_t line) {
  cfg_[kIntPin] = pin;
  cfg_[kIntLine] = line;
}

uint32_t PciFunction::config_read(uint16_t offset, uint8_t size) const {
  uint32_t v = 0;
  for (uint8_t i = 0; i < size && i < 4; i++) {
    uint32_t at = uint32_t(offset) + i;
    uint8_t b = at < sizeof(cfg_) ? cfg_[at] : 0xff;
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void PciFunction::config_write(uint16_t offset, uint32_t value, uint8_t size) {
  bool touches_decode = false;
  for (uint8_t i = 0; i < size && i < 4; i++) {
    uint32_t at = uint32_t(offset) + i;
    if (at >= sizeof(cfg_)) break;
    uint8_t b = uint8_t(value >> (8 * i));
    cfg_[at] = uint8_t((cfg_[at] & ~wmask_[at]) | (b & wmask_[at]));
    if (at == kCommand || (at >= kBar0 && at < kBar0 + 4 * kNumBars)) touches_decode = true;
  }
  if (!touches_decode) return;
  for (int i = 0; i < kNumBars; i++) {
    if (bars_[i].size) update_io_bar(i);
  }
}

bool PciFunction::io_bar_base(int index, uint16_t* base) const {
  if (index < 0 || index >= kNumBars) return false;
  std::lock_guard<std::mutex> g(bar_lock_);
  if (!bars_[index].mapped) return false;
  *base = bars_[index].base;
  return true;
}

bool PciFunction::declare_io_bar(int index, uint16_t size, uint16_t base, IoBus* bus,
                                 PortIoDevice* dev) {
  if (index < 0 || index >= kNumBars || size < 4 || size > 256 || (size & (size - 1)) ||
      (base & (size - 1)))
    return false;
  IoBar& bar = bars_[index];
  bar.size = size;
  bar.bus = bus;
  bar.dev = dev;
  uint8_t off = uint8_t(kBar0 + 4 * index);
  put32(off, uint32_t(base) | 1u);  // bit 0: I/O space
  uint32_t mask = ~uint32_t(size - 1) & ~3u;
  std::memcpy(&wmask_[off], &mask, 4);
  // No firmware runs before the guest, so the device starts out decoding
  // its preassigned range, as kvmtool's devices do.
  uint16_t cmd = uint16_t(config_read(kCommand, 2) | kCmdIo);
  put16(kCommand, cmd);
  if (!bus->add(base, size, dev)) return false;
  std::lock_guard<std::mutex> g(bar_lock_);
  bar.mapped = true;
  bar.base = base;
  return true;
}

// Re-derives where BAR `index` should decode from the stored BAR value and
// COMMAND.IO, and moves its IoBus range if that changed.
void PciFunction::update_io_bar(int index) {
  IoBar& bar = bars_[index];
  uint32_t addr = get32(uint8_t(kBar0 + 4 * index)) & ~3u;
  bool io_on = config_read(kCommand, 2) & kCmdIo;
  // An address that is not a 16-bit port (e.g. the all-1s sizing pattern)
  // cannot decode anything.
  bool want = io_on && uint64_t(addr) + bar.size <= 0x10000;
  if (want == bar.mapped && (!want || addr == bar.base)) return;
  bool was = bar.mapped, now;
  uint16_t old_base = bar.base, new_base;
  {
    // Not held across io_bar_moved(), which takes the device's lock
    // (lock order: device, then bar_lock_).
    std::lock_guard<std::mutex> g(bar_lock_);
    if (bar.mapped) bar.bus->remove(bar.base, bar.dev);
    bar.mapped = false;
    if (want && bar.bus->add(uint16_t(addr), bar.size, bar.dev)) {
      bar.mapped = true;
      bar.base = uint16_t(addr);
    }
    now = bar.mapped;
    new_base = bar.base;
  }
  if (was || now) io_bar_moved(index, was, old_base, now, new_base);
}

}  // namespace kick
