// Legacy virtio-pci transport (see pci_legacy.h).
#include "virtio/pci_legacy.h"

#include <cstdio>
#include <cstring>

#include "kick/epoll_loop.h"

namespace kick {

using namespace vpci;

namespace {
constexpr uint16_t kVirtioVendor = 0x1AF4;
constexpr uint16_t kLegacyDeviceBase = 0x1000;  // legacy device id = 0x1000 + virtio id - 1
// Bounds one service pass; anything added meanwhile came with its own kick.
constexpr unsigned kMaxRequestsPerPass = 1024;

PciIdentity identity_for(const VirtioDevice* d) {
  return PciIdentity{kVirtioVendor,
                     uint16_t(kLegacyDeviceBase + d->virtio_id() - 1),
                     0,
                     d->pci_class(),
                     kVirtioVendor,
                     d->virtio_id()};
}
}  // namespace

VirtioPciLegacy::VirtioPciLegacy(VirtioDevice* dev, const VirtioPciWiring& w)
    : PciFunction(identity_for(dev)), dev_(dev), w_(w) {
  set_interrupt_pin(1, w.gsi);  // INTA
  queues_.assign(dev->num_queues(), Virtqueue(dev->queue_size()));
  queue_live_.assign(dev->num_queues(), 0);
  chain_.segs.reserve(2u * dev->queue_size());
}

bool VirtioPciLegacy::init(std::string* error) {
  if (!declare_io_bar(0, kBarSize, w_.bar0_base, w_.io, this)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "virtio-pci: I/O ports 0x%x-0x%x are already taken",
                  w_.bar0_base, w_.bar0_base + kBarSize - 1);
    *error = buf;
    return false;
  }
  return true;
}

bool VirtioPciLegacy::notify_port(uint16_t* port) const {
  uint16_t base;
  if (!io_bar_base(0, &base)) return false;
  *port = uint16_t(base + kQueueNotify);
  return true;
}

// ---- register block ----

void VirtioPciLegacy::pio_read(uint16_t offset, uint8_t* data, uint8_t size) {
  if (offset >= kConfig) {  // device config is immutable here: no lock needed
    uint32_t n = offset + size <= kBarSize ? size : uint32_t(kBarSize - offset);
    dev_->read_config(offset - kConfig, data, n);
    std::memset(data + n, 0xff, size - n);
    return;
  }
  if (offset == kIsr && size == 1) {  // the interrupt handler's read: never waits for I/O
    data[0] = read_and_clear_isr();
    return;
  }
  std::lock_guard<std::mutex> g(lock_);
  for (uint8_t i = 0; i < size; i++) {
    uint16_t at = uint16_t(offset + i);
    if (at == kIsr) {
      data[i] = read_and_clear_isr();
    } else if (at >= kConfig) {
      uint8_t b = 0xff;
      if (at < kBarSize) dev_->read_config(at - kConfig, &b, 1);
      data[i] = b;
    } else {
      data[i] = read_register_byte(at);
    }
  }
}

uint8_t VirtioPciLegacy::read_register_byte(uint16_t at) {
  uint32_t v = 0;
  uint16_t base = 0;
  if (at < kGuestFeatures) {
    v = dev_->host_features(), base = kHostFeatures;
  } else if (at < kQueuePfn) {
    v = guest_features_, base = kGuestFeatures;
  } else if (at < kQueueSize) {
    v = queue_sel_ < queues_.size() ? queues_[queue_sel_].pfn() : 0, base = kQueuePfn;
  } else if (at < kQueueSelect) {
    v = queue_sel_ < queues_.size() ? queues_[queue_sel_].size() : 0, base = kQueueSize;
  } else if (at < kQueueNotify) {
    v = queue_sel_, base = kQueueSelect;
  } else if (at < kStatus) {
    v = 0, base = kQueueNotify;
  } else {
    v = status_, base = kStatus;
  }
  return uint8_t(v >> (8 * (at - base)));
}

void VirtioPciLegacy::pio_write(uint16_t offset, const uint8_t* data, uint8_t size) {
  uint32_t v = 0;
  std::memcpy(&v, data, size <= 4 ? size : 4);
  if (offset == kQueueNotify && size == 2) {
    // A kick that exited: the kick path hands it off (exit, ioeventfd) or
    // services it here (inline). No device lock: servicing takes it.
    w_.stats->notify_io_exits++;
    if (v < queues_.size()) w_.kick->notify_exited(this, uint16_t(v));
    return;
  }
  std::lock_guard<std::mutex> g(lock_);
  // Only naturally sized accesses to the writable registers do anything.
  if (offset == kGuestFeatures && size == 4) {
    guest_features_ = v & dev_->host_features();
    dev_->set_guest_features(guest_features_);
    for (Virtqueue& q : queues_)
      q.set_indirect_allowed(guest_features_ & virtio::kFRingIndirectDesc);
  } else if (offset == kQueuePfn && size == 4) {
    set_pfn(queue_sel_, v);
  } else if (offset == kQueueSelect && size == 2) {
    queue_sel_ = uint16_t(v);
  } else if (offset == kStatus && size == 1) {
    write_status(uint8_t(v));
  }
}

void VirtioPciLegacy::write_status(uint8_t v) {
  if (v == 0) {
    reset_device();
    return;
  }
  status_ = uint8_t(v | (status_ & virtio::kStatusNeedsReset));  // only a reset clears NEEDS_RESET
}

void VirtioPciLegacy::set_pfn(uint16_t q, uint32_t pfn) {
  if (q >= queues_.size()) return;
  uint16_t port;
  if (queue_live_[q]) {
    w_.kick->queue_deactivated(this, q, 0);
    queue_live_[q] = 0;
  }
  Virtqueue& vq = queues_[q];
  vq.reset();
  if (pfn == 0) return;
  if (!vq.activate(w_.mem, pfn)) {  // ring not wholly inside guest RAM
    mark_needs_reset();
    return;
  }
  vq.set_indirect_allowed(guest_features_ & virtio::kFRingIndirectDesc);
  if (notify_port(&port)) {
    w_.kick->queue_activated(this, q, port);
    queue_live_[q] = 1;
  }
}

void VirtioPciLegacy::reset_device() {
  for (uint16_t q = 0; q < queues_.size(); q++) {
    if (queue_live_[q]) w_.kick->queue_deactivated(this, q, 0);
    queue_live_[q] = 0;
    queues_[q].reset();
  }
  guest_features_ = 0;
  queue_sel_ = 0;
  status_ = 0;
  dev_->reset();
  std::lock_guard<std::mutex> g(irq_lock_);
  isr_ = 0;
  if (line_high_) w_.vm->set_irq_line(w_.gsi, false);
  line_high_ = false;
}

// The device can no longer trust the driver's queue state: flag it and stop
// using that queue until the driver resets the device.
void VirtioPciLegacy::mark_needs_reset() {
  if (status_ & virtio::kStatusNeedsReset) return;
  status_ |= virtio::kStatusNeedsReset;
  w_.stats->device_needs_reset++;
  // Tell a live driver through a config interrupt; before DRIVER_OK nobody
  // would read the ISR and a level line would stay stuck.
  if (status_ & virtio::kStatusDriverOk) raise_isr(kIsrConfig);
}

void VirtioPciLegacy::io_bar_moved(int index, bool was_mapped, uint16_t, bool mapped,
                                   uint16_t new_base) {
  if (index != 0) return;
  std::lock_guard<std::mutex> g(lock_);
  for (uint16_t q = 0; q < queues_.size(); q++) {
    if (queue_live_[q]) w_.kick->queue_deactivated(this, q, 0);
    queue_live_[q] = 0;
    if (mapped && queues_[q].active()) {
      w_.kick->queue_activated(this, q, uint16_t(new_base + kQueueNotify));
      queue_live_[q] = 1;
    }
  }
}

// ---- requests ----

void VirtioPciLegacy::notify_queue(uint16_t queue) {
  service_queue(queue);
}

void VirtioPciLegacy::service_queue(uint16_t q) {
  std::lock_guard<std::mutex> g(lock_);
  if (q >= queues_.size()) return;
  Virtqueue& vq = queues_[q];
  if (!vq.active() || vq.broken()) return;
  unsigned completed = 0;
  while (completed < kMaxRequestsPerPass && !stopping_.load(std::memory_order_relaxed)) {
    Virtqueue::Pop r = vq.pop(&chain_);
    if (r == Virtqueue::Pop::kEmpty) break;
    if (r == Virtqueue::Pop::kBroken) {
      mark_needs_reset();
      break;
    }
    vq.push_used(chain_.head, dev_->handle_request(q, chain_));
    completed++;
  }
  if (completed == 0) return;
  (on_io_thread() ? w_.stats->requests_on_io_thread : w_.stats->requests_on_vcpu) += completed;
  if (vq.driver_wants_interrupt()) raise_isr(kIsrQueue);
}

// ---- interrupts ----

void VirtioPciLegacy::raise_isr(uint8_t bits) {
  std::lock_guard<std::mutex> g(irq_lock_);
  isr_ |= bits;
  if (line_high_) return;
  if (w_.vm->set_irq_line(w_.gsi, true)) w_.stats->interrupts++;
  line_high_ = true;
}

uint8_t VirtioPciLegacy::read_and_clear_isr() {
  std::lock_guard<std::mutex> g(irq_lock_);
  uint8_t v = isr_;
  isr_ = 0;
  if (line_high_) w_.vm->set_irq_line(w_.gsi, false);
  line_high_ = false;
  return v;
}

}  // namespace kick
