// virtio-blk request handling (see blk.h).
#include "virtio/blk.h"

#include <cstdint>
#include <cstring>

namespace kick {

using namespace blk;

namespace {
struct BlkHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
static_assert(sizeof(BlkHeader) == 16, "virtio_blk_outhdr is 16 bytes");

// Config layout: capacity @0, size_max @8, seg_max @12, geometry @16, blk_size @20.
constexpr uint32_t kConfigBytes = 24;
}  // namespace

VirtioBlk::VirtioBlk(RawDisk* disk, const GuestMemory& mem, VmmStats& stats)
    : disk_(disk), mem_(mem), stats_(stats) {
  iov_.reserve(2u * kQueueSize);
}

uint32_t VirtioBlk::host_features() const {
  uint32_t f = kFSegMax | kFBlkSize | kFFlush | virtio::kFRingIndirectDesc;
  if (disk_->readonly()) f |= kFRo;
  return f;
}

void VirtioBlk::read_config(uint32_t offset, uint8_t* data, uint32_t size) const {
  uint8_t cfg[kConfigBytes] = {};
  uint64_t capacity = disk_->sectors();
  uint32_t seg_max = kQueueSize - 2;  // room for header and status descriptors
  uint32_t blk_size = uint32_t(RawDisk::kSectorSize);
  std::memcpy(cfg + 0, &capacity, 8);
  std::memcpy(cfg + 12, &seg_max, 4);
  std::memcpy(cfg + 20, &blk_size, 4);
  for (uint32_t i = 0; i < size; i++) {
    uint64_t at = uint64_t(offset) + i;
    data[i] = at < kConfigBytes ? cfg[at] : 0;
  }
}

namespace {

// Walks `len` bytes of a chain's device-readable (or -writable) buffers,
// starting `skip` bytes in, handing each contiguous piece to `piece(gpa, n)`.
// False when a piece is refused or the buffers are too short.
template <typename Piece>
bool walk_segments(const DescChain& c, bool writable, uint64_t skip, uint64_t len, Piece piece) {
  for (const DescSegment& s : c.segs) {
    if (len == 0) break;
    if (s.writable != writable) continue;
    if (skip >= s.len) {
      skip -= s.len;
      continue;
    }
    uint64_t take = s.len - skip;
    if (take > len) take = len;
    if (!piece(s.gpa + skip, take)) return false;
    len -= take;
    skip = 0;
  }
  return len == 0;
}

}  // namespace

bool VirtioBlk::build_iov(const DescChain& c, bool writable, uint64_t skip, uint64_t len) {
  iov_.clear();
  return walk_segments(c, writable, skip, len, [&](uint64_t gpa, uint64_t n) {
    uint8_t* p = mem_.slice(gpa, n);  // re-checked: never outside RAM
    if (!p) return false;
    iov_.push_back({p, size_t(n)});
    return true;
  });
}

bool VirtioBlk::gather(const DescChain& c, bool writable, uint64_t skip, void* dst,
                       uint64_t len) const {
  uint8_t* out = static_cast<uint8_t*>(dst);
  return walk_segments(c, writable, skip, len, [&](uint64_t gpa, uint64_t n) {
    if (!mem_.read(gpa, out, n)) return false;
    out += n;
    return true;
  });
}

bool VirtioBlk::scatter(const DescChain& c, uint64_t skip, const void* src, uint64_t len) const {
  const uint8_t* in = static_cast<const uint8_t*>(src);
  return walk_segments(c, true, skip, len, [&](uint64_t gpa, uint64_t n) {
    if (!mem_.write(gpa, in, n)) return false;
    in += n;
    return true;
  });
}

uint32_t VirtioBlk::finish(const DescChain& c, uint8_t status, uint64_t data_written) {
  mem_.write_obj(c.status_gpa, status);
  if (status == kSIoErr) stats_.requests_ioerr++;
  // Overlapping guest buffers can exceed 4 GiB in total; used.len is 32-bit.
  return data_written >= UINT32_MAX ? UINT32_MAX : uint32_t(data_written + 1);
}

// A chain we cannot execute: IOERR if its status byte is usable, else used len 0.
uint32_t VirtioBlk::reject(const DescChain& c) {
  stats_.bad_descriptors++;
  if (!c.status_ok) return 0;
  return finish(c, kSIoErr, 0);
}

uint32_t VirtioBlk::handle_request(uint16_t queue, const DescChain& c) {
  stats_.requests++;
  // A usable request has a readable 16-byte header and ends in a writable status byte.
  if (c.error || c.readable_bytes < sizeof(BlkHeader) || !c.status_ok) return reject(c);
  BlkHeader h;
  if (!gather(c, false, 0, &h, sizeof h)) return reject(c);
  uint64_t in_data = c.readable_bytes - sizeof h;  // driver -> device payload
  uint64_t out_data = c.writable_bytes - 1;        // device -> driver payload (before status)
  // Descriptors may overlap, so a chain can name far more bytes than guest RAM;
  // bound one request so a guest cannot make a single kick take minutes.
  if (in_data > kMaxRequestBytes || out_data > kMaxRequestBytes) return finish(c, kSIoErr, 0);
  const uint64_t cap = disk_->sectors();
  auto in_range = [&](uint64_t bytes) {
    return bytes % RawDisk::kSectorSize == 0 && h.sector <= cap &&
           bytes / RawDisk::kSectorSize <= cap - h.sector;
  };

  switch (h.type) {
    case kTIn: {
      stats_.requests_read++;
      if (in_data) return reject(c);  // read data must be device-writable
      if (!in_range(out_data) || !build_iov(c, true, 0, out_data) ||
          !disk_->read(h.sector * RawDisk::kSectorSize, iov_.data(), int(iov_.size())))
        return finish(c, kSIoErr, 0);
      stats_.bytes_read += out_data;
      return finish(c, kSOk, out_data);
    }
    case kTOut: {
      stats_.requests_write++;
      if (out_data) return reject(c);  // write data must be device-readable
      if (disk_->readonly() || !in_range(in_data) || !build_iov(c, false, sizeof h, in_data) ||
          !disk_->write(h.sector * RawDisk::kSectorSize, iov_.data(), int(iov_.size())))
        return finish(c, kSIoErr, 0);
      stats_.bytes_written += in_data;
      return finish(c, kSOk, 0);
    }
    case kTFlush:
      stats_.requests_flush++;
      return finish(c, disk_->flush() ? kSOk : kSIoErr, 0);
    case kTGetId: {
      stats_.requests_get_id++;
      if (in_data) return reject(c);
      uint64_t n = out_data < kIdBytes ? out_data : kIdBytes;
      if (!scatter(c, 0, disk_->serial(), n)) return finish(c, kSIoErr, 0);
      return finish(c, kSOk, n);
    }
    default:
      stats_.requests_unsupported++;
      return finish(c, kSUnsupp, 0);
  }
}

}  // namespace kick
