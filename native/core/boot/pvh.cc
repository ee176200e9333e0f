#include "boot/pvh.h"

#include "boot/layout.h"

namespace kick::boot {

bool write_pvh_start_info(const GuestMemory& mem, const PvhInput& in, std::string* error) {
  // Linux BUG()s on a version-0 start_info or an empty memmap.
  if (in.memory_map.empty() || in.memory_map.size() > kPvhMemmapMaxEntries) {
    *error = "PVH memory map must have 1.." + std::to_string(kPvhMemmapMaxEntries) + " entries";
    return false;
  }
  HvmStartInfo si{};
  si.magic = kHvmStartMagic;
  si.version = 1;
  si.cmdline_paddr = in.cmdline_addr;
  si.memmap_paddr = kPvhMemmapAddr;
  si.memmap_entries = static_cast<uint32_t>(in.memory_map.size());
  bool ok = true;
  if (in.initrd_size) {
    si.nr_modules = 1;
    si.modlist_paddr = kPvhModlistAddr;
    HvmModlistEntry mod{in.initrd_addr, in.initrd_size, 0, 0};
    ok = ok && mem.write_obj(kPvhModlistAddr, mod);
  }
  for (size_t i = 0; i < in.memory_map.size(); i++) {
    const MemoryRange& r = in.memory_map[i];
    HvmMemmapEntry e{r.addr, r.size, static_cast<uint32_t>(r.type), 0};
    ok = ok && mem.write_obj(kPvhMemmapAddr + i * sizeof e, e);
  }
  ok = ok && mem.write_obj(kStartInfoAddr, si);
  if (!ok) *error = "guest RAM too small for the PVH start_info";
  return ok;
}

}  // namespace kick::boot
