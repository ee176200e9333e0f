#include "boot/mptable.h"

#include <cstring>

#include "boot/layout.h"

namespace kick::boot {
namespace {

// Appends little-endian fields to the table being built.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>* out) : out_(out) {}
  void u8(uint8_t v) { out_->push_back(v); }
  void u16(uint16_t v) { bytes(&v, 2); }
  void u32(uint32_t v) { bytes(&v, 4); }
  void text(const char* s, size_t n) {  // space-padded, not NUL-terminated
    for (size_t i = 0; i < n; i++) u8(*s ? static_cast<uint8_t>(*s++) : ' ');
  }
  void bytes(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    out_->insert(out_->end(), b, b + n);
  }
  size_t size() const { return out_->size(); }

 private:
  std::vector<uint8_t>* out_;
};

uint8_t checksum_fix(const uint8_t* p, size_t n) {
  uint8_t sum = 0;
  for (size_t i = 0; i < n; i++) sum = static_cast<uint8_t>(sum + p[i]);
  return static_cast<uint8_t>(-sum);
}

void interrupt(Writer& w, uint8_t type, uint8_t irqtype, uint8_t bus, uint8_t bus_irq, uint8_t apic,
               uint8_t pin) {
  w.u8(type);
  w.u8(irqtype);
  w.u16(0);  // polarity/trigger "conforms to bus": ISA edge-high, PCI level-low
  w.u8(bus);
  w.u8(bus_irq);
  w.u8(apic);
  w.u8(pin);
}

}  // namespace

bool build_mptable(uint64_t base, uint32_t num_cpus, const std::vector<PciIrqRoute>& routes,
                   std::vector<uint8_t>* out, std::string* error) {
  if (num_cpus == 0 || num_cpus > kMaxMpCpus) {
    *error = "MP table: vCPU count must be 1.." + std::to_string(kMaxMpCpus);
    return false;
  }
  for (const PciIrqRoute& r : routes) {
    if (r.bus != 0 || r.slot >= 32 || r.pin < 1 || r.pin > 4 || r.gsi >= kIoApicPins) {
      *error = "MP table: invalid PCI IRQ route (bus " + std::to_string(r.bus) + " slot " +
               std::to_string(r.slot) + " pin " + std::to_string(r.pin) + " gsi " +
               std::to_string(r.gsi) + ")";
      return false;
    }
  }
  const uint8_t ioapic_id = static_cast<uint8_t>(num_cpus);
  out->clear();
  Writer w(out);

  // Floating pointer; checksum filled below.
  w.text("_MP_", 4);
  w.u32(static_cast<uint32_t>(base + kMpFloatSize));  // physptr
  w.u8(1);                                            // length in 16-byte units
  w.u8(4);                                            // spec revision 1.4
  w.u8(0);                                            // checksum
  for (int i = 0; i < 5; i++) w.u8(0);                // features: 0 = table present

  // Configuration table header; length, oemcount and checksum filled below.
  const size_t hdr = w.size();
  w.text("PCMP", 4);
  w.u16(0);  // length
  w.u8(4);   // spec revision
  w.u8(0);   // checksum
  w.text("KICKVMM", 8);
  w.text("KICKBENCH", 12);
  w.u32(0);  // oem table pointer
  w.u16(0);  // oem table size
  w.u16(0);  // entry count
  w.u32(kLapicAddr);
  w.u16(0);  // extended table length
  w.u8(0);   // extended table checksum
  w.u8(0);
  uint16_t entries = 0;

  for (uint32_t cpu = 0; cpu < num_cpus; cpu++, entries++) {
    w.u8(kMpProcessor);
    w.u8(static_cast<uint8_t>(cpu));  // local APIC id
    w.u8(0x14);                       // local APIC version (integrated xAPIC)
    w.u8(cpu == 0 ? 0x3 : 0x1);       // enabled, BSP on cpu 0
    w.u32(0x600);                     // CPU signature: family 6
    w.u32(0x201);                     // feature flags: FPU, APIC
    w.u32(0);
    w.u32(0);
  }
  w.u8(kMpBus), w.u8(kMpPciBusId), w.text("PCI", 6), entries++;
  w.u8(kMpBus), w.u8(kMpIsaBusId), w.text("ISA", 6), entries++;
  w.u8(kMpIoApic), w.u8(ioapic_id), w.u8(0x11), w.u8(1), w.u32(kIoApicAddr), entries++;
  // ISA IRQ i -> pin i, except pins that carry a PCI INTx: Linux configures a
  // pin from the first entry naming it, and an ISA entry would make the PCI
  // line edge-triggered (it is level, active low).
  for (uint8_t irq = 0; irq < 16; irq++) {
    bool pci_pin = false;
    for (const PciIrqRoute& r : routes) pci_pin |= r.gsi == irq;
    if (pci_pin) continue;
    interrupt(w, kMpIntSrc, kMpIrqInt, kMpIsaBusId, irq, ioapic_id, irq);
    entries++;
  }
  for (const PciIrqRoute& r : routes) {
    const uint8_t src = static_cast<uint8_t>(r.slot << 2 | (r.pin - 1));
    interrupt(w, kMpIntSrc, kMpIrqInt, kMpPciBusId, src, ioapic_id, r.gsi);
    entries++;
  }
  // ExtINT only on the BSP (the PIC is wired to it); NMI to every local APIC.
  interrupt(w, kMpLintSrc, kMpIrqExtInt, kMpIsaBusId, 0, 0, 0), entries++;
  interrupt(w, kMpLintSrc, kMpIrqNmi, kMpIsaBusId, 0, 0xFF, 1), entries++;

  if (out->size() > kMpTableLimit - kMpTableAddr) {
    *error = "MP table too large for its region (" + std::to_string(out->size()) + " bytes)";
    return false;
  }
  uint8_t* t = out->data();
  const uint16_t table_len = static_cast<uint16_t>(out->size() - hdr);
  std::memcpy(t + hdr + 4, &table_len, 2);
  std::memcpy(t + hdr + 34, &entries, 2);
  t[hdr + 7] = checksum_fix(t + hdr, table_len);
  t[10] = checksum_fix(t, kMpFloatSize);
  return true;
}

bool write_mptable(const GuestMemory& mem, uint32_t num_cpus,
                   const std::vector<PciIrqRoute>& routes, std::string* error) {
  std::vector<uint8_t> table;
  if (!build_mptable(kMpTableAddr, num_cpus, routes, &table, error)) return false;
  if (!mem.write(kMpTableAddr, table.data(), table.size())) {
    *error = "guest RAM too small for the MP table";
    return false;
  }
  return true;
}

}  // namespace kick::boot
