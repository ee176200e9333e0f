// kickvmm_addon: the VMM core for Node (node-addon-api).
//   probe() -> {devKvmExists, devKvmOpens, openError, apiVersion, capIoeventfd, capIrqfd,
//               capBinaryStatsFd, kvmKind, loopInstructions, insnEmulation, exits, loopSeconds,
//               error}
//   runVm(opts) -> Promise<{exitCode, exitReason, exitDetail, console, stats}>
//       opts: {kernel, disk, mode, mem|memMiB, cpus, cmdline, initrd, readonly, stats, timeout,
//       boot}
//   new DoorbellVm({kernel, disk, mode, kicksPerBatch, memMiB}) .runBatch() .stats() .console()
//   .close() new FloorVm({mode, kicksPerBatch}) .runBatch() .stats() .close()
//   mode is "exit" | "ioeventfd" | "inline" everywhere.
// Failures throw (or reject with) an Error carrying the one-line reason.
#include <napi.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "measure/floor_bench.h"
#include "measure/kvm_probe.h"
#include "vm.h"

using namespace kick;

namespace {

// ---- option helpers ----------------------------------------------------------------

std::string opt_string(const Napi::Object& o, const char* key, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) {
    if (required)
      throw Napi::TypeError::New(o.Env(), std::string("option ") + key + " is required");
    return "";
  }
  if (!v.IsString())
    throw Napi::TypeError::New(o.Env(), std::string("option ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double opt_number(const Napi::Object& o, const char* key, double dflt, double min, double max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber())
    throw Napi::TypeError::New(o.Env(), std::string("option ") + key + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max))
    throw Napi::RangeError::New(o.Env(), std::string("option ") + key + " is out of range");
  return d;
}

bool opt_bool(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsBoolean())
    throw Napi::TypeError::New(o.Env(), std::string("option ") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

Napi::Object options_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject())
    throw Napi::TypeError::New(info.Env(), "expected an options object");
  return info[0].As<Napi::Object>();
}

KickMode mode_opt(const Napi::Object& o) {
  KickMode m;
  if (!parse_kick_mode(opt_string(o, "mode", true), &m))
    throw Napi::TypeError::New(o.Env(), std::string("option mode must be ") + kKickModeChoices);
  return m;
}

uint32_t mem_opt(const Napi::Object& o) {
  double d = o.Has("memMiB") ? opt_number(o, "memMiB", 256, 1, 1 << 30)
                             : opt_number(o, "mem", 256, 1, 1 << 30);
  return uint32_t(d);
}

Napi::Value parse_json(Napi::Env env, const std::string& text) {
  Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
  return json.Get("parse").As<Napi::Function>().Call(json, {Napi::String::New(env, text)});
}

// Console capture that keeps the newest output within a bound.
struct ConsoleBuffer {
  static constexpr size_t kLimit = 16u << 20;
  std::string text;
  void append(const char* p, size_t n) {
    text.append(p, n);
    if (text.size() > kLimit) text.erase(0, text.size() - kLimit / 2);
  }
};

// ---- probe() ------------------------------------------------------------------

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProbeResult r = probe_kvm();
  return parse_json(env, probe_to_json(r));
}

// ---- runVm(opts) ---------------------------------------------------------------

class RunVmWorker : public Napi::AsyncWorker {
 public:
  RunVmWorker(Napi::Env env, VmConfig cfg, std::string stats_path)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        cfg_(std::move(cfg)),
        stats_path_(std::move(stats_path)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    auto buf = std::make_shared<ConsoleBuffer>();
    cfg_.console = [buf](const char* p, size_t n) { buf->append(p, n); };
    std::string error;
    auto vm = Vm::create(cfg_, &error);
    if (!vm) {
      SetError(error);
      return;
    }
    while (vm->run() == Vm::Event::BatchMarker) {
    }
    vm->finish();
    exit_code_ = vm->exit_code();
    exit_reason_ = vm_end_name(vm->end());
    exit_detail_ = vm->end_detail();
    stats_json_ = stats_to_json(vm->stats());
    vm.reset();
    console_ = std::move(buf->text);
    if (!stats_path_.empty() && !write_file_atomic(stats_path_, stats_json_, &error))
      SetError(error);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("exitCode", exit_code_);
    r.Set("exitReason", exit_reason_);
    r.Set("exitDetail", exit_detail_);
    r.Set("console", console_);
    r.Set("stats", parse_json(env, stats_json_));
    deferred_.Resolve(r);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  VmConfig cfg_;
  std::string stats_path_;
  int exit_code_ = 1;
  std::string exit_reason_, exit_detail_, console_, stats_json_;
};

// The options every guest VM takes: kernel, disk, kick mode, memory.
VmConfig guest_vm_config(const Napi::Object& o) {
  VmConfig cfg;
  cfg.kernel_path = opt_string(o, "kernel", true);
  cfg.disk_path = opt_string(o, "disk", true);
  cfg.mode = mode_opt(o);
  cfg.mem_mib = mem_opt(o);
  return cfg;
}

Napi::Value RunVm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = options_arg(info);
  VmConfig cfg = guest_vm_config(o);
  cfg.cpus = uint32_t(opt_number(o, "cpus", 1, 1, kMaxCpus));
  cfg.cmdline = opt_string(o, "cmdline", false);
  cfg.initrd_path = opt_string(o, "initrd", false);
  cfg.readonly = opt_bool(o, "readonly");
  cfg.timeout_seconds = opt_number(o, "timeout", 0, 0, 1e7);
  std::string boot = opt_string(o, "boot", false);
  if (!boot.empty() && !parse_boot_protocol(boot, &cfg.boot))
    throw Napi::TypeError::New(env, "option boot must be auto, pvh or linux64");
  std::string stats_path = opt_string(o, "stats", false);
  auto* w = new RunVmWorker(env, std::move(cfg), std::move(stats_path));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// ---- DoorbellVm ---------------------------------------------------------------------

uint64_t total_exits(const VmmStats& s) {
  return s.exit_io + s.exit_mmio + s.exit_hlt + s.exit_shutdown + s.exit_internal_error +
         s.exit_system_event + s.exit_intr + s.exit_other;
}

class DoorbellVm : public Napi::ObjectWrap<DoorbellVm> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DoorbellVm",
                       {InstanceMethod("runBatch", &DoorbellVm::RunBatch),
                        InstanceMethod("stats", &DoorbellVm::Stats),
                        InstanceMethod("console", &DoorbellVm::Console),
                        InstanceMethod("close", &DoorbellVm::Close)});
  }

  explicit DoorbellVm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DoorbellVm>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = options_arg(info);
    VmConfig cfg = guest_vm_config(o);
    uint32_t kicks = uint32_t(opt_number(o, "kicksPerBatch", 1000, 1, 1e9));
    cfg.cmdline = "doorbell count=" + std::to_string(kicks) + " batches=0";
    cfg.boot = BootProtocol::Pvh;
    // runBatch blocks the JS thread: bound the VM's life so a guest that never
    // reaches its batch marker cannot hang the process.
    cfg.timeout_seconds = opt_number(o, "timeout", 600, 1, 86400);
    console_ = std::make_shared<ConsoleBuffer>();
    auto buf = console_;
    cfg.console = [buf](const char* p, size_t n) { buf->append(p, n); };
    std::string error;
    vm_ = Vm::create(cfg, &error);
    if (!vm_) throw Napi::Error::New(env, error);
  }

 private:
  Vm& live(Napi::Env env) {
    if (!vm_) throw Napi::Error::New(env, "DoorbellVm is closed");
    return *vm_;
  }

  // Re-enters the VM until its next batch marker; returns the exits to userspace it took.
  Napi::Value RunBatch(const Napi::CallbackInfo& info) {
    Vm& vm = live(info.Env());
    uint64_t before = total_exits(vm.stats());
    if (vm.run() != Vm::Event::BatchMarker) {
      vm.finish();
      throw Napi::Error::New(info.Env(), std::string("guest ended: ") + vm.end_detail());
    }
    return Napi::Number::New(info.Env(), double(total_exits(vm.stats()) - before));
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Vm& vm = live(info.Env());
    vm.refresh_stats();
    Napi::Object s = parse_json(info.Env(), stats_to_json(vm.stats())).As<Napi::Object>();
    s.Set("batches", Napi::Number::New(info.Env(), double(vm.batches())));
    return s;
  }

  Napi::Value Console(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), console_->text);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (vm_) {
      vm_->finish();
      vm_.reset();
    }
    return info.Env().Undefined();
  }

  std::unique_ptr<Vm> vm_;
  std::shared_ptr<ConsoleBuffer> console_;
};

// ---- FloorVm ----------------------------------------------------------------------------

class FloorVmWrap : public Napi::ObjectWrap<FloorVmWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FloorVm",
                       {InstanceMethod("runBatch", &FloorVmWrap::RunBatch),
                        InstanceMethod("stats", &FloorVmWrap::Stats),
                        InstanceMethod("close", &FloorVmWrap::Close)});
  }

  explicit FloorVmWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FloorVmWrap>(info) {
    Napi::Object o = options_arg(info);
    KickMode mode = mode_opt(o);
    uint32_t kicks = uint32_t(opt_number(o, "kicksPerBatch", 1000, 1, 1e9));
    std::string error;
    floor_ = FloorVm::create(mode, kicks, &error);
    if (!floor_) throw Napi::Error::New(info.Env(), error);
  }

 private:
  // One batch of kicks; returns the exits to userspace it took.
  Napi::Value RunBatch(const Napi::CallbackInfo& info) {
    if (!floor_) throw Napi::Error::New(info.Env(), "FloorVm is closed");
    uint64_t before = floor_->counters().exits;
    std::string error;
    if (!floor_->run_batch(&error)) throw Napi::Error::New(info.Env(), error);
    return Napi::Number::New(info.Env(), double(floor_->counters().exits - before));
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!floor_) throw Napi::Error::New(env, "FloorVm is closed");
    FloorCounters c = floor_->counters();
    Napi::Object s = Napi::Object::New(env);
    s.Set("batches", double(c.batches));
    s.Set("kicks", double(c.kicks));
    s.Set("notifyIoExits", double(c.io_exits));
    s.Set("exitsToUserspace", double(c.exits));
    s.Set("eventfdWakeups", double(c.eventfd_wakeups));
    s.Set("eventfdSignals", double(c.eventfd_signals));
    s.Set("vcpuCpuSeconds", c.vcpu_cpu_seconds);
    Napi::Object cs = Napi::Object::New(env);
    cs.Set("voluntary", double(c.vcpu_voluntary_switches));
    cs.Set("involuntary", double(c.vcpu_involuntary_switches));
    s.Set("vcpuContextSwitches", cs);
    s.Set("mode", kick_mode_name(floor_->mode()));
    return s;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    floor_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<FloorVm> floor_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("runVm", Napi::Function::New(env, RunVm, "runVm"));
  exports.Set("DoorbellVm", DoorbellVm::Define(env));
  exports.Set("FloorVm", FloorVmWrap::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(kickvmm_addon, Init)
