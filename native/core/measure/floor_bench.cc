// Kick floor (see floor_bench.h).
#include "measure/floor_bench.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

#include "boot/cpu_state.h"
#include "boot/layout.h"
#include "guest_memory.h"
#include "measure/kvm_probe.h"
#include "thread_usage.h"
#include "vcpu_setup.h"
#include "vm.h"

namespace kick {

namespace {

// Same RAM size as micro's doorbell VM; the page tables map 4 GiB either way.
constexpr uint64_t kRamSize = 64ull << 20;
constexpr uint64_t kCodeAddr = boot::kKernelLoadAddr;

// 64-bit code, the probe guest's doorbell_loop between batch markers:
//   top:  mov ecx, N
//         mov dx, PORT
//         xor eax, eax
//   kick: out dx, ax
//         dec ecx
//         jnz kick
//         mov dx, 0x504
//         out dx, al
//         jmp top
std::vector<uint8_t> floor_code(uint32_t n, uint16_t port) {
  return {0xb9,
          uint8_t(n),
          uint8_t(n >> 8),
          uint8_t(n >> 16),
          uint8_t(n >> 24),  // 0x00
          0x66,
          0xba,
          uint8_t(port),
          uint8_t(port >> 8),  // 0x05
          0x31,
          0xc0,  // 0x09
          0x66,
          0xef,  // 0x0b
          0xff,
          0xc9,  // 0x0d
          0x75,
          0xfa,  // 0x0f -> 0x0b
          0x66,
          0xba,
          uint8_t(kBatchMarkerPort),
          uint8_t(kBatchMarkerPort >> 8),  // 0x11
          0xee,                            // 0x15
          0xeb,
          0xe8};  // 0x16 -> 0x00
}

}  // namespace

std::unique_ptr<FloorVm> FloorVm::create(KickMode mode, uint32_t kicks_per_batch,
                                         std::string* error) {
  if (kicks_per_batch == 0) {
    *error = "kicks per batch must be at least 1";
    return nullptr;
  }
  std::unique_ptr<FloorVm> f(new FloorVm());
  f->mode_ = mode;
  f->kicks_per_batch_ = kicks_per_batch;
  if (!f->init(error)) return nullptr;
  return f;
}

// The machine kickvmm builds (Vm::init), minus devices and boot loader.
bool FloorVm::init(std::string* error) {
  stats_.mode = mode_;
  if (!sys_.open(error)) return false;
  if (mode_ == KickMode::Ioeventfd && sys_.check_extension(KVM_CAP_IOEVENTFD) <= 0) {
    *error = "KVM unavailable: no KVM_CAP_IOEVENTFD";
    return false;
  }
  if (!vm_.create(sys_, error) || !vm_.set_tss_addr(kTssAddr, error) ||
      !vm_.set_identity_map_addr(kIdentityMapAddr, error) || !vm_.create_irqchip(error) ||
      !vm_.create_pit2(error))
    return false;

  const uint64_t huge = 2ull << 20;
  ram_map_size_ = kRamSize + huge;
  ram_map_ = mmap(nullptr, ram_map_size_, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (ram_map_ == MAP_FAILED) {
    ram_map_ = nullptr;
    *error = std::string("cannot map the floor's guest RAM: ") + std::strerror(errno);
    return false;
  }
  uint8_t* ram = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(ram_map_) + huge - 1) &
                                            ~(uintptr_t(huge) - 1));
  madvise(ram, kRamSize, MADV_HUGEPAGE);
  if (!vm_.set_memory(0, 0, kRamSize, ram, error)) return false;
  GuestMemory mem(ram, kRamSize);
  const std::vector<uint8_t> code = floor_code(kicks_per_batch_, kFloorNotifyPort);
  if (!boot::write_boot_tables(mem, error) || !mem.write(kCodeAddr, code.data(), code.size())) {
    if (error->empty()) *error = "floor: cannot write the guest code";
    return false;
  }

  std::vector<kvm_cpuid_entry2> cpuid;
  if (!sys_.supported_cpuid(&cpuid, error)) return false;
  vcpu_ = vm_.create_vcpu(0, error);
  if (!vcpu_ || !setup_vcpu(vcpu_->fd(), cpuid, 0, 1, error)) return false;
  BootPlan plan;
  plan.entry = BootPlan::Entry::Linux64;  // long mode, paging on, at kCodeAddr
  plan.rip = kCodeAddr;
  if (!apply_boot_cpu_state(vcpu_->fd(), plan, error)) return false;

  kick_ = make_kick_path(mode_, vm_, stats_, error);
  if (!kick_) return false;
  kick_->queue_activated(&target_, 0, kFloorNotifyPort);
  return kick_->start(error);
}

FloorVm::~FloorVm() {
  close();
  kick_.reset();
  vcpu_.reset();
  if (ram_map_) munmap(ram_map_, ram_map_size_);
}

bool FloorVm::run_batch(std::string* error) {
  if (closed_) {
    *error = "floor VM is closed";
    return false;
  }
  const int fd = vcpu_->fd();
  kvm_run* run = vcpu_->run();
  const double cpu0 = thread_cpu_seconds();
  const ContextSwitches sw0 = thread_context_switches();
  bool ok = true;
  for (;;) {
    if (ioctl(fd, KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *error = std::string("KVM_RUN: ") + std::strerror(errno);
      ok = false;
      break;
    }
    exits_++;
    if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
      if (run->io.port == kFloorNotifyPort && run->io.size == 2) {
        io_exits_++;
        uint16_t queue;
        std::memcpy(&queue, reinterpret_cast<uint8_t*>(run) + run->io.data_offset, 2);
        kick_->notify_exited(&target_, queue);
        continue;
      }
      if (run->io.port == kBatchMarkerPort) break;
    }
    if (run->exit_reason == KVM_EXIT_INTR) continue;
    *error = "floor guest: unexpected exit reason " + std::to_string(run->exit_reason);
    ok = false;
    break;
  }
  if (ok) batches_++;
  cpu_seconds_ += thread_cpu_seconds() - cpu0;
  const ContextSwitches sw1 = thread_context_switches();
  voluntary_ += sw1.voluntary - sw0.voluntary;
  involuntary_ += sw1.involuntary - sw0.involuntary;
  return ok;
}

FloorCounters FloorVm::counters() const {
  FloorCounters c;
  c.batches = batches_;
  c.kicks = batches_ * kicks_per_batch_;
  c.io_exits = io_exits_;
  c.exits = exits_;
  c.eventfd_wakeups = stats_.eventfd_wakeups.load();
  c.eventfd_signals = stats_.eventfd_signals.load();
  c.vcpu_cpu_seconds = cpu_seconds_;
  c.vcpu_voluntary_switches = voluntary_;
  c.vcpu_involuntary_switches = involuntary_;
  return c;
}

void FloorVm::close() {
  if (closed_) return;
  closed_ = true;
  if (kick_) kick_->stop();
}

bool run_floor(KickMode mode, uint64_t kicks, FloorResult* out, std::string* error) {
  if (kicks == 0) {
    *error = "--kicks must be at least 1";
    return false;
  }
  const uint32_t per_batch = uint32_t(kicks < 10000 ? kicks : 10000);
  const uint64_t batches = (kicks + per_batch - 1) / per_batch;
  auto f = FloorVm::create(mode, per_batch, error);
  if (!f) return false;
  if (!f->run_batch(error)) return false;  // warm-up: page faults, first entries
  FloorCounters before = f->counters();
  const double t0 = monotonic_seconds();
  for (uint64_t i = 0; i < batches; i++)
    if (!f->run_batch(error)) return false;
  const double t1 = monotonic_seconds();
  f->close();
  FloorCounters after = f->counters();
  out->mode = mode;
  out->kicks = batches * per_batch;
  out->seconds = t1 - t0;
  out->ns_per_kick = out->seconds * 1e9 / double(out->kicks);
  out->counters.batches = after.batches - before.batches;
  out->counters.kicks = after.kicks - before.kicks;
  out->counters.io_exits = after.io_exits - before.io_exits;
  out->counters.exits = after.exits - before.exits;
  // The I/O thread may still be working off warm-up signals: report totals.
  out->counters.eventfd_wakeups = after.eventfd_wakeups;
  out->counters.eventfd_signals = after.eventfd_signals;
  out->counters.vcpu_cpu_seconds = after.vcpu_cpu_seconds - before.vcpu_cpu_seconds;
  out->counters.vcpu_voluntary_switches =
      after.vcpu_voluntary_switches - before.vcpu_voluntary_switches;
  out->counters.vcpu_involuntary_switches =
      after.vcpu_involuntary_switches - before.vcpu_involuntary_switches;
  KvmSystem sys;
  KvmKindMeasurement m;
  std::string ignored;
  if (sys.open(&ignored) && measure_kvm_kind(sys, 20000, &m, &ignored)) out->kvm_kind = m.kind;
  return true;
}

std::string floor_to_json(const FloorResult& r) {
  std::ostringstream o;
  char ns[32], secs[32], cpu[32];
  std::snprintf(ns, sizeof ns, "%.1f", r.ns_per_kick);
  std::snprintf(secs, sizeof secs, "%.6f", r.seconds);
  std::snprintf(cpu, sizeof cpu, "%.6f", r.counters.vcpu_cpu_seconds);
  o << "{\"mode\": \"" << kick_mode_name(r.mode) << "\", \"kicks\": " << r.kicks
    << ", \"batches\": " << r.counters.batches << ", \"seconds\": " << secs
    << ", \"nsPerKick\": " << ns << ", \"exitsToUserspace\": " << r.counters.exits
    << ", \"notifyIoExits\": " << r.counters.io_exits
    << ", \"eventfdWakeups\": " << r.counters.eventfd_wakeups
    << ", \"eventfdSignals\": " << r.counters.eventfd_signals << ", \"vcpuCpuSeconds\": " << cpu
    << ", \"vcpuContextSwitches\": {\"voluntary\": " << r.counters.vcpu_voluntary_switches
    << ", \"involuntary\": " << r.counters.vcpu_involuntary_switches << "}"
    << ", \"kvmKind\": \"" << (r.kvm_kind.empty() ? "unknown" : r.kvm_kind) << "\"}\n";
  return o.str();
}

}  // namespace kick
