// One thread waiting on an epoll set of any number of fds plus a stop
// eventfd, calling each fd's handler when it becomes readable. Handlers must
// stay alive until stop() returns.
#pragma once
#include <string>
#include <thread>

namespace kick {

class EpollHandler {
 public:
  virtual ~EpollHandler() = default;
  virtual void on_readable() = 0;
};

// True on a thread running an EpollLoop (the I/O thread), false elsewhere:
// how servicing code tells which kind of thread it runs on, for the stats.
bool on_io_thread();

class EpollLoop {
 public:
  EpollLoop() = default;
  ~EpollLoop();
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  bool init(std::string* error);
  // May be called before or after start(), from any thread.
  bool add(int fd, EpollHandler* handler, std::string* error);
  bool start(std::string* error);
  // Wakes and joins the thread; returns its CPU seconds (0 if it never ran
  // or was already stopped).
  double stop();

 private:
  void run();

  int epfd_ = -1, stop_fd_ = -1;
  std::thread thread_;
  double cpu_seconds_ = 0;
};

}  // namespace kick
