// A split virtqueue in the legacy layout (descriptor table and available
// ring at PFN*4096, used ring at the next 4096 boundary), treating every
// ring field as hostile: the ring must lie inside guest RAM to activate,
// descriptor indexes must be < the queue size, chains are bounded by the
// table size (catches loops), buffers must lie inside RAM and put readable
// before writable, and an available index that runs more than a queue's
// worth ahead breaks the queue until the driver resets the device.
#pragma once
#include <cstdint>
#include <vector>

#include "guest_memory.h"

namespace kick {

namespace vring {
constexpr uint16_t kDescNext = 1, kDescWrite = 2, kDescIndirect = 4;
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint64_t kLegacyAlign = 4096;
}  // namespace vring

struct DescSegment {
  uint64_t gpa;
  uint32_t len;
  bool writable;
};

// One popped request, already validated segment by segment.
struct DescChain {
  uint16_t head = 0;
  std::vector<DescSegment> segs;  // in chain order; only buffers inside RAM
  uint64_t readable_bytes = 0, writable_bytes = 0;
  const char* error = nullptr;  // first problem found; nullptr = well-formed
  // The chain's last byte, usable as a status byte: the final descriptor was
  // reached, is device-writable, non-empty and inside RAM.
  bool status_ok = false;
  uint64_t status_gpa = 0;
};

class Virtqueue {
 public:
  explicit Virtqueue(uint16_t size) : size_(size) {}

  uint16_t size() const { return size_; }
  // Legacy-layout footprint of a ring of `size` entries.
  static uint64_t used_offset(uint16_t size);
  static uint64_t ring_bytes(uint16_t size);

  // Points the queue at PFN*4096. False (queue stays inactive) if the whole
  // ring does not fit inside guest RAM or pfn is 0.
  bool activate(const GuestMemory* mem, uint32_t pfn);
  void reset();
  void set_indirect_allowed(bool on) { indirect_ok_ = on; }

  bool active() const { return active_; }
  bool broken() const { return broken_; }
  uint32_t pfn() const { return active_ ? pfn_ : 0; }

  enum class Pop { kEmpty, kChain, kBroken };
  // Takes the next available chain into `out`. kBroken means the available
  // index is inconsistent; the queue then stays broken until reset().
  Pop pop(DescChain* out);
  // Publishes one used element (release-ordered after the element).
  void push_used(uint16_t id, uint32_t len);
  // After publishing: does the driver want an interrupt (no NO_INTERRUPT)?
  bool driver_wants_interrupt() const;

 private:
  void walk(uint16_t head, DescChain* out) const;

  const GuestMemory* mem_ = nullptr;
  uint16_t size_;
  bool active_ = false, broken_ = false, indirect_ok_ = false;
  uint32_t pfn_ = 0;
  uint8_t* desc_ = nullptr;  // host pointers, valid for the queue's footprint
  uint8_t* avail_ = nullptr;
  uint8_t* used_ = nullptr;
  uint16_t last_avail_ = 0, used_idx_ = 0;
};

}  // namespace kick
