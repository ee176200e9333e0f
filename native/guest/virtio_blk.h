// Legacy (virtio 0.9.5) virtio-pci block driver: one split ring on queue 0,
// no negotiated features, completions found by polling the used ring.
// Each request slot owns three fixed descriptors: 3s header, 3s+1 data,
// 3s+2 status. The raw ring pointers are public so the hostile workload
// can craft malformed chains.
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

enum {
  VIRTIO_REG_HOST_FEATURES = 0,
  VIRTIO_REG_GUEST_FEATURES = 4,
  VIRTIO_REG_QUEUE_PFN = 8,
  VIRTIO_REG_QUEUE_SIZE = 12,
  VIRTIO_REG_QUEUE_SELECT = 14,
  VIRTIO_REG_QUEUE_NOTIFY = 16,
  VIRTIO_REG_STATUS = 18,
  VIRTIO_REG_ISR = 19,
  VIRTIO_REG_CONFIG = 20,
};
enum {
  VIRTIO_STATUS_ACK = 1,
  VIRTIO_STATUS_DRIVER = 2,
  VIRTIO_STATUS_DRIVER_OK = 4,
  VIRTIO_STATUS_NEEDS_RESET = 64,
  VIRTIO_STATUS_FAILED = 128,
};
enum { VRING_DESC_F_NEXT = 1, VRING_DESC_F_WRITE = 2, VRING_DESC_F_INDIRECT = 4 };
enum { VRING_AVAIL_F_NO_INTERRUPT = 1 };
enum { VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4, VIRTIO_BLK_T_GET_ID = 8 };
enum { VIRTIO_RING_F_INDIRECT_DESC = 1u << 28 };
enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };
#define VBLK_STATUS_SENTINEL 0xff  // status bytes are preset to this before submission
#define SECTOR_SIZE 512u

struct vring_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags, next;
};
struct vring_avail {
  uint16_t flags, idx;
  uint16_t ring[];
};
struct vring_used_elem {
  uint32_t id, len;
};
struct vring_used {
  uint16_t flags, idx;
  struct vring_used_elem ring[];
};

struct virtio_blk_req_hdr {
  uint32_t type, reserved;
  uint64_t sector;
};

struct vblk_slot {
  struct virtio_blk_req_hdr hdr;
  volatile uint8_t status;
  bool busy;
};

struct vblk {
  struct pci_function pci;
  uint16_t io;
  uint32_t host_features;
  uint32_t guest_features;  // asked for at the next (re)initialisation; 0 unless hostile sets it
  uint64_t capacity;        // in 512-byte sectors
  uint16_t qsize;
  uint16_t nslots;  // concurrent requests: min(qsize / 3, VBLK_MAX_SLOTS)
  bool irq_suppressed;
  // Ring memory, allocated once for the largest size seen and reused across resets.
  uint8_t* ring;
  uint32_t ring_capacity_entries;
  volatile struct vring_desc* desc;
  volatile struct vring_avail* avail;
  volatile struct vring_used* used;
  uint16_t avail_idx;  // next avail index we publish
  uint16_t last_used;  // next used index we consume
  struct vblk_slot* slots;
  uint64_t kicks;        // notify-register writes, all workloads
  uint64_t resets;       // re-initialisations after the first
  uint64_t isr_nonzero;  // ISR reads that found an interrupt pending
};

#define VBLK_MAX_SLOTS 256

// First initialisation: allocates the ring and slots. NULL on success, else a reason.
const char* vblk_init(struct vblk* v, const struct pci_function* fn);
// Device reset (status 0) and the full legacy handshake again, same ring memory.
const char* vblk_reinit(struct vblk* v);
uint8_t vblk_device_status(const struct vblk* v);
// With suppressed interrupts the probe sets VRING_AVAIL_F_NO_INTERRUPT and never reads ISR.
void vblk_set_irq_suppressed(struct vblk* v, bool suppressed);

// Publishes one well-formed 3-descriptor request on slot `s` (not busy) without
// kicking. `data` must be identity-mapped RAM; `len` > 0.
void vblk_submit(struct vblk* v, uint16_t s, uint32_t type, uint64_t sector, void* data,
                 uint32_t len);
// Publishes an arbitrary head index (hostile use) without kicking.
void vblk_publish_head(struct vblk* v, uint16_t head);
void vblk_kick(struct vblk* v);

// Spins until the used ring has something new, or `budget` TSC cycles pass.
bool vblk_wait_used(struct vblk* v, uint64_t budget);
// Consumes one used element. Returns 1 and fills id/len, or 0 if none is pending.
int vblk_pop_used(struct vblk* v, uint32_t* id, uint32_t* len);
// Reads ISR (deasserting INTx) unless interrupts are suppressed.
void vblk_ack_interrupt(struct vblk* v);

// Default wait for a well-formed request: generous, only a wedged device hits it.
#define VBLK_DEFAULT_BUDGET (1ull << 35)
