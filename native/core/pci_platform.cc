// Assembles the PCI side of the machine (see pci_platform.h): mechanism #1
// config ports, the host bridge at 00:00.0 and a legacy virtio-blk at
// 00:01.0 on GSI 10, with the kick path the VM was configured for.
#include "pci_platform.h"

#include "disk/raw.h"
#include "kick/kick_path.h"
#include "pci/conf1_bus.h"
#include "pci/host_bridge.h"
#include "virtio/blk.h"
#include "virtio/pci_legacy.h"

namespace kick {

namespace {
constexpr uint8_t kBlkSlot = 1;
constexpr uint8_t kBlkGsi = 10;            // free: serial uses 4, the PIT 0 (via pin 2)
constexpr uint16_t kBlkBar0Base = 0x6200;  // above the legacy ISA ports, like kvmtool's

class PciPlatformImpl : public PciPlatform {
 public:
  std::vector<PciIrqRoute> irq_routes() const override { return {{0, kBlkSlot, 1, kBlkGsi}}; }

  bool start(std::string* error) override { return kick_->start(error); }
  void stop() override { kick_->stop(); }
  void request_stop() override { blk_pci_->request_stop(); }
  ~PciPlatformImpl() override {
    if (kick_) kick_->stop();  // the I/O thread must be gone before the devices
  }

  // Members in dependency order; destroyed in reverse (devices before disk).
  std::unique_ptr<RawDisk> disk_;
  std::unique_ptr<VirtioBlk> blk_;
  PciHostBridge host_bridge_;
  PciConf1Bus conf1_;
  std::unique_ptr<VirtioPciLegacy> blk_pci_;
  std::unique_ptr<KickPath> kick_;
};
}  // namespace

std::unique_ptr<PciPlatform> PciPlatform::create(const PciPlatformConfig& cfg,
                                                 const GuestMemory& mem, IoBus& io, VmIoctls& vm,
                                                 VmmStats& stats, std::string* error) {
  auto p = std::make_unique<PciPlatformImpl>();
  p->disk_ = RawDisk::open(cfg.disk_path, cfg.readonly, error);
  if (!p->disk_) return nullptr;
  p->kick_ = make_kick_path(cfg.mode, vm, stats, error);
  if (!p->kick_) return nullptr;
  p->blk_ = std::make_unique<VirtioBlk>(p->disk_.get(), mem, stats);
  VirtioPciWiring w{&mem, &io, &vm, &stats, p->kick_.get(), kBlkGsi, kBlkBar0Base};
  p->blk_pci_ = std::make_unique<VirtioPciLegacy>(p->blk_.get(), w);
  if (!p->blk_pci_->init(error)) return nullptr;
  if (!p->conf1_.attach(io)) {
    *error = "PCI config ports 0xcf8-0xcff are already taken";
    return nullptr;
  }
  p->conf1_.add_function(0, &p->host_bridge_);
  p->conf1_.add_function(kBlkSlot, p->blk_pci_.get());
  return p;
}

}  // namespace kick
