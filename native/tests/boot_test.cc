// Boot-code unit tests: everything here runs on the host without KVM, against
// a GuestMemory backed by a plain buffer and synthetic kernel images.
#include <elf.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "boot/boot.h"
#include "boot/boot_params.h"
#include "boot/bzimage.h"
#include "boot/cpu_state.h"
#include "boot/elf.h"
#include "boot/initrd.h"
#include "boot/layout.h"
#include "boot/memory_map.h"
#include "boot/mptable.h"
#include "boot/pvh.h"
#include <gtest/gtest.h>

using namespace kick;
using namespace kick::boot;

namespace {

constexpr uint64_t MiB = 1 << 20;

struct FakeRam {
  std::vector<uint8_t> bytes;
  GuestMemory mem;
  explicit FakeRam(uint64_t size, uint8_t fill = 0) : bytes(size, fill), mem(bytes.data(), size) {}
};

template <typename T>
T get(const uint8_t* p, uint64_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}
template <typename T>
void set(std::vector<uint8_t>& b, uint64_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

// A file under /tmp that disappears with the test.
struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<uint8_t>& data) {
    char name[] = "/tmp/kickboot-test-XXXXXX";
    int fd = mkstemp(name);
    path = name;
    if (fd >= 0) {
      if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) path.clear();
      close(fd);
    }
  }
  ~TempFile() { unlink(path.c_str()); }
};

// ELF64: header, two program headers (PT_LOAD, PT_NOTE), a Xen PHYS32_ENTRY
// note, then 64 bytes of segment data loaded at 1 MiB with a 4 KiB bss.
struct ElfSpec {
  bool with_note = true;
  uint64_t paddr = MiB;
  uint64_t memsz = 4096;
  uint64_t entry = MiB;
};
constexpr uint64_t kElfDataOff = 256, kElfDataLen = 64;
std::vector<uint8_t> make_elf(const ElfSpec& s = {}) {
  std::vector<uint8_t> f(kElfDataOff + kElfDataLen, 0);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = s.entry;
  eh.e_phoff = sizeof eh;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = s.with_note ? 2 : 1;
  std::memcpy(f.data(), &eh, sizeof eh);
  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_offset = kElfDataOff;
  load.p_paddr = load.p_vaddr = s.paddr;
  load.p_filesz = kElfDataLen;
  load.p_memsz = s.memsz;
  std::memcpy(f.data() + sizeof eh, &load, sizeof load);
  if (s.with_note) {
    const uint64_t note_off = sizeof eh + 2 * sizeof(Elf64_Phdr);
    Elf64_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_offset = note_off;
    note.p_filesz = 20;
    note.p_align = 4;
    std::memcpy(f.data() + sizeof eh + sizeof load, &note, sizeof note);
    set<uint32_t>(f, note_off, 4);
    set<uint32_t>(f, note_off + 4, 4);
    set<uint32_t>(f, note_off + 8, kXenElfNotePhys32Entry);
    std::memcpy(f.data() + note_off + 12, "Xen", 4);
    set<uint32_t>(f, note_off + 16, static_cast<uint32_t>(s.paddr + 0x10));
  }
  for (uint64_t i = 0; i < kElfDataLen; i++) f[kElfDataOff + i] = static_cast<uint8_t>(0xA0 + i);
  return f;
}

// bzImage: one setup sector after the boot sector (both 0xFF-filled, as Linux
// >= 6.1.88 does outside the header), then a 4 KiB protected-mode part.
struct BzSpec {
  uint16_t version = 0x020F;
  uint16_t xloadflags = kXlfKernel64;
  uint32_t cmdline_max = 2047;
  uint32_t initrd_addr_max = 0x7FFFFFFF;
  uint32_t init_size = 2 * MiB;
};
std::vector<uint8_t> make_bzimage(const BzSpec& s = {}) {
  std::vector<uint8_t> f(2 * 512 + 4096, 0xFF);
  const uint64_t hdr_end = 0x268;
  std::memset(f.data() + bzhdr::kSetupSects, 0, hdr_end - bzhdr::kSetupSects);
  f[bzhdr::kSetupSects] = 1;
  set<uint16_t>(f, bzhdr::kBootFlag, 0xAA55);
  f[bzhdr::kJump] = 0xEB;
  f[bzhdr::kJump + 1] = static_cast<uint8_t>(hdr_end - bzhdr::kHeaderMagic);
  set<uint32_t>(f, bzhdr::kHeaderMagic, kHdrSMagic);
  set<uint16_t>(f, bzhdr::kVersion, s.version);
  f[bzhdr::kLoadflags] = kLoadedHigh;
  set<uint32_t>(f, bzhdr::kInitrdAddrMax, s.initrd_addr_max);
  set<uint32_t>(f, bzhdr::kKernelAlignment, 0x200000);
  f[bzhdr::kRelocatable] = 1;
  set<uint16_t>(f, bzhdr::kXloadflags, s.xloadflags);
  set<uint32_t>(f, bzhdr::kCmdlineSize, s.cmdline_max);
  set<uint64_t>(f, bzhdr::kPrefAddress, 0x1000000);
  set<uint32_t>(f, bzhdr::kInitSize, s.init_size);
  for (uint64_t i = 1024; i < f.size(); i++) f[i] = static_cast<uint8_t>(i * 7);
  return f;
}

bool parse(const std::vector<uint8_t>& f, ElfKernel* k, std::string* err) {
  return parse_elf(f.data(), f.size(), k, err);
}

}  // namespace

TEST(Boot, boot_params_elf_fields_at_documented_offsets) {
  BootParamsInput in;
  in.cmdline_addr = kCmdlineAddr;
  in.initrd_addr = 0x7F000000;
  in.initrd_size = 0x123456;
  in.memory_map = guest_memory_map(256 * MiB);
  std::vector<uint8_t> zp;
  std::string err;
  EXPECT_TRUE(build_boot_params(in, &zp, &err));
  EXPECT_EQ(zp.size(), 4096u);
  const uint8_t* p = zp.data();
  EXPECT_EQ(get<uint16_t>(p, 0x1FE), 0xAA55);
  EXPECT_TRUE(std::memcmp(p + 0x202, "HdrS", 4) == 0);
  EXPECT_EQ(p[0x210], 0xFF);                        // type_of_loader
  EXPECT_TRUE(p[0x211] & 1);                        // LOADED_HIGH
  EXPECT_EQ(get<uint32_t>(p, 0x218), 0x7F000000u);  // ramdisk_image
  EXPECT_EQ(get<uint32_t>(p, 0x21C), 0x123456u);    // ramdisk_size
  EXPECT_EQ(get<uint32_t>(p, 0x0C0), 0u);           // ext_ramdisk_image
  EXPECT_EQ(get<uint32_t>(p, 0x228), 0x20000u);     // cmd_line_ptr
  EXPECT_EQ(get<uint32_t>(p, 0x230), 0x01000000u);  // kernel_alignment
  EXPECT_EQ(get<uint32_t>(p, 0x238), 2047u);        // cmdline_size
  EXPECT_EQ(p[0x1E8], 3);                           // e820_entries
  EXPECT_EQ(get<uint64_t>(p, 0x2D0), 0u);
  EXPECT_EQ(get<uint64_t>(p, 0x2D8), 0x9FC00u);
  EXPECT_EQ(get<uint32_t>(p, 0x2E0), 1u);
  EXPECT_EQ(get<uint64_t>(p, 0x2D0 + 40), MiB);
  EXPECT_EQ(get<uint64_t>(p, 0x2D0 + 48), 255 * MiB);
}

TEST(Boot, boot_params_high_addresses_use_ext_fields) {
  BootParamsInput in;
  in.cmdline_addr = 0x123456789ull;
  in.initrd_addr = 0x200001000ull;
  in.initrd_size = 0x100000000ull;
  in.memory_map = guest_memory_map(64 * MiB);
  std::vector<uint8_t> zp;
  std::string err;
  EXPECT_TRUE(build_boot_params(in, &zp, &err));
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x228), 0x23456789u);
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x0C8), 1u);
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x218), 0x1000u);
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x0C0), 2u);
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x21C), 0u);
  EXPECT_EQ(get<uint32_t>(zp.data(), 0x0C4), 1u);
}

TEST(Boot, boot_e820_ascending_disjoint_and_mptable_not_in_ram) {
  const uint64_t ram = 512 * MiB;
  auto map = guest_memory_map(ram);
  EXPECT_EQ(map.size(), 3u);
  for (size_t i = 1; i < map.size(); i++)
    EXPECT_TRUE(map[i - 1].addr + map[i - 1].size <= map[i].addr);
  EXPECT_TRUE(map[0].type == MemoryType::Ram && map[0].addr == 0 && map[0].size == 0x9FC00);
  EXPECT_TRUE(map[2].type == MemoryType::Ram && map[2].addr == MiB);
  EXPECT_EQ(map[2].addr + map[2].size, ram);
  std::vector<uint8_t> table;
  std::string err;
  EXPECT_TRUE(build_mptable(kMpTableAddr, 4, {{0, 1, 1, 10}}, &table, &err));
  bool covered = false;
  for (const MemoryRange& r : map) {
    const bool overlaps = r.addr < kMpTableAddr + table.size() && kMpTableAddr < r.addr + r.size;
    if (r.type == MemoryType::Ram) {
      EXPECT_TRUE(!overlaps);
    }
    if (r.type == MemoryType::Reserved && r.addr <= kMpTableAddr &&
        kMpTableAddr + table.size() <= r.addr + r.size)
      covered = true;
  }
  EXPECT_TRUE(covered);
}

TEST(Boot, boot_mptable_checksums_counts_and_routes) {
  const std::vector<PciIrqRoute> routes = {{0, 1, 1, 10}, {0, 3, 2, 11}};
  std::vector<uint8_t> t;
  std::string err;
  EXPECT_TRUE(build_mptable(kMpTableAddr, 3, routes, &t, &err));
  const uint8_t* p = t.data();
  EXPECT_TRUE(std::memcmp(p, "_MP_", 4) == 0);
  EXPECT_EQ(get<uint32_t>(p, 4), kMpTableAddr + 16);
  EXPECT_EQ(p[8], 1);
  EXPECT_EQ(p[9], 4);
  uint8_t sum = 0;
  for (int i = 0; i < 16; i++) sum += p[i];
  EXPECT_EQ(sum, 0);
  const uint8_t* c = p + 16;
  EXPECT_TRUE(std::memcmp(c, "PCMP", 4) == 0);
  const uint16_t len = get<uint16_t>(c, 4);
  EXPECT_EQ(len + 16u, t.size());
  sum = 0;
  for (int i = 0; i < len; i++) sum += c[i];
  EXPECT_EQ(sum, 0);
  const uint16_t count = get<uint16_t>(c, 34);
  EXPECT_TRUE(count > 0);
  EXPECT_EQ(get<uint32_t>(c, 36), 0xFEE00000u);

  int cpus = 0, bsp = 0, buses = 0, ioapics = 0, isa = 0, pci = 0, lint = 0, walked = 0;
  uint8_t ioapic_id = 0xEE;
  bool pci_bus = false, isa_bus = false;
  for (uint64_t off = 44; off < len; walked++) {
    const uint8_t* e = c + off;
    switch (e[0]) {
      case kMpProcessor:
        cpus++;
        if (e[3] & 2) {
          bsp++;
          EXPECT_EQ(e[1], 0);
        }
        EXPECT_TRUE(e[3] & 1);
        off += 20;
        break;
      case kMpBus:
        buses++;
        if (e[1] == 0) pci_bus = std::memcmp(e + 2, "PCI   ", 6) == 0;
        if (e[1] == 1) isa_bus = std::memcmp(e + 2, "ISA   ", 6) == 0;
        off += 8;
        break;
      case kMpIoApic:
        ioapics++;
        ioapic_id = e[1];
        EXPECT_EQ(get<uint32_t>(e, 4), 0xFEC00000u);
        off += 8;
        break;
      case kMpIntSrc:
        EXPECT_EQ(e[6], ioapic_id);
        if (e[4] == kMpIsaBusId) {
          EXPECT_EQ(e[5], e[7]);  // ISA IRQ i -> pin i
          EXPECT_TRUE(e[7] != 10 && e[7] != 11);
          isa++;
        } else {
          EXPECT_EQ(e[4], kMpPciBusId);
          const PciIrqRoute& r = routes[pci++];
          EXPECT_EQ(e[5], (r.slot << 2) | (r.pin - 1));
          EXPECT_EQ(e[7], r.gsi);
        }
        off += 8;
        break;
      case kMpLintSrc:
        EXPECT_EQ(e[1], lint == 0 ? kMpIrqExtInt : kMpIrqNmi);
        EXPECT_EQ(e[7], lint);
        lint++;
        off += 8;
        break;
      default:
        EXPECT_TRUE(false);
        off = len;
    }
  }
  EXPECT_EQ(cpus, 3);
  EXPECT_EQ(bsp, 1);
  EXPECT_EQ(buses, 2);
  EXPECT_TRUE(pci_bus && isa_bus);
  EXPECT_EQ(ioapics, 1);
  EXPECT_EQ(ioapic_id, 3);  // after the 3 local APIC ids
  EXPECT_EQ(isa, 14);       // 16 ISA IRQs minus the two pins the PCI routes use
  EXPECT_EQ(pci, 2);
  EXPECT_EQ(lint, 2);
  EXPECT_EQ(walked, count);
}

TEST(Boot, boot_mptable_rejects_bad_routes_and_cpu_counts) {
  std::vector<uint8_t> t;
  std::string err;
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 0, {}, &t, &err));
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 255, {}, &t, &err));
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 1, {{0, 1, 0, 10}}, &t, &err));   // pin 0
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 1, {{0, 1, 5, 10}}, &t, &err));   // pin 5
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 1, {{0, 32, 1, 10}}, &t, &err));  // slot 32
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 1, {{0, 1, 1, 24}}, &t, &err));   // no pin 24
  EXPECT_TRUE(!build_mptable(kMpTableAddr, 1, {{1, 1, 1, 10}}, &t, &err));   // one PCI bus
  EXPECT_TRUE(!err.empty() && err.find('\n') == std::string::npos);
}

TEST(Boot, boot_pvh_start_info_fields) {
  FakeRam ram(8 * MiB);
  PvhInput in;
  in.cmdline_addr = kCmdlineAddr;
  in.initrd_addr = 0x600000;
  in.initrd_size = 0x1234;
  in.memory_map = guest_memory_map(8 * MiB);
  std::string err;
  EXPECT_TRUE(write_pvh_start_info(ram.mem, in, &err));
  HvmStartInfo si{};
  EXPECT_TRUE(ram.mem.read_obj(kStartInfoAddr, &si));
  EXPECT_EQ(si.magic, 0x336EC578u);
  EXPECT_EQ(si.version, 1u);
  EXPECT_EQ(si.cmdline_paddr, kCmdlineAddr);
  EXPECT_EQ(si.nr_modules, 1u);
  EXPECT_EQ(si.rsdp_paddr, 0u);
  EXPECT_EQ(si.memmap_entries, 3u);
  HvmModlistEntry mod{};
  EXPECT_TRUE(ram.mem.read_obj(si.modlist_paddr, &mod));
  EXPECT_EQ(mod.paddr, 0x600000u);
  EXPECT_EQ(mod.size, 0x1234u);
  HvmMemmapEntry last{};
  EXPECT_TRUE(ram.mem.read_obj(si.memmap_paddr + 2 * sizeof last, &last));
  EXPECT_EQ(last.addr, MiB);
  EXPECT_EQ(last.size, 7 * MiB);
  EXPECT_EQ(last.type, 1u);
  // Without an initrd there is no module list.
  in.initrd_size = 0;
  EXPECT_TRUE(write_pvh_start_info(ram.mem, in, &err));
  EXPECT_TRUE(ram.mem.read_obj(kStartInfoAddr, &si));
  EXPECT_EQ(si.nr_modules, 0u);
  EXPECT_EQ(si.modlist_paddr, 0u);
}

TEST(Boot, boot_elf_synthetic_loads_segment_zeroes_bss_finds_pvh_note) {
  const auto f = make_elf();
  ElfKernel k;
  std::string err;
  EXPECT_TRUE(parse(f, &k, &err));
  EXPECT_TRUE(k.is_64bit);
  EXPECT_TRUE(k.has_pvh_entry);
  EXPECT_EQ(k.pvh_entry, MiB + 0x10);
  EXPECT_EQ(k.segments.size(), 1u);
  EXPECT_EQ(k.load_end, MiB + 4096);
  FakeRam ram(4 * MiB, 0xCC);
  EXPECT_TRUE(load_elf(ram.mem, f.data(), k, &err));
  EXPECT_EQ(ram.bytes[MiB], 0xA0);
  EXPECT_EQ(ram.bytes[MiB + kElfDataLen - 1], 0xA0 + kElfDataLen - 1);
  bool bss_zero = true;
  for (uint64_t i = MiB + kElfDataLen; i < MiB + 4096; i++) bss_zero &= ram.bytes[i] == 0;
  EXPECT_TRUE(bss_zero);
  EXPECT_EQ(ram.bytes[MiB + 4096], 0xCC);  // nothing written past memsz
  ElfSpec no_note;
  no_note.with_note = false;
  EXPECT_TRUE(parse(make_elf(no_note), &k, &err));
  EXPECT_TRUE(!k.has_pvh_entry);
}

TEST(Boot, boot_elf_rejects_truncated_and_corrupt_files) {
  const auto good = make_elf();
  ElfKernel k;
  std::string err;
  // Header truncated.
  std::vector<uint8_t> f(good.begin(), good.begin() + 40);
  EXPECT_TRUE(!parse(f, &k, &err));
  EXPECT_TRUE(err.find("truncated") != std::string::npos);
  // Program headers past EOF: huge e_phoff, then a file cut inside the table.
  f = good;
  set<uint64_t>(f, offsetof(Elf64_Ehdr, e_phoff), ~0ull - 8);
  EXPECT_TRUE(!parse(f, &k, &err));
  f.assign(good.begin(), good.begin() + 100);
  EXPECT_TRUE(!parse(f, &k, &err));
  // A segment whose file bytes run past EOF (offset and size both overflow-checked).
  f = good;
  set<uint64_t>(f, 64 + offsetof(Elf64_Phdr, p_filesz), 0x10000);
  EXPECT_TRUE(!parse(f, &k, &err));
  f = good;
  set<uint64_t>(f, 64 + offsetof(Elf64_Phdr, p_offset), ~0ull);
  EXPECT_TRUE(!parse(f, &k, &err));
  // p_filesz > p_memsz.
  ElfSpec small;
  small.memsz = 16;
  EXPECT_TRUE(!parse(make_elf(small), &k, &err));
  // Note with a descsz running past its segment.
  f = good;
  set<uint32_t>(f, 64 + 2 * 56 + 4, 0x1000);
  EXPECT_TRUE(!parse(f, &k, &err));
  // Wrong machine, not executable, bad phentsize, no phdrs.
  f = good;
  set<uint16_t>(f, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
  EXPECT_TRUE(!parse(f, &k, &err));
  f = good;
  set<uint16_t>(f, offsetof(Elf64_Ehdr, e_type), ET_DYN);
  EXPECT_TRUE(!parse(f, &k, &err));
  f = good;
  set<uint16_t>(f, offsetof(Elf64_Ehdr, e_phentsize), 32);
  EXPECT_TRUE(!parse(f, &k, &err));
  f = good;
  set<uint16_t>(f, offsetof(Elf64_Ehdr, e_phnum), 0);
  EXPECT_TRUE(!parse(f, &k, &err));
  EXPECT_TRUE(err.find('\n') == std::string::npos);
}

TEST(Boot, boot_elf_rejects_segments_outside_ram_or_below_1mib) {
  std::string err;
  ElfKernel k;
  FakeRam ram(4 * MiB, 0xCC);
  ElfSpec beyond;
  beyond.paddr = 4 * MiB - 1024;  // 64 bytes fit, the 4 KiB bss does not
  EXPECT_TRUE(parse(make_elf(beyond), &k, &err));
  EXPECT_TRUE(!load_elf(ram.mem, make_elf(beyond).data(), k, &err));
  EXPECT_TRUE(err.find("does not fit") != std::string::npos);
  EXPECT_EQ(ram.bytes[4 * MiB - 1024], 0xCC);  // nothing written
  ElfSpec huge;
  huge.paddr = ~0ull - 100;
  EXPECT_TRUE(!parse(make_elf(huge), &k, &err));  // wraps
  ElfSpec low;
  low.paddr = 0x8000;
  EXPECT_TRUE(parse(make_elf(low), &k, &err));
  EXPECT_TRUE(!load_elf(ram.mem, make_elf(low).data(), k, &err));
  EXPECT_EQ(ram.bytes[0x8000], 0xCC);
}

TEST(Boot, boot_bzimage_header_parsed_and_old_or_32bit_only_rejected) {
  const auto f = make_bzimage();
  BzImage bz;
  std::string err;
  EXPECT_TRUE(looks_like_bzimage(f.data(), f.size()));
  EXPECT_TRUE(parse_bzimage(f.data(), f.size(), &bz, &err));
  EXPECT_EQ(bz.kernel_offset, 1024u);
  EXPECT_EQ(bz.kernel_size, 4096u);
  EXPECT_EQ(bz.setup_header_end, 0x268u);
  EXPECT_EQ(bz.cmdline_max, 2047u);
  EXPECT_EQ(bzimage_kernel_end(bz), 0x1000000u + 2 * MiB);
  BzSpec old;
  old.version = 0x020B;
  auto g = make_bzimage(old);
  EXPECT_TRUE(!parse_bzimage(g.data(), g.size(), &bz, &err));
  EXPECT_TRUE(err.find("2.11") != std::string::npos);
  BzSpec no64;
  no64.xloadflags = 0;
  g = make_bzimage(no64);
  EXPECT_TRUE(!parse_bzimage(g.data(), g.size(), &bz, &err));
  EXPECT_TRUE(err.find("XLF_KERNEL_64") != std::string::npos);
  g.assign(f.begin(), f.begin() + 0x230);  // header cut short
  EXPECT_TRUE(!parse_bzimage(g.data(), g.size(), &bz, &err));
  g.assign(f.begin(), f.begin() + 1024);  // no protected-mode part
  EXPECT_TRUE(!parse_bzimage(g.data(), g.size(), &bz, &err));
}

TEST(Boot, boot_bzimage_load_guest_copies_only_setup_header) {
  TempFile kernel(make_bzimage());
  FakeRam ram(64 * MiB, 0xCC);
  BootOptions o;
  o.kernel_path = kernel.path;
  o.cmdline = "console=ttyS0";
  BootPlan plan;
  std::string err;
  EXPECT_TRUE(load_guest(ram.mem, o, &plan, &err));
  EXPECT_TRUE(plan.entry == BootPlan::Entry::Linux64);
  EXPECT_EQ(plan.rip, 0x100200u);
  EXPECT_EQ(plan.boot_info_gpa, kBootParamsAddr);
  EXPECT_TRUE(plan.kernel_kind == "bzimage-linux64");
  const uint8_t* zp = ram.bytes.data() + kBootParamsAddr;
  EXPECT_EQ(zp[0], 0);  // the 0xFF boot sector was not copied
  EXPECT_EQ(zp[0x1F0], 0);
  EXPECT_EQ(zp[0x268], 0);  // nor anything after the header
  EXPECT_EQ(zp[0x1F1], 1);  // setup_sects, copied
  EXPECT_EQ(get<uint16_t>(zp, 0x206), 0x020F);
  EXPECT_EQ(get<uint32_t>(zp, 0x238), 2047u);  // cmdline_size left as the kernel says
  EXPECT_EQ(zp[0x210], 0xFF);
  EXPECT_EQ(get<uint32_t>(zp, 0x228), kCmdlineAddr);
  EXPECT_TRUE(
      std::strcmp(reinterpret_cast<char*>(ram.bytes.data() + kCmdlineAddr), "console=ttyS0") == 0);
  EXPECT_EQ(ram.bytes[MiB], static_cast<uint8_t>(1024 * 7));  // protected-mode part at 1 MiB
  EXPECT_TRUE(std::memcmp(ram.bytes.data() + kMpTableAddr, "_MP_", 4) == 0);
  // Too little RAM for pref_address + init_size.
  FakeRam small(16 * MiB);
  EXPECT_TRUE(!load_guest(small.mem, o, &plan, &err));
  EXPECT_TRUE(err.find("too small") != std::string::npos);
  // The header's cmdline_size limits the command line.
  BzSpec short_cmd;
  short_cmd.cmdline_max = 8;
  TempFile k2(make_bzimage(short_cmd));
  o.kernel_path = k2.path;
  EXPECT_TRUE(!load_guest(ram.mem, o, &plan, &err));
  EXPECT_TRUE(err.find("at most 8") != std::string::npos);
  o.protocol = BootProtocol::Pvh;
  EXPECT_TRUE(!load_guest(ram.mem, o, &plan, &err));
}

TEST(Boot, boot_initrd_placement_high_aligned_and_bounded) {
  uint64_t addr;
  std::string err;
  EXPECT_TRUE(place_initrd(256 * MiB, 0x7FFFFFFF, 17 * MiB, 10000, &addr, &err));
  EXPECT_EQ(addr, (256 * MiB - 10000) & ~4095ull);
  EXPECT_TRUE(addr + 10000 <= 256 * MiB);
  // initrd_addr_max is the highest usable byte, below the end of RAM here.
  EXPECT_TRUE(place_initrd(4096 * MiB, 0x7FFFFFFF, 17 * MiB, 4096, &addr, &err));
  EXPECT_EQ(addr, 0x80000000ull - 4096);
  // Must stay above the kernel.
  EXPECT_TRUE(!place_initrd(32 * MiB, 0x7FFFFFFF, 30 * MiB, 3 * MiB, &addr, &err));
  EXPECT_TRUE(place_initrd(32 * MiB, 0x7FFFFFFF, 30 * MiB, 2 * MiB, &addr, &err));
  EXPECT_EQ(addr, 30 * MiB);
  EXPECT_TRUE(!place_initrd(32 * MiB, 0x7FFFFFFF, MiB, 64 * MiB, &addr, &err));
}

TEST(Boot, boot_load_guest_elf_pvh_and_linux64_with_initrd) {
  TempFile kernel(make_elf());
  std::vector<uint8_t> rd(5000);
  for (size_t i = 0; i < rd.size(); i++) rd[i] = static_cast<uint8_t>(i);
  TempFile initrd(rd);
  FakeRam ram(32 * MiB);
  BootOptions o;
  o.kernel_path = kernel.path;
  o.initrd_path = initrd.path;
  o.cmdline = "panic=-1";
  o.num_cpus = 2;
  o.pci_irq_routes = {{0, 1, 1, 10}};
  BootPlan plan;
  std::string err;
  EXPECT_TRUE(load_guest(ram.mem, o, &plan, &err));
  EXPECT_TRUE(plan.entry == BootPlan::Entry::Pvh32);
  EXPECT_TRUE(plan.kernel_kind == "elf-pvh");
  EXPECT_EQ(plan.rip, MiB + 0x10);
  EXPECT_EQ(plan.boot_info_gpa, kStartInfoAddr);
  HvmStartInfo si{};
  HvmModlistEntry mod{};
  EXPECT_TRUE(ram.mem.read_obj(kStartInfoAddr, &si) && ram.mem.read_obj(si.modlist_paddr, &mod));
  const uint64_t want = (32 * MiB - 5000) & ~4095ull;
  EXPECT_EQ(mod.paddr, want);
  EXPECT_EQ(mod.size, 5000u);
  EXPECT_TRUE(std::memcmp(ram.bytes.data() + want, rd.data(), rd.size()) == 0);

  o.protocol = BootProtocol::Linux64;
  EXPECT_TRUE(load_guest(ram.mem, o, &plan, &err));
  EXPECT_TRUE(plan.entry == BootPlan::Entry::Linux64);
  EXPECT_TRUE(plan.kernel_kind == "elf-linux64");
  EXPECT_EQ(plan.rip, MiB);
  EXPECT_EQ(plan.boot_info_gpa, kBootParamsAddr);
  EXPECT_EQ(get<uint32_t>(ram.bytes.data() + kBootParamsAddr, 0x218), want);
  EXPECT_EQ(get<uint32_t>(ram.bytes.data() + kBootParamsAddr, 0x21C), 5000u);

  // The initrd must fit above the kernel (which ends at 1 MiB + 4 KiB).
  TempFile big(std::vector<uint8_t>(MiB, 1));
  o.initrd_path = big.path;
  FakeRam tiny(2 * MiB);
  EXPECT_TRUE(!load_guest(tiny.mem, o, &plan, &err));
  EXPECT_TRUE(err.find("does not fit") != std::string::npos);
  TempFile empty(std::vector<uint8_t>{});
  o.initrd_path = empty.path;
  EXPECT_TRUE(!load_guest(ram.mem, o, &plan, &err));
  // Command line limit (2047 bytes without the NUL).
  o.initrd_path.clear();
  o.cmdline.assign(2047, 'x');
  EXPECT_TRUE(load_guest(ram.mem, o, &plan, &err));
  o.cmdline.assign(2048, 'x');
  EXPECT_TRUE(!load_guest(ram.mem, o, &plan, &err));
  // RAM reaching into the 32-bit MMIO hole is refused before anything is touched.
  o.cmdline = "x";
  GuestMemory too_big(ram.bytes.data(), 4096 * MiB);
  EXPECT_TRUE(!load_guest(too_big, o, &plan, &err));
  EXPECT_TRUE(err.find("MMIO hole") != std::string::npos);
}

TEST(Boot, boot_inspect_kernel_kinds_and_errors) {
  std::string kind, err;
  TempFile pvh(make_elf());
  EXPECT_TRUE(inspect_kernel(pvh.path, BootProtocol::Auto, &kind, &err) && kind == "elf-pvh");
  EXPECT_TRUE(inspect_kernel(pvh.path, BootProtocol::Linux64, &kind, &err) &&
              kind == "elf-linux64");
  ElfSpec no_note;
  no_note.with_note = false;
  TempFile plain(make_elf(no_note));
  EXPECT_TRUE(inspect_kernel(plain.path, BootProtocol::Auto, &kind, &err) && kind == "elf-linux64");
  EXPECT_TRUE(!inspect_kernel(plain.path, BootProtocol::Pvh, &kind, &err));
  ElfSpec low_entry;
  low_entry.with_note = false;
  low_entry.entry = 0x8000;
  TempFile low(make_elf(low_entry));
  EXPECT_TRUE(!inspect_kernel(low.path, BootProtocol::Auto, &kind, &err));
  TempFile junk(std::vector<uint8_t>(4096, 0x5A));
  EXPECT_TRUE(!inspect_kernel(junk.path, BootProtocol::Auto, &kind, &err));
  EXPECT_TRUE(err.find("not an ELF kernel or a bzImage") != std::string::npos);
  EXPECT_TRUE(!inspect_kernel("/nonexistent/kernel", BootProtocol::Auto, &kind, &err));
  EXPECT_TRUE(err.find("No such file") != std::string::npos);
  TempFile bz(make_bzimage());
  EXPECT_TRUE(inspect_kernel(bz.path, BootProtocol::Auto, &kind, &err) &&
              kind == "bzimage-linux64");
}

TEST(Boot, boot_cpu_state_gdt_page_tables_and_registers) {
  FakeRam ram(8 * MiB);
  std::string err;
  EXPECT_TRUE(write_boot_tables(ram.mem, &err));
  EXPECT_EQ(get<uint64_t>(ram.bytes.data(), kGdtAddr + 0x10), gdt_descriptor(2));
  EXPECT_EQ(get<uint64_t>(ram.bytes.data(), kPml4Addr), kPdptAddr | 3);
  EXPECT_EQ(get<uint64_t>(ram.bytes.data(), kPdptAddr + 3 * 8), (kPdAddr + 0x3000) | 3);
  // The last 2 MiB page below 4 GiB maps itself.
  EXPECT_EQ(get<uint64_t>(ram.bytes.data(), kPdAddr + 0x3000 + 511 * 8), 0xFFE00000ull | 0x83);

  kvm_sregs s{};
  s.apic_base = 0xFEE00900;
  set_boot_sregs(BootPlan::Entry::Linux64, &s);
  EXPECT_EQ(s.cs.selector, 0x10);
  EXPECT_TRUE(s.cs.l == 1 && s.cs.db == 0 && s.cs.present == 1 && s.cs.type == 0xB);
  EXPECT_TRUE(s.ds.selector == 0x18 && s.ss.selector == 0x18 && s.ds.limit == 0xFFFFFFFF);
  EXPECT_TRUE(s.tr.type == 11 && s.tr.s == 0 && s.tr.limit == 0x67);
  EXPECT_EQ(s.cr0, 0x80000011ull);
  EXPECT_EQ(s.cr3, kPml4Addr);
  EXPECT_EQ(s.cr4, 0x20ull);
  EXPECT_EQ(s.efer, 0x500ull);
  EXPECT_EQ(s.gdt.base, kGdtAddr);
  EXPECT_EQ(s.apic_base, 0xFEE00900ull);  // untouched
  set_boot_sregs(BootPlan::Entry::Pvh32, &s);
  EXPECT_TRUE(s.cs.selector == 0x08 && s.cs.l == 0 && s.cs.db == 1 && s.cs.g == 1);
  EXPECT_EQ(s.cs.limit, 0xFFFFFFFFu);
  EXPECT_EQ(s.cr0, 0x11ull);
  EXPECT_TRUE(s.cr4 == 0 && s.efer == 0 && s.cr3 == 0);
  EXPECT_TRUE(s.tr.type == 11 && s.tr.limit == 0x67 && s.tr.base == 0);

  BootPlan plan;
  plan.entry = BootPlan::Entry::Pvh32;
  plan.rip = 0x1000123;
  plan.boot_info_gpa = kStartInfoAddr;
  kvm_regs r = boot_regs(plan);
  EXPECT_TRUE(r.rip == 0x1000123 && r.rbx == kStartInfoAddr && r.rsi == 0 && r.rflags == 2);
  plan.entry = BootPlan::Entry::Linux64;
  plan.boot_info_gpa = kBootParamsAddr;
  r = boot_regs(plan);
  EXPECT_TRUE(r.rsi == kBootParamsAddr && r.rbx == 0);
}

// Every single-byte corruption and every truncation of the synthetic images
// must end in a clean accept or a one-line error, never an out-of-range access
// (run under -fsanitize=address to make the latter loud).
TEST(Boot, boot_elf_and_bzimage_survive_every_byte_corruption_and_truncation) {
  FakeRam ram(32 * MiB);
  std::string err;
  const auto elf = make_elf();
  for (size_t i = 0; i < elf.size(); i++) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> f = elf;
      f[i] = v;
      ElfKernel k;
      err.clear();
      if (parse_elf(f.data(), f.size(), &k, &err)) {
        if (!load_elf(ram.mem, f.data(), k, &err)) {
          EXPECT_TRUE(!err.empty());
        }
      } else {
        EXPECT_TRUE(!err.empty() && err.find('\n') == std::string::npos);
      }
    }
  }
  // The segment bytes end the file, so every truncation loses something needed.
  for (size_t cut = 0; cut < elf.size(); cut++) {
    ElfKernel k;
    std::vector<uint8_t> f(elf.begin(), elf.begin() + cut);
    EXPECT_TRUE(!parse_elf(f.data(), f.size(), &k, &err));
  }
  const auto bz = make_bzimage();
  for (size_t i = 0x1F1; i < 0x290; i++) {
    std::vector<uint8_t> f = bz;
    f[i] = 0xFF;
    BzImage b;
    if (parse_bzimage(f.data(), f.size(), &b, &err)) {
      EXPECT_TRUE(b.setup_header_end <= 0x290);
      load_bzimage(ram.mem, f.data(), b, &err);
    }
  }
}

// A corrupt header with pref_address near 2^64 must not wrap to a tiny kernel end.
TEST(Boot, boot_bzimage_kernel_end_saturates_on_corrupt_pref_address) {
  kick::boot::BzImage img;
  img.pref_address = ~uint64_t(0) - 0xff;
  img.init_size = 0x10000;
  img.kernel_size = 0x1000;
  EXPECT_TRUE(kick::boot::bzimage_kernel_end(img) == ~uint64_t(0));
  std::vector<uint8_t> ram(64 << 20);
  kick::GuestMemory mem(ram.data(), ram.size());
  std::vector<uint8_t> data(0x2000);
  img.kernel_offset = 0;
  std::string error;
  EXPECT_TRUE(!kick::boot::load_bzimage(mem, data.data(), img, &error));
  EXPECT_TRUE(error.find("impossible load range") != std::string::npos);
}
