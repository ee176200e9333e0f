#include "virtio_blk.h"

#include "alloc.h"
#include "arch.h"
#include "lib.h"

static uint32_t ring_bytes(uint32_t n) {
  uint32_t used_off = (uint32_t)align_up(16u * n + 4 + 2u * n + 2, 4096);
  return (uint32_t)align_up(used_off + 4 + 8u * n + 2, 4096);
}

static void set_status(struct vblk* v, uint8_t s) {
  outb(v->io + VIRTIO_REG_STATUS, s);
}
uint8_t vblk_device_status(const struct vblk* v) {
  return inb(v->io + VIRTIO_REG_STATUS);
}

static const char* handshake(struct vblk* v) {
  set_status(v, 0);  // reset
  for (int i = 0; i < 1000 && vblk_device_status(v) != 0; i++) cpu_relax();
  if (vblk_device_status(v) != 0) return "device status does not read 0 after reset";
  set_status(v, VIRTIO_STATUS_ACK);
  set_status(v, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
  v->host_features = inl(v->io + VIRTIO_REG_HOST_FEATURES);
  // The probe needs no optional feature; hostile asks for INDIRECT_DESC to abuse it.
  outl(v->io + VIRTIO_REG_GUEST_FEATURES, v->guest_features & v->host_features);

  // Device config read bytewise, as Linux's legacy driver does: capacity u64 at 0.
  uint64_t cap = 0;
  for (int i = 7; i >= 0; i--) cap = cap << 8 | inb((uint16_t)(v->io + VIRTIO_REG_CONFIG + i));
  v->capacity = cap;

  outw(v->io + VIRTIO_REG_QUEUE_SELECT, 0);
  uint16_t n = inw(v->io + VIRTIO_REG_QUEUE_SIZE);
  if (n == 0) return "queue 0 has size 0";
  if (n & (n - 1)) return "queue 0 size is not a power of two";
  if (inl(v->io + VIRTIO_REG_QUEUE_PFN) != 0) return "queue 0 is already active after reset";
  if (v->ring && n > v->ring_capacity_entries) return "queue 0 size grew after a reset";
  if (!v->ring) {  // first init only: workloads release their memory, the ring must outlive them
    uint8_t* ring = alloc_zeroed(ring_bytes(n), 4096);
    if (!ring) return "out of memory for the virtqueue";
    v->ring = ring;
    v->ring_capacity_entries = n;
  }
  memset(v->ring, 0, ring_bytes(n));
  v->qsize = n;
  v->desc = (volatile struct vring_desc*)v->ring;
  v->avail = (volatile struct vring_avail*)(v->ring + 16u * n);
  v->used = (volatile struct vring_used*)(v->ring + align_up(16u * n + 4 + 2u * n + 2, 4096));
  v->avail->flags = v->irq_suppressed ? VRING_AVAIL_F_NO_INTERRUPT : 0;
  v->avail_idx = 0;
  v->last_used = 0;
  uint32_t slots = n / 3;
  v->nslots = (uint16_t)(slots < VBLK_MAX_SLOTS ? slots : VBLK_MAX_SLOTS);
  if (v->nslots == 0) return "queue 0 is too small for a 3-descriptor request";
  for (uint16_t s = 0; s < VBLK_MAX_SLOTS; s++) v->slots[s].busy = false;

  outl(v->io + VIRTIO_REG_QUEUE_PFN, (uint32_t)((uintptr_t)v->ring >> 12));
  set_status(v, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
  uint8_t st = vblk_device_status(v);
  if (st & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET))
    return "device reports FAILED/NEEDS_RESET after DRIVER_OK";
  inb(v->io + VIRTIO_REG_ISR);  // start with the interrupt line low
  return 0;
}

const char* vblk_init(struct vblk* v, const struct pci_function* fn) {
  memset(v, 0, sizeof(*v));
  v->pci = *fn;
  v->io = fn->io_base;
  v->slots = alloc_zeroed(sizeof(struct vblk_slot) * VBLK_MAX_SLOTS, 64);
  if (!v->slots) return "out of memory for request slots";
  return handshake(v);
}

const char* vblk_reinit(struct vblk* v) {
  v->resets++;
  return handshake(v);
}

void vblk_set_irq_suppressed(struct vblk* v, bool suppressed) {
  v->irq_suppressed = suppressed;
  v->avail->flags = suppressed ? VRING_AVAIL_F_NO_INTERRUPT : 0;
}

void vblk_publish_head(struct vblk* v, uint16_t head) {
  v->avail->ring[v->avail_idx & (v->qsize - 1)] = head;
  barrier();  // the ring entry before the index that publishes it
  v->avail_idx++;
  v->avail->idx = v->avail_idx;
}

void vblk_submit(struct vblk* v, uint16_t s, uint32_t type, uint64_t sector, void* data,
                 uint32_t len) {
  struct vblk_slot* slot = &v->slots[s];
  uint16_t d = (uint16_t)(3 * s);
  slot->hdr = (struct virtio_blk_req_hdr){type, 0, sector};
  slot->status = VBLK_STATUS_SENTINEL;
  slot->busy = true;
  v->desc[d] = (struct vring_desc){(uintptr_t)&slot->hdr, sizeof(slot->hdr), VRING_DESC_F_NEXT,
                                   (uint16_t)(d + 1)};
  v->desc[d + 1] = (struct vring_desc){
      (uintptr_t)data, len,
      (uint16_t)(VRING_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0)),
      (uint16_t)(d + 2)};
  v->desc[d + 2] = (struct vring_desc){(uintptr_t)&slot->status, 1, VRING_DESC_F_WRITE, 0};
  barrier();
  vblk_publish_head(v, d);
}

void vblk_kick(struct vblk* v) {
  barrier();
  outw(v->io + VIRTIO_REG_QUEUE_NOTIFY, 0);
  v->kicks++;
}

bool vblk_wait_used(struct vblk* v, uint64_t budget) {
  if (v->used->idx != v->last_used) return true;
  uint64_t start = rdtsc();
  // Only memory reads while waiting: a port read here would add VM exits
  // to every request and distort what the probe measures.
  while (v->used->idx == v->last_used) {
    if (rdtsc() - start > budget) return false;
    cpu_relax();
  }
  return true;
}

int vblk_pop_used(struct vblk* v, uint32_t* id, uint32_t* len) {
  if (v->used->idx == v->last_used) return 0;
  barrier();  // read the element only after seeing the index
  volatile struct vring_used_elem* e = &v->used->ring[v->last_used & (v->qsize - 1)];
  *id = e->id;
  *len = e->len;
  v->last_used++;
  return 1;
}

void vblk_ack_interrupt(struct vblk* v) {
  if (v->irq_suppressed) return;
  if (inb(v->io + VIRTIO_REG_ISR)) v->isr_nonzero++;
}
