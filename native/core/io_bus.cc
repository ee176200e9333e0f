// Port-I/O dispatch table (see io_bus.h).
#include "io_bus.h"

#include <algorithm>
#include <cstring>

namespace kick {

bool IoBus::add(uint16_t base, uint16_t len, PortIoDevice* dev) {
  if (len == 0 || !dev || uint32_t(base) + len > 0x10000) return false;
  std::lock_guard<std::mutex> g(lock_);
  for (const Range& r : ranges_) {
    if (base < uint32_t(r.base) + r.len && r.base < uint32_t(base) + len) return false;
  }
  Range nr{base, len, dev};
  auto pos = std::lower_bound(ranges_.begin(), ranges_.end(), nr,
                              [](const Range& a, const Range& b) { return a.base < b.base; });
  ranges_.insert(pos, nr);
  return true;
}

void IoBus::remove(uint16_t base, PortIoDevice* dev) {
  std::lock_guard<std::mutex> g(lock_);
  ranges_.erase(std::remove_if(ranges_.begin(), ranges_.end(),
                               [&](const Range& r) { return r.base == base && r.dev == dev; }),
                ranges_.end());
}

// Caller holds lock_. Ranges are sorted and disjoint: binary search for the
// last range starting at or below `port`.
PortIoDevice* IoBus::find(uint16_t port, uint16_t* offset) {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), port,
                             [](uint16_t p, const Range& r) { return p < r.base; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  if (uint32_t(port) >= uint32_t(it->base) + it->len) return nullptr;
  *offset = uint16_t(port - it->base);
  return it->dev;
}

bool IoBus::read(uint16_t port, uint8_t* data, uint8_t size) {
  PortIoDevice* dev;
  uint16_t off = 0;
  {
    std::lock_guard<std::mutex> g(lock_);
    dev = find(port, &off);
  }
  if (!dev) {
    std::memset(data, 0xff, size);
    return false;
  }
  dev->pio_read(off, data, size);
  return true;
}

bool IoBus::write(uint16_t port, const uint8_t* data, uint8_t size) {
  PortIoDevice* dev;
  uint16_t off = 0;
  {
    std::lock_guard<std::mutex> g(lock_);
    dev = find(port, &off);
  }
  if (!dev) return false;
  dev->pio_write(off, data, size);
  return true;
}

}  // namespace kick
