// Just enough of the PS/2 controller for a guest to end the VM: port 0x64
// reads 0 (input buffer empty, so `reboot=k` goes ahead at once) and a write
// of 0xFE (pulse reset line) reports "guest finished". Port 0x60 reads 0.
#pragma once
#include <cstdint>
#include <functional>

#include "io_bus.h"

namespace kick {

class I8042 : public PortIoDevice {
 public:
  static constexpr uint16_t kDataPort = 0x60;
  static constexpr uint16_t kCommandPort = 0x64;
  static constexpr uint8_t kResetCommand = 0xfe;

  explicit I8042(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}
  // Registers both ports (each a 1-port range; 0x61-0x63 belong to others).
  bool attach(IoBus& bus);

  void pio_read(uint16_t offset, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) override;

 private:
  // Two single-port ranges share one device; remember which one a call came through.
  struct Port : PortIoDevice {
    I8042* owner = nullptr;
    bool command = false;
    void pio_read(uint16_t, uint8_t* data, uint8_t size) override;
    void pio_write(uint16_t, const uint8_t* data, uint8_t size) override;
  };
  Port data_, command_;
  std::function<void()> on_reset_;
};

}  // namespace kick
