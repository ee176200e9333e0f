// KVM capability probe (see kvm_probe.h).
#include "measure/kvm_probe.h"

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include "measure/mini_vm.h"
#include "thread_usage.h"

namespace kick {

namespace {

// mov ecx, N ; 1: dec ecx ; jnz 1b ; hlt   (16-bit real mode)
std::vector<uint8_t> countdown_code(uint32_t n) {
  return {0x66, 0xb9, uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24),
          0x66, 0x49,  // dec ecx
          0x75, 0xfc,  // jnz -4
          0xf4};       // hlt
}

}  // namespace

bool measure_kvm_kind(const KvmSystem& sys, uint32_t iterations, KvmKindMeasurement* out,
                      std::string* error) {
  if (iterations == 0) iterations = 1;
  MiniVm mvm;
  if (!mvm.create(sys, countdown_code(iterations), error)) return false;
  KvmVcpu& v = mvm.vcpu();
  double t0 = monotonic_seconds();
  for (int guard = 0; guard < 1000000; guard++) {
    if (ioctl(v.fd(), KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *error = std::string("KVM_RUN: ") + std::strerror(errno);
      return false;
    }
    if (v.run()->exit_reason == KVM_EXIT_HLT) break;
    if (v.run()->exit_reason == KVM_EXIT_INTR) continue;
    *error = "probe loop: unexpected exit reason " + std::to_string(v.run()->exit_reason);
    return false;
  }
  out->seconds = monotonic_seconds() - t0;
  out->loop_instructions = 2ull * iterations + 2;
  std::map<std::string, uint64_t> st;
  if (!v.read_stats(&st) || !st.count("insn_emulation")) {
    out->kind = "unknown";
    return true;
  }
  out->insn_emulation = st["insn_emulation"];
  out->exits = st.count("exits") ? st["exits"] : 0;
  // Emulating KVM counts every loop instruction; hardware counts a handful at most.
  out->kind = out->insn_emulation * 2 >= out->loop_instructions ? "emulating" : "hardware";
  return true;
}

ProbeResult probe_kvm(const char* dev_path, uint32_t iterations) {
  ProbeResult r;
  struct stat st;
  r.dev_exists = ::stat(dev_path, &st) == 0;
  KvmSystem sys;
  std::string err;
  if (!sys.open(&err, dev_path)) {
    r.open_error = err;
    return r;
  }
  r.dev_opens = true;
  r.api_version = sys.api_version();
  r.cap_ioeventfd = sys.check_extension(KVM_CAP_IOEVENTFD) > 0;
  r.cap_irqfd = sys.check_extension(KVM_CAP_IRQFD) > 0;
  r.cap_stats_fd = sys.check_extension(KVM_CAP_BINARY_STATS_FD) > 0;
  if (measure_kvm_kind(sys, iterations, &r.measurement, &err)) {
    r.kvm_kind = r.measurement.kind;
  } else {
    r.kvm_kind = "unknown";
    r.error = err;
  }
  return r;
}

namespace {
std::string q(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) o += c;
  }
  return o + "\"";
}
const char* b(bool v) {
  return v ? "true" : "false";
}
}  // namespace

std::string probe_to_json(const ProbeResult& r) {
  std::ostringstream o;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.6f", r.measurement.seconds);
  o << "{\"devKvmExists\": " << b(r.dev_exists) << ", \"devKvmOpens\": " << b(r.dev_opens)
    << ", \"openError\": " << (r.dev_opens ? "null" : q(r.open_error))
    << ", \"apiVersion\": " << r.api_version << ", \"capIoeventfd\": " << b(r.cap_ioeventfd)
    << ", \"capIrqfd\": " << b(r.cap_irqfd) << ", \"capBinaryStatsFd\": " << b(r.cap_stats_fd)
    << ", \"kvmKind\": " << q(r.kvm_kind)
    << ", \"loopInstructions\": " << r.measurement.loop_instructions
    << ", \"insnEmulation\": " << r.measurement.insn_emulation
    << ", \"exits\": " << r.measurement.exits << ", \"loopSeconds\": " << secs
    << ", \"error\": " << (r.error.empty() ? "null" : q(r.error)) << "}\n";
  return o.str();
}

std::string probe_to_text(const ProbeResult& r) {
  std::ostringstream o;
  o << "/dev/kvm:        " << (r.dev_exists ? "exists" : "missing") << ", "
    << (r.dev_opens ? "opens" : "does not open") << "\n";
  if (!r.dev_opens) {
    o << "reason:          " << r.open_error << "\n";
    o << "kvm kind:        none\n";
    return o.str();
  }
  o << "API version:     " << r.api_version << "\n";
  o << "KVM_CAP_IOEVENTFD:       " << (r.cap_ioeventfd ? "yes" : "no") << "\n";
  o << "KVM_CAP_IRQFD:           " << (r.cap_irqfd ? "yes" : "no") << "\n";
  o << "KVM_CAP_BINARY_STATS_FD: " << (r.cap_stats_fd ? "yes" : "no") << "\n";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.3f", r.measurement.seconds * 1e3);
  o << "kvm kind:        " << r.kvm_kind << " (" << r.measurement.loop_instructions
    << " loop instructions, insn_emulation=" << r.measurement.insn_emulation
    << ", exits=" << r.measurement.exits << ", " << secs << " ms)\n";
  if (!r.error.empty()) o << "probe error:     " << r.error << "\n";
  return o.str();
}

}  // namespace kick
