// Checked view of guest RAM. Every guest-supplied address goes through here,
// so a hostile guest can name any GPA but the VMM only ever touches
// [host_base, host_base + size). Modelled on the idea of rust-vmm's vm-memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kick {

class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(uint8_t* host_base, uint64_t size) : base_(host_base), size_(size) {}

  uint64_t size() const { return size_; }
  uint8_t* host_base() const { return base_; }

  // True when [gpa, gpa+len) lies wholly inside guest RAM (overflow-safe).
  bool contains(uint64_t gpa, uint64_t len) const { return gpa <= size_ && len <= size_ - gpa; }

  // Host pointer for [gpa, gpa+len), or nullptr if any byte is outside RAM.
  uint8_t* slice(uint64_t gpa, uint64_t len) const {
    return contains(gpa, len) ? base_ + gpa : nullptr;
  }

  bool read(uint64_t gpa, void* dst, uint64_t len) const {
    const uint8_t* p = slice(gpa, len);
    if (!p) return false;
    std::memcpy(dst, p, len);
    return true;
  }

  bool write(uint64_t gpa, const void* src, uint64_t len) const {
    uint8_t* p = slice(gpa, len);
    if (!p) return false;
    std::memcpy(p, src, len);
    return true;
  }

  // Little-endian scalar helpers (x86 hosts only, so a plain copy is LE).
  template <typename T>
  bool read_obj(uint64_t gpa, T* out) const {
    return read(gpa, out, sizeof(T));
  }
  template <typename T>
  bool write_obj(uint64_t gpa, const T& v) const {
    return write(gpa, &v, sizeof(T));
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace kick
