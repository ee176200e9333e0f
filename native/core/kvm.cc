// KVM fd wrappers (see kvm.h).
#include "kvm.h"

#include "kvm_abi.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kick {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

namespace {
bool fail(std::string* error, const std::string& what) {
  if (error) *error = what + ": " + errno_text(errno);
  return false;
}
}  // namespace

bool KvmSystem::open(std::string* error, const char* path) {
  int fd = ::open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (error) {
      if (e == ENOENT)
        *error = std::string("KVM unavailable: ") + path +
                 " does not exist (no kvm module loaded, or no hardware virtualization)";
      else if (e == EACCES || e == EPERM)
        *error = std::string("KVM unavailable: no permission to open ") + path +
                 " (add yourself to the kvm group)";
      else
        *error = std::string("KVM unavailable: cannot open ") + path + ": " + errno_text(e);
    }
    return false;
  }
  fd_.reset(fd);
  api_version_ = ioctl(fd, KVM_GET_API_VERSION, 0);
  if (api_version_ != KVM_API_VERSION) {
    if (error)
      *error = "KVM unavailable: API version " + std::to_string(api_version_) + ", expected " +
               std::to_string(KVM_API_VERSION);
    fd_.reset();
    return false;
  }
  mmap_size_ = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (mmap_size_ < int(sizeof(kvm_run))) {
    fd_.reset();
    return fail(error, "KVM unavailable: KVM_GET_VCPU_MMAP_SIZE");
  }
  return true;
}

int KvmSystem::check_extension(long cap) const {
  int r = ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

bool KvmSystem::supported_cpuid(std::vector<kvm_cpuid_entry2>* out, std::string* error) const {
  for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
    std::vector<uint8_t> buf(sizeof(abi::CpuidHeader) + nent * sizeof(kvm_cpuid_entry2));
    auto* c = reinterpret_cast<abi::CpuidHeader*>(buf.data());
    c->nent = nent;
    if (ioctl(fd_.get(), abi::kGetSupportedCpuid, c) == 0) {
      auto* e = reinterpret_cast<kvm_cpuid_entry2*>(buf.data() + sizeof(abi::CpuidHeader));
      out->assign(e, e + c->nent);
      return true;
    }
    if (errno != E2BIG) return fail(error, "KVM_GET_SUPPORTED_CPUID");
  }
  if (error) *error = "KVM_GET_SUPPORTED_CPUID: too many entries";
  return false;
}

KvmVcpu::~KvmVcpu() {
  if (run_) munmap(run_, run_size_);
}

bool read_kvm_stats_fd(int sfd, std::map<std::string, uint64_t>* out) {
  kvm_stats_header h;
  if (pread(sfd, &h, sizeof h, 0) != ssize_t(sizeof h)) return false;
  if (h.num_desc == 0 || h.num_desc > 4096 || h.name_size == 0 || h.name_size > 1024) return false;
  // Descriptor layout (api.rst "KVM_GET_STATS_FD"): u32 flags, s16 exponent,
  // u16 size, u32 offset, u32 bucket_size, then name_size bytes of name. Parsed
  // by hand: in C++ the header's flexible-array macro pads the struct.
  constexpr size_t kFixed = 16;
  const size_t desc_size = kFixed + h.name_size;
  std::vector<uint8_t> descs(desc_size * h.num_desc);
  if (pread(sfd, descs.data(), descs.size(), h.desc_offset) != ssize_t(descs.size())) return false;
  for (uint32_t i = 0; i < h.num_desc; i++) {
    const uint8_t* d = descs.data() + i * desc_size;
    uint16_t size;
    uint32_t offset;
    std::memcpy(&size, d + 6, 2);
    std::memcpy(&offset, d + 8, 4);
    if (size == 0 || size > 1024) continue;
    std::vector<uint64_t> vals(size);
    ssize_t want = ssize_t(vals.size() * sizeof(uint64_t));
    if (pread(sfd, vals.data(), want, off_t(h.data_offset) + offset) != want) continue;
    uint64_t sum = 0;
    for (uint64_t v : vals) sum += v;  // histograms: total count over buckets
    const char* name = reinterpret_cast<const char*>(d + kFixed);
    (*out)[std::string(name, strnlen(name, h.name_size))] = sum;
  }
  return true;
}

bool KvmVcpu::read_stats(std::map<std::string, uint64_t>* out) const {
  if (!stats_fd_.valid()) {
    int sfd = ioctl(fd_.get(), KVM_GET_STATS_FD, 0);
    if (sfd < 0) return false;
    stats_fd_.reset(sfd);
  }
  return read_kvm_stats_fd(stats_fd_.get(), out);
}

bool KvmVm::create(const KvmSystem& sys, std::string* error) {
  sys_ = &sys;
  int fd;
  do {
    fd = ioctl(sys.fd(), KVM_CREATE_VM, 0);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return fail(error, "KVM_CREATE_VM");
  fd_.reset(fd);
  return true;
}

bool KvmVm::set_tss_addr(uint64_t addr, std::string* error) {
  if (ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(addr)) < 0)
    return fail(error, "KVM_SET_TSS_ADDR");
  return true;
}

bool KvmVm::set_identity_map_addr(uint64_t addr, std::string* error) {
  uint64_t a = addr;
  if (ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &a) < 0)
    return fail(error, "KVM_SET_IDENTITY_MAP_ADDR");
  return true;
}

bool KvmVm::create_irqchip(std::string* error) {
  if (ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0) return fail(error, "KVM_CREATE_IRQCHIP");
  return true;
}

bool KvmVm::create_pit2(std::string* error) {
  kvm_pit_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.flags = KVM_PIT_SPEAKER_DUMMY;  // port 0x61 writes stay in the kernel
  if (ioctl(fd_.get(), KVM_CREATE_PIT2, &cfg) < 0) return fail(error, "KVM_CREATE_PIT2");
  return true;
}

bool KvmVm::set_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host, std::string* error) {
  kvm_userspace_memory_region r;
  std::memset(&r, 0, sizeof r);
  r.slot = slot;
  r.guest_phys_addr = gpa;
  r.memory_size = size;
  r.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return fail(error, "KVM_SET_USER_MEMORY_REGION");
  return true;
}

std::unique_ptr<KvmVcpu> KvmVm::create_vcpu(uint32_t index, std::string* error) {
  auto v = std::make_unique<KvmVcpu>();
  int fd = ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(index));
  if (fd < 0) {
    fail(error, "KVM_CREATE_VCPU " + std::to_string(index));
    return nullptr;
  }
  v->fd_.reset(fd);
  v->index_ = index;
  v->run_size_ = size_t(sys_->vcpu_mmap_size());
  void* p = mmap(nullptr, v->run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    fail(error, "mmap kvm_run");
    return nullptr;
  }
  v->run_ = static_cast<kvm_run*>(p);
  return v;
}

uint64_t KvmVm::tsc_khz(const KvmVcpu& vcpu) {
  int r = ioctl(vcpu.fd(), KVM_GET_TSC_KHZ, 0);
  return r > 0 ? uint64_t(r) : 0;
}

bool KvmVm::set_irq_line(uint32_t gsi, bool level) {
  kvm_irq_level l;
  std::memset(&l, 0, sizeof l);
  l.irq = gsi;
  l.level = level ? 1 : 0;
  return ioctl(fd_.get(), KVM_IRQ_LINE, &l) == 0;
}

bool KvmVm::pio_ioeventfd(int efd, uint16_t port, uint8_t len, uint64_t datamatch, bool deassign) {
  kvm_ioeventfd io;
  std::memset(&io, 0, sizeof io);
  io.datamatch = datamatch;
  io.addr = port;
  io.len = len;
  io.fd = efd;
  io.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
             (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
  return ioctl(fd_.get(), KVM_IOEVENTFD, &io) == 0;
}

bool KvmVm::assign_pio_ioeventfd(int efd, uint16_t port, uint8_t len, uint64_t datamatch) {
  return pio_ioeventfd(efd, port, len, datamatch, false);
}

bool KvmVm::deassign_pio_ioeventfd(int efd, uint16_t port, uint8_t len, uint64_t datamatch) {
  return pio_ioeventfd(efd, port, len, datamatch, true);
}

}  // namespace kick
