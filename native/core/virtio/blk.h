// virtio-blk (device id 2) over a RawDisk: IN/OUT with preadv/pwritev
// straight from guest memory, FLUSH -> fdatasync, GET_ID; everything else is
// UNSUPP. Offers FLUSH, SEG_MAX, BLK_SIZE (512), INDIRECT_DESC, and RO for a
// read-only disk. Malformed chains complete with IOERR when their status byte
// is usable, else with used length 0.
#pragma once
#include <sys/uio.h>

#include <vector>

#include "disk/raw.h"
#include "guest_memory.h"
#include "stats.h"
#include "virtio/device.h"

namespace kick {

namespace blk {
constexpr uint32_t kFSegMax = 1u << 2, kFRo = 1u << 5, kFBlkSize = 1u << 6, kFFlush = 1u << 9;
constexpr uint32_t kTIn = 0, kTOut = 1, kTFlush = 4, kTGetId = 8;
constexpr uint8_t kSOk = 0, kSIoErr = 1, kSUnsupp = 2;
constexpr uint32_t kIdBytes = 20;
// Largest data payload of one request (Linux's default max_sectors is 1.25 MiB).
constexpr uint64_t kMaxRequestBytes = 64ull << 20;
constexpr uint16_t kQueueSize = 256;
}  // namespace blk

class VirtioBlk : public VirtioDevice {
 public:
  VirtioBlk(RawDisk* disk, const GuestMemory& mem, VmmStats& stats);

  uint16_t virtio_id() const override { return 2; }
  uint32_t pci_class() const override { return 0x018000; }  // mass storage, other
  uint16_t num_queues() const override { return 1; }
  uint16_t queue_size() const override { return blk::kQueueSize; }
  uint32_t host_features() const override;
  void set_guest_features(uint32_t f) override { guest_features_ = f; }
  void read_config(uint32_t offset, uint8_t* data, uint32_t size) const override;
  uint32_t handle_request(uint16_t queue, const DescChain& chain) override;
  void reset() override { guest_features_ = 0; }

 private:
  // Copies [skip, skip+len) of the chain's readable (or writable) bytes.
  bool gather(const DescChain& c, bool writable, uint64_t skip, void* dst, uint64_t len) const;
  bool scatter(const DescChain& c, uint64_t skip, const void* src, uint64_t len) const;
  // iovecs over [skip, skip+len) of the readable (or writable) bytes.
  bool build_iov(const DescChain& c, bool writable, uint64_t skip, uint64_t len);
  uint32_t finish(const DescChain& c, uint8_t status, uint64_t data_written);
  uint32_t reject(const DescChain& c);

  RawDisk* disk_;
  const GuestMemory& mem_;
  VmmStats& stats_;
  uint32_t guest_features_ = 0;
  std::vector<struct iovec> iov_;
};

}  // namespace kick
