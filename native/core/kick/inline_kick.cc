// The inline kick path: a notify write arrives as KVM_EXIT_IO and the vCPU
// thread services the queue before re-entering. Nothing to register, no thread.
#include "kick/kick_path.h"

namespace kick {

namespace {
class InlineKickPath : public KickPath {
 public:
  explicit InlineKickPath(VmmStats& stats) : stats_(stats) {}
  KickMode mode() const override { return KickMode::Inline; }
  void queue_activated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  void queue_deactivated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  void notify_exited(QueueNotifyTarget* target, uint16_t queue) override {
    stats_.kicks++;
    target->notify_queue(queue);
  }
  bool start(std::string*) override { return true; }
  void stop() override {}

 private:
  VmmStats& stats_;
};
}  // namespace

std::unique_ptr<KickPath> make_inline_kick_path(VmmStats& stats) {
  return std::make_unique<InlineKickPath>(stats);
}

}  // namespace kick
