// Kick floor (see floor_bench.h).
#include "floor_bench.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "kvm_probe.h"

namespace kick {

namespace {

constexpr uint16_t kMarkerPort = 0x504;  // same batch marker as the VM

//   top:  mov ecx, N
//         mov dx, PORT
//         xor ax, ax
//   kick: out dx, ax
//         dec ecx
//         jnz kick
//         mov dx, 0x504
//         out dx, al
//         jmp top
std::vector<uint8_t> floor_code(uint32_t n, uint16_t port) {
  return {0x66,
          0xb9,
          uint8_t(n),
          uint8_t(n >> 8),
          uint8_t(n >> 16),
          uint8_t(n >> 24),  // 0x00
          0xba,
          uint8_t(port),
          uint8_t(port >> 8),  // 0x06
          0x31,
          0xc0,  // 0x09
          0xef,  // 0x0b
          0x66,
          0x49,  // 0x0c
          0x75,
          0xfb,  // 0x0e -> 0x0b
          0xba,
          uint8_t(kMarkerPort),
          uint8_t(kMarkerPort >> 8),  // 0x10
          0xee,                       // 0x13
          0xeb,
          0xea};  // 0x14 -> 0x00
}

}  // namespace

std::unique_ptr<FloorVm> FloorVm::create(bool ioeventfd, uint32_t kicks_per_batch,
                                         std::string* error) {
  if (kicks_per_batch == 0) {
    *error = "kicks per batch must be at least 1";
    return nullptr;
  }
  std::unique_ptr<FloorVm> f(new FloorVm());
  f->ioeventfd_ = ioeventfd;
  f->kicks_per_batch_ = kicks_per_batch;
  if (!f->sys_.open(error)) return nullptr;
  if (!f->vm_.create(f->sys_, floor_code(kicks_per_batch, kFloorNotifyPort), error)) return nullptr;
  if (ioeventfd) {
    if (f->sys_.check_extension(KVM_CAP_IOEVENTFD) <= 0) {
      *error = "KVM unavailable: no KVM_CAP_IOEVENTFD";
      return nullptr;
    }
    f->kick_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    f->stop_fd_.reset(eventfd(0, EFD_CLOEXEC));
    if (!f->kick_fd_.valid() || !f->stop_fd_.valid()) {
      *error = std::string("eventfd: ") + std::strerror(errno);
      return nullptr;
    }
    if (!f->vm_.vm().assign_pio_ioeventfd(f->kick_fd_.get(), kFloorNotifyPort, 2, 0)) {
      *error = std::string("KVM_IOEVENTFD: ") + std::strerror(errno);
      return nullptr;
    }
    f->drain_ = std::thread([p = f.get()] { p->drain_main(); });
  }
  return f;
}

FloorVm::~FloorVm() {
  close();
}

void FloorVm::drain_main() {
  pollfd fds[2] = {{kick_fd_.get(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      if (read(kick_fd_.get(), &v, sizeof v) == ssize_t(sizeof v)) {
        wakeups_.fetch_add(1, std::memory_order_relaxed);
        signals_.fetch_add(v, std::memory_order_relaxed);
      }
    }
    if (fds[1].revents & POLLIN) return;
  }
}

bool FloorVm::run_batch(std::string* error) {
  if (closed_) {
    *error = "floor VM is closed";
    return false;
  }
  const int fd = vm_.vcpu().fd();
  kvm_run* run = vm_.vcpu().run();
  const double cpu0 = thread_cpu_seconds();
  for (;;) {
    if (ioctl(fd, KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *error = std::string("KVM_RUN: ") + std::strerror(errno);
      return false;
    }
    exits_++;
    if (run->exit_reason == KVM_EXIT_IO) {
      if (run->io.port == kFloorNotifyPort) {
        io_exits_++;
        continue;
      }
      if (run->io.port == kMarkerPort) break;
    }
    *error = "floor guest: unexpected exit reason " + std::to_string(run->exit_reason);
    return false;
  }
  batches_++;
  cpu_seconds_ += thread_cpu_seconds() - cpu0;
  return true;
}

FloorCounters FloorVm::counters() const {
  FloorCounters c;
  c.batches = batches_;
  c.kicks = batches_ * kicks_per_batch_;
  c.io_exits = io_exits_;
  c.exits = exits_;
  c.eventfd_wakeups = wakeups_.load();
  c.eventfd_signals = signals_.load();
  c.vcpu_cpu_seconds = cpu_seconds_;
  return c;
}

void FloorVm::close() {
  if (closed_) return;
  closed_ = true;
  if (drain_.joinable()) {
    uint64_t one = 1;
    if (write(stop_fd_.get(), &one, sizeof one) < 0) {
    }
    drain_.join();
    // Kicks signalled after the last wake-up are still in the counter.
    uint64_t v;
    if (read(kick_fd_.get(), &v, sizeof v) == ssize_t(sizeof v)) signals_ += v;
  }
}

bool run_floor(bool ioeventfd, uint64_t kicks, FloorResult* out, std::string* error) {
  if (kicks == 0) {
    *error = "--kicks must be at least 1";
    return false;
  }
  const uint32_t per_batch = uint32_t(kicks < 10000 ? kicks : 10000);
  const uint64_t batches = (kicks + per_batch - 1) / per_batch;
  auto f = FloorVm::create(ioeventfd, per_batch, error);
  if (!f) return false;
  if (!f->run_batch(error)) return false;  // warm-up: page faults, first entries
  FloorCounters before = f->counters();
  const double t0 = monotonic_seconds();
  for (uint64_t i = 0; i < batches; i++)
    if (!f->run_batch(error)) return false;
  const double t1 = monotonic_seconds();
  f->close();
  FloorCounters after = f->counters();
  out->ioeventfd = ioeventfd;
  out->kicks = batches * per_batch;
  out->seconds = t1 - t0;
  out->ns_per_kick = out->seconds * 1e9 / double(out->kicks);
  out->counters.batches = after.batches - before.batches;
  out->counters.kicks = after.kicks - before.kicks;
  out->counters.io_exits = after.io_exits - before.io_exits;
  out->counters.exits = after.exits - before.exits;
  // The drain thread may still be working off warm-up signals: report totals.
  out->counters.eventfd_wakeups = after.eventfd_wakeups;
  out->counters.eventfd_signals = after.eventfd_signals;
  out->counters.vcpu_cpu_seconds = after.vcpu_cpu_seconds - before.vcpu_cpu_seconds;
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
  o << "{\"mode\": \"" << (r.ioeventfd ? "ioeventfd" : "exit") << "\", \"kicks\": " << r.kicks
    << ", \"batches\": " << r.counters.batches << ", \"seconds\": " << secs
    << ", \"nsPerKick\": " << ns << ", \"exitsToUserspace\": " << r.counters.exits
    << ", \"notifyIoExits\": " << r.counters.io_exits
    << ", \"eventfdWakeups\": " << r.counters.eventfd_wakeups
    << ", \"eventfdSignals\": " << r.counters.eventfd_signals << ", \"vcpuCpuSeconds\": " << cpu
    << ", \"kvmKind\": \"" << (r.kvm_kind.empty() ? "unknown" : r.kvm_kind) << "\"}\n";
  return o.str();
}

}  // namespace kick
