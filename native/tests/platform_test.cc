// Unit tests of the platform pieces that need no /dev/kvm: port bus, serial,
// i8042, legacy ports, CPUID/LAPIC patching, stats JSON, the KVM stats-fd
// parser (against a fake stats file), config validation and the console scan.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "devices/i8042.h"
#include "devices/legacy_ports.h"
#include "devices/serial.h"
#include "io_bus.h"
#include "kvm.h"
#include "stats.h"
#include <gtest/gtest.h>
#include "vcpu_setup.h"
#include "vm.h"

using namespace kick;

namespace {

struct FakeIrq : VmIoctls {
  std::vector<std::pair<uint32_t, bool>> lines;
  bool set_irq_line(uint32_t gsi, bool level) override {
    lines.push_back({gsi, level});
    return true;
  }
  bool assign_pio_ioeventfd(int, uint16_t, uint8_t, uint64_t) override { return false; }
  bool deassign_pio_ioeventfd(int, uint16_t, uint8_t, uint64_t) override { return false; }
};

struct Recorder : PortIoDevice {
  uint16_t last_offset = 0xffff;
  void pio_read(uint16_t off, uint8_t* d, uint8_t n) override {
    last_offset = off;
    std::memset(d, 0x5a, n);
  }
  void pio_write(uint16_t off, const uint8_t*, uint8_t) override { last_offset = off; }
};

uint8_t in8(PortIoDevice& d, uint16_t off) {
  uint8_t v = 0;
  d.pio_read(off, &v, 1);
  return v;
}
void out8(PortIoDevice& d, uint16_t off, uint8_t v) {
  d.pio_write(off, &v, 1);
}

std::string temp_file(const char* contents, size_t len) {
  char path[] = "/tmp/kickvmm-platform-test-XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) {
    if (len && write(fd, contents, len) != ssize_t(len)) {
    }
    close(fd);
  }
  return path;
}

}  // namespace

TEST(Platform, io_bus_dispatches_by_range_and_rejects_overlap) {
  IoBus bus;
  Recorder a, b;
  EXPECT_TRUE(bus.add(0x100, 8, &a));
  EXPECT_TRUE(bus.add(0x108, 4, &b));
  EXPECT_TRUE(!bus.add(0x104, 8, &b));   // overlaps a and b
  EXPECT_TRUE(!bus.add(0xfffe, 4, &b));  // runs past 0xffff
  uint8_t v[2] = {0, 0};
  EXPECT_TRUE(bus.read(0x10a, v, 1));
  EXPECT_EQ(b.last_offset, 2);
  EXPECT_EQ(v[0], 0x5a);
  EXPECT_TRUE(!bus.read(0x200, v, 2));  // nobody: floats high
  EXPECT_EQ(v[0], 0xff);
  EXPECT_EQ(v[1], 0xff);
  bus.remove(0x100, &a);
  EXPECT_TRUE(!bus.write(0x101, v, 1));
  EXPECT_TRUE(bus.add(0x100, 8, &a));
}

TEST(Platform, serial_detects_as_16550a_and_keeps_scratch) {
  std::string out;
  Serial8250 s(nullptr, [&](uint8_t c) { out += char(c); });
  out8(s, 1, 0);
  EXPECT_EQ(in8(s, 1), 0);
  out8(s, 1, 0x0f);
  EXPECT_EQ(in8(s, 1), 0x0f);
  out8(s, 1, 0);
  out8(s, 2, 0x01);  // FCR: FIFO on
  EXPECT_EQ(in8(s, 2) >> 6, 3);
  out8(s, 7, 0xa5);
  EXPECT_EQ(in8(s, 7), 0xa5);
  EXPECT_EQ(in8(s, 5) & 0x60, 0x60);  // THRE | TEMT always
  out8(s, 3, 0x80);                   // DLAB: offsets 0/1 are the divisor
  out8(s, 0, 0x01);
  out8(s, 1, 0x00);
  EXPECT_TRUE(out.empty());
  out8(s, 3, 0x03);
  out8(s, 0, 'h');
  out8(s, 0, 'i');
  EXPECT_TRUE(out == "hi");
}

TEST(Platform, serial_thre_interrupt_follows_ier) {
  FakeIrq irq;
  Serial8250 s(&irq, [](uint8_t) {});
  EXPECT_EQ(in8(s, 2) & 0x0f, 0x01);  // nothing pending
  out8(s, 1, 0x02);                   // enable THRI with THR empty: raised at once
  EXPECT_TRUE(s.irq_level());
  EXPECT_EQ(in8(s, 2) & 0x0f, 0x02);
  EXPECT_TRUE(s.irq_level());  // still empty, still pending
  size_t changes = irq.lines.size();
  for (int i = 0; i < 32; i++) out8(s, 0, 'x');  // writes never re-drive the line
  EXPECT_EQ(irq.lines.size(), changes);
  out8(s, 1, 0x00);  // driver's stop_tx
  EXPECT_TRUE(!s.irq_level());
  EXPECT_EQ(in8(s, 2) & 0x0f, 0x01);
  out8(s, 1, 0x02);  // Linux's THRE re-assert test
  EXPECT_EQ(in8(s, 2) & 0x0f, 0x02);
  EXPECT_EQ(irq.lines.size(), 3u);
  EXPECT_EQ(irq.lines[0].first, 4u);
  EXPECT_TRUE(irq.lines[0].second && !irq.lines[1].second && irq.lines[2].second);
}

TEST(Platform, serial_loopback_does_not_reach_console) {
  std::string out;
  Serial8250 s(nullptr, [&](uint8_t c) { out += char(c); });
  out8(s, 4, 0x10);
  out8(s, 0, 0x42);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(in8(s, 5) & 0x01, 1);
  EXPECT_EQ(in8(s, 0), 0x42);
  EXPECT_EQ(in8(s, 5) & 0x01, 0);
}

TEST(Platform, i8042_reset_command_ends_and_status_reads_zero) {
  int resets = 0;
  I8042 kbd([&] { resets++; });
  IoBus bus;
  EXPECT_TRUE(kbd.attach(bus));
  uint8_t v = 0xaa;
  EXPECT_TRUE(bus.read(0x64, &v, 1));
  EXPECT_EQ(v, 0);
  v = 0xd1;
  bus.write(0x64, &v, 1);
  v = 0xfe;
  bus.write(0x60, &v, 1);  // 0xFE on the data port is not a reset
  EXPECT_EQ(resets, 0);
  bus.write(0x64, &v, 1);
  EXPECT_EQ(resets, 1);
  EXPECT_TRUE(!bus.read(0x61, &v, 1));  // left to the in-kernel PIT
}

TEST(Platform, legacy_ports_answer_quietly) {
  IoBus bus;
  LegacyPorts legacy;
  EXPECT_TRUE(legacy.attach(bus));
  uint8_t v = 0;
  EXPECT_TRUE(bus.read(0x92, &v, 1));
  EXPECT_EQ(v, 0x02);
  v = 0x55;
  EXPECT_TRUE(bus.write(0x80, &v, 1));
  v = 0x0a;
  bus.write(0x70, &v, 1);
  bus.read(0x71, &v, 1);
  EXPECT_EQ(v & 0x80, 0);  // never "update in progress"
  v = 0x0b;
  bus.write(0x70, &v, 1);
  bus.read(0x71, &v, 1);
  EXPECT_EQ(v, 0x02);
  CmosRtc rtc;
  uint8_t month = rtc.read_register(0x08);
  EXPECT_TRUE(month >= 0x01 && month <= 0x12);
}

TEST(Platform, cpuid_patch_sets_apic_id_hypervisor_and_topology) {
  std::vector<kvm_cpuid_entry2> e(3);
  std::memset(e.data(), 0, e.size() * sizeof e[0]);
  e[0].function = 1;
  e[0].ebx = 0xff0000aa;
  e[1].function = 0xb;
  e[1].index = 0;
  e[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
  e[2].function = 0x80000008;
  patch_cpuid(&e, 3, 4);
  EXPECT_EQ(e[0].ebx >> 24, 3u);
  EXPECT_EQ(e[0].ebx & 0xff, 0xaau);
  EXPECT_EQ((e[0].ebx >> 16) & 0xff, 4u);
  EXPECT_TRUE(e[0].ecx & (1u << 31));
  EXPECT_TRUE(e[0].edx & (1u << 28));
  EXPECT_EQ(e.size(), 4u);  // leaf 0xB subleaf 1 added
  bool sub1 = false;
  for (auto& x : e) {
    if (x.function != 0xb) continue;
    EXPECT_EQ(x.edx, 3u);
    if (x.index == 1) {
      sub1 = true;
      EXPECT_EQ(x.ebx, 4u);
      EXPECT_EQ(x.eax, 2u);
      EXPECT_EQ((x.ecx >> 8) & 0xff, 2u);
    }
  }
  EXPECT_TRUE(sub1);
  EXPECT_EQ(e[2].ecx & 0xff, 3u);
}

TEST(Platform, lapic_lint0_extint_lint1_nmi) {
  kvm_lapic_state l;
  std::memset(&l, 0, sizeof l);
  uint32_t masked = 0x10000;
  std::memcpy(l.regs + 0x350, &masked, 4);
  wire_lapic_lints(&l);
  uint32_t lint0, lint1;
  std::memcpy(&lint0, l.regs + 0x350, 4);
  std::memcpy(&lint1, l.regs + 0x360, 4);
  EXPECT_EQ((lint0 >> 8) & 7, 7u);
  EXPECT_EQ(lint0 & 0x10000, 0u);
  EXPECT_EQ((lint1 >> 8) & 7, 4u);
}

TEST(Platform, stats_json_has_every_field_and_escapes) {
  VmmStats s;
  s.mode = KickMode::Ioeventfd;
  s.exit_io = 7;
  s.kicks = 3;
  s.kvm_kind = "hardware";
  s.exit_reason = "crash";
  s.exit_detail = "bad \"thing\"\n";
  s.kvm_vcpu_stats["insn_emulation"] = 5;
  s.io_exits_by_port[0x3f8] = 11;
  s.io_exits_by_port[0x6210] = 4;
  s.requests_on_vcpu = 2;
  s.requests_on_io_thread = 9;
  s.vcpu_voluntary_switches = 12;
  s.vcpu_involuntary_switches = 13;
  std::string j = stats_to_json(s);
  for (const char* key : {"\"mode\": \"ioeventfd\"",
                          "\"armSemantics\": 2",
                          "\"ioExitsByPort\": {\"0x3f8\": 11, \"0x6210\": 4}",
                          "\"requestsServicedOn\": {\"vcpu\": 2, \"ioThread\": 9}",
                          "\"vcpuContextSwitches\": {\"voluntary\": 12, \"involuntary\": 13}",
                          "\"io\": 7",
                          "\"mmio\"",
                          "\"hlt\"",
                          "\"shutdown\"",
                          "\"internal_error\"",
                          "\"system_event\"",
                          "\"intr\"",
                          "\"other\"",
                          "\"kicks\": 3",
                          "\"notifyIoExits\"",
                          "\"eventfdWakeups\"",
                          "\"eventfdSignals\"",
                          "\"requests\"",
                          "\"ioerr\"",
                          "\"unsupported\"",
                          "\"bytesRead\"",
                          "\"bytesWritten\"",
                          "\"badDescriptors\"",
                          "\"deviceNeedsReset\"",
                          "\"interrupts\"",
                          "\"wallSeconds\"",
                          "\"vcpuCpuSeconds\"",
                          "\"ioThreadCpuSeconds\"",
                          "\"tscKhz\"",
                          "\"insn_emulation\": 5",
                          "\"kvmKind\": \"hardware\"",
                          "\"exitReason\": \"crash\"",
                          "\"exitDetail\": \"bad \\\"thing\\\"\\n\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << "missing " << key;
  }
}

TEST(Platform, stats_json_names_every_mode) {
  for (KickMode m : {KickMode::Exit, KickMode::Ioeventfd, KickMode::Inline}) {
    VmmStats s;
    s.mode = m;
    std::string want = std::string("\"mode\": \"") + kick_mode_name(m) + "\"";
    EXPECT_NE(stats_to_json(s).find(want), std::string::npos) << want;
  }
  VmmStats none;  // no port seen: an empty object, not a missing key
  EXPECT_NE(stats_to_json(none).find("\"ioExitsByPort\": {}"), std::string::npos);
}

// Both fronts parse modes and boot protocols through these.
TEST(Platform, kick_mode_and_boot_protocol_parsing) {
  KickMode m = KickMode::Exit;
  EXPECT_TRUE(parse_kick_mode("inline", &m));
  EXPECT_EQ(m, KickMode::Inline);
  EXPECT_TRUE(parse_kick_mode("ioeventfd", &m));
  EXPECT_EQ(m, KickMode::Ioeventfd);
  EXPECT_TRUE(parse_kick_mode("exit", &m));
  EXPECT_EQ(m, KickMode::Exit);
  for (const char* bad : {"", "Exit", "ioeventfd ", "poll"}) EXPECT_FALSE(parse_kick_mode(bad, &m));
  EXPECT_EQ(m, KickMode::Exit);  // untouched by a failed parse
  EXPECT_STREQ(kKickModeChoices, "exit, ioeventfd or inline");
  BootProtocol b = BootProtocol::Auto;
  EXPECT_TRUE(parse_boot_protocol("pvh", &b));
  EXPECT_EQ(b, BootProtocol::Pvh);
  EXPECT_TRUE(parse_boot_protocol("linux64", &b));
  EXPECT_EQ(b, BootProtocol::Linux64);
  EXPECT_TRUE(parse_boot_protocol("auto", &b));
  EXPECT_EQ(b, BootProtocol::Auto);
  EXPECT_FALSE(parse_boot_protocol("bzimage", &b));
}

// A fake binary stats file laid out as api.rst describes: header, descriptors
// (16 fixed bytes + name), data. One plain counter and one 3-bucket histogram.
TEST(Platform, kvm_stats_fd_parser_reads_names_and_values) {
  const uint32_t name_size = 48, ndesc = 2;
  const uint32_t desc_off = 24, desc_size = 16 + name_size;
  const uint32_t data_off = desc_off + ndesc * desc_size;
  std::vector<uint8_t> f(data_off + 4 * 8, 0);
  uint32_t hdr[6] = {0, name_size, ndesc, 24, desc_off, data_off};
  std::memcpy(f.data(), hdr, sizeof hdr);
  auto put_desc = [&](uint32_t i, uint16_t size, uint32_t offset, const char* name) {
    uint8_t* d = f.data() + desc_off + i * desc_size;
    std::memcpy(d + 6, &size, 2);
    std::memcpy(d + 8, &offset, 4);
    std::memcpy(d + 16, name, std::strlen(name));
  };
  put_desc(0, 1, 0, "insn_emulation");
  put_desc(1, 3, 8, "halt_wait_hist");
  uint64_t data[4] = {1234, 1, 2, 3};
  std::memcpy(f.data() + data_off, data, sizeof data);
  std::string path = temp_file(reinterpret_cast<const char*>(f.data()), f.size());
  int fd = open(path.c_str(), O_RDONLY);
  std::map<std::string, uint64_t> m;
  EXPECT_TRUE(read_kvm_stats_fd(fd, &m));
  EXPECT_EQ(m["insn_emulation"], 1234u);
  EXPECT_EQ(m["halt_wait_hist"], 6u);
  EXPECT_EQ(m.size(), 2u);
  close(fd);
  unlink(path.c_str());
}

TEST(Platform, config_validation_needs_no_kvm) {
  std::string disk = temp_file("x", 1), empty = temp_file("", 0);
  VmConfig c;
  c.kernel_path = "/nonexistent/kernel";
  c.disk_path = disk;
  std::string err;
  EXPECT_TRUE(!validate_vm_config(c, &err));
  EXPECT_TRUE(err.find("kernel") != std::string::npos);
  c.mem_mib = 4096;
  EXPECT_TRUE(!validate_vm_config(c, &err));
  EXPECT_TRUE(err.find("MMIO hole") != std::string::npos);
  c.mem_mib = 3072 + 1;
  EXPECT_TRUE(!validate_vm_config(c, &err));
  c.mem_mib = 4;
  EXPECT_TRUE(!validate_vm_config(c, &err));
  EXPECT_TRUE(err.find("too small") != std::string::npos);
  c.mem_mib = 256;
  c.cpus = 0;
  EXPECT_TRUE(!validate_vm_config(c, &err));
  EXPECT_TRUE(err.find("--cpus") != std::string::npos);
  unlink(disk.c_str());
  unlink(empty.c_str());
}

TEST(Platform, console_monitor_spots_end_marker_and_panic) {
  std::string out;
  ConsoleMonitor m([&](const char* p, size_t n) { out.append(p, n); });
  for (char c : std::string("hello\nPROBE-END status=ok")) m.put(uint8_t(c));
  EXPECT_TRUE(!m.saw_end_marker());  // only a complete line counts
  EXPECT_TRUE(out == "hello\n");     // whole lines are forwarded at once
  m.put('\n');
  EXPECT_TRUE(m.saw_end_marker());
  EXPECT_TRUE(!m.saw_panic());
  for (char c : std::string("[ 1.0] Kernel panic - not syncing: VFS\n")) m.put(uint8_t(c));
  EXPECT_TRUE(m.saw_panic());
  EXPECT_TRUE(m.panic_line().find("VFS") != std::string::npos);
  m.put('x');
  m.flush();
  EXPECT_TRUE(out.back() == 'x');
}

TEST(Platform, end_states_map_to_exit_codes) {
  EXPECT_EQ(vm_end_exit_code(VmEnd::Clean), 0);
  EXPECT_EQ(vm_end_exit_code(VmEnd::Error), 1);
  EXPECT_EQ(vm_end_exit_code(VmEnd::Crash), 2);
  EXPECT_EQ(vm_end_exit_code(VmEnd::Timeout), 3);
  EXPECT_TRUE(std::string(vm_end_name(VmEnd::Timeout)) == "timeout");
}
