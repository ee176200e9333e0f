// A raw disk image or block device, read and written with preadv/pwritev
// straight into/out of guest memory. Capacity comes from the file size, or
// BLKGETSIZE64 for block devices; any tail smaller than a sector is unused.
#pragma once
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>

namespace kick {

class RawDisk {
 public:
  static constexpr uint64_t kSectorSize = 512;

  // Opens `path`; nullptr and a one-line `error` on failure.
  static std::unique_ptr<RawDisk> open(const std::string& path, bool readonly, std::string* error);
  ~RawDisk();
  RawDisk(const RawDisk&) = delete;
  RawDisk& operator=(const RawDisk&) = delete;

  uint64_t sectors() const { return sectors_; }
  bool readonly() const { return readonly_; }
  // 20-byte serial for VIRTIO_BLK_T_GET_ID (NUL-padded).
  const char* serial() const { return serial_; }

  // Transfer exactly the iovecs' total at byte `offset`; false on error or
  // a short transfer (e.g. a file truncated under us).
  bool read(uint64_t offset, const struct iovec* iov, int iovcnt);
  bool write(uint64_t offset, const struct iovec* iov, int iovcnt);
  bool flush();

 private:
  RawDisk(int fd, uint64_t sectors, bool readonly, const std::string& path);
  bool transfer(bool is_write, uint64_t offset, const struct iovec* iov, int iovcnt);

  int fd_;
  uint64_t sectors_;
  bool readonly_;
  char serial_[20] = {};
};

}  // namespace kick
