// The PCI side of the machine, as one narrow API for the platform code:
// PCI configuration mechanism #1 (0xCF8/0xCFC), a host bridge at 00:00.0 and
// one legacy virtio-pci block device at 00:01.0, wired to the chosen kick path.
// Everything behind this header (pci.cc, virtio/*.cc, kick/*.cc) is the
// device side; the platform only creates it, starts/stops it and asks for
// the interrupt routing it must describe in the MP table.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guest_memory.h"
#include "io_bus.h"
#include "stats.h"
#include "vm_ioctls.h"

namespace kick {

struct PciPlatformConfig {
  std::string disk_path;  // raw image, or a block device (the nested rig uses /dev/vda)
  bool readonly = false;
  KickMode mode = KickMode::Exit;
};

// One INTx route: PCI device `slot`, interrupt pin (1 = INTA) raised on `gsi`.
struct PciIrqRoute {
  uint8_t bus;
  uint8_t slot;
  uint8_t pin;
  uint8_t gsi;
};

class PciPlatform {
 public:
  virtual ~PciPlatform() = default;
  // Registers the config ports and the devices' BARs on `io`. Returns nullptr
  // and fills `error` (one line) on failure, e.g. an unreadable disk.
  static std::unique_ptr<PciPlatform> create(const PciPlatformConfig& cfg, const GuestMemory& mem,
                                             IoBus& io, VmIoctls& vm, VmmStats& stats,
                                             std::string* error);
  virtual std::vector<PciIrqRoute> irq_routes() const = 0;
  // Starts the I/O thread (exit and ioeventfd modes). Call before the first KVM_RUN.
  virtual bool start(std::string* error) = 0;
  // Stops and joins the I/O thread(s); safe to call twice. Adds the I/O
  // threads' CPU time to stats.io_thread_cpu_seconds.
  virtual void stop() = 0;
  // The VM is ending (timeout, signal, guest finished): a queue service pass
  // stops at the next request instead of draining a long ring first.
  // Callable from any thread, any number of times.
  virtual void request_stop() = 0;
};

}  // namespace kick
