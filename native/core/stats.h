// Counters the VMM keeps for one VM. Written from the vCPU and I/O threads,
// so every counter is atomic; serialised once at exit by stats_to_json().
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "kick/kick_mode.h"

namespace kick {

// Version of what the kick modes mean, written into the stats JSON:
// 1 = exit mode serviced the queue on the vCPU thread (today's "inline");
// 2 = exit hands the queue to the I/O thread, and "inline" exists.
constexpr int kArmSemantics = 2;

struct VmmStats {
  KickMode mode = KickMode::Exit;
  // Exits to userspace by reason.
  std::atomic<uint64_t> exit_io{0}, exit_mmio{0}, exit_hlt{0}, exit_shutdown{0},
      exit_internal_error{0}, exit_system_event{0}, exit_intr{0}, exit_other{0};
  // io exits that hit a virtio queue-notify register (the "kick as exit").
  std::atomic<uint64_t> notify_io_exits{0};
  // io exits by port (every KVM_EXIT_IO, batch markers included): one
  // counter per possible port, so the vCPU loop counts without a lock.
  std::unique_ptr<std::atomic<uint64_t>[]> io_exits_by_port {
    new std::atomic<uint64_t>[ 65536 ]()
  };
  // Queue notifications the device saw, whichever path delivered them.
  std::atomic<uint64_t> kicks{0};
  // epoll wake-ups of the I/O thread caused by a queue's eventfd (signalled
  // by KVM in ioeventfd mode, by the vCPU's hand-off in exit mode), and the
  // sum of eventfd counter values read (kicks coalesced into one wake-up).
  std::atomic<uint64_t> eventfd_wakeups{0}, eventfd_signals{0};
  // virtio-blk requests by the kind of thread that serviced them.
  std::atomic<uint64_t> requests_on_vcpu{0}, requests_on_io_thread{0};
  // virtio-blk requests completed, by outcome, and bytes moved.
  std::atomic<uint64_t> requests{0}, requests_read{0}, requests_write{0}, requests_flush{0},
      requests_get_id{0}, requests_unsupported{0}, requests_ioerr{0};
  std::atomic<uint64_t> bytes_read{0}, bytes_written{0};
  // Malformed descriptor chains / queue state rejected (hostile or buggy guest).
  std::atomic<uint64_t> bad_descriptors{0}, device_needs_reset{0};
  // Interrupts injected to the guest (INTx assertions).
  std::atomic<uint64_t> interrupts{0};
  // Filled in at exit by the platform.
  double wall_seconds = 0, vcpu_cpu_seconds = 0, io_thread_cpu_seconds = 0;
  // Summed over the VM's vCPU threads while they ran the guest (getrusage).
  uint64_t vcpu_voluntary_switches = 0, vcpu_involuntary_switches = 0;
  uint64_t tsc_khz = 0;
  std::string kvm_kind;                            // "hardware" | "emulating" | "unknown"
  std::string exit_reason;                         // "clean" | "timeout" | "crash" | "error"
  std::string exit_detail;                         // one line
  std::map<std::string, uint64_t> kvm_vcpu_stats;  // KVM_GET_STATS_FD, name -> value
};

std::string stats_to_json(const VmmStats& s);

}  // namespace kick
