// Quiet stubs for legacy PC ports (see legacy_ports.h).
#include "legacy_ports.h"

#include <cstring>
#include <ctime>

namespace kick {

void FixedPorts::pio_read(uint16_t, uint8_t* data, uint8_t size) {
  std::memset(data, value_, size);
}

namespace {
uint8_t bcd(int v) {
  return uint8_t(((v / 10) << 4) | (v % 10));
}
}  // namespace

uint8_t CmosRtc::read_register(uint8_t index) const {
  std::time_t now = std::time(nullptr);
  std::tm t;
  gmtime_r(&now, &t);
  switch (index) {
    case 0x00:
      return bcd(t.tm_sec);
    case 0x02:
      return bcd(t.tm_min);
    case 0x04:
      return bcd(t.tm_hour);
    case 0x06:
      return bcd(t.tm_wday + 1);
    case 0x07:
      return bcd(t.tm_mday);
    case 0x08:
      return bcd(t.tm_mon + 1);
    case 0x09:
      return bcd(t.tm_year % 100);
    case 0x32:
      return bcd(19 + t.tm_year / 100);  // century
    case 0x0a:
      return 0x26;  // divider on, 1024 Hz; bit 7 (update in progress) clear
    case 0x0b:
      return 0x02;  // 24-hour, BCD, no interrupts
    case 0x0c:
      return 0x00;  // no interrupt flags
    case 0x0d:
      return 0x80;  // battery good
    default:
      return ram_[index & 0x7f];
  }
}

void CmosRtc::pio_read(uint16_t offset, uint8_t* data, uint8_t size) {
  for (uint8_t i = 0; i < size; i++) data[i] = (offset + i == 1) ? read_register(index_) : 0xff;
}

void CmosRtc::pio_write(uint16_t offset, const uint8_t* data, uint8_t size) {
  for (uint8_t i = 0; i < size; i++) {
    if (offset + i == 0) {
      index_ = data[i] & 0x7f;  // bit 7 is the NMI mask
    } else if (offset + i == 1 && index_ >= 0x0e) {
      ram_[index_] = data[i];  // clock registers stay host time
    }
  }
}

bool LegacyPorts::attach(IoBus& bus) {
  struct Stub {
    uint16_t base, len;
    uint8_t value;
  };
  static const Stub kStubs[] = {
      {0x00, 0x10, 0x00},  // DMA 1
      {0x80, 0x10, 0x00},  // POST code / DMA page registers
      {0x92, 1, 0x02},     // system control A: A20 on
      {0xc0, 0x20, 0x00},  // DMA 2
      {0xed, 1, 0x00},     // alternative io-delay port
      {0xf0, 2, 0x00},     // FPU error
      {0x278, 3, 0xff},    // LPT2: absent
      {0x378, 3, 0xff},    // LPT1: absent
      {0x3bc, 3, 0xff},    // LPT (MDA): absent
      {0x3d4, 2, 0x00},    // VGA CRTC
      {0x510, 2, 0x00},    // fw_cfg: absent
  };
  for (const Stub& s : kStubs) {
    devices_.push_back(std::make_unique<FixedPorts>(s.value));
    if (!bus.add(s.base, s.len, devices_.back().get())) return false;
  }
  devices_.push_back(std::make_unique<CmosRtc>());
  return bus.add(0x70, 2, devices_.back().get());
}

}  // namespace kick
