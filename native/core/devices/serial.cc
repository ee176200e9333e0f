// 16550A UART model (see serial.h). Bytes leave the moment they are written,
// so THR is always empty and the THRE interrupt is pending exactly while IER
// enables it: enabling THRI raises IRQ 4 at once (Linux's THRE test and IRQ
// probing need that), a THR write never re-raises it (re-asserting per byte
// makes the guest take an interrupt per burst it already handled), and the
// line drops when the driver's stop_tx clears IER.THRI. The line is only
// re-driven on a change.
#include "serial.h"

namespace kick {

namespace {
constexpr uint8_t IER_RDI = 0x01, IER_THRI = 0x02;
constexpr uint8_t IIR_NONE = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04;
constexpr uint8_t LCR_DLAB = 0x80;
constexpr uint8_t MCR_LOOP = 0x10;
constexpr uint8_t LSR_DR = 0x01;
}  // namespace

uint8_t Serial8250::iir() const {
  uint8_t fifo = fifo_enabled_ ? 0xc0 : 0;
  if ((ier_ & IER_RDI) && rx_ready_) return IIR_RDI | fifo;
  if (ier_ & IER_THRI) return IIR_THRI | fifo;  // THR is always empty
  return IIR_NONE | fifo;
}

void Serial8250::update_irq() {
  bool level = (iir() & IIR_NONE) == 0;
  if (level == line_) return;
  line_ = level;
  if (irq_) irq_->set_irq_line(kGsi, level);
}

uint8_t Serial8250::read_reg(uint16_t off) {
  switch (off) {
    case 0:
      if (lcr_ & LCR_DLAB) return dll_;
      rx_ready_ = false;
      return rbr_;
    case 1:
      return (lcr_ & LCR_DLAB) ? dlm_ : ier_;
    case 2:
      return iir();
    case 3:
      return lcr_;
    case 4:
      return mcr_;
    case 5:
      return uint8_t(lsr_ | (rx_ready_ ? LSR_DR : 0));
    case 6:
      if (mcr_ & MCR_LOOP) {  // loopback: modem inputs mirror the outputs
        return uint8_t(((mcr_ & 0x02) << 3) | ((mcr_ & 0x01) << 5) | ((mcr_ & 0x0c) << 4));
      }
      return msr_;
    case 7:
      return scr_;
  }
  return 0xff;
}

void Serial8250::write_reg(uint16_t off, uint8_t v) {
  switch (off) {
    case 0:
      if (lcr_ & LCR_DLAB) {
        dll_ = v;
        return;
      }
      if (mcr_ & MCR_LOOP) {
        rbr_ = v;
        rx_ready_ = true;
      } else if (sink_) {
        sink_(v);
      }
      return;
    case 1:
      if (lcr_ & LCR_DLAB) {
        dlm_ = v;
        return;
      }
      ier_ = v & 0x0f;  // update_irq() re-evaluates the line after every write
      return;
    case 2:  // FCR
      fifo_enabled_ = (v & 0x01) != 0;
      if (v & 0x02) rx_ready_ = false;  // clear RX FIFO
      return;
    case 3:
      lcr_ = v;
      return;
    case 4:
      mcr_ = v & 0x1f;
      return;
    case 5:
      return;  // LSR is read-only (factory test only)
    case 6:
      return;
    case 7:
      scr_ = v;
      return;
  }
}

void Serial8250::pio_read(uint16_t offset, uint8_t* data, uint8_t size) {
  std::lock_guard<std::mutex> g(lock_);
  for (uint8_t i = 0; i < size; i++) data[i] = (offset + i < kPorts) ? read_reg(offset + i) : 0xff;
  update_irq();
}

void Serial8250::pio_write(uint16_t offset, const uint8_t* data, uint8_t size) {
  std::lock_guard<std::mutex> g(lock_);
  for (uint8_t i = 0; i < size; i++)
    if (offset + i < kPorts) write_reg(offset + i, data[i]);
  update_irq();
}

}  // namespace kick
