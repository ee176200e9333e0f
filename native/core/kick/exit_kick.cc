// The exit kick path: notify writes arrive as KVM_EXIT_IO on the vCPU thread
// through the IoBus, so there is nothing to register and no thread.
#include "kick/kick_path.h"

namespace kick {

namespace {
class ExitKickPath : public KickPath {
 public:
  KickMode mode() const override { return KickMode::Exit; }
  void queue_activated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  void queue_deactivated(QueueNotifyTarget*, uint16_t, uint16_t) override {}
  bool start(std::string*) override { return true; }
  void stop() override {}
};
}  // namespace

std::unique_ptr<KickPath> make_exit_kick_path() {
  return std::make_unique<ExitKickPath>();
}

}  // namespace kick
