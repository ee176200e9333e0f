// Kick mode names (see kick_mode.h).
#include "kick/kick_mode.h"

namespace kick {

const char* const kKickModeChoices = "exit, ioeventfd or inline";

const char* kick_mode_name(KickMode m) {
  switch (m) {
    case KickMode::Ioeventfd:
      return "ioeventfd";
    case KickMode::Inline:
      return "inline";
    default:
      return "exit";
  }
}

bool parse_kick_mode(const std::string& s, KickMode* out) {
  for (KickMode m : {KickMode::Exit, KickMode::Ioeventfd, KickMode::Inline}) {
    if (s == kick_mode_name(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

}  // namespace kick
