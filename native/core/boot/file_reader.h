// Reading kernel and initrd files with one-line errors. The kernel is read
// whole (it is parsed before anything is copied); the initrd is streamed
// straight into its place in guest RAM.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "guest_memory.h"

namespace kick::boot {

// Largest kernel file accepted; a vmlinux is tens of MiB.
constexpr uint64_t kMaxKernelFileSize = 512ull << 20;

bool read_whole_file(const std::string& path, uint64_t max_size, std::vector<uint8_t>* out,
                     std::string* error);

// Size of a regular file, or false with an error.
bool file_size(const std::string& path, uint64_t* size, std::string* error);

// Reads exactly `size` bytes of `path` into guest RAM at `gpa`.
bool read_file_into_guest(const std::string& path, const GuestMemory& mem, uint64_t gpa,
                          uint64_t size, std::string* error);

}  // namespace kick::boot
