// Chooses the kick path for a mode (see kick_path.h).
#include "kick/kick_path.h"

namespace kick {

std::unique_ptr<KickPath> make_kick_path(KickMode mode, VmIoctls& vm, VmmStats& stats,
                                         std::string* error) {
  switch (mode) {
    case KickMode::Inline:
      return make_inline_kick_path(stats);
    case KickMode::Ioeventfd:
      return make_io_thread_kick_path(true, vm, stats, error);
    default:
      return make_io_thread_kick_path(false, vm, stats, error);
  }
}

}  // namespace kick
