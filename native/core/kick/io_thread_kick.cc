// The kick paths whose queues are serviced on the I/O thread: one eventfd per
// queue, all watched by one EpollLoop thread that services the queue when its
// eventfd fires. They differ only in who signals the eventfd:
//  - ioeventfd: KVM, through KVM_IOEVENTFD (PIO, 2 bytes, datamatch = queue
//    index) on the queue's notify port, without leaving the kernel;
//  - exit: the vCPU thread, after the notify write exited to userspace
//    (notify_exited), the way kvmtool's exit handler queued a job and re-entered.
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "kick/epoll_loop.h"
#include "kick/kick_path.h"

namespace kick {

namespace {

// One queue's eventfd. Created on the queue's first activation and kept (in
// the epoll set) for the VM's life, so neither the I/O thread nor a vCPU ever
// sees a closed fd; only the KVM registration comes and goes.
struct QueueEventfd : EpollHandler {
  int fd = -1;
  QueueNotifyTarget* target = nullptr;
  uint16_t queue = 0;
  VmmStats* stats = nullptr;
  bool assigned = false;  // registered with KVM_IOEVENTFD
  uint16_t port = 0;

  // Takes the pending count: every signal is one kick, whoever wrote it.
  uint64_t take() {
    uint64_t count = 0;
    if (read(fd, &count, sizeof count) != sizeof count) return 0;  // EAGAIN: nothing pending
    stats->eventfd_signals += count;
    stats->kicks += count;
    return count;
  }

  void on_readable() override {
    if (take() == 0) return;
    stats->eventfd_wakeups++;
    target->notify_queue(queue);
  }
};

class IoThreadKickPath : public KickPath {
 public:
  IoThreadKickPath(bool register_with_kvm, VmIoctls& vm, VmmStats& stats)
      : register_with_kvm_(register_with_kvm), vm_(vm), stats_(stats) {}
  ~IoThreadKickPath() override {
    stop();
    for (auto& q : queues_) close(q->fd);  // KVM keeps its own reference while assigned
  }

  bool init(std::string* error) { return loop_.init(error); }

  KickMode mode() const override {
    return register_with_kvm_ ? KickMode::Ioeventfd : KickMode::Exit;
  }

  void queue_activated(QueueNotifyTarget* target, uint16_t queue, uint16_t port) override {
    std::lock_guard<std::mutex> g(lock_);
    QueueEventfd* q = find_or_create(target, queue);
    if (!q || !register_with_kvm_) return;  // exit mode: the vCPU signals it
    if (q->assigned) {
      if (q->port == port) return;
      deassign(q);
    }
    if (!vm_.assign_pio_ioeventfd(q->fd, port, 2, queue)) {
      std::fprintf(stderr, "kickvmm: KVM_IOEVENTFD on port 0x%x failed (%s); queue %u kicks exit\n",
                   port, std::strerror(errno), queue);
      return;
    }
    q->assigned = true;
    q->port = port;
  }

  void queue_deactivated(QueueNotifyTarget* target, uint16_t queue, uint16_t) override {
    std::lock_guard<std::mutex> g(lock_);
    for (auto& q : queues_) {
      if (q->target == target && q->queue == queue && q->assigned) deassign(q.get());
    }
  }

  // The hand-off: signal the queue's eventfd and return to the guest; the I/O
  // thread services it. A queue that never went live has nothing to service.
  void notify_exited(QueueNotifyTarget* target, uint16_t queue) override {
    int fd = -1;
    {
      std::lock_guard<std::mutex> g(lock_);
      for (auto& q : queues_)
        if (q->target == target && q->queue == queue) fd = q->fd;
    }
    uint64_t one = 1;
    if (fd < 0 || write(fd, &one, sizeof one) != sizeof one) stats_.kicks++;
  }

  bool start(std::string* error) override { return loop_.start(error); }

  void stop() override {
    stats_.io_thread_cpu_seconds += loop_.stop();
    // Kicks signalled after the thread's last wake-up still count as kicks.
    std::lock_guard<std::mutex> g(lock_);
    for (auto& q : queues_) q->take();
  }

 private:
  QueueEventfd* find_or_create(QueueNotifyTarget* target, uint16_t queue) {
    for (auto& q : queues_) {
      if (q->target == target && q->queue == queue) return q.get();
    }
    auto q = std::make_unique<QueueEventfd>();
    q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    std::string error;
    if (q->fd < 0 || !loop_.add(q->fd, q.get(), &error)) {
      std::fprintf(stderr, "kickvmm: cannot set up an eventfd for queue %u: %s\n", queue,
                   q->fd < 0 ? std::strerror(errno) : error.c_str());
      if (q->fd >= 0) close(q->fd);
      return nullptr;
    }
    q->target = target;
    q->queue = queue;
    q->stats = &stats_;
    queues_.push_back(std::move(q));
    return queues_.back().get();
  }

  void deassign(QueueEventfd* q) {
    if (!vm_.deassign_pio_ioeventfd(q->fd, q->port, 2, q->queue)) {
      std::fprintf(stderr, "kickvmm: KVM_IOEVENTFD deassign on port 0x%x failed: %s\n", q->port,
                   std::strerror(errno));
    }
    q->assigned = false;
  }

  const bool register_with_kvm_;
  VmIoctls& vm_;
  VmmStats& stats_;
  std::mutex lock_;
  std::vector<std::unique_ptr<QueueEventfd>> queues_;
  EpollLoop loop_;  // declared last: destroyed (stopped) before the queues it calls into
};

}  // namespace

std::unique_ptr<KickPath> make_io_thread_kick_path(bool register_with_kvm, VmIoctls& vm,
                                                   VmmStats& stats, std::string* error) {
  auto p = std::make_unique<IoThreadKickPath>(register_with_kvm, vm, stats);
  if (!p->init(error)) return nullptr;
  return p;
}

}  // namespace kick
