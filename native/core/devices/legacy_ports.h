// The PC ports Linux touches that kickvmm has no device behind: claimed so
// they read a benign value instead of 0xff and never show up as unhandled.
//   0x80 (POST / io delay), DMA controllers and page registers, 0xED,
//   0xF0-0xF1 (FPU error), parallel ports, VGA CRTC index/data, fw_cfg,
//   0x92 (system control port A: reads 0x02 = A20 enabled),
//   0x70-0x71 CMOS RTC: host wall-clock time, never "update in progress".
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "io_bus.h"

namespace kick {

// A range that swallows writes and reads back one fixed byte.
class FixedPorts : public PortIoDevice {
 public:
  explicit FixedPorts(uint8_t read_value) : value_(read_value) {}
  void pio_read(uint16_t, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t, const uint8_t*, uint8_t) override {}

 private:
  uint8_t value_;
};

// CMOS at 0x70 (index) / 0x71 (data): the clock registers in BCD, 24-hour.
class CmosRtc : public PortIoDevice {
 public:
  void pio_read(uint16_t offset, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) override;
  uint8_t read_register(uint8_t index) const;

 private:
  uint8_t index_ = 0;
  uint8_t ram_[128] = {};
};

class LegacyPorts {
 public:
  // Returns false if some range is already taken.
  bool attach(IoBus& bus);

 private:
  std::vector<std::unique_ptr<PortIoDevice>> devices_;
};

}  // namespace kick
