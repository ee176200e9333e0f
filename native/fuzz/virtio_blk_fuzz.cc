// libFuzzer target: a hostile guest driving the legacy virtio-pci transport
// and virtio-blk only through their port interface (PCI config space, BAR0
// registers, queue notify), with fuzz-controlled guest RAM contents and size,
// disk size, and read-only or read-write disk.
//
// The oracle: after every BAR0 access, every byte of guest RAM that changed
// must lie in the used ring or in a device-writable buffer of a chain the
// device popped during that access; a register access that is not a kick
// may change nothing. Chains are re-walked independently (and permissively:
// nested indirect tables are followed too) at the moment the device starts
// on them, so the allowed set is what the guest offered at that time. RAM is
// a heap block of exactly its size, so ASan catches any access outside it.
//
// Input: 5 header bytes (disk mode and size, RAM size and fill), then operations,
// each an opcode byte and its operands (see run_op). Missing bytes read as 0.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "disk/raw.h"
#include "guest_memory.h"
#include "io_bus.h"
#include "kick/kick_path.h"
#include "stats.h"
#include "virtio/blk.h"
#include "virtio/pci_legacy.h"
#include "virtio/virtqueue.h"
#include "vm_ioctls.h"

using namespace kick;

namespace {

constexpr uint16_t kBar0 = 0x6200;
constexpr uint16_t kQueueSize = blk::kQueueSize;

[[noreturn]] void finding(const char* what, uint64_t a = 0, uint64_t b = 0) {
  std::fprintf(stderr, "virtio_blk_fuzz: FINDING: %s (0x%llx, 0x%llx)\n", what,
               (unsigned long long)a, (unsigned long long)b);
  std::abort();
}

struct NullVm : VmIoctls {
  bool set_irq_line(uint32_t, bool) override { return true; }
  bool assign_pio_ioeventfd(int, uint16_t, uint8_t, uint64_t) override { return true; }
  bool deassign_pio_ioeventfd(int, uint16_t, uint8_t, uint64_t) override { return true; }
};

// Kicks arrive as port writes and are serviced on the calling thread (the
// inline arm), so a BAR0 write returns only after everything it caused.
struct InlineKick : KickPath {
  KickMode mode() const override { return KickMode::Inline; }
  void queue_activated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  void queue_deactivated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  void notify_exited(QueueNotifyTarget* target, uint16_t queue) override {
    target->notify_queue(queue);
  }
  bool start(std::string*) override { return true; }
  void stop() override {}
};

// Byte ranges [first, last) of guest RAM the device may write.
using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

// Wraps the real device: before each request, records the writable buffers
// of the chain starting at its head as the guest offered them.
class CheckedBlk : public VirtioDevice {
 public:
  CheckedBlk(VirtioBlk* inner, const GuestMemory& mem) : inner_(inner), mem_(mem) {}
  uint16_t virtio_id() const override { return inner_->virtio_id(); }
  uint32_t pci_class() const override { return inner_->pci_class(); }
  uint16_t num_queues() const override { return inner_->num_queues(); }
  uint16_t queue_size() const override { return inner_->queue_size(); }
  uint32_t host_features() const override { return inner_->host_features(); }
  void set_guest_features(uint32_t f) override { inner_->set_guest_features(f); }
  void read_config(uint32_t o, uint8_t* d, uint32_t s) const override {
    inner_->read_config(o, d, s);
  }
  void reset() override { inner_->reset(); }

  uint32_t handle_request(uint16_t queue, const DescChain& chain) override {
    if (queue != 0) finding("request on a queue that does not exist", queue);
    uint64_t writable = 0;
    if (ring_ != nullptr) walk(ring_, kQueueSize, chain.head, 0, &writable);
    requests_++;
    uint32_t len = inner_->handle_request(queue, chain);
    if (len > writable) finding("used length exceeds the chain's writable bytes", len, writable);
    return len;
  }

  // The ring of the kick about to happen (nullptr: queue 0 inactive).
  void begin(const uint8_t* ring) {
    ring_ = ring;
    allowed_.clear();
    requests_ = 0;
  }
  Ranges& allowed() { return allowed_; }
  unsigned requests() const { return requests_; }

 private:
  // Follows next links (and indirect tables, nested too) from `idx` in a
  // table of `n` entries; bounded so that loops end.
  void walk(const uint8_t* table, uint32_t n, uint16_t idx, int depth, uint64_t* writable) {
    for (uint32_t steps = 0; steps <= n && idx < n; steps++) {
      uint64_t addr;
      uint32_t len;
      uint16_t flags, next;
      std::memcpy(&addr, table + 16u * idx, 8);
      std::memcpy(&len, table + 16u * idx + 8, 4);
      std::memcpy(&flags, table + 16u * idx + 12, 2);
      std::memcpy(&next, table + 16u * idx + 14, 2);
      if (flags & vring::kDescIndirect) {
        const uint8_t* t = mem_.slice(addr, len);
        if (t && depth < 3 && len >= 16) walk(t, len / 16, 0, depth + 1, writable);
      } else if (flags & vring::kDescWrite) {
        *writable += len;
        if (addr < mem_.size()) {
          uint64_t end = len <= mem_.size() - addr ? addr + len : mem_.size();
          allowed_.push_back({addr, end});
        }
      }
      if (!(flags & vring::kDescNext)) return;
      idx = next;
    }
  }

  VirtioBlk* inner_;
  const GuestMemory& mem_;
  const uint8_t* ring_ = nullptr;
  Ranges allowed_;
  unsigned requests_ = 0;
};

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool more() const { return i_ < n_; }
  uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | u8() << 8); }
  uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
  uint64_t u64() { return uint64_t(u32()) | uint64_t(u32()) << 32; }
  size_t take(size_t want, const uint8_t** p) {
    size_t n = std::min(want, n_ - i_);
    *p = d_ + i_;
    i_ += n;
    return n;
  }

 private:
  const uint8_t* d_;
  size_t n_, i_ = 0;
};

// One fuzz run's machine: RAM, a memfd disk and the device behind an IoBus.
struct Machine {
  std::vector<uint8_t> shadow;  // RAM before the current access
  uint8_t* ram = nullptr;
  uint64_t ram_size = 0;
  GuestMemory mem;
  IoBus io;
  NullVm vm;
  VmmStats stats;
  InlineKick kick;
  std::unique_ptr<RawDisk> disk;
  std::unique_ptr<VirtioBlk> blk;
  std::unique_ptr<CheckedBlk> checked;
  std::unique_ptr<VirtioPciLegacy> pci;
  uint16_t avail_idx = 0;

  ~Machine() {
    pci.reset();  // unmaps from io before the device goes
    std::free(ram);
  }

  uint16_t bar() const {
    uint16_t base = 0;
    return pci->io_bar_base(0, &base) ? base : 0;
  }
  bool reg_read(uint16_t off, uint8_t size, uint32_t* v) {
    *v = 0;
    uint16_t base = bar();
    return base && io.read(uint16_t(base + off), reinterpret_cast<uint8_t*>(v), size);
  }

  // Host pointer to queue 0's ring, read through the registers (without
  // changing the guest's queue selection), or nullptr when it is inactive.
  const uint8_t* ring() {
    uint32_t sel = 0, pfn = 0, zero = 0;
    if (!reg_read(vpci::kQueueSelect, 2, &sel)) return nullptr;
    uint16_t base = bar();
    io.write(uint16_t(base + vpci::kQueueSelect), reinterpret_cast<uint8_t*>(&zero), 2);
    reg_read(vpci::kQueuePfn, 4, &pfn);
    io.write(uint16_t(base + vpci::kQueueSelect), reinterpret_cast<uint8_t*>(&sel), 2);
    return pfn ? mem.slice(uint64_t(pfn) << 12, Virtqueue::ring_bytes(kQueueSize)) : nullptr;
  }

  // A BAR0 write with the write-set check around it.
  void reg_write(uint16_t off, uint8_t size, uint32_t v) {
    uint16_t base = bar();
    if (!base) return;
    const uint8_t* r = ring();
    checked->begin(r);
    Ranges& allowed = checked->allowed();
    if (r) {
      uint64_t used = uint64_t(r - ram) + Virtqueue::used_offset(kQueueSize);
      allowed.push_back({used + 2, used + 4 + 8ull * kQueueSize});  // idx and elements
    }
    std::memcpy(shadow.data(), ram, ram_size);
    io.write(uint16_t(base + off), reinterpret_cast<uint8_t*>(&v), size);
    check_writes(off, size);
  }

  void check_writes(uint16_t off, uint8_t size) {
    Ranges& allowed = checked->allowed();
    if (std::memcmp(ram, shadow.data(), ram_size) == 0) return;
    bool sorted = false;
    for (uint64_t i = 0; i < ram_size; i++) {
      // Whole unchanged blocks are skipped with memcmp: a per-byte loop
      // here would dominate the run time (it is coverage-instrumented).
      if (i % 64 == 0 && std::memcmp(ram + i, shadow.data() + i, 64) == 0) {
        i += 63;
        continue;
      }
      if (ram[i] == shadow[i]) continue;
      if (!sorted) {
        std::sort(allowed.begin(), allowed.end());
        sorted = true;
      }
      bool ok = false;
      for (const auto& [first, last] : allowed) {
        if (first > i) break;
        if (i < last) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        std::fprintf(stderr, "%s +%u (size %u), %u requests handled\n",
                     off >= 0x100 ? "config" : "register", off & 0xff, size, checked->requests());
        finding("device wrote guest RAM outside the used ring and writable buffers", i,
                ram[i] | uint64_t(shadow[i]) << 8);
      }
    }
  }

  void poke(uint64_t gpa, const void* p, size_t n) {
    if (gpa >= ram_size) return;
    std::memcpy(ram + gpa, p, std::min<uint64_t>(n, ram_size - gpa));
  }
  uint64_t ring_gpa() {
    const uint8_t* r = ring();
    return r ? uint64_t(r - ram) : 4096;
  }
};

// Guest addresses that matter: small ones, near the end of RAM, and anything.
uint64_t fuzz_addr(Reader& in, uint64_t ram_size) {
  switch (in.u8() % 4) {
    case 0:
      return in.u16() % ram_size;
    case 1:
      return ram_size - (in.u8() + 1);
    case 2:
      return in.u64();
    default:
      return uint64_t(in.u8()) << 9;
  }
}
uint32_t fuzz_len(Reader& in) {
  switch (in.u8() % 4) {
    case 0:
      return in.u8();
    case 1:
      return uint32_t(in.u8()) << 9;
    case 2:
      return in.u32();
    default:
      return 0xffffffffu - in.u8();
  }
}

void write_desc(Machine& m, uint64_t at, uint64_t addr, uint32_t len, uint16_t flags,
                uint16_t next) {
  uint8_t d[16];
  std::memcpy(d, &addr, 8);
  std::memcpy(d + 8, &len, 4);
  std::memcpy(d + 12, &flags, 2);
  std::memcpy(d + 14, &next, 2);
  m.poke(at, d, 16);
}

void publish(Machine& m, uint16_t head) {
  uint64_t avail = m.ring_gpa() + 16ull * kQueueSize;
  m.poke(avail + 4 + 2ull * (m.avail_idx % kQueueSize), &head, 2);
  m.avail_idx++;
  m.poke(avail + 2, &m.avail_idx, 2);
}

void run_op(Machine& m, Reader& in) {
  static const uint8_t kSizes[4] = {1, 2, 4, 2};
  switch (in.u8() % 12) {
    case 0: {  // raw bytes into RAM
      uint64_t at = in.u16() % m.ram_size;
      const uint8_t* p;
      size_t n = in.take(in.u8(), &p);
      m.poke(at, p, n);
      break;
    }
    case 1: {  // one descriptor, in the ring's table or anywhere (an indirect table)
      uint8_t sel = in.u8();
      uint64_t at = (sel & 1) ? in.u16() % m.ram_size : m.ring_gpa() + 16ull * (in.u8());
      uint64_t addr = fuzz_addr(in, m.ram_size);
      uint32_t len = fuzz_len(in);
      uint16_t flags = in.u8() % 8;
      write_desc(m, at, addr, len, flags, in.u16() % (kQueueSize + 2));
      break;
    }
    case 2:
      publish(m, in.u16() % (kQueueSize + 2));
      break;
    case 3: {  // move the available index (backwards, or far ahead)
      m.avail_idx = uint16_t(m.avail_idx + in.u16());
      m.poke(m.ring_gpa() + 16ull * kQueueSize + 2, &m.avail_idx, 2);
      break;
    }
    case 4: {  // a request header
      static const uint32_t kTypes[6] = {0, 1, 4, 8, 11, 0xffffffffu};
      uint64_t at = in.u16() % m.ram_size;
      uint8_t t = in.u8();
      uint32_t hdr[4] = {t < 240 ? kTypes[t % 6] : in.u32(), 0, 0, 0};
      uint64_t sector = in.u8() & 1 ? in.u64() : in.u16();
      std::memcpy(&hdr[2], &sector, 8);
      m.poke(at, hdr, 16);
      break;
    }
    case 5: {  // BAR0 register write (a kick when it hits the notify register)
      uint16_t off = in.u8();
      uint8_t size = kSizes[in.u8() % 4];
      m.reg_write(off, size, in.u32());
      break;
    }
    case 6: {  // BAR0 register read (ISR reads have side effects)
      uint32_t v;
      uint16_t off = in.u8();
      m.reg_read(off, kSizes[in.u8() % 4], &v);
      break;
    }
    case 7: {  // PCI config write: BAR moves, sizing, COMMAND.IO
      uint16_t reg = in.u8();
      uint8_t size = kSizes[in.u8() % 4];
      uint32_t v = in.u8() & 1 ? in.u32() : uint32_t(in.u8()) << 8;
      m.checked->begin(nullptr);  // nothing in RAM may change
      std::memcpy(m.shadow.data(), m.ram, m.ram_size);
      m.pci->config_write(reg, v, size);
      m.check_writes(0x100 + reg, size);
      break;
    }
    case 8: {  // the driver's initialisation, with a fuzzed PFN and features
      uint8_t sel = in.u8();
      uint32_t pfn = sel & 1 ? in.u32() : uint32_t(1 + in.u8() % (m.ram_size >> 12));
      uint32_t features = in.u8() & 1 ? in.u32() : virtio::kFRingIndirectDesc;
      uint32_t host = 0;
      m.reg_read(vpci::kHostFeatures, 4, &host);
      m.reg_write(vpci::kStatus, 1, 0);
      m.reg_write(vpci::kStatus, 1, virtio::kStatusAck | virtio::kStatusDriver);
      m.reg_write(vpci::kGuestFeatures, 4, host & features);
      m.reg_write(vpci::kQueueSelect, 2, 0);
      m.reg_write(vpci::kQueuePfn, 4, pfn);
      m.reg_write(vpci::kStatus, 1,
                  virtio::kStatusAck | virtio::kStatusDriver | virtio::kStatusDriverOk);
      m.avail_idx = 0;
      break;
    }
    case 9:  // kick queue 0 (or another index)
      m.reg_write(vpci::kQueueNotify, 2, in.u8() < 240 ? 0 : in.u8());
      break;
    case 10: {  // a whole request: header, data, status at fuzzed places, in the ring
      uint16_t head = in.u8();
      uint64_t ring = m.ring_gpa();
      uint64_t hdr = in.u16() % m.ram_size, data = fuzz_addr(in, m.ram_size);
      uint64_t status = in.u16() % m.ram_size;
      uint32_t len = fuzz_len(in);
      uint8_t mode = in.u8();
      uint32_t h[4] = {uint32_t(mode % 9), 0, in.u8(), 0};
      m.poke(hdr, h, 16);
      uint16_t d1 = uint16_t((head + 1) % kQueueSize), d2 = uint16_t((head + 2) % kQueueSize);
      write_desc(m, ring + 16ull * head, hdr, 16, vring::kDescNext, d1);
      write_desc(m, ring + 16ull * d1, data, len,
                 uint16_t(vring::kDescNext | (mode & 0x10 ? vring::kDescWrite : 0)), d2);
      write_desc(m, ring + 16ull * d2, status, 1, vring::kDescWrite, 0);
      publish(m, head);
      break;
    }
    default: {  // an indirect request: a table anywhere, named by one ring descriptor
      uint16_t head = in.u8();
      uint64_t table = in.u16() % m.ram_size;
      uint32_t n = 1 + in.u8() % 8;
      uint32_t len = in.u8() & 1 ? n * 16 : fuzz_len(in);
      write_desc(m, m.ring_gpa() + 16ull * head, table, len, vring::kDescIndirect, 0);
      publish(m, head);
      break;
    }
  }
}

int memfd_disk() {
  static int fd = memfd_create("virtio_blk_fuzz_disk", MFD_CLOEXEC);
  if (fd < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  uint8_t mode = in.u8();
  bool readonly = mode & 1;
  uint64_t sectors = 1 + in.u16() % 4096;
  uint64_t tail = (mode >> 1) % 64 * 8;   // a partial last sector is never used
  uint64_t ram_pages = 4 + in.u8() % 13;  // 16..64 KiB: room for one 256-entry ring
  uint8_t fill = in.u8();  // RAM's initial bytes: a write of the same value is invisible

  int fd = memfd_disk();
  if (ftruncate(fd, 0) != 0 || ftruncate(fd, off_t(sectors * 512 + tail)) != 0) std::abort();
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  Machine m;
  m.ram_size = ram_pages << 12;
  m.ram = static_cast<uint8_t*>(std::malloc(m.ram_size));
  std::memset(m.ram, fill, m.ram_size);
  m.shadow.resize(m.ram_size);
  m.mem = GuestMemory(m.ram, m.ram_size);
  std::string error;
  m.disk = RawDisk::open(path, readonly, &error);
  if (!m.disk) {
    std::fprintf(stderr, "virtio_blk_fuzz: %s\n", error.c_str());
    std::abort();
  }
  if (m.disk->sectors() != sectors) finding("disk capacity", m.disk->sectors(), sectors);
  m.blk = std::make_unique<VirtioBlk>(m.disk.get(), m.mem, m.stats);
  m.checked = std::make_unique<CheckedBlk>(m.blk.get(), m.mem);
  VirtioPciWiring w{&m.mem, &m.io, &m.vm, &m.stats, &m.kick, 10, kBar0};
  m.pci = std::make_unique<VirtioPciLegacy>(m.checked.get(), w);
  if (!m.pci->init(&error)) {
    std::fprintf(stderr, "virtio_blk_fuzz: %s\n", error.c_str());
    std::abort();
  }
  for (unsigned ops = 0; in.more() && ops < 4096; ops++) run_op(m, in);
  return 0;
}
