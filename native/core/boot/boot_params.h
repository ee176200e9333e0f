// The Linux "zero page" (struct boot_params) for the 64-bit boot protocol:
// setup header fields, command line pointer, initrd and the e820 table.
// Offsets from Documentation/arch/x86/zero-page.rst and boot.rst.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "boot/memory_map.h"
#include "guest_memory.h"

namespace kick::boot {

namespace zp {
constexpr uint64_t kSize = 4096;
constexpr uint64_t kExtRamdiskImage = 0x0C0;
constexpr uint64_t kExtRamdiskSize = 0x0C4;
constexpr uint64_t kExtCmdLinePtr = 0x0C8;
constexpr uint64_t kE820Entries = 0x1E8;
constexpr uint64_t kSetupHeader = 0x1F1;
constexpr uint64_t kBootFlag = 0x1FE;
constexpr uint64_t kHeader = 0x202;
constexpr uint64_t kTypeOfLoader = 0x210;
constexpr uint64_t kLoadflags = 0x211;
constexpr uint64_t kRamdiskImage = 0x218;
constexpr uint64_t kRamdiskSize = 0x21C;
constexpr uint64_t kCmdLinePtr = 0x228;
constexpr uint64_t kKernelAlignment = 0x230;
constexpr uint64_t kCmdlineSize = 0x238;
constexpr uint64_t kE820Table = 0x2D0;
constexpr uint64_t kE820EntrySize = 20;
constexpr uint64_t kE820MaxEntries = 128;
}  // namespace zp

struct BootParamsInput {
  // bzImage: the setup header bytes from file offset 0x1F1, copied verbatim.
  // Empty for an ELF, whose header is synthesised.
  std::vector<uint8_t> setup_header;
  uint64_t cmdline_addr = 0;
  uint64_t initrd_addr = 0;
  uint64_t initrd_size = 0;  // 0: no initrd
  std::vector<MemoryRange> memory_map;
};

// Builds the 4 KiB zero page in `out`.
bool build_boot_params(const BootParamsInput& in, std::vector<uint8_t>* out, std::string* error);

}  // namespace kick::boot
