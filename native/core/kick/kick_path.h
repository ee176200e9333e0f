// How a queue notification ("kick") reaches the device, and which thread
// services the queue. One KickPath per VM, chosen by KickMode:
//  - exit: the guest's notify write exits to userspace (KVM_EXIT_IO). The vCPU
//    thread only signals the queue's eventfd, handing the queue to the I/O
//    thread, and re-enters at once (kvmtool before ioeventfd: the exit called
//    thread_pool__do_job()).
//  - ioeventfd: KVM signals the queue's eventfd itself (KVM_IOEVENTFD), so the
//    write never leaves the kernel; the same I/O thread services the queue.
//  - inline: the write exits and the vCPU thread services the queue before
//    re-entering. Only the place servicing runs differs from exit.
// In every mode QueueNotifyTarget::notify_queue() runs the same servicing and
// completion code; the I/O thread is one epoll loop over every queue eventfd.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "kick/kick_mode.h"
#include "stats.h"
#include "vm_ioctls.h"

namespace kick {

class QueueNotifyTarget {
 public:
  virtual ~QueueNotifyTarget() = default;
  // Services `queue`: on the I/O thread (exit, ioeventfd) or on the vCPU
  // thread that took the exit (inline).
  virtual void notify_queue(uint16_t queue) = 0;
};

class KickPath {
 public:
  virtual ~KickPath() = default;
  virtual KickMode mode() const = 0;
  // `target`'s `queue` became live with its 2-byte notify register at `port`
  // (written with the queue index); or stopped being live there. Called with
  // the target's device lock held.
  virtual void queue_activated(QueueNotifyTarget* target, uint16_t queue, uint16_t port) = 0;
  virtual void queue_deactivated(QueueNotifyTarget* target, uint16_t queue, uint16_t port) = 0;
  // A notify write for `queue` reached userspace on a vCPU thread (any mode:
  // in ioeventfd mode only before or without a KVM registration). Called
  // without the device lock.
  virtual void notify_exited(QueueNotifyTarget* target, uint16_t queue) = 0;
  virtual bool start(std::string* error) = 0;
  // Joins any thread and adds its CPU time to stats.io_thread_cpu_seconds. Safe twice.
  virtual void stop() = 0;
};

// The path for `mode`; nullptr + one-line error if its I/O thread cannot be set up.
std::unique_ptr<KickPath> make_kick_path(KickMode mode, VmIoctls& vm, VmmStats& stats,
                                         std::string* error);

// The pieces make_kick_path() chooses from (one file each).
std::unique_ptr<KickPath> make_inline_kick_path(VmmStats& stats);
// exit (register_with_kvm = false) and ioeventfd (true).
std::unique_ptr<KickPath> make_io_thread_kick_path(bool register_with_kvm, VmIoctls& vm,
                                                   VmmStats& stats, std::string* error);

}  // namespace kick
