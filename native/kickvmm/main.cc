// kickvmm: the command-line front of the VMM core.
//   kickvmm --kernel FILE --disk FILE --mode exit|ioeventfd|inline [options]   run a guest
//   kickvmm --probe [--json]                                     KVM capability probe
//   kickvmm --floor exit|ioeventfd|inline [--kicks N]            kick floor, JSON
// Exit status: 0 clean guest end, 1 bad input / KVM unavailable / VMM error,
// 2 guest crash, 3 timeout. Failures print exactly one line "kickvmm: <reason>".
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "atomic_file.h"
#include "measure/floor_bench.h"
#include "measure/kvm_probe.h"
#include "vm.h"

using namespace kick;

namespace {

const char kUsage[] =
    "usage: kickvmm --kernel FILE --disk FILE --mode exit|ioeventfd|inline [--mem MiB] [--cpus N]\n"
    "               [--cmdline STR] [--initrd FILE] [--readonly] [--stats FILE] [--timeout S]\n"
    "               [--boot auto|pvh|linux64]\n"
    "       kickvmm --probe [--json]\n"
    "       kickvmm --floor exit|ioeventfd|inline [--kicks N]\n"
    "Exit status: 0 clean end, 1 bad input or KVM/VMM error, 2 guest crash, 3 timeout.\n";

int fail(const std::string& reason) {
  std::fprintf(stderr, "kickvmm: %s\n", reason.c_str());
  return 1;
}

bool parse_uint(const std::string& s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  uint64_t v = std::strtoull(s.c_str(), nullptr, 10);
  if (v > max) return false;
  *out = v;
  return true;
}

bool parse_seconds(const std::string& s, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno != 0 || !(v >= 0) || v > 1e7) return false;
  *out = v;
  return true;
}

struct Args {
  std::map<std::string, std::string> values;  // options that take a value
  bool readonly = false, probe = false, json = false, help = false;
};

// Accepts "--opt value" and "--opt=value". One-line error on anything else.
bool parse_args(int argc, char** argv, Args* a, std::string* error) {
  static const char* const kValued[] = {"--kernel",  "--disk",    "--mode",   "--mem",
                                        "--cpus",    "--cmdline", "--initrd", "--stats",
                                        "--timeout", "--boot",    "--floor",  "--kicks"};
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i], value;
    bool has_inline = false;
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    if (arg == "--readonly" || arg == "--probe" || arg == "--json" || arg == "--help" ||
        arg == "-h") {
      if (has_inline) {
        *error = arg + " takes no value";
        return false;
      }
      if (arg == "--readonly") a->readonly = true;
      if (arg == "--probe") a->probe = true;
      if (arg == "--json") a->json = true;
      if (arg == "--help" || arg == "-h") a->help = true;
      continue;
    }
    bool valued = false;
    for (const char* v : kValued) valued = valued || arg == v;
    if (!valued) {
      *error = (arg.rfind("-", 0) == 0 ? "unknown option " : "unexpected argument ") + arg;
      return false;
    }
    if (!has_inline) {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    if (a->values.count(arg)) {
      *error = arg + " given twice";
      return false;
    }
    a->values[arg] = value;
  }
  return true;
}

int run_probe(const Args& a) {
  ProbeResult r = probe_kvm();
  std::string out = a.json ? probe_to_json(r) : probe_to_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!r.dev_opens) return fail(r.open_error);
  if (!r.error.empty()) return fail("probe guest failed: " + r.error);
  return 0;
}

int run_floor_cmd(const Args& a) {
  KickMode mode;
  if (!parse_kick_mode(a.values.at("--floor"), &mode))
    return fail(std::string("--floor must be ") + kKickModeChoices + " (see kickvmm --help)");
  uint64_t kicks = 100000;
  if (a.values.count("--kicks") &&
      (!parse_uint(a.values.at("--kicks"), 1ull << 40, &kicks) || kicks == 0))
    return fail("--kicks must be a positive integer");
  FloorResult r;
  std::string error;
  if (!run_floor(mode, kicks, &r, &error)) return fail(error);
  std::string out = floor_to_json(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

std::atomic<Vm*> g_vm{nullptr};

// SIGINT/SIGTERM end the VM through the normal path, so stats are still written.
void start_signal_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started later
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    if (Vm* vm = g_vm.load())
      vm->request_end(VmEnd::Error,
                      sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    else
      _exit(1);
  }).detach();
}

int run_guest(const Args& a) {
  const auto& v = a.values;
  VmConfig cfg;
  if (!v.count("--kernel")) return fail("--kernel is required (see kickvmm --help)");
  if (!v.count("--disk")) return fail("--disk is required (see kickvmm --help)");
  if (!v.count("--mode")) return fail("--mode is required (see kickvmm --help)");
  if (!parse_kick_mode(v.at("--mode"), &cfg.mode))
    return fail(std::string("--mode must be ") + kKickModeChoices + " (see kickvmm --help)");
  cfg.kernel_path = v.at("--kernel");
  cfg.disk_path = v.at("--disk");
  cfg.readonly = a.readonly;
  if (v.count("--initrd")) cfg.initrd_path = v.at("--initrd");
  if (v.count("--cmdline")) cfg.cmdline = v.at("--cmdline");
  uint64_t n;
  if (v.count("--mem")) {
    if (!parse_uint(v.at("--mem"), 1u << 30, &n)) return fail("--mem must be a size in MiB");
    cfg.mem_mib = uint32_t(n);
  }
  if (v.count("--cpus")) {
    if (!parse_uint(v.at("--cpus"), 1u << 20, &n)) return fail("--cpus must be a positive integer");
    cfg.cpus = uint32_t(n);
  }
  if (v.count("--timeout") && !parse_seconds(v.at("--timeout"), &cfg.timeout_seconds))
    return fail("--timeout must be a number of seconds");
  if (v.count("--boot") && !parse_boot_protocol(v.at("--boot"), &cfg.boot))
    return fail("--boot must be auto, pvh or linux64");
  for (const char* opt : {"--kicks", "--floor"})
    if (v.count(opt)) return fail(std::string(opt) + " only goes with --floor");
  if (a.json) return fail("--json only goes with --probe");
  const std::string stats_path = v.count("--stats") ? v.at("--stats") : "";
  if (v.count("--stats") && stats_path.empty()) return fail("--stats needs a file name");

  // Everything the user gave is checked before /dev/kvm is touched.
  std::string error;
  auto write_stats = [&](const VmmStats& s) {
    std::string werr;
    if (!stats_path.empty() && !write_file_atomic(stats_path, stats_to_json(s), &werr)) {
      std::fprintf(stderr, "kickvmm: %s\n", werr.c_str());
      return false;
    }
    return true;
  };
  auto setup_failure = [&](const std::string& reason) {
    VmmStats s;
    s.mode = cfg.mode;
    s.exit_reason = "error";
    s.exit_detail = reason;
    write_stats(s);
    return fail(reason);
  };
  if (!validate_vm_config(cfg, &error)) return setup_failure(error);

  start_signal_thread();
  auto vm = Vm::create(cfg, &error);
  if (!vm) return setup_failure(error);
  g_vm = vm.get();
  while (vm->run() == Vm::Event::BatchMarker) {
    // The CLI only counts batch markers (VmmStats has no field for them).
  }
  vm->finish();
  g_vm = nullptr;
  fflush(stdout);
  bool stats_ok = write_stats(vm->stats());
  if (vm->end() != VmEnd::Clean) {
    std::fprintf(stderr, "kickvmm: %s\n", vm->end_detail().c_str());
    for (const std::string& line : vm->end_vcpu_states())
      std::fprintf(stderr, "kickvmm:   %s\n", line.c_str());
    return vm->exit_code();
  }
  return stats_ok ? 0 : 1;
}

// kickvmm dies with the process that started it, even if that one is SIGKILLed.
// kickbench's launcher names itself in KICKBENCH_PARENT_PID: if it is already gone
// (it died between fork and the prctl), getppid() no longer matches and we stop.
bool die_with_parent() {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return true;  // best effort
  const char* expected = std::getenv("KICKBENCH_PARENT_PID");
  return expected == nullptr || std::to_string(getppid()) == expected;
}

}  // namespace

int main(int argc, char** argv) {
  if (!die_with_parent()) return fail("the process that started kickvmm is gone");
  Args a;
  std::string error;
  if (!parse_args(argc, argv, &a, &error)) return fail(error + " (see kickvmm --help)");
  if (a.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (a.probe) {
    if (!a.values.empty() || a.readonly) return fail("--probe takes only --json");
    return run_probe(a);
  }
  if (a.values.count("--floor")) {
    for (const auto& kv : a.values)
      if (kv.first != "--floor" && kv.first != "--kicks")
        return fail("--floor takes only --kicks (got " + kv.first + ")");
    if (a.readonly || a.json) return fail("--floor takes only --kicks");
    return run_floor_cmd(a);
  }
  if (argc == 1) return fail("no arguments (see kickvmm --help)");
  return run_guest(a);
}
