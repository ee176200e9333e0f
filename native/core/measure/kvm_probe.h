// What this host's KVM can do, and whether it is hardware-assisted at all:
// some CI hosts expose a /dev/kvm that emulates every guest instruction.
// The tell is the vCPU's `insn_emulation` statistic after a tight real-mode
// loop: about one per loop instruction when emulating, about none on hardware.
#pragma once
#include <cstdint>
#include <string>

#include "kvm.h"

namespace kick {

struct KvmKindMeasurement {
  std::string kind;  // "hardware" | "emulating" | "unknown"
  uint64_t loop_instructions = 0;
  uint64_t insn_emulation = 0;  // from KVM_GET_STATS_FD
  uint64_t exits = 0;
  double seconds = 0;
};

// Runs `iterations` of `dec ecx; jnz` in a throwaway VM. False + error when
// the VM could not be built or run; kind "unknown" when stats are unavailable.
bool measure_kvm_kind(const KvmSystem& sys, uint32_t iterations, KvmKindMeasurement* out,
                      std::string* error);

struct ProbeResult {
  bool dev_exists = false;
  bool dev_opens = false;
  std::string open_error;  // why not, when !dev_opens
  int api_version = 0;
  bool cap_ioeventfd = false, cap_irqfd = false, cap_stats_fd = false;
  std::string kvm_kind = "none";  // "hardware" | "emulating" | "unknown" | "none"
  KvmKindMeasurement measurement;
  std::string error;  // the loop could not run
};

ProbeResult probe_kvm(const char* dev_path = "/dev/kvm", uint32_t iterations = 100000);
std::string probe_to_json(const ProbeResult& r);
std::string probe_to_text(const ProbeResult& r);

}  // namespace kick
