// The three kick arms, and the one parser both fronts (kickvmm, the addon)
// use for them, so "exit|ioeventfd|inline" is spelled in one place.
//  - exit: the notify write exits to userspace; the vCPU thread hands the
//    queue to the I/O thread and re-enters (kvmtool before ioeventfd).
//  - ioeventfd: KVM signals an eventfd; the I/O thread services (after).
//  - inline: the notify write exits and the vCPU thread services the queue
//    itself before re-entering (separates the kick from where servicing runs).
#pragma once
#include <string>

namespace kick {

enum class KickMode { Exit, Ioeventfd, Inline };

// "exit" | "ioeventfd" | "inline".
const char* kick_mode_name(KickMode m);
// False for anything but the three names above.
bool parse_kick_mode(const std::string& s, KickMode* out);
// For error messages: "exit, ioeventfd or inline".
extern const char* const kKickModeChoices;

}  // namespace kick
