// Thin owners of the KVM file descriptors: the system fd (/dev/kvm), a VM fd
// and vCPU fds with their mmapped kvm_run. Each wrapper returns false and a
// one-line error instead of throwing, and closes what it owns.
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vm_ioctls.h"

namespace kick {

// Owns a file descriptor; closes it once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

std::string errno_text(int err);

class KvmSystem {
 public:
  // Opens /dev/kvm (path overridable for tests) and checks the API version.
  bool open(std::string* error, const char* path = "/dev/kvm");
  int fd() const { return fd_.get(); }
  int api_version() const { return api_version_; }
  // KVM_CHECK_EXTENSION; 0 when unsupported.
  int check_extension(long cap) const;
  int vcpu_mmap_size() const { return mmap_size_; }
  // KVM_GET_SUPPORTED_CPUID, growing the buffer until the kernel is satisfied.
  bool supported_cpuid(std::vector<kvm_cpuid_entry2>* out, std::string* error) const;

 private:
  Fd fd_;
  int api_version_ = 0;
  int mmap_size_ = 0;
};

class KvmVcpu {
 public:
  ~KvmVcpu();
  int fd() const { return fd_.get(); }
  uint32_t index() const { return index_; }
  kvm_run* run() const { return run_; }
  // Binary statistics (KVM_GET_STATS_FD): name -> value. Histograms are
  // summed over their buckets. Empty map (and false) when unsupported.
  bool read_stats(std::map<std::string, uint64_t>* out) const;

 private:
  friend class KvmVm;
  Fd fd_;
  mutable Fd stats_fd_;
  uint32_t index_ = 0;
  kvm_run* run_ = nullptr;
  size_t run_size_ = 0;
};

class KvmVm : public VmIoctls {
 public:
  bool create(const KvmSystem& sys, std::string* error);
  int fd() const { return fd_.get(); }
  bool set_tss_addr(uint64_t addr, std::string* error);
  bool set_identity_map_addr(uint64_t addr, std::string* error);
  bool create_irqchip(std::string* error);
  bool create_pit2(std::string* error);
  bool set_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host, std::string* error);
  std::unique_ptr<KvmVcpu> create_vcpu(uint32_t index, std::string* error);
  // KVM_GET_TSC_KHZ on a vCPU (0 if unsupported).
  static uint64_t tsc_khz(const KvmVcpu& vcpu);

  // VmIoctls
  bool set_irq_line(uint32_t gsi, bool level) override;
  bool assign_pio_ioeventfd(int eventfd, uint16_t port, uint8_t len, uint64_t datamatch) override;
  bool deassign_pio_ioeventfd(int eventfd, uint16_t port, uint8_t len, uint64_t datamatch) override;

 private:
  bool pio_ioeventfd(int eventfd, uint16_t port, uint8_t len, uint64_t datamatch, bool deassign);
  Fd fd_;
  const KvmSystem* sys_ = nullptr;
};

// Reads a binary stats fd (KVM_GET_STATS_FD) into name -> value.
bool read_kvm_stats_fd(int stats_fd, std::map<std::string, uint64_t>* out);

}  // namespace kick
