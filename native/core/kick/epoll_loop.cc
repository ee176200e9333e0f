// The I/O thread's epoll loop (see epoll_loop.h).
#include "kick/epoll_loop.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace kick {

namespace {
thread_local bool t_on_io_thread = false;
}  // namespace

bool on_io_thread() {
  return t_on_io_thread;
}

EpollLoop::~EpollLoop() {
  stop();
  if (epfd_ >= 0) close(epfd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

bool EpollLoop::init(std::string* error) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epfd_ < 0 || stop_fd_ < 0) {
    *error = std::string("cannot create the I/O thread's epoll set: ") + std::strerror(errno);
    return false;
  }
  return add(stop_fd_, nullptr, error);  // a null handler marks the stop fd
}

bool EpollLoop::add(int fd, EpollHandler* handler, std::string* error) {
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.ptr = handler;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    *error = std::string("epoll_ctl(ADD) failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool EpollLoop::start(std::string* error) {
  if (thread_.joinable()) return true;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    *error = std::string("cannot start the I/O thread: ") + e.what();
    return false;
  }
  pthread_setname_np(thread_.native_handle(), "kick-io");
  return true;
}

double EpollLoop::stop() {
  if (!thread_.joinable()) return 0;
  uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) != sizeof one) {
    std::fprintf(stderr, "kickvmm: cannot wake the I/O thread: %s\n", std::strerror(errno));
  }
  thread_.join();
  double s = cpu_seconds_;
  cpu_seconds_ = 0;
  return s;
}

void EpollLoop::run() {
  t_on_io_thread = true;
  struct epoll_event evs[16];
  bool stopping = false;
  while (!stopping) {
    int n = epoll_wait(epfd_, evs, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "kickvmm: I/O thread epoll_wait failed: %s\n", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; i++) {
      auto* h = static_cast<EpollHandler*>(evs[i].data.ptr);
      if (h)
        h->on_readable();
      else
        stopping = true;  // finish this batch, then leave
    }
  }
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    cpu_seconds_ = ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace kick
