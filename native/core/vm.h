// The machine: one KVM VM with guest RAM at GPA 0, the in-kernel irqchip and
// PIT, ttyS0, the i8042 reset line, legacy port stubs and the PCI/virtio side,
// booted through boot.h, with one thread per vCPU. The BSP runs on whichever
// thread calls run(), so a caller can re-enter the same VM batch after batch.
#pragma once
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "boot/boot.h"
#include "guest_memory.h"
#include "io_bus.h"
#include "kvm.h"
#include "pci_platform.h"
#include "stats.h"

namespace kick {

// A guest write (any value, any size) to this port hands control back to the
// caller of Vm::run(): the probe guest's doorbell workload marks batch ends with it.
constexpr uint16_t kBatchMarkerPort = 0x504;

// Guest RAM must stay below the 32-bit PCI/MMIO hole.
constexpr uint64_t kMmioHoleStart = 0xC0000000ull;
constexpr uint32_t kMinMemMiB = 16;
constexpr uint32_t kMaxMemMiB = uint32_t(kMmioHoleStart >> 20);
constexpr uint32_t kMaxCpus = 32;

// Fixed system addresses below 4 GiB, above the MMIO hole's devices.
constexpr uint64_t kIdentityMapAddr = 0xfffbc000ull;
constexpr uint64_t kTssAddr = 0xfffbd000ull;

// The command line used when none is given: serial console, no ACPI, PCI
// through conf1, and "reboot" that ends the VM through the i8042.
extern const char* const kDefaultCmdline;

struct VmConfig {
  std::string kernel_path;
  std::string initrd_path;  // empty: none
  std::string disk_path;
  std::string cmdline;  // empty: kDefaultCmdline
  bool readonly = false;
  KickMode mode = KickMode::Exit;
  uint32_t mem_mib = 256;
  uint32_t cpus = 1;
  BootProtocol boot = BootProtocol::Auto;
  double timeout_seconds = 0;  // 0: none
  // Guest serial output. Null: written to stdout line by line.
  std::function<void(const char* data, size_t len)> console;
  // Classify KVM (hardware vs instruction-emulating) with a tiny throwaway VM.
  bool detect_kvm_kind = true;
};

enum class VmEnd { None, Clean, Error, Crash, Timeout };
// The process exit status for an end state: 0 clean, 1 error, 2 crash, 3 timeout.
int vm_end_exit_code(VmEnd end);
const char* vm_end_name(VmEnd end);  // "clean" | "error" | "crash" | "timeout" ("running": None)

// Everything that can be checked without /dev/kvm: memory size, vCPU count,
// kernel (via inspect_kernel), initrd and disk. One-line error.
bool validate_vm_config(const VmConfig& cfg, std::string* error);

// Scans guest console output line by line for the probe's end marker and a
// Linux panic, and forwards the bytes to the configured sink.
class ConsoleMonitor {
 public:
  explicit ConsoleMonitor(std::function<void(const char*, size_t)> sink);
  ~ConsoleMonitor();
  void put(uint8_t byte);
  void flush();
  bool saw_end_marker() const { return end_marker_.load(); }
  bool saw_panic() const { return panic_.load(); }
  std::string panic_line() const;

 private:
  void flush_locked();
  std::function<void(const char*, size_t)> sink_;
  mutable std::mutex lock_;
  std::string pending_;  // not yet forwarded
  std::string line_;     // current line, for the scans (bounded)
  std::string panic_line_;
  std::atomic<bool> end_marker_{false}, panic_{false};
};

class Vm {
 public:
  enum class Event { BatchMarker, Ended };

  static std::unique_ptr<Vm> create(const VmConfig& cfg, std::string* error);
  ~Vm();

  // Runs the guest until the BSP writes the batch marker port or the VM ends.
  // Application processors run on their own threads from the first call on.
  Event run();
  // Ends the VM (if still running), joins every thread, stops the PCI side and
  // fills the final statistics. Idempotent.
  void finish();

  VmEnd end() const { return end_.load(); }
  std::string end_detail() const;
  int exit_code() const { return vm_end_exit_code(end()); }
  VmmStats& stats() { return stats_; }
  // Fills the derived statistics (times, KVM vCPU stats, end state) now,
  // e.g. between batches; finish() does it once more at the end.
  void refresh_stats() { collect_stats(); }
  uint64_t batches() const { return batches_.load(); }
  // After a triple fault, one line per vCPU with its state at the end (from finish()).
  const std::vector<std::string>& end_vcpu_states() const { return end_vcpu_states_; }
  // Asks every vCPU to leave KVM_RUN and the VM to end with `end` (first caller wins).
  void request_end(VmEnd end, const std::string& detail);

 private:
  struct VcpuSlot {
    std::unique_ptr<KvmVcpu> vcpu;
    std::thread thread;      // APs only
    pthread_t running_on{};  // valid while `running`
    bool running = false;    // guarded by Vm::kick_lock_
    double cpu_seconds = 0;  // accumulated by the thread(s) that ran it
    uint64_t voluntary_switches = 0, involuntary_switches = 0;  // likewise
  };
  enum class Step { Continue, Batch, Stop };

  Vm() = default;
  bool init(const VmConfig& cfg, std::string* error);
  Event run_vcpu(VcpuSlot& slot, bool is_bsp);
  Step handle_exit(VcpuSlot& slot);
  void start_threads();
  void timer_main();
  void collect_stats();
  void record_vcpu_states();

  VmConfig cfg_;
  KvmSystem sys_;
  KvmVm vm_;
  uint8_t* ram_ = nullptr;
  uint64_t ram_size_ = 0, ram_map_size_ = 0;
  void* ram_map_ = nullptr;
  GuestMemory mem_;
  IoBus io_;
  VmmStats stats_;
  std::unique_ptr<ConsoleMonitor> console_;
  std::vector<std::unique_ptr<PortIoDevice>> devices_;
  std::unique_ptr<class LegacyPorts> legacy_;
  std::unique_ptr<PciPlatform> pci_;
  std::vector<std::unique_ptr<VcpuSlot>> vcpus_;

  std::atomic<VmEnd> end_{VmEnd::None};
  std::string end_detail_;  // guarded by kick_lock_
  std::vector<std::string> end_vcpu_states_;
  std::mutex kick_lock_;
  std::atomic<uint64_t> batches_{0};
  bool started_ = false, finished_ = false;
  double wall_start_ = 0, wall_end_ = 0;

  std::thread timer_;
  std::mutex timer_lock_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false;
};

}  // namespace kick
