// The kick floor: kickvmm's doorbell with no device behind it. The guest is
// built like the probe guest running its doorbell workload: long mode on
// identity-mapped 2 MiB pages, the in-kernel irqchip and PIT, CPUID, MSRs and
// LAPIC set up as kickvmm sets them, and the same `out dx, ax; dec ecx; jnz`
// loop writing queue index 0 to the same notify port N times before it writes
// the batch marker port. Each kick takes the same KickPath kickvmm uses (exit:
// handed to the epoll I/O thread; ioeventfd: signalled by KVM to that thread;
// inline: consumed on the vCPU thread), but servicing does nothing. kickvmm's
// doorbell cost over this floor is what its device model and run loop add.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "kick/kick_path.h"
#include "kvm.h"
#include "stats.h"

namespace kick {

// The legacy virtio-pci queue-notify register (BAR0 + 16) of kickvmm's block
// device, whose I/O BAR sits at 0x6200: the floor kicks the very same port.
constexpr uint16_t kFloorNotifyPort = 0x6210;

struct FloorCounters {
  uint64_t batches = 0;
  uint64_t kicks = 0;            // guest doorbell writes issued (kicks_per_batch x batches)
  uint64_t io_exits = 0;         // KVM_EXIT_IO on the notify port
  uint64_t exits = 0;            // all exits to userspace, batch markers included
  uint64_t eventfd_wakeups = 0;  // I/O thread wake-ups
  uint64_t eventfd_signals = 0;  // sum of eventfd counter values read
  double vcpu_cpu_seconds = 0;
  uint64_t vcpu_voluntary_switches = 0, vcpu_involuntary_switches = 0;
};

class FloorVm {
 public:
  static std::unique_ptr<FloorVm> create(KickMode mode, uint32_t kicks_per_batch,
                                         std::string* error);
  ~FloorVm();
  // Runs the guest until its next batch marker. False + error on failure.
  bool run_batch(std::string* error);
  // I/O thread counters are exact once close() has run.
  FloorCounters counters() const;
  void close();
  KickMode mode() const { return mode_; }
  uint32_t kicks_per_batch() const { return kicks_per_batch_; }

 private:
  // The device side of the floor: a queue with nothing on it.
  struct NothingToService : QueueNotifyTarget {
    void notify_queue(uint16_t) override {}
  };

  FloorVm() = default;
  bool init(std::string* error);

  KickMode mode_ = KickMode::Exit;
  uint32_t kicks_per_batch_ = 0;
  KvmSystem sys_;
  KvmVm vm_;
  void* ram_map_ = nullptr;
  uint64_t ram_map_size_ = 0;
  std::unique_ptr<KvmVcpu> vcpu_;
  VmmStats stats_;  // the kick path's counters
  NothingToService target_;
  std::unique_ptr<KickPath> kick_;  // after target_: stopped before it goes
  bool closed_ = false;
  uint64_t batches_ = 0, io_exits_ = 0, exits_ = 0;
  double cpu_seconds_ = 0;
  uint64_t voluntary_ = 0, involuntary_ = 0;
};

struct FloorResult {
  KickMode mode = KickMode::Exit;
  uint64_t kicks = 0;
  double seconds = 0;
  double ns_per_kick = 0;
  FloorCounters counters;  // measured batches only (no warm-up)
  std::string kvm_kind;
};

// Warm-up batch, then `kicks` kicks in batches of up to 10000.
bool run_floor(KickMode mode, uint64_t kicks, FloorResult* out, std::string* error);
std::string floor_to_json(const FloorResult& r);

}  // namespace kick
