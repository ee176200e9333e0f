// What a virtio device type (blk, ...) provides to the transport: identity,
// features, config space and the handling of one request chain. The
// transport owns queues, status, ISR and interrupts.
#pragma once
#include <cstdint>

#include "virtio/virtqueue.h"

namespace kick {

namespace virtio {
constexpr uint8_t kStatusAck = 1, kStatusDriver = 2, kStatusDriverOk = 4, kStatusFeaturesOk = 8,
                  kStatusNeedsReset = 64, kStatusFailed = 128;
constexpr uint32_t kFRingIndirectDesc = 1u << 28;
}  // namespace virtio

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;
  virtual uint16_t virtio_id() const = 0;  // e.g. 2 = block
  virtual uint32_t pci_class() const = 0;  // class << 16 | subclass << 8 | prog-if
  virtual uint16_t num_queues() const = 0;
  virtual uint16_t queue_size() const = 0;
  virtual uint32_t host_features() const = 0;  // bits 0-31 (legacy sees no more)
  virtual void set_guest_features(uint32_t features) = 0;
  // Device-specific config space; bytes past its end read as 0.
  virtual void read_config(uint32_t offset, uint8_t* data, uint32_t size) const = 0;
  // Handles one popped chain (valid or not) and returns the used length.
  virtual uint32_t handle_request(uint16_t queue, const DescChain& chain) = 0;
  virtual void reset() = 0;
};

}  // namespace kick
