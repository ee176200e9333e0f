// The kick floor: the cheapest doorbell a VMM could possibly have. A bare
// real-mode guest executes `out dx, ax` (2 bytes, value 0) to the notify port
// N times, then writes the batch marker port. In exit mode every kick comes
// back to this loop as KVM_EXIT_IO; in ioeventfd mode a KVM_IOEVENTFD (PIO,
// len 2, datamatch 0) absorbs it in the kernel and a thread drains the eventfd.
// kickvmm's doorbell cost is judged against this.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "kvm.h"
#include "mini_vm.h"

namespace kick {

// The legacy virtio-pci queue-notify register (BAR0 + 16) of kickvmm's block device, whose
// I/O BAR sits at 0x6200, so the floor exits on the very port the doorbell uses.
constexpr uint16_t kFloorNotifyPort = 0x6210;

struct FloorCounters {
  uint64_t batches = 0;
  uint64_t kicks = 0;            // guest doorbell writes issued (kicks_per_batch x batches)
  uint64_t io_exits = 0;         // KVM_EXIT_IO on the notify port
  uint64_t exits = 0;            // all exits to userspace, batch markers included
  uint64_t eventfd_wakeups = 0;  // drain thread wake-ups
  uint64_t eventfd_signals = 0;  // sum of eventfd counter values read
  double vcpu_cpu_seconds = 0;
};

class FloorVm {
 public:
  static std::unique_ptr<FloorVm> create(bool ioeventfd, uint32_t kicks_per_batch,
                                         std::string* error);
  ~FloorVm();
  // Runs the guest until its next batch marker. False + error on failure.
  bool run_batch(std::string* error);
  // Drain-thread counters are exact once close() has run.
  FloorCounters counters() const;
  void close();
  uint32_t kicks_per_batch() const { return kicks_per_batch_; }

 private:
  FloorVm() = default;
  void drain_main();
  KvmSystem sys_;
  MiniVm vm_;
  bool ioeventfd_ = false;
  uint32_t kicks_per_batch_ = 0;
  Fd kick_fd_, stop_fd_;
  std::thread drain_;
  bool closed_ = false;
  uint64_t batches_ = 0, io_exits_ = 0, exits_ = 0;
  double cpu_seconds_ = 0;
  std::atomic<uint64_t> wakeups_{0}, signals_{0};
};

struct FloorResult {
  bool ioeventfd = false;
  uint64_t kicks = 0;
  double seconds = 0;
  double ns_per_kick = 0;
  FloorCounters counters;  // measured batches only (no warm-up)
  std::string kvm_kind;
};

// Warm-up batch, then `kicks` kicks in batches of up to 10000.
bool run_floor(bool ioeventfd, uint64_t kicks, FloorResult* out, std::string* error);
std::string floor_to_json(const FloorResult& r);

}  // namespace kick
