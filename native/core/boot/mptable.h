// Intel MultiProcessor Specification 1.4 tables. Without ACPI, this is how
// Linux learns the CPUs, the IOAPIC and which IOAPIC pin each PCI INTx and
// ISA IRQ arrives on (arch/x86/kernel/mpparse.c).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "guest_memory.h"
#include "pci_platform.h"

namespace kick::boot {

constexpr uint8_t kMpPciBusId = 0;
constexpr uint8_t kMpIsaBusId = 1;
constexpr uint8_t kIoApicPins = 24;   // KVM's in-kernel IOAPIC
constexpr uint32_t kMaxMpCpus = 254;  // APIC ids 0..n-1 plus the IOAPIC's id n

// Entry type codes and interrupt types (MP spec 4.3).
enum : uint8_t { kMpProcessor = 0, kMpBus = 1, kMpIoApic = 2, kMpIntSrc = 3, kMpLintSrc = 4 };
enum : uint8_t { kMpIrqInt = 0, kMpIrqNmi = 1, kMpIrqExtInt = 3 };

constexpr uint64_t kMpFloatSize = 16;
constexpr uint64_t kMpHeaderSize = 44;

// Builds the floating pointer (at `base`) followed by the configuration table
// (at base + 16) into `out`. Checks the counts and every route.
bool build_mptable(uint64_t base, uint32_t num_cpus, const std::vector<PciIrqRoute>& routes,
                   std::vector<uint8_t>* out, std::string* error);

// build_mptable at kMpTableAddr, then writes it to guest RAM.
bool write_mptable(const GuestMemory& mem, uint32_t num_cpus,
                   const std::vector<PciIrqRoute>& routes, std::string* error);

}  // namespace kick::boot
