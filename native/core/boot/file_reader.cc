#include "boot/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace kick::boot {
namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

bool open_regular(const std::string& path, int* fd_out, uint64_t* size, std::string* error) {
  // O_NONBLOCK: a FIFO must not block the open before the type check rejects it.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file";
    close(fd);
    return false;
  }
  *fd_out = fd;
  *size = static_cast<uint64_t>(st.st_size);
  return true;
}

bool read_exact(int fd, uint8_t* dst, uint64_t size, const std::string& path, std::string* error) {
  uint64_t done = 0;
  while (done < size) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(size - done, 1u << 30));
    ssize_t n = read(fd, dst + done, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = path + ": " + (n < 0 ? std::strerror(errno) : "file shrank while reading");
      return false;
    }
    done += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

bool file_size(const std::string& path, uint64_t* size, std::string* error) {
  int fd;
  if (!open_regular(path, &fd, size, error)) return false;
  close(fd);
  return true;
}

bool read_whole_file(const std::string& path, uint64_t max_size, std::vector<uint8_t>* out,
                     std::string* error) {
  int fd;
  uint64_t size;
  if (!open_regular(path, &fd, &size, error)) return false;
  FdCloser closer{fd};
  if (size > max_size) {
    *error = path + ": file too large (" + std::to_string(size >> 20) + " MiB)";
    return false;
  }
  out->resize(size);
  return read_exact(fd, out->data(), size, path, error);
}

bool read_file_into_guest(const std::string& path, const GuestMemory& mem, uint64_t gpa,
                          uint64_t size, std::string* error) {
  uint8_t* dst = mem.slice(gpa, size);
  if (!dst) {
    *error = path + ": does not fit in guest RAM";
    return false;
  }
  int fd;
  uint64_t actual;
  if (!open_regular(path, &fd, &actual, error)) return false;
  FdCloser closer{fd};
  if (actual != size) {
    *error = path + ": file changed size while loading";
    return false;
  }
  return read_exact(fd, dst, size, path, error);
}

}  // namespace kick::boot
