// Raw disk backend (see raw.h).
#include "disk/raw.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <vector>

namespace kick {

std::unique_ptr<RawDisk> RawDisk::open(const std::string& path, bool readonly, std::string* error) {
  // O_NONBLOCK only for the open (a FIFO must not block before the type check); cleared below.
  int fd = ::open(path.c_str(), (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = "cannot open disk " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  uint64_t bytes = 0;
  if (fstat(fd, &st) != 0) {
    *error = "cannot stat disk " + path + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  if (S_ISBLK(st.st_mode)) {
    if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
      *error = "cannot get size of block device " + path + ": " + std::strerror(errno);
      ::close(fd);
      return nullptr;
    }
  } else if (S_ISREG(st.st_mode)) {
    bytes = uint64_t(st.st_size);
  } else {
    *error = "disk " + path + " is neither a regular file nor a block device";
    ::close(fd);
    return nullptr;
  }
  if (bytes < kSectorSize) {
    *error = "disk " + path + " is smaller than one 512-byte sector";
    ::close(fd);
    return nullptr;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // ordinary blocking I/O from here on
  return std::unique_ptr<RawDisk>(new RawDisk(fd, bytes / kSectorSize, readonly, path));
}

RawDisk::RawDisk(int fd, uint64_t sectors, bool readonly, const std::string& path)
    : fd_(fd), sectors_(sectors), readonly_(readonly) {
  // Serial: "kb-" plus the tail of the file name, so guests can tell disks apart.
  std::string base = path.substr(path.find_last_of('/') + 1);
  std::string id = "kb-" + base;
  if (id.size() > sizeof(serial_)) id = "kb-" + base.substr(base.size() - (sizeof(serial_) - 3));
  std::memcpy(serial_, id.data(), id.size() < sizeof(serial_) ? id.size() : sizeof(serial_));
}

RawDisk::~RawDisk() {
  ::close(fd_);
}

bool RawDisk::read(uint64_t offset, const struct iovec* iov, int iovcnt) {
  return transfer(false, offset, iov, iovcnt);
}

bool RawDisk::write(uint64_t offset, const struct iovec* iov, int iovcnt) {
  if (readonly_) return false;
  return transfer(true, offset, iov, iovcnt);
}

bool RawDisk::flush() {
  if (readonly_) return true;
  while (fdatasync(fd_) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

// preadv/pwritev may transfer less than asked; resume where they stopped.
// The common case (one full transfer) needs no copy of the iovecs.
bool RawDisk::transfer(bool is_write, uint64_t offset, const struct iovec* iov, int iovcnt) {
  if (iovcnt <= 0) return true;
  if (iovcnt > IOV_MAX || offset > uint64_t(LLONG_MAX)) return false;
  uint64_t total = 0;
  for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  ssize_t n;
  do {
    n = is_write ? pwritev(fd_, iov, iovcnt, off_t(offset))
                 : preadv(fd_, iov, iovcnt, off_t(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  if (uint64_t(n) == total) return true;
  if (n == 0) return false;  // end of file before the request was satisfied

  std::vector<struct iovec> v(iov, iov + iovcnt);
  size_t first = 0;
  for (;;) {
    offset += uint64_t(n);
    size_t left = size_t(n);
    while (first < v.size() && (left || v[first].iov_len == 0)) {
      size_t take = left < v[first].iov_len ? left : v[first].iov_len;
      v[first].iov_base = static_cast<uint8_t*>(v[first].iov_base) + take;
      v[first].iov_len -= take;
      left -= take;
      if (v[first].iov_len == 0) first++;
    }
    if (first == v.size()) return true;
    int cnt = int(v.size() - first);
    do {
      n = is_write ? pwritev(fd_, &v[first], cnt, off_t(offset))
                   : preadv(fd_, &v[first], cnt, off_t(offset));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
  }
}

}  // namespace kick
