// The machine (see vm.h): setup, the per-vCPU run loop and exit dispatch,
// ending (clean / crash / timeout / error) and the final statistics.
#include "vm.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "devices/i8042.h"
#include "devices/legacy_ports.h"
#include "devices/serial.h"
#include "measure/kvm_probe.h"
#include "thread_usage.h"
#include "vcpu_setup.h"
#include "vcpu_state.h"

namespace kick {

const char* const kDefaultCmdline =
    "console=ttyS0 reboot=k panic=-1 pci=conf1 i8042.noaux i8042.nomux i8042.dumbkbd";

int vm_end_exit_code(VmEnd end) {
  switch (end) {
    case VmEnd::Clean:
      return 0;
    case VmEnd::Crash:
      return 2;
    case VmEnd::Timeout:
      return 3;
    default:
      return 1;
  }
}

const char* vm_end_name(VmEnd end) {
  switch (end) {
    case VmEnd::Clean:
      return "clean";
    case VmEnd::Crash:
      return "crash";
    case VmEnd::Timeout:
      return "timeout";
    case VmEnd::None:
      return "running";
    default:
      return "error";
  }
}

// ---- validation (no KVM needed) -------------------------------------------

namespace {

// Opens `path` the way the VM will and checks it is a non-empty file or block device.
bool check_file(const std::string& what, const std::string& path, bool writable,
                std::string* error) {
  if (path.empty()) {
    *error = what + " not given";
    return false;
  }
  // O_NONBLOCK: a FIFO must not block the open before the type check rejects it.
  int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = what + " " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  bool ok = fstat(fd, &st) == 0;
  uint64_t size = 0;
  if (ok && S_ISBLK(st.st_mode)) {
    off_t end = lseek(fd, 0, SEEK_END);
    size = end > 0 ? uint64_t(end) : 0;
  } else if (ok && S_ISREG(st.st_mode)) {
    size = uint64_t(st.st_size);
  } else {
    ::close(fd);
    *error = what + " " + path + ": not a regular file or block device";
    return false;
  }
  ::close(fd);
  if (size == 0) {
    *error = what + " " + path + ": file is empty";
    return false;
  }
  return true;
}

}  // namespace

bool validate_vm_config(const VmConfig& cfg, std::string* error) {
  if (cfg.mem_mib < kMinMemMiB) {
    *error = "--mem " + std::to_string(cfg.mem_mib) + " MiB is too small (at least " +
             std::to_string(kMinMemMiB) + ")";
    return false;
  }
  if (cfg.mem_mib > kMaxMemMiB) {
    *error = "--mem " + std::to_string(cfg.mem_mib) +
             " MiB reaches the MMIO hole at 0xC0000000 (at most " + std::to_string(kMaxMemMiB) +
             " MiB)";
    return false;
  }
  if (cfg.cpus < 1 || cfg.cpus > kMaxCpus) {
    *error = "--cpus must be 1.." + std::to_string(kMaxCpus);
    return false;
  }
  if (cfg.timeout_seconds < 0) {
    *error = "--timeout must not be negative";
    return false;
  }
  if (cfg.kernel_path.empty()) {
    *error = "kernel not given";
    return false;
  }
  std::string kind;
  if (!inspect_kernel(cfg.kernel_path, cfg.boot, &kind, error)) {
    // Say which file is wrong: "kernel <path>: <why>".
    *error = (error->rfind(cfg.kernel_path, 0) == 0 ? "kernel " : "kernel: ") + *error;
    return false;
  }
  if (!cfg.initrd_path.empty() && !check_file("initrd", cfg.initrd_path, false, error))
    return false;
  if (!check_file("disk", cfg.disk_path, !cfg.readonly, error)) return false;
  return true;
}

// ---- console -------------------------------------------------------------

ConsoleMonitor::ConsoleMonitor(std::function<void(const char*, size_t)> sink)
    : sink_(std::move(sink)) {}

ConsoleMonitor::~ConsoleMonitor() {
  flush();
}

void ConsoleMonitor::put(uint8_t byte) {
  std::lock_guard<std::mutex> g(lock_);
  pending_ += char(byte);
  if (byte == '\n') {
    if (line_.rfind("PROBE-END", 0) == 0) end_marker_ = true;
    if (!panic_ && line_.find("Kernel panic - not syncing") != std::string::npos) {
      panic_line_ = line_;
      panic_ = true;
    }
    line_.clear();
  } else if (byte != '\r' && line_.size() < 512) {
    line_ += char(byte);
  }
  // Whole lines go out at once; a hung guest still shows everything up to its last newline.
  if (byte == '\n' || pending_.size() >= 4096) flush_locked();
}

void ConsoleMonitor::flush() {
  std::lock_guard<std::mutex> g(lock_);
  flush_locked();
}

void ConsoleMonitor::flush_locked() {
  if (pending_.empty()) return;
  if (sink_) {
    sink_(pending_.data(), pending_.size());
  } else {
    const char* p = pending_.data();
    size_t left = pending_.size();
    while (left > 0) {
      ssize_t n = ::write(STDOUT_FILENO, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stdout gone: keep running the guest
      p += n;
      left -= size_t(n);
    }
  }
  pending_.clear();
}

std::string ConsoleMonitor::panic_line() const {
  std::lock_guard<std::mutex> g(lock_);
  return panic_line_;
}

// ---- vCPU kick signal ------------------------------------------------------

namespace {

int kick_signal() {
  return SIGRTMIN + 4;
}

void install_kick_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = [](int) {};  // only there to interrupt KVM_RUN (no SA_RESTART)
    sigemptyset(&sa.sa_mask);
    sigaction(kick_signal(), &sa, nullptr);
  });
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

// ---- setup ------------------------------------------------------------------

std::unique_ptr<Vm> Vm::create(const VmConfig& cfg, std::string* error) {
  if (!validate_vm_config(cfg, error)) return nullptr;
  std::unique_ptr<Vm> vm(new Vm());
  if (!vm->init(cfg, error)) return nullptr;
  return vm;
}

bool Vm::init(const VmConfig& cfg, std::string* error) {
  cfg_ = cfg;
  stats_.mode = cfg.mode;
  stats_.kvm_kind = "unknown";
  if (!sys_.open(error)) return false;
  struct {
    long cap;
    const char* name;
  } required[] = {
      {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},           {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
      {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"}, {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
      {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
  };
  for (auto& r : required) {
    if (r.cap == KVM_CAP_IOEVENTFD && cfg.mode != KickMode::Ioeventfd) continue;
    if (sys_.check_extension(r.cap) <= 0) {
      *error = std::string("KVM unavailable: this kernel's KVM lacks ") + r.name;
      return false;
    }
  }
  int max_vcpus = sys_.check_extension(KVM_CAP_MAX_VCPUS);
  if (max_vcpus > 0 && cfg.cpus > uint32_t(max_vcpus)) {
    *error = "--cpus " + std::to_string(cfg.cpus) + " exceeds KVM's limit of " +
             std::to_string(max_vcpus);
    return false;
  }
  if (cfg.detect_kvm_kind) {
    KvmKindMeasurement m;
    std::string ignored;
    if (measure_kvm_kind(sys_, 20000, &m, &ignored)) stats_.kvm_kind = m.kind;
  }

  if (!vm_.create(sys_, error) || !vm_.set_tss_addr(kTssAddr, error) ||
      !vm_.set_identity_map_addr(kIdentityMapAddr, error) || !vm_.create_irqchip(error) ||
      !vm_.create_pit2(error))
    return false;

  // Guest RAM: one anonymous mapping, 2 MiB aligned so KVM can use huge pages.
  const uint64_t huge = 2ull << 20;
  ram_size_ = uint64_t(cfg.mem_mib) << 20;
  ram_map_size_ = ram_size_ + huge;
  ram_map_ = mmap(nullptr, ram_map_size_, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (ram_map_ == MAP_FAILED) {
    ram_map_ = nullptr;
    *error =
        "cannot map " + std::to_string(cfg.mem_mib) + " MiB of guest RAM: " + std::strerror(errno);
    return false;
  }
  uintptr_t base = (reinterpret_cast<uintptr_t>(ram_map_) + huge - 1) & ~(uintptr_t(huge) - 1);
  ram_ = reinterpret_cast<uint8_t*>(base);
  madvise(ram_, ram_size_, MADV_HUGEPAGE);
  if (!vm_.set_memory(0, 0, ram_size_, ram_, error)) return false;
  mem_ = GuestMemory(ram_, ram_size_);

  // Devices.
  console_ = std::make_unique<ConsoleMonitor>(cfg.console);
  ConsoleMonitor* con = console_.get();
  auto serial = std::make_unique<Serial8250>(&vm_, [con](uint8_t b) { con->put(b); });
  if (!io_.add(Serial8250::kBase, Serial8250::kPorts, serial.get())) {
    *error = "serial ports already taken";
    return false;
  }
  devices_.push_back(std::move(serial));
  auto i8042 = std::make_unique<I8042>([this] {
    if (console_->saw_panic())
      request_end(VmEnd::Crash, "guest kernel panic: " + console_->panic_line());
    else
      request_end(VmEnd::Clean, console_->saw_end_marker() ? "guest ended (PROBE-END, i8042 reset)"
                                                           : "guest reset via i8042 (0xFE)");
  });
  if (!i8042->attach(io_)) {
    *error = "i8042 ports already taken";
    return false;
  }
  devices_.push_back(std::move(i8042));
  legacy_ = std::make_unique<LegacyPorts>();
  if (!legacy_->attach(io_)) {
    *error = "legacy ports already taken";
    return false;
  }

  PciPlatformConfig pcfg;
  pcfg.disk_path = cfg.disk_path;
  pcfg.readonly = cfg.readonly;
  pcfg.mode = cfg.mode;
  pci_ = PciPlatform::create(pcfg, mem_, io_, vm_, stats_, error);
  if (!pci_) return false;

  // vCPUs (after the irqchip, before anything runs).
  std::vector<kvm_cpuid_entry2> cpuid;
  if (!sys_.supported_cpuid(&cpuid, error)) return false;
  for (uint32_t i = 0; i < cfg.cpus; i++) {
    auto slot = std::make_unique<VcpuSlot>();
    slot->vcpu = vm_.create_vcpu(i, error);
    if (!slot->vcpu) return false;
    if (!setup_vcpu(slot->vcpu->fd(), cpuid, i, cfg.cpus, error)) return false;
    vcpus_.push_back(std::move(slot));
  }
  stats_.tsc_khz = KvmVm::tsc_khz(*vcpus_[0]->vcpu);

  BootOptions bo;
  bo.kernel_path = cfg.kernel_path;
  bo.initrd_path = cfg.initrd_path;
  bo.cmdline = cfg.cmdline.empty() ? kDefaultCmdline : cfg.cmdline;
  bo.protocol = cfg.boot;
  bo.num_cpus = cfg.cpus;
  bo.pci_irq_routes = pci_->irq_routes();
  BootPlan plan;
  if (!load_guest(mem_, bo, &plan, error)) return false;
  if (!apply_boot_cpu_state(vcpus_[0]->vcpu->fd(), plan, error)) return false;
  if (!pci_->start(error)) return false;
  install_kick_handler();
  return true;
}

Vm::~Vm() {
  finish();
  vcpus_.clear();
  pci_.reset();
  if (ram_map_) munmap(ram_map_, ram_map_size_);
}

// ---- running ------------------------------------------------------------------

void Vm::start_threads() {
  started_ = true;
  wall_start_ = monotonic_seconds();
  for (size_t i = 1; i < vcpus_.size(); i++) {
    VcpuSlot* slot = vcpus_[i].get();
    // APs sit in KVM_RUN until the in-kernel LAPIC delivers INIT/SIPI.
    slot->thread = std::thread([this, slot] { run_vcpu(*slot, false); });
  }
  if (cfg_.timeout_seconds > 0) timer_ = std::thread([this] { timer_main(); });
}

void Vm::timer_main() {
  std::unique_lock<std::mutex> g(timer_lock_);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(cfg_.timeout_seconds);
  if (!timer_cv_.wait_until(g, deadline, [this] { return timer_stop_; })) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "no clean end within %g s", cfg_.timeout_seconds);
    request_end(VmEnd::Timeout, buf);
  }
}

Vm::Event Vm::run() {
  if (!started_) start_threads();
  if (end_.load() != VmEnd::None) return Event::Ended;
  return run_vcpu(*vcpus_[0], true);
}

void Vm::request_end(VmEnd end, const std::string& detail) {
  std::lock_guard<std::mutex> g(kick_lock_);
  VmEnd expected = VmEnd::None;
  if (!end_.compare_exchange_strong(expected, end)) return;
  end_detail_ = detail;
  wall_end_ = monotonic_seconds();
  // A guest can queue a ring of huge requests; don't let it hold the end up.
  if (pci_) pci_->request_stop();
  for (auto& slot : vcpus_) {
    slot->vcpu->run()->immediate_exit = 1;
    if (slot->running) pthread_kill(slot->running_on, kick_signal());
  }
}

std::string Vm::end_detail() const {
  std::lock_guard<std::mutex> g(const_cast<std::mutex&>(kick_lock_));
  return end_detail_;
}

Vm::Event Vm::run_vcpu(VcpuSlot& slot, bool is_bsp) {
  {
    std::lock_guard<std::mutex> g(kick_lock_);
    slot.running_on = pthread_self();
    slot.running = true;
  }
  const double cpu0 = thread_cpu_seconds();
  const ContextSwitches switches0 = thread_context_switches();
  const int fd = slot.vcpu->fd();
  Event ev = Event::Ended;
  while (end_.load(std::memory_order_relaxed) == VmEnd::None) {
    if (ioctl(fd, KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        stats_.exit_intr.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      request_end(VmEnd::Error, std::string("KVM_RUN: ") + std::strerror(errno));
      break;
    }
    Step s = handle_exit(slot);
    if (s == Step::Continue) continue;
    if (s == Step::Batch) {
      if (is_bsp) {
        ev = Event::BatchMarker;
        break;
      }
      continue;  // an AP's marker is only counted
    }
    break;
  }
  {
    std::lock_guard<std::mutex> g(kick_lock_);
    slot.running = false;
  }
  slot.cpu_seconds += thread_cpu_seconds() - cpu0;
  const ContextSwitches switches1 = thread_context_switches();
  slot.voluntary_switches += switches1.voluntary - switches0.voluntary;
  slot.involuntary_switches += switches1.involuntary - switches0.involuntary;
  return ev;
}

Vm::Step Vm::handle_exit(VcpuSlot& slot) {
  kvm_run* run = slot.vcpu->run();
  switch (run->exit_reason) {
    case KVM_EXIT_IO: {
      stats_.exit_io.fetch_add(1, std::memory_order_relaxed);
      const auto& io = run->io;
      stats_.io_exits_by_port[io.port].fetch_add(1, std::memory_order_relaxed);
      if (io.port == kBatchMarkerPort && io.direction == KVM_EXIT_IO_OUT) {
        batches_.fetch_add(1, std::memory_order_relaxed);
        return Step::Batch;
      }
      uint8_t* data = reinterpret_cast<uint8_t*>(run) + io.data_offset;
      const uint64_t span = uint64_t(io.count) * io.size;
      if (io.size == 0 || io.data_offset + span > uint64_t(sys_.vcpu_mmap_size())) {
        request_end(VmEnd::Error, "KVM_EXIT_IO with an out-of-range data buffer");
        return Step::Stop;
      }
      for (uint32_t i = 0; i < io.count; i++, data += io.size) {
        if (io.direction == KVM_EXIT_IO_OUT)
          io_.write(io.port, data, io.size);
        else
          io_.read(io.port, data, io.size);
      }
      return Step::Continue;
    }
    case KVM_EXIT_MMIO:
      stats_.exit_mmio.fetch_add(1, std::memory_order_relaxed);
      // Nothing of ours is memory-mapped: reads float high, writes vanish.
      if (!run->mmio.is_write) std::memset(run->mmio.data, 0xff, sizeof run->mmio.data);
      return Step::Continue;
    case KVM_EXIT_HLT:
      stats_.exit_hlt.fetch_add(1, std::memory_order_relaxed);
      return Step::Continue;  // only without an in-kernel LAPIC; re-entering just waits
    case KVM_EXIT_INTR:
      stats_.exit_intr.fetch_add(1, std::memory_order_relaxed);
      return Step::Continue;
    case KVM_EXIT_SHUTDOWN: {
      stats_.exit_shutdown.fetch_add(1, std::memory_order_relaxed);
      kvm_regs regs;
      kvm_sregs sregs;
      std::string where;
      if (read_vcpu_state(slot.vcpu->fd(), &regs, &sregs))
        where =
            is_reset_state(regs, sregs)
                ? " (KVM had already reset that vCPU, as it does on AMD: the faulting rip is lost)"
                : " at rip " + hex(regs.rip);
      if (console_->saw_panic())
        request_end(VmEnd::Crash, "guest kernel panic: " + console_->panic_line());
      else if (console_->saw_end_marker())
        request_end(VmEnd::Clean, "guest ended (PROBE-END, then triple fault)");
      else
        request_end(VmEnd::Crash, "guest triple fault (KVM_EXIT_SHUTDOWN) on vCPU " +
                                      std::to_string(slot.vcpu->index()) + where);
      return Step::Stop;
    }
    case KVM_EXIT_SYSTEM_EVENT: {
      stats_.exit_system_event.fetch_add(1, std::memory_order_relaxed);
      uint32_t type = run->system_event.type;
      if (type == KVM_SYSTEM_EVENT_CRASH)
        request_end(VmEnd::Crash, "guest reported a crash (KVM_SYSTEM_EVENT_CRASH)");
      else
        request_end(VmEnd::Clean, type == KVM_SYSTEM_EVENT_RESET
                                      ? "guest reset (system event)"
                                      : "guest powered off (system event)");
      return Step::Stop;
    }
    case KVM_EXIT_INTERNAL_ERROR: {
      stats_.exit_internal_error.fetch_add(1, std::memory_order_relaxed);
      uint32_t sub = run->internal.suberror;
      const char* name = sub == KVM_INTERNAL_ERROR_EMULATION     ? "emulation failure"
                         : sub == KVM_INTERNAL_ERROR_SIMUL_EX    ? "exception during exception"
                         : sub == KVM_INTERNAL_ERROR_DELIVERY_EV ? "event delivery failed"
                                                                 : "unexpected";
      kvm_regs regs;
      std::string where =
          ioctl(slot.vcpu->fd(), KVM_GET_REGS, &regs) == 0 ? " at rip " + hex(regs.rip) : "";
      request_end(VmEnd::Crash, "KVM internal error, suberror " + std::to_string(sub) + " (" +
                                    name + ") on vCPU " + std::to_string(slot.vcpu->index()) +
                                    where);
      return Step::Stop;
    }
    case KVM_EXIT_FAIL_ENTRY:
      stats_.exit_other.fetch_add(1, std::memory_order_relaxed);
      request_end(VmEnd::Crash, "KVM_EXIT_FAIL_ENTRY, hardware reason " +
                                    hex(run->fail_entry.hardware_entry_failure_reason));
      return Step::Stop;
    default:
      stats_.exit_other.fetch_add(1, std::memory_order_relaxed);
      request_end(VmEnd::Crash, "unexpected KVM exit reason " + std::to_string(run->exit_reason));
      return Step::Stop;
  }
}

// ---- ending ---------------------------------------------------------------------

void Vm::finish() {
  if (finished_) return;
  finished_ = true;
  request_end(VmEnd::Clean, "stopped by the caller");  // no-op if it already ended
  for (auto& slot : vcpus_)
    if (slot->thread.joinable()) slot->thread.join();
  {
    std::lock_guard<std::mutex> g(timer_lock_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  if (pci_) pci_->stop();
  if (console_) console_->flush();
  if (stats_.exit_shutdown.load() > 0) record_vcpu_states();
  collect_stats();
}

// Every vCPU's state once all have left KVM_RUN: after a triple fault the
// other vCPUs show what the guest was doing around it.
void Vm::record_vcpu_states() {
  end_vcpu_states_.clear();
  for (auto& slot : vcpus_) {
    kvm_regs regs;
    kvm_sregs sregs;
    std::string line = "vCPU " + std::to_string(slot->vcpu->index()) + ": ";
    if (!read_vcpu_state(slot->vcpu->fd(), &regs, &sregs))
      line += "state unreadable";
    else if (is_reset_state(regs, sregs))
      line += "in the reset state (re-initialised after its shutdown)";
    else
      line += describe_vcpu_state(regs, sregs);
    end_vcpu_states_.push_back(line);
  }
}

void Vm::collect_stats() {
  double until = end_.load() != VmEnd::None ? wall_end_ : monotonic_seconds();
  stats_.wall_seconds = started_ ? until - wall_start_ : 0;
  double cpu = 0;
  uint64_t voluntary = 0, involuntary = 0;
  std::map<std::string, uint64_t> sum;
  for (auto& slot : vcpus_) {
    cpu += slot->cpu_seconds;
    voluntary += slot->voluntary_switches;
    involuntary += slot->involuntary_switches;
    std::map<std::string, uint64_t> one;
    if (slot->vcpu->read_stats(&one))
      for (auto& kv : one) sum[kv.first] += kv.second;
  }
  stats_.vcpu_cpu_seconds = cpu;
  stats_.vcpu_voluntary_switches = voluntary;
  stats_.vcpu_involuntary_switches = involuntary;
  stats_.kvm_vcpu_stats = std::move(sum);
  stats_.exit_reason = vm_end_name(end_.load());
  stats_.exit_detail = end_detail();
}

}  // namespace kick
