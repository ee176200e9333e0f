// How a queue notification ("kick") reaches the device. Two interchangeable
// paths, chosen per VM, with everything else identical:
//  - exit: the guest's write to the notify register exits to userspace and
//    the vCPU thread services the queue before re-entering (nothing to set up).
//  - ioeventfd: KVM signals an eventfd per queue; one I/O thread waits on all
//    of them with epoll and services the queue.
// Either way the transport's notify_queue() runs the same servicing code.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "stats.h"
#include "vm_ioctls.h"

namespace kick {

class QueueNotifyTarget {
 public:
  virtual ~QueueNotifyTarget() = default;
  // Services `queue`. Called on the I/O thread in ioeventfd mode.
  virtual void notify_queue(uint16_t queue) = 0;
};

class KickPath {
 public:
  virtual ~KickPath() = default;
  virtual KickMode mode() const = 0;
  // `target`'s `queue` became live with its 2-byte notify register at `port`
  // (written with the queue index); or stopped being live there.
  virtual void queue_activated(QueueNotifyTarget* target, uint16_t queue, uint16_t port) = 0;
  virtual void queue_deactivated(QueueNotifyTarget* target, uint16_t queue, uint16_t port) = 0;
  virtual bool start(std::string* error) = 0;
  // Joins any thread and adds its CPU time to stats.io_thread_cpu_seconds. Safe twice.
  virtual void stop() = 0;
};

std::unique_ptr<KickPath> make_exit_kick_path();
std::unique_ptr<KickPath> make_ioeventfd_kick_path(VmIoctls& vm, VmmStats& stats,
                                                   std::string* error);

}  // namespace kick
