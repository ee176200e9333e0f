#include "boot/bzimage.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "boot/layout.h"

namespace kick::boot {
namespace {

template <typename T>
T field(const uint8_t* data, uint64_t off) {
  T v;
  std::memcpy(&v, data + off, sizeof v);
  return v;
}

}  // namespace

bool looks_like_bzimage(const uint8_t* data, uint64_t size) {
  return size >= bzhdr::kHeaderMagic + 4 &&
         field<uint32_t>(data, bzhdr::kHeaderMagic) == kHdrSMagic;
}

bool parse_bzimage(const uint8_t* data, uint64_t size, BzImage* out, std::string* error) {
  *out = BzImage{};
  if (!looks_like_bzimage(data, size)) {
    *error = "not a bzImage (no HdrS signature at 0x202)";
    return false;
  }
  // Every field we read lies below pref_address/init_size; a shorter file is truncated.
  if (size < bzhdr::kInitSize + 4) {
    *error = "corrupt bzImage: setup header truncated";
    return false;
  }
  out->version = field<uint16_t>(data, bzhdr::kVersion);
  if (out->version < kMinBzImageVersion) {
    char buf[96];
    std::snprintf(buf, sizeof buf,
                  "bzImage boot protocol %u.%02u is too old (64-bit entry needs 2.12)",
                  out->version >> 8, out->version & 0xFF);
    *error = buf;
    return false;
  }
  if (!(field<uint16_t>(data, bzhdr::kXloadflags) & kXlfKernel64)) {
    *error = "bzImage has no 64-bit entry point (XLF_KERNEL_64 not set)";
    return false;
  }
  if (!(data[bzhdr::kLoadflags] & kLoadedHigh)) {
    *error = "bzImage is not a high-loaded kernel (LOADED_HIGH not set)";
    return false;
  }
  out->setup_header_end = std::min<uint64_t>(
      {bzhdr::kHeaderMagic + data[bzhdr::kJump + 1], bzhdr::kSetupHeaderLimit, size});
  uint64_t setup_sects = data[bzhdr::kSetupSects];
  if (setup_sects == 0) setup_sects = 4;  // boot.rst: 0 means 4
  out->kernel_offset = (setup_sects + 1) * 512;
  if (out->kernel_offset >= size) {
    *error = "corrupt bzImage: no protected-mode kernel after the setup sectors";
    return false;
  }
  out->kernel_size = size - out->kernel_offset;
  out->initrd_addr_max = field<uint32_t>(data, bzhdr::kInitrdAddrMax);
  out->cmdline_max = field<uint32_t>(data, bzhdr::kCmdlineSize);
  out->init_size = field<uint32_t>(data, bzhdr::kInitSize);
  out->pref_address = field<uint64_t>(data, bzhdr::kPrefAddress);
  out->payload_offset = field<uint32_t>(data, bzhdr::kPayloadOffset);
  out->payload_length = field<uint32_t>(data, bzhdr::kPayloadLength);
  return true;
}

uint64_t bzimage_kernel_end(const BzImage& img) {
  const uint64_t run_addr = std::max<uint64_t>(img.pref_address, kKernelLoadAddr);
  // A corrupt header can put pref_address near 2^64: saturate instead of wrapping,
  // so the RAM check below refuses it rather than seeing a tiny kernel.
  const uint64_t run_end =
      run_addr > UINT64_MAX - img.init_size ? UINT64_MAX : run_addr + img.init_size;
  return std::max(kKernelLoadAddr + img.kernel_size, run_end);
}

bool load_bzimage(const GuestMemory& mem, const uint8_t* data, const BzImage& img,
                  std::string* error) {
  const uint64_t end = bzimage_kernel_end(img);
  if (end > mem.size()) {
    if (end > (uint64_t(1) << 52)) {
      *error =
          "bzImage header asks for an impossible load range (pref_address/init_size): corrupt "
          "kernel?";
      return false;
    }
    *error = "guest RAM too small for this kernel (needs " +
             std::to_string((end + (1 << 20) - 1) >> 20) + " MiB, has " +
             std::to_string(mem.size() >> 20) + " MiB)";
    return false;
  }
  return mem.write(kKernelLoadAddr, data + img.kernel_offset, img.kernel_size);
}

}  // namespace kick::boot
