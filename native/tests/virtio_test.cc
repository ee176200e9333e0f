// Device-side tests: a fake guest (1 MiB buffer as RAM), a fake VmIoctls that
// records IRQ levels and ioeventfd registrations, a temp-file disk, and the
// real PciPlatform driven only through port I/O, as a guest driver would.
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "io_bus.h"
#include "pci_platform.h"
#include <gtest/gtest.h>

using namespace kick;

namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint32_t kPfn = 0x10;  // ring at 64 KiB
constexpr uint64_t kRing = uint64_t(kPfn) << 12;
constexpr uint64_t kAvail = kRing + 16 * 256;  // 0x11000
constexpr uint64_t kUsed = kRing + 0x2000;     // next 4 KiB boundary after desc+avail
constexpr uint64_t kHdr = 0x20000, kData = 0x30000, kStatus = 0x40000, kTable = 0x50000;
constexpr uint64_t kSectors = 64;
constexpr uint8_t kStatusOk = 0, kStatusIoErr = 1, kStatusUnsupp = 2;
constexpr uint16_t F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

struct FakeVm : VmIoctls {
  std::atomic<bool> level{false};  // set from the I/O thread, read by the test
  std::atomic<int> asserts{0}, deasserts{0};
  struct Key {
    uint16_t port;
    uint64_t dm;
    bool operator<(const Key& o) const { return port != o.port ? port < o.port : dm < o.dm; }
  };
  std::map<Key, int> live;  // what KVM would currently match
  int assigns = 0, deassigns = 0, bad_deassigns = 0;

  bool set_irq_line(uint32_t gsi, bool l) override {
    if (gsi != 10) return false;
    (l ? asserts : deasserts)++;
    level = l;
    return true;
  }
  bool assign_pio_ioeventfd(int fd, uint16_t port, uint8_t len, uint64_t dm) override {
    if (len != 2 || live.count({port, dm})) return false;
    live[{port, dm}] = fd;
    assigns++;
    return true;
  }
  bool deassign_pio_ioeventfd(int fd, uint16_t port, uint8_t len, uint64_t dm) override {
    auto it = live.find({port, dm});
    if (it == live.end() || it->second != fd) {
      bad_deassigns++;
      return false;
    }
    live.erase(it);
    deassigns++;
    return true;
  }
};

struct BlkHdr {
  uint32_t type, reserved;
  uint64_t sector;
};

// One VM's worth of device side plus a tiny "guest driver".
struct Rig {
  uint8_t* ram;
  GuestMemory mem;
  IoBus io;
  FakeVm vm;
  VmmStats stats;
  std::string disk;
  std::unique_ptr<PciPlatform> pci;
  uint16_t avail_idx = 0, seen_used = 0;
  KickMode mode;

  explicit Rig(KickMode m, bool readonly = false) : mode(m) {
    ram = static_cast<uint8_t*>(aligned_alloc(4096, kRam));
    std::memset(ram, 0, kRam);
    mem = GuestMemory(ram, kRam);
    char path[] = "/tmp/kb-virtio-test-XXXXXX";
    int fd = mkstemp(path);
    disk = path;
    std::vector<uint8_t> img(kSectors * 512);
    for (size_t i = 0; i < img.size(); i++) img[i] = uint8_t(i / 512 + 1);  // sector n holds n+1
    EXPECT_TRUE(write(fd, img.data(), img.size()) == ssize_t(img.size()));
    close(fd);
    PciPlatformConfig cfg;
    cfg.disk_path = disk;
    cfg.readonly = readonly;
    cfg.mode = m;
    std::string err;
    stats.mode = m;
    pci = PciPlatform::create(cfg, mem, io, vm, stats, &err);
    if (!pci) std::fprintf(stderr, "  create failed: %s\n", err.c_str());
    EXPECT_TRUE(pci != nullptr);
    EXPECT_TRUE(pci && pci->start(&err));
  }
  ~Rig() {
    if (pci) pci->stop();
    pci.reset();
    unlink(disk.c_str());
    free(ram);
  }

  // --- PCI config mechanism #1 ---
  uint32_t cfg_read(uint8_t slot, uint8_t reg, uint8_t size = 4, uint8_t fn = 0, uint8_t bus = 0,
                    bool enable = true) {
    uint32_t a = (enable ? 0x80000000u : 0) | uint32_t(bus) << 16 | uint32_t(slot) << 11 |
                 uint32_t(fn) << 8 | (reg & 0xfc);
    io.write(0xcf8, reinterpret_cast<uint8_t*>(&a), 4);
    uint32_t v = 0;
    io.read(uint16_t(0xcfc + (reg & 3)), reinterpret_cast<uint8_t*>(&v), size);
    return v;
  }
  void cfg_write(uint8_t slot, uint8_t reg, uint32_t v, uint8_t size = 4) {
    uint32_t a = 0x80000000u | uint32_t(slot) << 11 | (reg & 0xfc);
    io.write(0xcf8, reinterpret_cast<uint8_t*>(&a), 4);
    io.write(uint16_t(0xcfc + (reg & 3)), reinterpret_cast<uint8_t*>(&v), size);
  }
  uint16_t bar() { return uint16_t(cfg_read(1, 0x10) & ~3u); }

  // --- legacy virtio registers on BAR0 ---
  uint32_t rd(uint16_t off, uint8_t size) {
    uint32_t v = 0;
    io.read(uint16_t(bar() + off), reinterpret_cast<uint8_t*>(&v), size);
    return v;
  }
  void wr(uint16_t off, uint32_t v, uint8_t size) {
    io.write(uint16_t(bar() + off), reinterpret_cast<uint8_t*>(&v), size);
  }
  void setup(uint32_t features = ~0u, uint32_t pfn = kPfn) {
    wr(18, 0, 1);
    wr(18, 1 | 2, 1);
    wr(4, rd(0, 4) & features, 4);
    wr(14, 0, 2);
    wr(8, pfn, 4);
    wr(18, 1 | 2 | 4, 1);
    avail_idx = seen_used = 0;
  }

  // --- ring ---
  void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0,
            uint64_t table = kRing) {
    uint64_t d = table + 16ull * i;
    mem.write_obj(d, addr);
    mem.write_obj(d + 8, len);
    mem.write_obj(d + 12, flags);
    mem.write_obj(d + 14, next);
  }
  void publish(uint16_t head) {
    mem.write_obj(kAvail + 4 + 2 * (avail_idx % 256), head);
    avail_idx++;
    mem.write_obj(kAvail + 2, avail_idx);
  }
  uint16_t used_idx() {  // the device publishes it from the I/O thread
    return __atomic_load_n(reinterpret_cast<uint16_t*>(ram + kUsed + 2), __ATOMIC_ACQUIRE);
  }
  uint32_t used_len(uint16_t n) {
    uint32_t v = 0;
    mem.read_obj(kUsed + 4 + 8 * (n % 256) + 4, &v);
    return v;
  }
  uint32_t used_id(uint16_t n) {
    uint32_t v = 0;
    mem.read_obj(kUsed + 4 + 8 * (n % 256), &v);
    return v;
  }
  // Kicks queue 0 the way KVM would: through the eventfd if one is
  // registered on the notify port, else as a port-I/O exit.
  void kick() {
    auto it = vm.live.find({uint16_t(bar() + 16), 0});
    if (it != vm.live.end()) {
      uint64_t one = 1;
      EXPECT_TRUE(write(it->second, &one, 8) == 8);
      return;
    }
    wr(16, 0, 2);
  }
  // Waits (bounded) for the device to complete up to `n` used entries.
  bool wait_used(uint16_t n) {
    for (int i = 0; i < 5000 && used_idx() != n; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return used_idx() == n;
  }
  // header(R) + data + status(W) using descriptors 0,1,2 (data skipped if len 0).
  void submit(uint32_t type, uint64_t sector, uint32_t len, bool data_writable) {
    BlkHdr h{type, 0, sector};
    mem.write_obj(kHdr, h);
    mem.write_obj(kStatus, uint8_t(0xee));
    if (len) {
      desc(0, kHdr, 16, F_NEXT, 1);
      desc(1, kData, len, uint16_t(F_NEXT | (data_writable ? F_WRITE : 0)), 2);
    } else {
      desc(0, kHdr, 16, F_NEXT, 2);
    }
    desc(2, kStatus, 1, F_WRITE);
    publish(0);
  }
  // Kicks and waits for the next completion; returns the status byte.
  uint8_t run() {
    uint16_t want = uint16_t(seen_used + 1);
    kick();
    EXPECT_TRUE(wait_used(want));
    seen_used = want;
    // The servicing pass holds the device lock until after its interrupt;
    // any locked register read therefore waits for the pass to finish.
    (void)rd(18, 1);
    uint8_t s = 0xee;
    mem.read_obj(kStatus, &s);
    return s;
  }
  uint8_t isr() { return uint8_t(rd(19, 1)); }
  uint8_t status() { return uint8_t(rd(18, 1)); }
};

// Every test body runs in each kick mode: the device must behave the same
// whichever thread services it.
void all_modes(void (*body)(KickMode)) {
  for (KickMode m : {KickMode::Exit, KickMode::Ioeventfd, KickMode::Inline}) {
    SCOPED_TRACE(kick_mode_name(m));
    body(m);
  }
}

}  // namespace

TEST(Virtio, virtio_pci_enumeration) {
  Rig r(KickMode::Exit);
  EXPECT_EQ(r.cfg_read(0, 0x00), 0x0d578086u);                  // host bridge
  EXPECT_EQ(r.cfg_read(0, 0x08) >> 8, 0x060000u);               // class 06/00
  EXPECT_EQ(r.cfg_read(1, 0x00), 0x10011af4u);                  // virtio legacy blk
  EXPECT_EQ(r.cfg_read(1, 0x08), 0x01800000u);                  // class 0x018000, revision 0
  EXPECT_EQ(r.cfg_read(1, 0x2c), 0x00021af4u);                  // subsystem 1af4:0002
  EXPECT_EQ(r.cfg_read(1, 0x3d, 1), 1u);                        // INTA
  EXPECT_EQ(r.cfg_read(1, 0x3c, 1), 10u);                       // Interrupt Line = GSI
  EXPECT_EQ(r.cfg_read(1, 0x0e, 1), 0u);                        // type 0, single function
  EXPECT_EQ(r.cfg_read(1, 0x02, 2), 0x1001u);                   // word read at 0xCFE
  EXPECT_EQ(r.cfg_read(1, 0x01, 1), 0x1au);                     // byte read at 0xCFD
  EXPECT_EQ(r.cfg_read(2, 0x00), 0xffffffffu);                  // empty slot
  EXPECT_EQ(r.cfg_read(1, 0x00, 4, 1), 0xffffffffu);            // function 1
  EXPECT_EQ(r.cfg_read(1, 0x00, 4, 0, 1), 0xffffffffu);         // bus 1
  EXPECT_EQ(r.cfg_read(1, 0x00, 4, 0, 0, false), 0xffffffffu);  // enable bit clear
  // Read-only fields stay put; writable ones take.
  r.cfg_write(1, 0x00, 0x12345678);
  r.cfg_write(1, 0x08, 0xffffffff);
  r.cfg_write(1, 0x3d, 4, 1);
  EXPECT_EQ(r.cfg_read(1, 0x00), 0x10011af4u);
  EXPECT_EQ(r.cfg_read(1, 0x08), 0x01800000u);
  EXPECT_EQ(r.cfg_read(1, 0x3d, 1), 1u);
  r.cfg_write(1, 0x3c, 11, 1);
  EXPECT_EQ(r.cfg_read(1, 0x3c, 1), 11u);
  r.cfg_write(1, 0x30, 0xffffffff);  // no expansion ROM
  EXPECT_EQ(r.cfg_read(1, 0x30), 0u);
  r.cfg_write(1, 0x14, 0xffffffff);  // BAR1 unimplemented
  EXPECT_EQ(r.cfg_read(1, 0x14), 0u);
  auto routes = r.pci->irq_routes();
  EXPECT_EQ(routes.size(), size_t(1));
  EXPECT_TRUE(routes[0].bus == 0 && routes[0].slot == 1 && routes[0].pin == 1 &&
              routes[0].gsi == 10);
}

TEST(Virtio, virtio_bar_sizing_and_relocation) {
  Rig r(KickMode::Exit);
  uint16_t old = r.bar();
  EXPECT_EQ(r.cfg_read(1, 0x10) & 1u, 1u);     // I/O BAR
  EXPECT_TRUE(r.cfg_read(1, 0x04, 2) & 1);     // decoding from the start (no firmware)
  EXPECT_EQ(r.rd(0, 4) & (1u << 9), 1u << 9);  // FLUSH offered at the old place
  r.cfg_write(1, 0x10, 0xffffffff);
  EXPECT_EQ(r.cfg_read(1, 0x10), 0xffffff01u);  // ~(0x100-1) | I/O
  uint32_t v = 0;
  EXPECT_TRUE(!r.io.read(old, reinterpret_cast<uint8_t*>(&v), 4));     // not decoding while sized
  EXPECT_TRUE(!r.io.read(0xff00, reinterpret_cast<uint8_t*>(&v), 4));  // nor at the truncated port
  r.cfg_write(1, 0x10, 0x7000);
  EXPECT_EQ(r.bar(), 0x7000);
  EXPECT_TRUE(!r.io.read(old, reinterpret_cast<uint8_t*>(&v), 4));
  EXPECT_TRUE(r.io.read(0x7000, reinterpret_cast<uint8_t*>(&v), 4));
  EXPECT_EQ(v & (1u << 9), 1u << 9);
  r.cfg_write(1, 0x10, 0x7080);  // low bits below the size are read-only
  EXPECT_EQ(r.bar(), 0x7000);
  r.cfg_write(1, 0x04, 0, 2);  // COMMAND.IO off: no decoding
  EXPECT_TRUE(!r.io.read(0x7000, reinterpret_cast<uint8_t*>(&v), 4));
  r.cfg_write(1, 0x04, 1, 2);
  EXPECT_TRUE(r.io.read(0x7000, reinterpret_cast<uint8_t*>(&v), 4));
  // The device still works at the new place.
  r.setup();
  r.submit(0, 0, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
}

TEST(Virtio, virtio_blk_config_and_features) {
  Rig r(KickMode::Exit);
  uint32_t f = r.rd(0, 4);
  EXPECT_TRUE(f & (1u << 9));      // FLUSH
  EXPECT_TRUE(f & (1u << 2));      // SEG_MAX
  EXPECT_TRUE(f & (1u << 6));      // BLK_SIZE
  EXPECT_TRUE(f & (1u << 28));     // INDIRECT_DESC
  EXPECT_TRUE(!(f & (1u << 5)));   // not RO
  EXPECT_TRUE(!(f & (1u << 29)));  // no EVENT_IDX
  uint64_t cap = 0;
  for (int i = 0; i < 8; i++)
    cap |= uint64_t(r.rd(uint16_t(20 + i), 1)) << (8 * i);  // bytewise, as Linux
  EXPECT_EQ(cap, kSectors);
  EXPECT_EQ(r.rd(20 + 12, 4), 254u);  // seg_max
  EXPECT_EQ(r.rd(20 + 20, 4), 512u);  // blk_size
  EXPECT_EQ(r.rd(12, 2), 256u);       // queue size
  r.wr(14, 1, 2);                     // queue 1 does not exist
  EXPECT_EQ(r.rd(12, 2), 0u);
  r.wr(4, 0xffffffff, 4);
  EXPECT_EQ(r.rd(4, 4), f);  // only offered bits are accepted
  Rig ro(KickMode::Exit, true);
  EXPECT_TRUE(ro.rd(0, 4) & (1u << 5));
}

static void rw_flush_getid(KickMode m) {
  Rig r(m);
  r.setup();
  // Write sectors 3-4 with a pattern, read them back, check the file.
  for (int i = 0; i < 1024; i++) r.ram[kData + i] = uint8_t(i * 7);
  r.submit(1, 3, 1024, false);
  EXPECT_EQ(r.run(), kStatusOk);
  std::memset(r.ram + kData, 0, 1024);
  r.submit(0, 3, 1024, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.used_len(0), 1u);     // write: status byte only
  EXPECT_EQ(r.used_len(1), 1025u);  // read: data + status
  bool same = true;
  for (int i = 0; i < 1024; i++) same &= r.ram[kData + i] == uint8_t(i * 7);
  EXPECT_TRUE(same);
  r.submit(0, 9, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], 10);  // untouched sector 9 holds 10
  FILE* fp = std::fopen(r.disk.c_str(), "rb");
  uint8_t b[2] = {};
  std::fseek(fp, 3 * 512 + 1, SEEK_SET);
  EXPECT_EQ(std::fread(b, 1, 2, fp), size_t(2));
  std::fclose(fp);
  EXPECT_TRUE(b[0] == 7 && b[1] == 14);
  r.submit(4, 0, 0, false);  // FLUSH
  EXPECT_EQ(r.run(), kStatusOk);
  r.submit(8, 0, 20, true);  // GET_ID
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_TRUE(std::memcmp(r.ram + kData, "kb-", 3) == 0);
  EXPECT_EQ(r.used_len(4), 21u);
  r.submit(11, 0, 0, false);  // DISCARD: not offered
  EXPECT_EQ(r.run(), kStatusUnsupp);
  EXPECT_EQ(r.stats.requests.load(), 6u);
  EXPECT_EQ(r.stats.requests_write.load(), 1u);
  EXPECT_EQ(r.stats.requests_read.load(), 2u);
  EXPECT_EQ(r.stats.requests_flush.load(), 1u);
  EXPECT_EQ(r.stats.requests_get_id.load(), 1u);
  EXPECT_EQ(r.stats.requests_unsupported.load(), 1u);
  EXPECT_EQ(r.stats.bytes_written.load(), 1024u);
  EXPECT_EQ(r.stats.bytes_read.load(), 1536u);
  EXPECT_EQ(r.stats.kicks.load(), 6u);
  EXPECT_EQ(r.stats.bad_descriptors.load(), 0u);
  if (m != KickMode::Ioeventfd) {
    EXPECT_EQ(r.stats.notify_io_exits.load(), 6u);
  } else {
    EXPECT_EQ(r.stats.notify_io_exits.load(), 0u);
    EXPECT_EQ(r.stats.eventfd_signals.load(), 6u);
    EXPECT_TRUE(r.stats.eventfd_wakeups.load() >= 1 && r.stats.eventfd_wakeups.load() <= 6);
    r.pci->stop();
    r.pci->stop();  // twice is fine
    EXPECT_TRUE(r.stats.io_thread_cpu_seconds > 0);
  }
}
TEST(Virtio, virtio_blk_read_write_flush_get_id) {
  all_modes(rw_flush_getid);
}

static void interrupts(KickMode m) {
  Rig r(m);
  r.setup();
  r.submit(0, 0, 512, true);
  r.run();
  // The completion may land on the I/O thread; the line follows the ISR.
  EXPECT_TRUE(r.vm.level);
  EXPECT_EQ(r.stats.interrupts.load(), 1u);
  EXPECT_EQ(r.isr(), 1);
  EXPECT_TRUE(!r.vm.level);
  EXPECT_EQ(r.isr(), 0);
  // NO_INTERRUPT in avail->flags: complete silently.
  r.mem.write_obj(kAvail, uint16_t(1));
  r.submit(0, 0, 512, true);
  r.run();
  EXPECT_TRUE(!r.vm.level);
  EXPECT_EQ(r.isr(), 0);
  r.mem.write_obj(kAvail, uint16_t(0));
  // Reset deasserts a pending line.
  r.submit(0, 0, 512, true);
  r.run();
  EXPECT_TRUE(r.vm.level);
  r.wr(18, 0, 1);
  EXPECT_TRUE(!r.vm.level);
  EXPECT_EQ(r.isr(), 0);
  EXPECT_EQ(r.rd(8, 4), 0u);  // queue forgotten
}
TEST(Virtio, virtio_interrupt_assert_and_isr_clear) {
  all_modes(interrupts);
}

TEST(Virtio, virtio_blk_readonly_and_capacity) {
  Rig r(KickMode::Exit, true);
  r.setup();
  std::memset(r.ram + kData, 0x55, 512);
  r.submit(1, 0, 512, false);
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, 0, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], 1);  // file unchanged
  r.submit(4, 0, 0, false);
  EXPECT_EQ(r.run(), kStatusOk);
  r.submit(0, kSectors - 1, 512, true);  // last sector
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], uint8_t(kSectors));
  r.submit(0, kSectors - 1, 1024, true);  // runs past the end
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, kSectors, 512, true);
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, ~0ull >> 9, 512, true);  // sector*512 would wrap
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, ~0ull, 512, true);
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, 0, 100, true);  // not a whole sector
  EXPECT_EQ(r.run(), kStatusIoErr);
  EXPECT_EQ(r.stats.requests_ioerr.load(), 6u);
  EXPECT_EQ(r.stats.bad_descriptors.load(), 0u);
}

// Each hostile chain: the device must complete it (IOERR via a usable
// status byte, else len 0), count it, and keep serving the next request.
static void hostile_chains(KickMode m) {
  Rig r(m);
  r.setup();
  uint64_t bad = 0;
  auto expect_rejected = [&](uint8_t want_status, uint32_t want_len) {
    uint8_t s = r.run();
    EXPECT_EQ(s, want_status);
    EXPECT_EQ(r.used_len(uint16_t(r.seen_used - 1)), want_len);
    EXPECT_EQ(r.stats.bad_descriptors.load(), ++bad);
    r.submit(0, 0, 512, true);  // still alive
    EXPECT_EQ(r.run(), kStatusOk);
  };
  BlkHdr h{0, 0, 0};
  r.mem.write_obj(kHdr, h);
  auto fresh = [&] { r.mem.write_obj(kStatus, uint8_t(0xee)); };

  // Loop: 0 -> 1 -> 0.
  fresh();
  r.desc(0, kHdr, 16, F_NEXT, 1);
  r.desc(1, kData, 512, F_NEXT | F_WRITE, 0);
  r.publish(0);
  expect_rejected(0xee, 0);
  // next index out of range.
  fresh();
  r.desc(0, kHdr, 16, F_NEXT, 300);
  r.publish(0);
  expect_rejected(0xee, 0);
  // head index out of range (avail ring names descriptor 256).
  fresh();
  r.publish(256);
  expect_rejected(0xee, 0);
  EXPECT_EQ(r.used_id(uint16_t(r.seen_used - 2)), 256u);
  // Data buffer beyond RAM; status still usable -> IOERR.
  fresh();
  r.desc(0, kHdr, 16, F_NEXT, 1);
  r.desc(1, kRam - 256, 512, F_NEXT | F_WRITE, 2);
  r.desc(2, kStatus, 1, F_WRITE);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  // Length overflow: addr + len wraps around 2^64.
  fresh();
  r.desc(1, ~0ull - 100, 512, F_NEXT | F_WRITE, 2);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  // Header outside RAM.
  fresh();
  r.desc(0, kRam, 16, F_NEXT, 1);
  r.desc(1, kData, 512, F_NEXT | F_WRITE, 2);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  // Wrong direction: a readable buffer after a writable one.
  fresh();
  r.desc(0, kHdr, 16, F_NEXT, 1);
  r.desc(1, kData, 512, F_NEXT | F_WRITE, 3);
  r.desc(3, kData + 512, 512, F_NEXT, 2);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  // Wrong direction for the type: IN whose data is device-readable.
  fresh();
  r.desc(1, kData, 512, F_NEXT, 2);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  // Status byte read-only: nothing is written, len 0.
  fresh();
  r.desc(1, kData, 512, F_NEXT | F_WRITE, 2);
  r.desc(2, kStatus, 1, 0);
  r.publish(0);
  expect_rejected(0xee, 0);
  // Status byte outside RAM.
  fresh();
  r.desc(2, kRam, 1, F_WRITE);
  r.publish(0);
  expect_rejected(0xee, 0);
  r.desc(2, kStatus, 1, F_WRITE);
  // Short header (8 bytes).
  fresh();
  r.desc(0, kHdr, 8, F_NEXT, 1);
  r.publish(0);
  expect_rejected(kStatusIoErr, 1);
  r.desc(0, kHdr, 16, F_NEXT, 1);
  // Over-long chain: 256 chained descriptors then a loop back.
  fresh();
  for (uint16_t i = 0; i < 256; i++) r.desc(i, kData, 1, F_NEXT | F_WRITE, uint16_t((i + 1) % 256));
  r.desc(0, kHdr, 16, F_NEXT, 1);
  r.publish(0);
  expect_rejected(0xee, 0);
  EXPECT_EQ(r.stats.requests_ioerr.load(), 6u);
  EXPECT_EQ(r.status() & 64, 0);  // chain errors never break the device
}
TEST(Virtio, virtio_hostile_chains) {
  all_modes(hostile_chains);
}

static void indirect(KickMode m) {
  Rig r(m);
  r.setup();
  BlkHdr h{0, 5, 0};
  h.sector = 5;
  h.reserved = 0;
  r.mem.write_obj(kHdr, h);
  // A good indirect request: header, two data halves, status, all in the table.
  r.desc(0, kHdr, 16, F_NEXT, 1, kTable);
  r.desc(1, kData, 256, F_NEXT | F_WRITE, 2, kTable);
  r.desc(2, kData + 256, 256, F_NEXT | F_WRITE, 3, kTable);
  r.desc(3, kStatus, 1, F_WRITE, 0, kTable);
  r.desc(0, kTable, 64, F_INDIRECT);
  r.mem.write_obj(kStatus, uint8_t(0xee));
  r.publish(0);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData + 300], 6);  // sector 5 holds 6
  uint64_t bad = 0;
  auto expect_rejected = [&](uint8_t want) {
    r.mem.write_obj(kStatus, uint8_t(0xee));
    r.publish(0);
    EXPECT_EQ(r.run(), want);
    EXPECT_EQ(r.stats.bad_descriptors.load(), ++bad);
  };
  r.desc(0, kTable, 60, F_INDIRECT);  // not a multiple of 16
  expect_rejected(0xee);
  r.desc(0, kTable, 0, F_INDIRECT);  // empty
  expect_rejected(0xee);
  r.desc(0, kTable, 16 * 257, F_INDIRECT);  // more entries than the queue
  expect_rejected(0xee);
  r.desc(0, kRam - 32, 64, F_INDIRECT);  // table past the end of RAM
  expect_rejected(0xee);
  r.desc(0, ~0ull - 15, 64, F_INDIRECT);  // wraps
  expect_rejected(0xee);
  r.desc(0, kTable, 64, F_INDIRECT | F_NEXT, 1);  // INDIRECT with NEXT
  expect_rejected(0xee);
  r.desc(0, kTable, 64, F_INDIRECT);
  r.desc(2, kTable, 64, F_INDIRECT, 0, kTable);  // nested
  expect_rejected(0xee);
  r.desc(2, kData + 256, 256, F_NEXT | F_WRITE, 4, kTable);  // next beyond the table
  expect_rejected(0xee);
  r.desc(2, kData + 256, 256, F_NEXT | F_WRITE, 1, kTable);  // loop inside the table
  expect_rejected(0xee);
  r.desc(2, kData + 256, 256, F_NEXT | F_WRITE, 3, kTable);
  r.desc(3, kStatus, 1, F_WRITE, 0, kTable);
  r.desc(1, kRam - 8, 256, F_NEXT | F_WRITE, 2, kTable);  // buffer outside RAM, status fine
  expect_rejected(kStatusIoErr);
  r.desc(1, kData, 256, F_NEXT | F_WRITE, 2, kTable);
  r.mem.write_obj(kStatus, uint8_t(0xee));
  r.publish(0);
  EXPECT_EQ(r.run(), kStatusOk);
  // Without the feature negotiated, INDIRECT is a bad descriptor.
  r.setup(~(1u << 28));
  expect_rejected(0xee);
}
TEST(Virtio, virtio_indirect_descriptors) {
  all_modes(indirect);
}

static void broken_queue(KickMode m) {
  Rig r(m);
  // Ring that crosses the end of RAM: queue not activated, NEEDS_RESET.
  r.setup(~0u, uint32_t(kRam >> 12) - 1);
  EXPECT_EQ(r.rd(8, 4), 0u);
  EXPECT_EQ(r.status() & 64, 64);
  EXPECT_EQ(r.stats.device_needs_reset.load(), 1u);
  EXPECT_TRUE(r.vm.live.empty());
  r.wr(8, 0xffffffff, 4);  // PFN*4096 far beyond RAM
  EXPECT_EQ(r.rd(8, 4), 0u);
  r.wr(16, 0, 2);  // a kick on the dead queue does nothing
  EXPECT_EQ(r.stats.requests.load(), 0u);
  // Reset clears NEEDS_RESET and the queue works again.
  r.setup();
  EXPECT_EQ(r.status() & 64, 0);
  EXPECT_EQ(r.rd(8, 4), kPfn);
  r.submit(0, 0, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  r.isr();
  // avail->idx jumps more than a queue's worth: NEEDS_RESET, queue stops.
  r.mem.write_obj(kAvail + 2, uint16_t(r.avail_idx + 300));
  r.kick();
  for (int i = 0; i < 5000 && !(r.status() & 64); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(r.status() & 64, 64);
  EXPECT_EQ(r.stats.device_needs_reset.load(), 2u);
  EXPECT_EQ(r.isr(), 2);  // config interrupt told the live driver
  EXPECT_EQ(r.used_idx(), 1);
  r.wr(16, 0, 2);
  EXPECT_EQ(r.used_idx(), 1);
  EXPECT_EQ(r.stats.requests.load(), 1u);
  // The driver writing status keeps NEEDS_RESET until a reset.
  r.wr(18, 1 | 2 | 4, 1);
  EXPECT_EQ(r.status() & 64, 64);
  std::memset(r.ram + kRing, 0, 0x3000);
  r.setup();
  EXPECT_EQ(r.status(), 7);
  r.submit(0, 1, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], 2);
}
TEST(Virtio, virtio_ring_beyond_ram_and_avail_jump) {
  all_modes(broken_queue);
}

TEST(Virtio, virtio_ioeventfd_registration) {
  Rig r(KickMode::Ioeventfd);
  uint16_t port = uint16_t(r.bar() + 16);
  EXPECT_TRUE(r.vm.live.empty());
  r.setup();
  EXPECT_EQ(r.vm.live.size(), size_t(1));
  EXPECT_TRUE(r.vm.live.count({port, 0}));
  // A notify that still exits (e.g. raced the registration) is served the same way.
  r.submit(0, 0, 512, true);
  r.wr(16, 0, 2);
  EXPECT_TRUE(r.wait_used(1));
  r.seen_used = 1;
  EXPECT_EQ(r.stats.notify_io_exits.load(), 1u);
  EXPECT_EQ(r.stats.kicks.load(), 1u);
  r.submit(0, 0, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);  // via the eventfd
  EXPECT_EQ(r.stats.kicks.load(), 2u);
  // PFN 0 deassigns; a new PFN assigns again.
  r.wr(8, 0, 4);
  EXPECT_TRUE(r.vm.live.empty());
  r.wr(8, kPfn, 4);
  EXPECT_TRUE(r.vm.live.count({port, 0}));
  // Status 0 (reset) deassigns.
  r.wr(18, 0, 1);
  EXPECT_TRUE(r.vm.live.empty());
  r.setup();
  // BAR move: deassign at the old port, assign at the new one.
  r.cfg_write(1, 0x10, 0x7100);
  EXPECT_EQ(r.vm.live.size(), size_t(1));
  EXPECT_TRUE(r.vm.live.count({0x7110, 0}));
  // Sizing write unmaps the BAR: nothing registered while it does not decode.
  r.cfg_write(1, 0x10, 0xffffffff);
  EXPECT_TRUE(r.vm.live.empty());
  r.cfg_write(1, 0x10, 0x7100);
  EXPECT_TRUE(r.vm.live.count({0x7110, 0}));
  r.submit(0, 2, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], 3);
  EXPECT_EQ(r.vm.bad_deassigns, 0);
  Rig e(KickMode::Exit);
  e.setup();
  EXPECT_TRUE(e.vm.live.empty());  // exit mode never registers
  EXPECT_EQ(e.vm.assigns, 0);
  Rig i(KickMode::Inline);
  i.setup();
  EXPECT_EQ(i.vm.assigns, 0);  // nor does inline
}

// Which kind of thread services requests, per mode, with the real kick path
// and the test thread as the vCPU: exit only signals the I/O thread from the
// notify exit, ioeventfd never exits, inline completes before the write returns.
static void serviced_on(KickMode m) {
  Rig r(m);
  r.setup();
  for (uint16_t i = 0; i < 5; i++) {
    r.submit(0, i, 512, true);
    if (m == KickMode::Inline) {
      r.wr(16, 0, 2);                  // the notify exit
      EXPECT_EQ(r.used_idx(), i + 1);  // serviced before the vCPU got control back
      r.seen_used++;
    } else {
      EXPECT_EQ(r.run(), kStatusOk);
    }
    EXPECT_EQ(r.ram[kData], i + 1);
  }
  r.pci->stop();
  EXPECT_EQ(r.stats.requests.load(), 5u);
  EXPECT_EQ(r.stats.kicks.load(), 5u);
  if (m == KickMode::Inline) {
    EXPECT_EQ(r.stats.requests_on_vcpu.load(), 5u);
    EXPECT_EQ(r.stats.requests_on_io_thread.load(), 0u);
    EXPECT_EQ(r.stats.eventfd_wakeups.load(), 0u);
    EXPECT_EQ(r.stats.io_thread_cpu_seconds, 0);  // there is no I/O thread
  } else {
    EXPECT_EQ(r.stats.requests_on_vcpu.load(), 0u);
    EXPECT_EQ(r.stats.requests_on_io_thread.load(), 5u);
    EXPECT_EQ(r.stats.eventfd_signals.load(), 5u);
    EXPECT_TRUE(r.stats.eventfd_wakeups.load() >= 1);
  }
  EXPECT_EQ(r.stats.notify_io_exits.load(), m == KickMode::Ioeventfd ? 0u : 5u);
  EXPECT_EQ(r.vm.assigns, m == KickMode::Ioeventfd ? 1 : 0);  // only ioeventfd registers
}
TEST(Virtio, virtio_servicing_thread_per_mode) {
  all_modes(serviced_on);
}

// Exit mode's hand-off: kicks that pile up while the I/O thread is busy are
// folded into its next eventfd read; none is lost, and stop() counts any
// still pending. Then a reset while signals may be in flight leaves the
// device usable (a stale signal finds the queue inactive).
TEST(Virtio, virtio_exit_handoff_counts_and_reset) {
  Rig r(KickMode::Exit);
  r.setup();
  for (int i = 0; i < 100; i++) r.wr(16, 0, 2);  // nothing queued: pure kicks
  r.wr(18, 0, 1);                                // reset with hand-offs in flight
  r.setup();
  r.submit(0, 4, 512, true);
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_EQ(r.ram[kData], 5);
  r.pci->stop();
  EXPECT_EQ(r.stats.notify_io_exits.load(), 101u);
  EXPECT_EQ(r.stats.kicks.load(), 101u);
  EXPECT_EQ(r.stats.eventfd_signals.load(), 101u);
  EXPECT_EQ(r.stats.requests_on_vcpu.load(), 0u);
  EXPECT_EQ(r.stats.requests_on_io_thread.load(), 1u);
}

// Completions on the I/O thread race ISR reads on the "vCPU": however they
// interleave, every completion is followed by the line being high or the
// ISR bit having been seen, never neither. Exit mode's hand-off completes on
// the same thread, so it must hold there too.
static void no_lost_interrupt(KickMode m) {
  Rig r(m);
  r.setup();
  BlkHdr h{0, 0, 0};
  r.mem.write_obj(kHdr, h);
  int lost = 0;
  for (int i = 0; i < 200; i++) {
    uint16_t head = uint16_t((i % 64) * 3);
    r.desc(head, kHdr, 16, F_NEXT, uint16_t(head + 1));
    r.desc(uint16_t(head + 1), kData, 512, F_NEXT | F_WRITE, uint16_t(head + 2));
    r.desc(uint16_t(head + 2), kStatus, 1, F_WRITE);
    r.publish(head);
    r.kick();
    uint8_t first = r.isr();  // may run before, during or after the completion
    EXPECT_TRUE(r.wait_used(uint16_t(i + 1)));
    // If that read missed this completion, its interrupt must still arrive.
    uint8_t second = 0;
    for (int j = 0; j < 5000 && !first && !second; j++) {
      second = r.isr();
      if (!second) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!first && !second) lost++;
  }
  EXPECT_EQ(lost, 0);
  EXPECT_TRUE(!r.vm.level);
  EXPECT_EQ(r.stats.requests.load(), 200u);
}
TEST(Virtio, virtio_no_lost_interrupt_from_the_io_thread) {
  no_lost_interrupt(KickMode::Ioeventfd);
  no_lost_interrupt(KickMode::Exit);
}

// The image shrinks under a running VM: reads past the new end come back
// short (first preadv partial, the retry hits EOF) and must fail as IOERR.
TEST(Virtio, virtio_blk_disk_shrunk_underneath) {
  Rig r(KickMode::Exit);
  r.setup();
  EXPECT_TRUE(truncate(r.disk.c_str(), 10 * 512 + 100) == 0);
  r.submit(0, 9, 1024, true);  // sector 9 whole, sector 10 only 100 bytes
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, 20, 512, true);  // wholly past the end
  EXPECT_EQ(r.run(), kStatusIoErr);
  r.submit(0, 8, 1024, true);  // still there
  EXPECT_EQ(r.run(), kStatusOk);
  EXPECT_TRUE(r.ram[kData] == 9 && r.ram[kData + 512] == 10);
  EXPECT_EQ(r.stats.requests_ioerr.load(), 2u);
}

TEST(Virtio, virtio_create_errors) {
  GuestMemory mem;
  IoBus io;
  FakeVm vm;
  VmmStats stats;
  std::string err;
  PciPlatformConfig cfg;
  cfg.disk_path = "/nonexistent/disk.img";
  EXPECT_TRUE(PciPlatform::create(cfg, mem, io, vm, stats, &err) == nullptr);
  EXPECT_TRUE(err.find("/nonexistent/disk.img") != std::string::npos);
  char path[] = "/tmp/kb-virtio-empty-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  cfg.disk_path = path;
  err.clear();
  EXPECT_TRUE(PciPlatform::create(cfg, mem, io, vm, stats, &err) == nullptr);
  EXPECT_TRUE(err.find("smaller than one") != std::string::npos);
  unlink(path);
}
