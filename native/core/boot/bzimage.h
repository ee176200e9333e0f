// bzImage kernels booted through their 64-bit entry (boot.rst, protocol
// >= 2.12 with XLF_KERNEL_64). Only the setup header is ever copied into
// boot_params: Linux >= 6.1.88 fills the rest of the first sector with 0xFF.
#pragma once
#include <cstdint>
#include <string>

#include "guest_memory.h"

namespace kick::boot {

// File offsets of the setup header fields we read (boot.rst).
namespace bzhdr {
constexpr uint64_t kSetupSects = 0x1F1;
constexpr uint64_t kBootFlag = 0x1FE;
constexpr uint64_t kJump = 0x200;         // byte 0x201 = header length after 0x202
constexpr uint64_t kHeaderMagic = 0x202;  // "HdrS"
constexpr uint64_t kVersion = 0x206;
constexpr uint64_t kLoadflags = 0x211;
constexpr uint64_t kInitrdAddrMax = 0x22C;
constexpr uint64_t kKernelAlignment = 0x230;
constexpr uint64_t kRelocatable = 0x234;
constexpr uint64_t kXloadflags = 0x236;
constexpr uint64_t kCmdlineSize = 0x238;
constexpr uint64_t kPayloadOffset = 0x248;
constexpr uint64_t kPayloadLength = 0x24C;
constexpr uint64_t kPrefAddress = 0x258;
constexpr uint64_t kInitSize = 0x260;
// The setup header ends before boot_params' edd_mbr_sig_buffer.
constexpr uint64_t kSetupHeaderLimit = 0x290;
}  // namespace bzhdr

constexpr uint32_t kHdrSMagic = 0x53726448;  // "HdrS"
constexpr uint16_t kMinBzImageVersion = 0x020C;
constexpr uint16_t kXlfKernel64 = 1 << 0;
constexpr uint8_t kLoadedHigh = 1 << 0;

struct BzImage {
  uint16_t version = 0;
  uint64_t setup_header_end = 0;  // file offset one past the setup header
  uint64_t kernel_offset = 0;     // protected-mode part: (setup_sects + 1) * 512
  uint64_t kernel_size = 0;
  uint32_t initrd_addr_max = 0;
  uint32_t cmdline_max = 0;  // hdr.cmdline_size: longest command line, NUL excluded
  uint32_t init_size = 0;    // memory the kernel needs from its run address
  uint64_t pref_address = 0;
  uint32_t payload_offset = 0;  // compressed vmlinux, relative to kernel_offset
  uint32_t payload_length = 0;
};

bool looks_like_bzimage(const uint8_t* data, uint64_t size);

// Validates the setup header for the 64-bit entry.
bool parse_bzimage(const uint8_t* data, uint64_t size, BzImage* out, std::string* error);

// Highest guest address (exclusive) the kernel may use while decompressing
// and running: it may move itself to pref_address before unpacking.
uint64_t bzimage_kernel_end(const BzImage& img);

// Copies the protected-mode part to kKernelLoadAddr (1 MiB).
bool load_bzimage(const GuestMemory& mem, const uint8_t* data, const BzImage& img,
                  std::string* error);

}  // namespace kick::boot
