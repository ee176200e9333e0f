// One PCI function's type-0 configuration header (256 bytes) with a per-byte
// writable mask, so a guest can change only the fields real hardware lets it
// change. I/O BARs are decoded on an IoBus and follow the guest's writes and
// the COMMAND.IO bit; BAR sizing falls out of the mask (writing all 1s reads
// back ~(size-1) with the type bit kept).
#pragma once
#include <cstdint>
#include <mutex>

#include "io_bus.h"

namespace kick {

namespace pcicfg {
constexpr uint8_t kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06,
                  kRevision = 0x08, kClassCode = 0x09, kCacheLine = 0x0C, kHeaderType = 0x0E,
                  kBar0 = 0x10, kSubsysVendor = 0x2C, kSubsysId = 0x2E, kIntLine = 0x3C,
                  kIntPin = 0x3D;
constexpr uint16_t kCmdIo = 0x1, kCmdMem = 0x2, kCmdMaster = 0x4, kCmdParity = 0x40,
                   kCmdSerr = 0x100, kCmdIntxDisable = 0x400;
constexpr int kNumBars = 6;
}  // namespace pcicfg

struct PciIdentity {
  uint16_t vendor, device;
  uint8_t revision;
  uint32_t class_code;  // class << 16 | subclass << 8 | prog-if
  uint16_t subsys_vendor, subsys_id;
};

class PciFunction {
 public:
  explicit PciFunction(const PciIdentity& id);
  virtual ~PciFunction() = default;
  PciFunction(const PciFunction&) = delete;
  PciFunction& operator=(const PciFunction&) = delete;

  // Accesses of 1, 2 or 4 bytes; bytes beyond offset 255 read as 0xff and
  // are ignored on write.
  uint32_t config_read(uint16_t offset, uint8_t size) const;
  void config_write(uint16_t offset, uint32_t value, uint8_t size);

  // Current decoded base of I/O BAR `index`; false when it is not decoding.
  // Callable from any thread (a device asks while another vCPU moves the BAR).
  bool io_bar_base(int index, uint16_t* base) const;

 protected:
  void set_interrupt_pin(uint8_t pin, uint8_t line);
  // Declares I/O BAR `index` of `size` bytes (power of two, 4..256) at
  // `base`, decoded on `bus` by `dev`. Returns false if the range is taken.
  bool declare_io_bar(int index, uint16_t size, uint16_t base, IoBus* bus, PortIoDevice* dev);
  // Called (from the config-write path) after BAR `index` stopped decoding
  // at `old_base` (if was_mapped) and started at `new_base` (if mapped).
  virtual void io_bar_moved(int index, bool was_mapped, uint16_t old_base, bool mapped,
                            uint16_t new_base) {}

 private:
  struct IoBar {
    uint16_t size = 0;
    IoBus* bus = nullptr;
    PortIoDevice* dev = nullptr;
    bool mapped = false;
    uint16_t base = 0;
  };
  void put16(uint8_t off, uint16_t v);
  void put32(uint8_t off, uint32_t v);
  uint32_t get32(uint8_t off) const;
  void update_io_bar(int index);

  uint8_t cfg_[256] = {};
  uint8_t wmask_[256] = {};
  // Config accesses are serialised by the config mechanism's lock, but a
  // device reads its BAR's decode state under its own lock: this guards it.
  mutable std::mutex bar_lock_;
  IoBar bars_[pcicfg::kNumBars];
};

}  // namespace kick
