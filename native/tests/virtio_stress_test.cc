// Concurrency stress for the device model, meant for the ThreadSanitizer
// build (native/tests/Makefile, `make tsan`) but run in every build: the
// I/O thread services requests (ioeventfd mode) while one "vCPU" submits,
// kicks, resets the device and rewrites the queue PFN, and a second "vCPU"
// keeps moving and sizing the BAR through PCI config space. Everything goes
// through the port interface, as a guest would.
//
// Guest RAM is shared with the device by design (the device copies what it
// reads once and trusts nothing), so the test's own guest-side accesses to
// it are hidden from TSan: a real guest's stores are not instrumented either.
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io_bus.h"
#include "pci_platform.h"
#include <gtest/gtest.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KB_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KB_TSAN 1
#endif

#ifdef KB_TSAN
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);
#define GUEST_RAM_BEGIN()                       \
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__); \
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__)
#define GUEST_RAM_END()                        \
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__); \
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define GUEST_RAM_BEGIN()
#define GUEST_RAM_END()
#endif

using namespace kick;

namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint32_t kPfnA = 0x10, kPfnB = 0x20;  // two places for the ring
constexpr uint64_t kHdr = 0x40000, kData = 0x50000, kStatus = 0x80000;
constexpr uint16_t F_NEXT = 1, F_WRITE = 2;

// KVM's side as the device sees it; thread-safe, since both vCPUs and the
// I/O thread reach it (registrations come from any vCPU's register write).
struct LockedVm : VmIoctls {
  std::mutex lock;
  std::map<std::pair<uint16_t, uint64_t>, int> live;
  std::atomic<int> bad_deassigns{0};
  bool set_irq_line(uint32_t, bool) override { return true; }
  bool assign_pio_ioeventfd(int fd, uint16_t port, uint8_t, uint64_t dm) override {
    std::lock_guard<std::mutex> g(lock);
    return live.emplace(std::make_pair(port, dm), fd).second;
  }
  bool deassign_pio_ioeventfd(int fd, uint16_t port, uint8_t, uint64_t dm) override {
    std::lock_guard<std::mutex> g(lock);
    auto it = live.find({port, dm});
    if (it == live.end() || it->second != fd) {
      bad_deassigns++;
      return false;
    }
    live.erase(it);
    return true;
  }
  int eventfd_at(uint16_t port) {
    std::lock_guard<std::mutex> g(lock);
    auto it = live.find({port, 0});
    return it == live.end() ? -1 : it->second;
  }
};

struct StressRig {
  uint8_t* ram;
  GuestMemory mem;
  IoBus io;
  LockedVm vm;
  VmmStats stats;
  std::string disk;
  std::unique_ptr<PciPlatform> pci;
  std::mutex conf1;  // the guest's own PCI config lock: CF8 and CFC accesses pair up

  StressRig() {
    ram = static_cast<uint8_t*>(aligned_alloc(4096, kRam));
    std::memset(ram, 0, kRam);
    mem = GuestMemory(ram, kRam);
    char path[] = "/tmp/kb-virtio-stress-XXXXXX";
    int fd = mkstemp(path);
    disk = path;
    EXPECT_EQ(ftruncate(fd, 256 * 512), 0);
    close(fd);
    PciPlatformConfig cfg;
    cfg.disk_path = disk;
    cfg.mode = KickMode::Ioeventfd;
    stats.mode = cfg.mode;
    std::string err;
    pci = PciPlatform::create(cfg, mem, io, vm, stats, &err);
    EXPECT_TRUE(pci != nullptr) << err;
    EXPECT_TRUE(pci && pci->start(&err)) << err;
  }
  ~StressRig() {
    if (pci) pci->stop();
    pci.reset();
    unlink(disk.c_str());
    free(ram);
  }

  uint32_t cfg_read(uint8_t reg) {
    std::lock_guard<std::mutex> g(conf1);
    uint32_t a = 0x80000000u | 1u << 11 | reg, v = 0;
    io.write(0xcf8, reinterpret_cast<uint8_t*>(&a), 4);
    io.read(0xcfc, reinterpret_cast<uint8_t*>(&v), 4);
    return v;
  }
  void cfg_write(uint8_t reg, uint32_t v) {
    std::lock_guard<std::mutex> g(conf1);
    uint32_t a = 0x80000000u | 1u << 11 | reg;
    io.write(0xcf8, reinterpret_cast<uint8_t*>(&a), 4);
    io.write(0xcfc, reinterpret_cast<uint8_t*>(&v), 4);
  }
  // BAR0 base, or 0 while it is being sized (then nothing decodes there).
  uint16_t bar() {
    uint32_t v = cfg_read(0x10) & ~3u;
    return v < 0x10000 ? uint16_t(v) : 0;
  }
  bool wr(uint16_t off, uint32_t v, uint8_t size) {
    uint16_t b = bar();
    return b && io.write(uint16_t(b + off), reinterpret_cast<uint8_t*>(&v), size);
  }
  uint32_t rd(uint16_t off, uint8_t size) {
    uint32_t v = 0;
    uint16_t b = bar();
    if (b) io.read(uint16_t(b + off), reinterpret_cast<uint8_t*>(&v), size);
    return v;
  }
  void setup(uint32_t pfn) {
    wr(18, 0, 1);
    wr(18, 1 | 2, 1);
    wr(4, rd(0, 4), 4);
    wr(14, 0, 2);
    wr(8, pfn, 4);
    wr(18, 1 | 2 | 4, 1);
  }
  // As KVM would: the eventfd if one is registered on the notify port, else an exit.
  void kick() {
    uint16_t b = bar();
    if (!b) return;
    int fd = vm.eventfd_at(uint16_t(b + 16));
    uint64_t one = 1;
    if (fd >= 0 && write(fd, &one, 8) == 8) return;
    wr(16, 0, 2);
  }
  // Queues `n` reads of one sector on the ring at `pfn` (guest-side stores).
  void submit(uint32_t pfn, uint16_t* avail_idx, int n) {
    uint64_t ring = uint64_t(pfn) << 12, avail = ring + 16 * 256;
    GUEST_RAM_BEGIN();
    for (int i = 0; i < n; i++) {
      uint16_t slot = uint16_t((*avail_idx % 64) * 3);
      struct {
        uint32_t type, reserved;
        uint64_t sector;
      } h = {0, 0, uint64_t(slot % 200)};
      std::memcpy(ram + kHdr + 16 * slot, &h, 16);
      auto desc = [&](uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        uint8_t* d = ram + ring + 16ull * i;
        std::memcpy(d, &addr, 8);
        std::memcpy(d + 8, &len, 4);
        std::memcpy(d + 12, &flags, 2);
        std::memcpy(d + 14, &next, 2);
      };
      desc(slot, kHdr + 16 * slot, 16, F_NEXT, uint16_t(slot + 1));
      desc(uint16_t(slot + 1), kData + 512ull * slot, 512, F_NEXT | F_WRITE, uint16_t(slot + 2));
      desc(uint16_t(slot + 2), kStatus + slot, 1, F_WRITE, 0);
      std::memcpy(ram + avail + 4 + 2 * (*avail_idx % 256), &slot, 2);
      (*avail_idx)++;
      __atomic_store_n(reinterpret_cast<uint16_t*>(ram + avail + 2), *avail_idx, __ATOMIC_RELEASE);
    }
    GUEST_RAM_END();
  }
  // A fresh ring starts at avail idx 0: clear the old one's leftovers first.
  void clear_ring(uint32_t pfn) {
    GUEST_RAM_BEGIN();
    std::memset(ram + (uint64_t(pfn) << 12), 0, 0x3000);
    GUEST_RAM_END();
  }
  uint16_t used_idx(uint32_t pfn) {
    GUEST_RAM_BEGIN();
    uint16_t v = __atomic_load_n(
        reinterpret_cast<uint16_t*>(ram + (uint64_t(pfn) << 12) + 0x2000 + 2), __ATOMIC_ACQUIRE);
    GUEST_RAM_END();
    return v;
  }
};

}  // namespace

TEST(VirtioStress, io_thread_vs_reset_pfn_rewrite_and_bar_moves) {
  StressRig r;
  r.setup(kPfnA);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> bar_moves{0};

  // vCPU 1: moves BAR0 between two places, sizes it, toggles COMMAND.IO.
  std::thread mover([&] {
    std::mt19937 rng(2);
    while (!done.load()) {
      switch (rng() % 4) {
        case 0:
          r.cfg_write(0x10, 0x7100);
          break;
        case 1:
          r.cfg_write(0x10, 0x6200);
          break;
        case 2:
          r.cfg_write(0x10, 0xffffffff);  // sizing: not decoding meanwhile
          r.cfg_write(0x10, 0x6200);
          break;
        default:
          r.cfg_write(0x04, 0x0);  // COMMAND.IO off and back on
          r.cfg_write(0x04, 0x5);
          break;
      }
      bar_moves++;
      std::this_thread::yield();
    }
  });

  // vCPU 0: the driver, with resets and PFN rewrites in between its kicks.
  std::mt19937 rng(1);
  uint32_t pfn = kPfnA;
  uint16_t avail_idx = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int rounds = 0;
  while (std::chrono::steady_clock::now() < deadline && rounds < 60000) {
    rounds++;
    r.submit(pfn, &avail_idx, 1 + int(rng() % 8));
    r.kick();
    switch (rng() % 6) {
      case 0:  // reset while requests may be in flight, then the handshake again
        pfn = rng() % 2 ? kPfnA : kPfnB;
        r.clear_ring(pfn);
        r.setup(pfn);
        avail_idx = 0;
        break;
      case 1:  // a new PFN for the live queue (the old ring is dropped)
        pfn = pfn == kPfnA ? kPfnB : kPfnA;
        r.clear_ring(pfn);
        r.wr(8, pfn, 4);
        avail_idx = 0;
        break;
      case 2:
        r.rd(19, 1);  // ISR read races completions
        break;
      default:
        break;
    }
  }
  done = true;
  mover.join();

  // Afterwards the device works: a clean setup, requests complete with OK.
  r.cfg_write(0x04, 0x5);
  r.cfg_write(0x10, 0x6200);
  r.clear_ring(kPfnA);
  GUEST_RAM_BEGIN();
  std::memset(r.ram + kStatus, 0xee, 256);
  GUEST_RAM_END();
  r.setup(kPfnA);
  avail_idx = 0;
  r.submit(kPfnA, &avail_idx, 4);
  r.kick();
  for (int i = 0; i < 5000 && r.used_idx(kPfnA) != 4; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(r.used_idx(kPfnA), 4);
  GUEST_RAM_BEGIN();
  int ok = 0;
  for (int s = 0; s < 4; s++) ok += r.ram[kStatus + 3 * s] == 0;
  GUEST_RAM_END();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(r.rd(18, 1) & 64, 0u);
  std::printf(
      "  %d rounds, %llu BAR moves, %llu requests, %llu I/O-thread wake-ups, %llu NEEDS_RESET\n",
      rounds, (unsigned long long)bar_moves.load(), (unsigned long long)r.stats.requests.load(),
      (unsigned long long)r.stats.eventfd_wakeups.load(),
      (unsigned long long)r.stats.device_needs_reset.load());
  EXPECT_GT(bar_moves.load(), 0u);
  EXPECT_GT(r.stats.eventfd_wakeups.load(), 0u);
  EXPECT_GT(r.stats.requests.load(), 0u);
  EXPECT_EQ(r.vm.bad_deassigns.load(), 0);
  r.pci->stop();
}
