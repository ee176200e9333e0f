#include "boot/boot_params.h"

#include <cstring>

#include "boot/bzimage.h"
#include "boot/layout.h"

namespace kick::boot {
namespace {

template <typename T>
void put(std::vector<uint8_t>& zp, uint64_t off, T v) {
  std::memcpy(zp.data() + off, &v, sizeof v);
}

}  // namespace

bool build_boot_params(const BootParamsInput& in, std::vector<uint8_t>* out, std::string* error) {
  std::vector<uint8_t>& zp = *out;
  zp.assign(zp::kSize, 0);
  if (in.setup_header.size() > bzhdr::kSetupHeaderLimit - zp::kSetupHeader) {
    *error = "setup header too long";
    return false;
  }
  if (in.memory_map.size() > zp::kE820MaxEntries) {
    *error = "too many e820 entries";
    return false;
  }
  if (!in.setup_header.empty()) {
    std::memcpy(zp.data() + zp::kSetupHeader, in.setup_header.data(), in.setup_header.size());
  } else {
    // A vmlinux has no setup header: fill in what the kernel checks (boot.rst).
    put<uint16_t>(zp, zp::kBootFlag, 0xAA55);
    put<uint32_t>(zp, zp::kHeader, kHdrSMagic);
    put<uint32_t>(zp, zp::kKernelAlignment, 0x01000000);  // "must be non-zero"
    put<uint8_t>(zp, zp::kLoadflags, kLoadedHigh);
    // Read-only for a real header; here it states the limit we enforced.
    put<uint32_t>(zp, zp::kCmdlineSize, static_cast<uint32_t>(kMaxCmdlineSize - 1));
  }
  put<uint8_t>(zp, zp::kTypeOfLoader, 0xFF);  // "undefined" boot loader
  put<uint32_t>(zp, zp::kCmdLinePtr, static_cast<uint32_t>(in.cmdline_addr));
  put<uint32_t>(zp, zp::kExtCmdLinePtr, static_cast<uint32_t>(in.cmdline_addr >> 32));
  put<uint32_t>(zp, zp::kRamdiskImage, static_cast<uint32_t>(in.initrd_addr));
  put<uint32_t>(zp, zp::kExtRamdiskImage, static_cast<uint32_t>(in.initrd_addr >> 32));
  put<uint32_t>(zp, zp::kRamdiskSize, static_cast<uint32_t>(in.initrd_size));
  put<uint32_t>(zp, zp::kExtRamdiskSize, static_cast<uint32_t>(in.initrd_size >> 32));
  put<uint8_t>(zp, zp::kE820Entries, static_cast<uint8_t>(in.memory_map.size()));
  for (size_t i = 0; i < in.memory_map.size(); i++) {
    const MemoryRange& r = in.memory_map[i];
    const uint64_t off = zp::kE820Table + i * zp::kE820EntrySize;
    put<uint64_t>(zp, off, r.addr);
    put<uint64_t>(zp, off + 8, r.size);
    put<uint32_t>(zp, off + 16, static_cast<uint32_t>(r.type));
  }
  return true;
}

}  // namespace kick::boot
