// Legacy (0.9.5) virtio-pci transport: a PCI function whose I/O BAR0 holds
// the register block (host/guest features, queue PFN/size/select/notify,
// status, ISR, device config at +20) and whose interrupt is level-triggered
// INTx raised with KVM_IRQ_LINE. Queue notifications go through a KickPath; every mode
// ends in service_queue(), the one place requests are processed and completed.
//
// Threads: register accesses come from vCPU threads; service_queue() runs on
// the I/O thread (exit, ioeventfd) or on a vCPU thread (inline). `lock_`
// serialises queue and device state, so a reset, a new queue PFN or a BAR move
// never overlaps a service pass; a stale eventfd signal after a reset finds
// the queue inactive and does nothing. `irq_lock_` guards ISR + the line so a
// completion racing an ISR read can never lose an interrupt. Lock order:
// lock_, then the kick path's lock (queue_activated), or lock_, then irq_lock_.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "guest_memory.h"
#include "io_bus.h"
#include "kick/kick_path.h"
#include "pci/config_space.h"
#include "stats.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"
#include "vm_ioctls.h"

namespace kick {

namespace vpci {
constexpr uint16_t kHostFeatures = 0, kGuestFeatures = 4, kQueuePfn = 8, kQueueSize = 12,
                   kQueueSelect = 14, kQueueNotify = 16, kStatus = 18, kIsr = 19, kConfig = 20;
constexpr uint16_t kBarSize = 0x100;
constexpr uint8_t kIsrQueue = 1, kIsrConfig = 2;
}  // namespace vpci

struct VirtioPciWiring {
  const GuestMemory* mem;
  IoBus* io;
  VmIoctls* vm;
  VmmStats* stats;
  KickPath* kick;
  uint8_t gsi;         // the INTx line, also shown as the Interrupt Line
  uint16_t bar0_base;  // initial I/O BAR0, 0x100-aligned
};

class VirtioPciLegacy : public PciFunction, public PortIoDevice, public QueueNotifyTarget {
 public:
  VirtioPciLegacy(VirtioDevice* dev, const VirtioPciWiring& w);
  // Maps BAR0.
  bool init(std::string* error);
  // Ends service passes early: checked between requests (see PciPlatform::request_stop).
  void request_stop() { stopping_.store(true); }

  void pio_read(uint16_t offset, uint8_t* data, uint8_t size) override;
  void pio_write(uint16_t offset, const uint8_t* data, uint8_t size) override;
  void notify_queue(uint16_t queue) override;

  // Drains `queue`, completes every request, interrupts if the driver wants it.
  void service_queue(uint16_t queue);

 protected:
  void io_bar_moved(int index, bool was_mapped, uint16_t old_base, bool mapped,
                    uint16_t new_base) override;

 private:
  uint8_t read_register_byte(uint16_t offset);  // caller holds lock_
  void write_status(uint8_t v);                 // caller holds lock_
  void set_pfn(uint16_t queue, uint32_t pfn);   // caller holds lock_
  void reset_device();                          // caller holds lock_
  void mark_needs_reset();                      // caller holds lock_
  void raise_isr(uint8_t bits);
  uint8_t read_and_clear_isr();
  bool notify_port(uint16_t* port) const;

  VirtioDevice* dev_;
  VirtioPciWiring w_;
  std::mutex lock_;
  std::atomic<bool> stopping_{false};
  std::vector<Virtqueue> queues_;
  std::vector<uint8_t> queue_live_;  // ioeventfd registered for the queue (kick path told)
  DescChain chain_;                  // scratch, reused per request
  uint32_t guest_features_ = 0;
  uint16_t queue_sel_ = 0;
  uint8_t status_ = 0;

  std::mutex irq_lock_;
  uint8_t isr_ = 0;
  bool line_high_ = false;
};

}  // namespace kick
