// Port-I/O dispatch: the vCPU loop hands every KVM_EXIT_IO access here, and
// devices claim port ranges. Ranges can move (a guest may reprogram a PCI
// I/O BAR), so the bus is a small sorted table rather than a fixed array.
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

namespace kick {

class PortIoDevice {
 public:
  virtual ~PortIoDevice() = default;
  // `offset` is relative to the base the device registered; size is 1, 2 or 4.
  virtual void pio_read(uint16_t offset, uint8_t* data, uint8_t size) = 0;
  virtual void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) = 0;
};

class IoBus {
 public:
  // Claims [base, base+len). Returns false if it overlaps an existing range.
  bool add(uint16_t base, uint16_t len, PortIoDevice* dev);
  // Removes the range that starts at `base` and belongs to `dev`.
  void remove(uint16_t base, PortIoDevice* dev);
  // Returns false when nobody owns the port (reads then see 0xff bytes).
  bool read(uint16_t port, uint8_t* data, uint8_t size);
  bool write(uint16_t port, const uint8_t* data, uint8_t size);

 private:
  struct Range {
    uint16_t base;
    uint16_t len;
    PortIoDevice* dev;
  };
  PortIoDevice* find(uint16_t port, uint16_t* offset);
  std::mutex
      lock_;  // BAR moves come from the vCPU thread; lookups too, but keep it safe for N vCPUs
  std::vector<Range> ranges_;
};

}  // namespace kick
