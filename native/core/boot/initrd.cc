#include "boot/initrd.h"

#include <algorithm>

namespace kick::boot {

bool place_initrd(uint64_t ram_size, uint64_t addr_max, uint64_t kernel_end, uint64_t initrd_size,
                  uint64_t* addr, std::string* error) {
  constexpr uint64_t kPage = 4096;
  const uint64_t top = addr_max == UINT64_MAX ? ram_size : std::min(ram_size, addr_max + 1);
  const uint64_t floor = (kernel_end + kPage - 1) & ~(kPage - 1);
  if (initrd_size == 0 || initrd_size > top || ((top - initrd_size) & ~(kPage - 1)) < floor) {
    *error = "initrd (" + std::to_string(initrd_size >> 10) + " KiB) does not fit in guest RAM " +
             "between the kernel and the initrd limit; give the guest more memory";
    return false;
  }
  *addr = (top - initrd_size) & ~(kPage - 1);
  return true;
}

}  // namespace kick::boot
