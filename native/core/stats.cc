// Serialises VmmStats as the JSON kickvmm writes with --stats.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "stats.h"

namespace kick {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

uint64_t ld(const std::atomic<uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

}  // namespace

std::string stats_to_json(const VmmStats& s) {
  std::ostringstream o;
  o << "{\n";
  o << "  \"mode\": " << json_string(kick_mode_name(s.mode)) << ",\n";
  o << "  \"armSemantics\": " << kArmSemantics << ",\n";
  o << "  \"exits\": {\"io\": " << ld(s.exit_io) << ", \"mmio\": " << ld(s.exit_mmio)
    << ", \"hlt\": " << ld(s.exit_hlt) << ", \"shutdown\": " << ld(s.exit_shutdown)
    << ", \"internal_error\": " << ld(s.exit_internal_error)
    << ", \"system_event\": " << ld(s.exit_system_event) << ", \"intr\": " << ld(s.exit_intr)
    << ", \"other\": " << ld(s.exit_other) << "},\n";
  o << "  \"ioExitsByPort\": {";
  bool first_port = true;
  for (uint32_t port = 0; port < 65536; port++) {
    uint64_t n = ld(s.io_exits_by_port[port]);
    if (n == 0) continue;
    char key[16];
    std::snprintf(key, sizeof key, "0x%x", port);
    o << (first_port ? "" : ", ") << json_string(key) << ": " << n;
    first_port = false;
  }
  o << "},\n";
  o << "  \"kicks\": " << ld(s.kicks) << ",\n";
  o << "  \"notifyIoExits\": " << ld(s.notify_io_exits) << ",\n";
  o << "  \"eventfdWakeups\": " << ld(s.eventfd_wakeups) << ",\n";
  o << "  \"eventfdSignals\": " << ld(s.eventfd_signals) << ",\n";
  o << "  \"requestsServicedOn\": {\"vcpu\": " << ld(s.requests_on_vcpu)
    << ", \"ioThread\": " << ld(s.requests_on_io_thread) << "},\n";
  o << "  \"requests\": {\"total\": " << ld(s.requests) << ", \"read\": " << ld(s.requests_read)
    << ", \"write\": " << ld(s.requests_write) << ", \"flush\": " << ld(s.requests_flush)
    << ", \"getId\": " << ld(s.requests_get_id)
    << ", \"unsupported\": " << ld(s.requests_unsupported)
    << ", \"ioerr\": " << ld(s.requests_ioerr) << "},\n";
  o << "  \"bytesRead\": " << ld(s.bytes_read) << ",\n";
  o << "  \"bytesWritten\": " << ld(s.bytes_written) << ",\n";
  o << "  \"badDescriptors\": " << ld(s.bad_descriptors) << ",\n";
  o << "  \"deviceNeedsReset\": " << ld(s.device_needs_reset) << ",\n";
  o << "  \"interrupts\": " << ld(s.interrupts) << ",\n";
  o << "  \"wallSeconds\": " << json_number(s.wall_seconds) << ",\n";
  o << "  \"vcpuCpuSeconds\": " << json_number(s.vcpu_cpu_seconds) << ",\n";
  o << "  \"ioThreadCpuSeconds\": " << json_number(s.io_thread_cpu_seconds) << ",\n";
  o << "  \"vcpuContextSwitches\": {\"voluntary\": " << s.vcpu_voluntary_switches
    << ", \"involuntary\": " << s.vcpu_involuntary_switches << "},\n";
  o << "  \"tscKhz\": " << s.tsc_khz << ",\n";
  o << "  \"kvm\": {";
  bool first = true;
  for (const auto& kv : s.kvm_vcpu_stats) {
    o << (first ? "" : ", ") << json_string(kv.first) << ": " << kv.second;
    first = false;
  }
  o << "},\n";
  o << "  \"kvmKind\": " << json_string(s.kvm_kind.empty() ? "unknown" : s.kvm_kind) << ",\n";
  o << "  \"exitReason\": " << json_string(s.exit_reason) << ",\n";
  o << "  \"exitDetail\": " << json_string(s.exit_detail) << "\n";
  o << "}\n";
  return o.str();
}

}  // namespace kick
