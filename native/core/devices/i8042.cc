// i8042 reset-only model (see i8042.h).
#include "i8042.h"

#include <cstring>

namespace kick {

bool I8042::attach(IoBus& bus) {
  data_.owner = this;
  command_.owner = this;
  command_.command = true;
  return bus.add(kDataPort, 1, &data_) && bus.add(kCommandPort, 1, &command_);
}

// Direct use (offset 0 = data, 4 = command), e.g. when registered as one range.
void I8042::pio_read(uint16_t offset, uint8_t* data, uint8_t size) {
  std::memset(data, 0, size);
}

void I8042::pio_write(uint16_t offset, const uint8_t* data, uint8_t size) {
  if (offset == kCommandPort - kDataPort && size >= 1 && data[0] == kResetCommand && on_reset_)
    on_reset_();
}

void I8042::Port::pio_read(uint16_t, uint8_t* data, uint8_t size) {
  std::memset(data, 0, size);
}

void I8042::Port::pio_write(uint16_t, const uint8_t* data, uint8_t size) {
  if (command) owner->pio_write(kCommandPort - kDataPort, data, size);
}

}  // namespace kick
