#include "boot/elf.h"

#include <elf.h>

#include <cstdio>
#include <cstring>

#include "boot/layout.h"

namespace kick::boot {
namespace {

// A program header, widened to 64 bits whatever the ELF class.
struct Phdr {
  uint32_t type;
  uint64_t offset, paddr, filesz, memsz, align;
};

// [off, off+len) inside a buffer of `size` bytes, without overflow.
bool in_file(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Phdr read_phdr(const uint8_t* p, bool is64) {
  Phdr h{};
  if (is64) {
    Elf64_Phdr e;
    std::memcpy(&e, p, sizeof e);
    h = {e.p_type, e.p_offset, e.p_paddr, e.p_filesz, e.p_memsz, e.p_align};
  } else {
    Elf32_Phdr e;
    std::memcpy(&e, p, sizeof e);
    h = {e.p_type, e.p_offset, e.p_paddr, e.p_filesz, e.p_memsz, e.p_align};
  }
  return h;
}

// Walks the notes of one PT_NOTE segment looking for "Xen" type 18.
bool scan_notes(const uint8_t* data, const Phdr& ph, ElfKernel* out, std::string* error) {
  const uint64_t align = ph.align == 8 ? 8 : 4;
  auto up = [align](uint64_t v) { return (v + align - 1) & ~(align - 1); };
  uint64_t pos = 0;
  while (ph.filesz - pos >= 12) {
    uint32_t hdr[3];  // namesz, descsz, type
    std::memcpy(hdr, data + ph.offset + pos, sizeof hdr);
    const uint64_t name_off = pos + 12;
    const uint64_t desc_off = name_off + up(hdr[0]);
    const uint64_t next = desc_off + up(hdr[1]);
    if (next > ph.filesz) {
      *error = "corrupt ELF: note runs past its PT_NOTE segment";
      return false;
    }
    const uint8_t* name = data + ph.offset + name_off;
    if (hdr[2] == kXenElfNotePhys32Entry && hdr[0] == 4 && std::memcmp(name, "Xen", 4) == 0) {
      if (hdr[1] < 4) {
        *error = "corrupt ELF: Xen PHYS32_ENTRY note is shorter than 4 bytes";
        return false;
      }
      std::memcpy(&out->pvh_entry, data + ph.offset + desc_off, 4);
      out->has_pvh_entry = true;
    }
    pos = next;
  }
  return true;
}

}  // namespace

bool looks_like_elf(const uint8_t* data, uint64_t size) {
  return size >= SELFMAG && std::memcmp(data, ELFMAG, SELFMAG) == 0;
}

bool parse_elf(const uint8_t* data, uint64_t size, ElfKernel* out, std::string* error) {
  *out = ElfKernel{};
  if (!looks_like_elf(data, size) || size < EI_NIDENT) {
    *error = "not an ELF file";
    return false;
  }
  const bool is64 = data[EI_CLASS] == ELFCLASS64;
  if (!is64 && data[EI_CLASS] != ELFCLASS32) {
    *error = "corrupt ELF: unknown class";
    return false;
  }
  if (data[EI_DATA] != ELFDATA2LSB) {
    *error = "unsupported ELF: not little-endian";
    return false;
  }
  uint16_t type, machine, phentsize, phnum;
  uint64_t phoff;
  if (is64) {
    if (size < sizeof(Elf64_Ehdr)) {
      *error = "corrupt ELF: header truncated";
      return false;
    }
    Elf64_Ehdr eh;
    std::memcpy(&eh, data, sizeof eh);
    type = eh.e_type, machine = eh.e_machine, phentsize = eh.e_phentsize, phnum = eh.e_phnum;
    phoff = eh.e_phoff, out->entry = eh.e_entry;
  } else {
    if (size < sizeof(Elf32_Ehdr)) {
      *error = "corrupt ELF: header truncated";
      return false;
    }
    Elf32_Ehdr eh;
    std::memcpy(&eh, data, sizeof eh);
    type = eh.e_type, machine = eh.e_machine, phentsize = eh.e_phentsize, phnum = eh.e_phnum;
    phoff = eh.e_phoff, out->entry = eh.e_entry;
  }
  out->is_64bit = is64;
  if (type != ET_EXEC) {
    *error = "unsupported ELF: not an executable (e_type " + std::to_string(type) + ")";
    return false;
  }
  if (machine != (is64 ? EM_X86_64 : EM_386)) {
    *error = "unsupported ELF: not an x86 executable (e_machine " + std::to_string(machine) + ")";
    return false;
  }
  const uint64_t want_phentsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (phentsize != want_phentsize) {
    *error = "corrupt ELF: e_phentsize " + std::to_string(phentsize);
    return false;
  }
  // PN_XNUM (0xffff) would put the real count in a section header; kernels never need it.
  if (phnum == 0 || phnum >= PN_XNUM) {
    *error = "corrupt ELF: bad program header count " + std::to_string(phnum);
    return false;
  }
  if (!in_file(phoff, uint64_t{phnum} * phentsize, size)) {
    *error = "corrupt ELF: program headers extend past the end of the file";
    return false;
  }
  for (uint16_t i = 0; i < phnum; i++) {
    const Phdr ph = read_phdr(data + phoff + uint64_t{i} * phentsize, is64);
    const std::string which = "corrupt ELF: program header " + std::to_string(i);
    if (ph.type != PT_LOAD && ph.type != PT_NOTE) continue;
    if (!in_file(ph.offset, ph.filesz, size)) {
      *error = which + " points past the end of the file";
      return false;
    }
    if (ph.type == PT_NOTE) {
      if (!scan_notes(data, ph, out, error)) return false;
      continue;
    }
    if (ph.filesz > ph.memsz) {
      *error = which + " has p_filesz > p_memsz";
      return false;
    }
    if (ph.memsz == 0) continue;
    if (ph.paddr + ph.memsz < ph.paddr) {
      *error = which + " wraps around the address space";
      return false;
    }
    out->segments.push_back({ph.offset, ph.filesz, ph.paddr, ph.memsz});
    if (out->segments.size() == 1 || ph.paddr < out->load_start) out->load_start = ph.paddr;
    if (ph.paddr + ph.memsz > out->load_end) out->load_end = ph.paddr + ph.memsz;
  }
  if (out->segments.empty()) {
    *error = "corrupt ELF: no loadable segment";
    return false;
  }
  return true;
}

bool elf_contains(const ElfKernel& elf, uint64_t addr) {
  for (const ElfSegment& s : elf.segments)
    if (addr >= s.paddr && addr - s.paddr < s.mem_size) return true;
  return false;
}

bool load_elf(const GuestMemory& mem, const uint8_t* data, const ElfKernel& elf,
              std::string* error) {
  // Check everything before writing anything, so a bad file leaves RAM untouched.
  for (const ElfSegment& s : elf.segments) {
    if (s.paddr < kHighMemStart) {
      *error = "ELF segment at " + hex(s.paddr) + " overlaps the boot area below 1 MiB";
      return false;
    }
    if (!mem.contains(s.paddr, s.mem_size)) {
      *error = "ELF segment [" + hex(s.paddr) + ", " + hex(s.paddr + s.mem_size) +
               ") does not fit in guest RAM (" + std::to_string(mem.size() >> 20) + " MiB)";
      return false;
    }
  }
  for (const ElfSegment& s : elf.segments) {
    uint8_t* dst = mem.slice(s.paddr, s.mem_size);
    std::memcpy(dst, data + s.file_offset, s.file_size);
    std::memset(dst + s.file_size, 0, s.mem_size - s.file_size);
  }
  return true;
}

}  // namespace kick::boot
