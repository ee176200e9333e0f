// Split virtqueue, legacy layout (see virtqueue.h).
#include "virtio/virtqueue.h"

#include <atomic>
#include <cstring>

namespace kick {

using namespace vring;

namespace {
struct RawDesc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(RawDesc) == 16, "virtq_desc is 16 bytes");

uint16_t load16_acquire(const uint8_t* p) {
  return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_ACQUIRE);
}
}  // namespace

uint64_t Virtqueue::used_offset(uint16_t size) {
  uint64_t desc_and_avail =
      16ull * size + 6 + 2ull * size;  // desc[], flags, idx, ring[], used_event
  return (desc_and_avail + kLegacyAlign - 1) & ~(kLegacyAlign - 1);
}

uint64_t Virtqueue::ring_bytes(uint16_t size) {
  return used_offset(size) + 6 + 8ull * size;
}

bool Virtqueue::activate(const GuestMemory* mem, uint32_t pfn) {
  reset();
  uint64_t base = uint64_t(pfn) * kLegacyAlign;
  uint8_t* p = mem->slice(base, ring_bytes(size_));
  if (pfn == 0 || !p) return false;
  mem_ = mem;
  pfn_ = pfn;
  desc_ = p;
  avail_ = p + 16ull * size_;
  used_ = p + used_offset(size_);
  active_ = true;
  return true;
}

void Virtqueue::reset() {
  active_ = broken_ = false;
  pfn_ = 0;
  desc_ = avail_ = used_ = nullptr;
  last_avail_ = used_idx_ = 0;
}

Virtqueue::Pop Virtqueue::pop(DescChain* out) {
  if (!active_) return Pop::kEmpty;
  if (broken_) return Pop::kBroken;
  uint16_t avail_idx = load16_acquire(avail_ + 2);  // ring entries are read after idx
  uint16_t pending = uint16_t(avail_idx - last_avail_);
  if (pending == 0) return Pop::kEmpty;
  if (pending > size_) {
    broken_ = true;
    return Pop::kBroken;
  }
  uint16_t head;
  std::memcpy(&head, avail_ + 4 + 2u * (last_avail_ % size_), 2);
  last_avail_++;
  walk(head, out);
  return Pop::kChain;
}

// Follows one chain. Every descriptor is copied out of guest memory once and
// only the copy is used, so the guest cannot change it between check and use.
// Index and loop errors end the walk; buffer errors are recorded and the walk
// continues so the final (status) descriptor can still be found.
void Virtqueue::walk(uint16_t head, DescChain* out) const {
  out->head = head;
  out->segs.clear();
  out->readable_bytes = out->writable_bytes = 0;
  out->error = nullptr;
  out->status_ok = false;
  out->status_gpa = 0;
  auto fail = [out](const char* why) {
    if (!out->error) out->error = why;
  };
  if (head >= size_) return fail("head index out of range");

  const uint8_t* table = desc_;
  uint32_t table_len = size_;
  uint32_t budget = size_;  // descriptors we may still visit in this table
  bool in_indirect = false, seen_writable = false;
  uint16_t idx = head;
  for (;;) {
    if (budget-- == 0) return fail("descriptor chain longer than its table (loop)");
    RawDesc d;
    std::memcpy(&d, table + 16u * idx, sizeof d);
    if (d.flags & kDescIndirect) {
      if (!indirect_ok_) return fail("indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC");
      if (in_indirect) return fail("nested indirect descriptor");
      if (d.flags & kDescNext) return fail("indirect descriptor with NEXT");
      if (d.len == 0 || d.len % 16 != 0 || d.len / 16 > size_)
        return fail("indirect table length invalid");
      const uint8_t* t = mem_->slice(d.addr, d.len);
      if (!t) return fail("indirect table outside guest RAM");
      table = t;
      table_len = d.len / 16;
      budget = table_len;
      in_indirect = true;
      idx = 0;
      continue;
    }
    bool writable = d.flags & kDescWrite;
    bool in_ram = mem_->contains(d.addr, d.len);
    if (!in_ram) fail("buffer outside guest RAM");
    if (!writable && seen_writable) fail("device-readable buffer after a device-writable one");
    seen_writable |= writable;
    if (in_ram && d.len) {
      out->segs.push_back({d.addr, d.len, writable});
      (writable ? out->writable_bytes : out->readable_bytes) += d.len;
    }
    if (!(d.flags & kDescNext)) {
      if (writable && in_ram && d.len) {
        out->status_ok = true;
        out->status_gpa = d.addr + d.len - 1;
      }
      return;
    }
    if (d.next >= table_len) return fail("next index out of range");
    idx = d.next;
  }
}

void Virtqueue::push_used(uint16_t id, uint32_t len) {
  uint8_t* e = used_ + 4 + 8u * (used_idx_ % size_);
  uint32_t id32 = id;
  std::memcpy(e, &id32, 4);
  std::memcpy(e + 4, &len, 4);
  used_idx_++;
  __atomic_store_n(reinterpret_cast<uint16_t*>(used_ + 2), used_idx_, __ATOMIC_RELEASE);
}

bool Virtqueue::driver_wants_interrupt() const {
  // The used index must be visible before we sample the driver's flags.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint16_t flags = load16_acquire(avail_);
  return !(flags & kAvailNoInterrupt);
}

}  // namespace kick
