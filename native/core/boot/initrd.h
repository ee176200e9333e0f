// Where the initrd goes: as high as the protocol allows, page-aligned, above
// everything the kernel occupies (boot.rst: "as high as possible").
#pragma once
#include <cstdint>
#include <string>

namespace kick::boot {

// initrd_addr_max of x86-64 kernels; used when there is no setup header.
constexpr uint64_t kDefaultInitrdAddrMax = 0x7FFFFFFF;

// Picks the initrd's address: the top page-aligned spot with every byte at or
// below `addr_max` (inclusive, as hdr.initrd_addr_max) and below `ram_size`,
// not below `kernel_end`. False with an error when it cannot fit.
bool place_initrd(uint64_t ram_size, uint64_t addr_max, uint64_t kernel_end, uint64_t initrd_size,
                  uint64_t* addr, std::string* error);

}  // namespace kick::boot
