// A 16550A UART as ttyS0 (0x3f8, IRQ 4): output only (plus loopback).
// Transmission is instant, so THR is always empty; what matters is the THRE
// interrupt, because Linux's tty layer only sends more bytes from it.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>

#include "io_bus.h"
#include "vm_ioctls.h"

namespace kick {

class Serial8250 : public PortIoDevice {
 public:
  static constexpr uint16_t kBase = 0x3f8;
  static constexpr uint16_t kPorts = 8;
  static constexpr uint32_t kGsi = 4;

  using Sink = std::function<void(uint8_t byte)>;
  // `irq` may be null (no interrupt line, e.g. in tests).
  Serial8250(VmIoctls* irq, Sink sink) : irq_(irq), sink_(std::move(sink)) {}

  void pio_read(uint16_t offset, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) override;

  bool irq_level() const { return line_; }

 private:
  uint8_t read_reg(uint16_t offset);
  void write_reg(uint16_t offset, uint8_t v);
  uint8_t iir() const;
  void update_irq();

  VmIoctls* irq_;
  Sink sink_;
  std::mutex lock_;
  uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0x08 /* OUT2 */, scr_ = 0, dll_ = 0x0c, dlm_ = 0;
  uint8_t lsr_ = 0x60;  // THRE | TEMT: the transmitter is always idle
  uint8_t msr_ = 0xb0;  // DCD | DSR | CTS
  bool fifo_enabled_ = false;
  bool rx_ready_ = false;  // loopback byte waiting in RBR
  uint8_t rbr_ = 0;
  bool line_ = false;
};

}  // namespace kick
