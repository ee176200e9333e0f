/*
 * hostile: malformed requests (and a few valid but unusual ones), one kind
 * at a time, each followed by a liveness check (a valid 4 KiB write +
 * read-back + compare at the last 128 sectors of the disk, pattern tag
 * 0xfe). Outcomes of a request:
 *   ioerr        completed, status byte = 1 (IOERR)
 *   untouched    completed, status byte still the 0xff sentinel
 *   needs_reset  device status has NEEDS_RESET (64); the probe re-initialises it
 *   lost         not completed within `budget` cycles, no NEEDS_RESET; the probe resets
 *   accepted     a malformed request completed with status 0 (OK): the device did not notice
 *   ok           a valid request (or the in-flight reset) behaved as it must
 *   unsupp       status byte 2 (UNSUPP)
 *   other        any other status byte, or a kind's own check failed
 * What kickvmm must do (the `unexpected` count): each kind lists the
 * outcomes it accepts (untouched is fine where the chain has no valid
 * status byte: loops, bad next/head, readable status, broken indirect
 * tables). errors = liveness checks that still fail after a reset: only a
 * device that stops serving valid requests fails the workload.
 * The OUT kinds carry pattern tag 0xfd data, so a device that writes them
 * anyway leaves recognizable sectors (or a grown image) behind.
 * The probe boots one vCPU, so "reset while requests are in flight" is done
 * by that vCPU right after its kick: with ioeventfd the I/O thread is still
 * serving the queue while the reset arrives; with exit kicks the queue was
 * served inside the kick, so there the reset only finds a drained queue.
 */
#include "arch.h"
#include "console.h"
#include "engine.h"
#include "lib.h"
#include "pattern.h"
#include "alloc.h"
#include "vm_end.h"
#include "workload.h"

enum outcome {
  O_IOERR,
  O_UNTOUCHED,
  O_NEEDS_RESET,
  O_LOST,
  O_ACCEPTED,
  O_OK,
  O_UNSUPP,
  O_OTHER,
  O_COUNT
};
static const char* const outcome_name[O_COUNT] = {"ioerr",    "untouched", "needs_reset", "lost",
                                                  "accepted", "ok",        "unsupp",      "other"};
#define OK_IOERR (1u << O_IOERR)
#define OK_UNTOUCHED (1u << O_UNTOUCHED)
#define OK_NEEDS_RESET (1u << O_NEEDS_RESET)
#define OK_OK (1u << O_OK)
#define OK_UNSUPP (1u << O_UNSUPP)

#define SCRATCH_SECTORS 128
#define IO_BYTES 4096u
#define INFLIGHT_MAX 32u   // requests queued before the in-flight reset
#define OVERLAP_DESCS 17u  // x 4 MiB, all on the same RAM: over the 64 MiB request cap
#define OVERLAP_BYTES (4u << 20)
#define TABLE_ENTRIES 4u

struct hctx {
  struct vblk* v;
  uint64_t scratch_lba, ram_top;
  struct virtio_blk_req_hdr* hdr;
  volatile uint8_t* status;
  uint8_t* data;                      // IO_BYTES, also the read-back buffer of the liveness check
  uint8_t* data2;                     // IO_BYTES, the liveness write buffer
  volatile struct vring_desc* table;  // an indirect descriptor table (TABLE_ENTRIES)
  uint8_t* inflight;                  // INFLIGHT_MAX x IO_BYTES, the in-flight reset's buffers
};

static void desc(struct hctx* h, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next) {
  h->v->desc[i] = (struct vring_desc){addr, len, flags, next};
}

// The well-formed 3-descriptor IN request at 0..2 that most kinds then damage.
static void base_request(struct hctx* h, uint32_t type, uint64_t sector) {
  *h->hdr = (struct virtio_blk_req_hdr){type, 0, sector};
  *h->status = VBLK_STATUS_SENTINEL;
  if (type == VIRTIO_BLK_T_OUT)
    pattern_fill(h->data, sector, IO_BYTES / SECTOR_SIZE, TAG_HOSTILE_DATA);
  desc(h, 0, (uintptr_t)h->hdr, sizeof(*h->hdr), VRING_DESC_F_NEXT, 1);
  desc(h, 1, (uintptr_t)h->data, IO_BYTES,
       VRING_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0), 2);
  desc(h, 2, (uintptr_t)h->status, 1, VRING_DESC_F_WRITE, 0);
}

static void k_addr_beyond_ram(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  uint64_t far = 1ull << 40;  // 1 TiB, or 1 GiB past the end of RAM if that is higher
  if (h->ram_top + (1ull << 30) > far) far = align_up(h->ram_top, 1ull << 30) + (1ull << 30);
  h->v->desc[1].addr = far;
}
static void k_len_wrap(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[1].addr = 0xfffffffffffff000ull;  // + 0x2000 wraps past 2^64 to 0x1000
  h->v->desc[1].len = 0x2000;
}
static void k_chain_loop(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[2].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;  // 0 -> 1 -> 2 -> 0 -> ...
  h->v->desc[2].next = 0;
}
static void k_next_out_of_range(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[1].next = h->v->qsize;
}
static void k_chain_too_long(struct hctx* h) {
  // Every descriptor of the table in one chain, and the last links back to
  // the first: longer than the queue, whatever the device's loop detection.
  uint16_t n = h->v->qsize;
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  for (uint16_t i = 1; i + 1 < n; i++)
    desc(h, i, (uintptr_t)h->data, SECTOR_SIZE, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
         (uint16_t)(i + 1));
  desc(h, (uint16_t)(n - 1), (uintptr_t)h->status, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
}
static void k_data_wrong_direction(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[1].flags = VRING_DESC_F_NEXT;  // a read into a device-readable buffer
}
static void k_status_readable(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[2].flags = 0;  // the device may not write the status byte
}
static void k_header_short(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[0].len = 8;
}
static void k_sector_beyond_capacity(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->v->capacity);
}
static void k_sector_straddles_end(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->v->capacity - 1);
}
static void k_write_beyond_capacity(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_OUT, h->v->capacity);
}
static void k_sector_overflow(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_OUT, 1ull << 55);  // * 512 = 2^64: wraps to byte offset 0
}
static void k_len_near_4g(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[1].len = 0xfffffe00u;  // a whole number of sectors, far past the end of RAM
}
// OVERLAP_DESCS readable descriptors of 4 MiB, all on the probe's own image:
// each lies in RAM, together they name more than one request may carry.
static void k_overlap_over_cap(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_OUT, h->scratch_lba);
  for (uint16_t i = 1; i <= OVERLAP_DESCS; i++)
    desc(h, i, 1u << 20, OVERLAP_BYTES, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
  desc(h, OVERLAP_DESCS + 1, (uintptr_t)h->status, 1, VRING_DESC_F_WRITE, 0);
}
static void k_out_into_writable(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_OUT, h->scratch_lba);
  h->v->desc[1].flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;  // OUT data the device may write
}
static void k_readable_after_writable(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  h->v->desc[1].len = IO_BYTES / 2;
  h->v->desc[1].next = 3;
  desc(h, 3, (uintptr_t)h->data + IO_BYTES / 2, IO_BYTES / 2, VRING_DESC_F_NEXT, 2);
}

// Indirect requests: one ring descriptor naming h->table (header, data, status).
static void indirect_request(struct hctx* h, uint32_t entries) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
  memset(h->data, 0, IO_BYTES);
  h->table[0] = (struct vring_desc){(uintptr_t)h->hdr, sizeof(*h->hdr), VRING_DESC_F_NEXT, 1};
  h->table[1] =
      (struct vring_desc){(uintptr_t)h->data, IO_BYTES, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2};
  h->table[2] = (struct vring_desc){(uintptr_t)h->status, 1, VRING_DESC_F_WRITE, 0};
  desc(h, 0, (uintptr_t)h->table, entries * 16, VRING_DESC_F_INDIRECT, 0);
}
static void k_indirect_valid(struct hctx* h) {
  indirect_request(h, 3);
}
static void k_indirect_loop(struct hctx* h) {
  indirect_request(h, 3);
  h->table[2].flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT;  // 0 -> 1 -> 2 -> 0 -> ...
  h->table[2].next = 0;
}
static void k_indirect_next_out_of_range(struct hctx* h) {
  indirect_request(h, 3);
  h->table[1].next = 3;  // the table has 3 entries
}
static void k_indirect_beyond_ram(struct hctx* h) {
  indirect_request(h, 3);
  h->v->desc[0].addr = align_up(h->ram_top, 1ull << 30) + (1ull << 30);
}
static void k_indirect_nested(struct hctx* h) {
  indirect_request(h, 3);
  h->table[3] = h->table[2];
  h->table[2] = (struct vring_desc){(uintptr_t)&h->table[3], 16, VRING_DESC_F_INDIRECT, 0};
}
static void k_get_id(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_GET_ID, 0);
  memset(h->data, TAG_HOSTILE_DATA, IO_BYTES);
  h->v->desc[1].len = 20;  // VIRTIO_BLK_ID_BYTES, device-writable
  h->v->desc[1].flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;
}
static void k_flush(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_FLUSH, 0);
  h->v->desc[0].next = 2;  // header and status only
}
static void k_unknown_type(struct hctx* h) {
  base_request(h, 0x4b42, h->scratch_lba);  // no such request type
}
static void k_pfn_beyond_ram(struct hctx* h) {
  base_request(h, VIRTIO_BLK_T_IN, h->scratch_lba);
}

// Checks run after a kind's outcome is known (true = as it must be).
static bool check_data_untouched(struct hctx* h) {  // OUT data the device must not write
  return pattern_mismatches(h->data, h->scratch_lba, IO_BYTES / SECTOR_SIZE, TAG_HOSTILE_DATA) == 0;
}
static bool check_read_back(struct hctx* h) {  // the scratch area holds the liveness pattern
  return pattern_mismatches(h->data, h->scratch_lba, IO_BYTES / SECTOR_SIZE,
                            TAG_HOSTILE_LIVENESS) == 0;
}
static bool check_id_written(struct hctx* h) {  // 20 bytes written, nothing after them
  bool written = false;
  for (unsigned i = 0; i < 20; i++) written |= h->data[i] != TAG_HOSTILE_DATA;
  for (unsigned i = 20; i < IO_BYTES; i++)
    if (h->data[i] != TAG_HOSTILE_DATA) return false;
  return written;
}
static bool check_pfn_refused(struct hctx* h) {  // the queue did not take the PFN
  return inl(h->v->io + VIRTIO_REG_QUEUE_PFN) == 0;
}

enum special {
  S_HEAD0,          // publish head 0
  S_HEAD_RANGE,     // publish head = queue size
  S_AVAIL_JUMP,     // avail idx moves by queue size + 1
  S_AVAIL_BACK,     // avail idx moves back by one
  S_PFN_BEYOND,     // no request: queue PFN beyond RAM
  S_RESET_INFLIGHT  // requests queued and kicked, then a reset at once
};

struct kind {
  const char* name;
  void (*build)(struct hctx* h);  // descriptors at 0..; the probe publishes head 0
  unsigned acceptable;
  enum special special;
  bool valid;                     // a well-formed request: status 0 is "ok", not "accepted"
  bool (*check)(struct hctx* h);  // optional, after the outcome; false makes it "other"
};

#define ERR_OR_RESET (OK_IOERR | OK_NEEDS_RESET)
#define NO_STATUS (OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED)
static const struct kind kinds[] = {
    {"addr_beyond_ram", k_addr_beyond_ram, ERR_OR_RESET, S_HEAD0, false, 0},
    {"len_wrap", k_len_wrap, ERR_OR_RESET, S_HEAD0, false, 0},
    {"chain_loop", k_chain_loop, NO_STATUS, S_HEAD0, false, 0},
    {"next_out_of_range", k_next_out_of_range, NO_STATUS, S_HEAD0, false, 0},
    {"chain_too_long", k_chain_too_long, NO_STATUS, S_HEAD0, false, 0},
    {"data_wrong_direction", k_data_wrong_direction, ERR_OR_RESET, S_HEAD0, false, 0},
    {"status_readable", k_status_readable, NO_STATUS, S_HEAD0, false, 0},
    {"header_short", k_header_short, ERR_OR_RESET, S_HEAD0, false, 0},
    {"sector_beyond_capacity", k_sector_beyond_capacity, ERR_OR_RESET, S_HEAD0, false, 0},
    {"sector_straddles_end", k_sector_straddles_end, ERR_OR_RESET, S_HEAD0, false, 0},
    {"write_beyond_capacity", k_write_beyond_capacity, ERR_OR_RESET, S_HEAD0, false, 0},
    {"sector_overflow", k_sector_overflow, ERR_OR_RESET, S_HEAD0, false, 0},
    {"head_out_of_range", k_sector_beyond_capacity, NO_STATUS, S_HEAD_RANGE, false, 0},
    {"avail_idx_jump", k_sector_beyond_capacity, OK_NEEDS_RESET, S_AVAIL_JUMP, false, 0},
    {"pfn_beyond_ram", k_pfn_beyond_ram, OK_NEEDS_RESET, S_PFN_BEYOND, false, check_pfn_refused},
    {"len_near_4g", k_len_near_4g, OK_IOERR, S_HEAD0, false, 0},
    {"overlap_over_cap", k_overlap_over_cap, OK_IOERR, S_HEAD0, false, 0},
    {"out_into_writable", k_out_into_writable, OK_IOERR, S_HEAD0, false, check_data_untouched},
    {"readable_after_writable", k_readable_after_writable, OK_IOERR, S_HEAD0, false, 0},
    {"indirect_valid", k_indirect_valid, OK_OK, S_HEAD0, true, check_read_back},
    {"indirect_loop", k_indirect_loop, OK_UNTOUCHED, S_HEAD0, false, 0},
    {"indirect_next_out_of_range", k_indirect_next_out_of_range, OK_UNTOUCHED, S_HEAD0, false, 0},
    {"indirect_beyond_ram", k_indirect_beyond_ram, OK_UNTOUCHED, S_HEAD0, false, 0},
    {"indirect_nested", k_indirect_nested, OK_UNTOUCHED, S_HEAD0, false, 0},
    {"avail_idx_backwards", k_sector_beyond_capacity, OK_NEEDS_RESET, S_AVAIL_BACK, false, 0},
    {"get_id", k_get_id, OK_OK, S_HEAD0, true, check_id_written},
    {"flush", k_flush, OK_OK, S_HEAD0, true, 0},
    {"unknown_type", k_unknown_type, OK_UNSUPP, S_HEAD0, false, 0},
    {"reset_in_flight", 0, OK_OK, S_RESET_INFLIGHT, true, 0},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

// Waits for a completion of a malformed request, but also stops early when
// the device flags NEEDS_RESET (checked about every 2^20 cycles: a port read
// is a VM exit, fine here since hostile measures no speed).
static bool wait_or_needs_reset(struct vblk* v, uint64_t budget) {
  uint64_t start = rdtsc(), step = 1ull << 20;
  for (uint64_t waited = 0; waited < budget; waited = rdtsc() - start) {
    if (vblk_wait_used(v, step < budget - waited ? step : budget - waited)) return true;
    if (vblk_device_status(v) & VIRTIO_STATUS_NEEDS_RESET) return false;
  }
  return false;
}

// One valid request on slot 0, waited for. Returns the status byte, or -1 if lost.
static int sync_io(struct hctx* h, uint32_t type, void* buf, uint64_t budget, struct wl_result* r) {
  struct vblk* v = h->v;
  vblk_submit(v, 0, type, h->scratch_lba, buf, IO_BYTES);
  vblk_kick(v);
  bool done = vblk_wait_used(v, budget);
  uint32_t id, len;
  int status = -1;
  while (vblk_pop_used(v, &id, &len)) {
    r->requests++;
    if (id == 0) status = v->slots[0].status;
  }
  vblk_ack_interrupt(v);
  v->slots[0].busy = false;
  if (done && status == VIRTIO_BLK_S_OK) r->bytes += IO_BYTES;
  return done ? status : -1;
}

static bool alive(struct hctx* h, uint64_t budget, struct wl_result* r) {
  pattern_fill(h->data2, h->scratch_lba, IO_BYTES / SECTOR_SIZE, TAG_HOSTILE_LIVENESS);
  if (sync_io(h, VIRTIO_BLK_T_OUT, h->data2, budget, r) != VIRTIO_BLK_S_OK) return false;
  memset(h->data, 0, IO_BYTES);
  if (sync_io(h, VIRTIO_BLK_T_IN, h->data, budget, r) != VIRTIO_BLK_S_OK) return false;
  return pattern_mismatches(h->data, h->scratch_lba, IO_BYTES / SECTOR_SIZE,
                            TAG_HOSTILE_LIVENESS) == 0;
}

static void reinit_or_die(struct vblk* v) {
  const char* why = vblk_reinit(v);
  if (why) probe_fatal("hostile: device re-initialisation failed: %s", why);
}

// What the in-flight reset saw; printed on its PROBE-HOSTILE line.
struct inflight_report {
  uint32_t queued, completed, late, torn;
};

// Queues up to INFLIGHT_MAX reads, kicks, and resets the device at once.
// Once the reset's port write returns, the device must be done with the old
// ring: requests it completed have status OK and the right data, the others
// keep their sentinel status and untouched buffers, and nothing changes
// afterwards (checked again after a pause).
static enum outcome reset_in_flight(struct hctx* h, struct inflight_report* rep) {
  struct vblk* v = h->v;
  uint32_t n = v->nslots < INFLIGHT_MAX ? v->nslots : INFLIGHT_MAX;
  *h->status = VBLK_STATUS_SENTINEL;  // not used here: keep the line's status= meaningful
  memset(h->inflight, TAG_HOSTILE_DATA, (size_t)n * IO_BYTES);
  for (uint16_t s = 0; s < n; s++)
    vblk_submit(v, s, VIRTIO_BLK_T_IN, h->scratch_lba, h->inflight + (size_t)s * IO_BYTES,
                IO_BYTES);
  vblk_kick(v);
  outb(v->io + VIRTIO_REG_STATUS, 0);
  uint16_t used_at_reset = v->used->idx;
  uint64_t t = rdtsc();
  while (rdtsc() - t < (1ull << 24)) cpu_relax();
  bool done[INFLIGHT_MAX] = {0};
  rep->queued = n;
  rep->completed = (uint16_t)(used_at_reset - v->last_used);
  rep->late = v->used->idx != used_at_reset;
  rep->torn = 0;
  for (uint16_t i = v->last_used; i != used_at_reset; i++) {
    uint32_t id = v->used->ring[i & (v->qsize - 1)].id;
    if (id % 3 == 0 && id / 3 < n && !done[id / 3])
      done[id / 3] = true;
    else
      rep->torn++;  // an id that was never queued, or twice
  }
  for (uint32_t s = 0; s < n; s++) {
    uint8_t* buf = h->inflight + (size_t)s * IO_BYTES;
    uint8_t st = v->slots[s].status;
    bool good;
    if (done[s]) {
      good =
          st == VIRTIO_BLK_S_OK && pattern_mismatches(buf, h->scratch_lba, IO_BYTES / SECTOR_SIZE,
                                                      TAG_HOSTILE_LIVENESS) == 0;
    } else {
      good = st == VBLK_STATUS_SENTINEL;
      for (uint32_t i = 0; i < IO_BYTES && good; i++) good = buf[i] == TAG_HOSTILE_DATA;
    }
    if (!good) rep->torn++;
    v->slots[s].busy = false;
  }
  return rep->late || rep->torn ? O_OTHER : O_OK;
}

// Sends one kind; returns its outcome and how many used entries it produced.
static enum outcome send_kind(struct hctx* h, const struct kind* kd, uint64_t budget,
                              uint32_t* n_used, uint32_t* id, uint32_t* len) {
  struct vblk* v = h->v;
  kd->build(h);
  barrier();
  switch (kd->special) {
    case S_HEAD_RANGE:
      vblk_publish_head(v, v->qsize);
      break;
    case S_AVAIL_JUMP:  // claim qsize + 1 new entries at once: more than the ring can hold
      v->avail->ring[v->avail_idx & (v->qsize - 1)] = 0;
      barrier();
      v->avail_idx = (uint16_t)(v->avail_idx + v->qsize + 1);
      v->avail->idx = v->avail_idx;
      break;
    case S_AVAIL_BACK:  // one entry taken back after the device has seen it
      v->avail->idx = (uint16_t)(v->avail_idx - 1);
      break;
    case S_PFN_BEYOND:
      outl(v->io + VIRTIO_REG_QUEUE_PFN,
           (uint32_t)((align_up(h->ram_top, 1ull << 30) + (1ull << 30)) >> 12));
      break;
    default:
      vblk_publish_head(v, 0);
      break;
  }
  bool completed = false;
  if (kd->special != S_PFN_BEYOND) {  // that one has nothing to kick
    vblk_kick(v);
    completed = wait_or_needs_reset(v, budget);
  }
  *n_used = 0;
  *id = 0xffffffffu;
  *len = 0;
  for (uint32_t i, l; vblk_pop_used(v, &i, &l); (*n_used)++) {
    if (*n_used == 0) {
      *id = i;
      *len = l;
    }
  }
  vblk_ack_interrupt(v);
  uint8_t st = *h->status;
  if (vblk_device_status(v) & VIRTIO_STATUS_NEEDS_RESET) return O_NEEDS_RESET;
  if (!completed) return O_LOST;
  if (st == VBLK_STATUS_SENTINEL) return O_UNTOUCHED;
  if (st == VIRTIO_BLK_S_IOERR) return O_IOERR;
  if (st == VIRTIO_BLK_S_OK) return kd->valid ? O_OK : O_ACCEPTED;
  if (st == VIRTIO_BLK_S_UNSUPP) return O_UNSUPP;
  return O_OTHER;
}

static bool run_hostile(struct probe* p, const struct wl_args* a) {
  struct vblk* v = p->blk;
  uint64_t budget = wl_arg(a, "budget");
  if (v->capacity < SCRATCH_SECTORS + 8)
    probe_fatal("hostile: disk of %lu sectors is too small", v->capacity);
  struct hctx h = {
      .v = v, .scratch_lba = v->capacity - SCRATCH_SECTORS, .ram_top = p->boot->ram_top};
  h.hdr = alloc_zeroed(sizeof(*h.hdr), 64);
  h.status = alloc_zeroed(64, 64);
  h.data = alloc_zeroed(IO_BYTES, 4096);
  h.data2 = alloc_zeroed(IO_BYTES, 4096);
  h.table = alloc_zeroed(TABLE_ENTRIES * sizeof(struct vring_desc), 16);
  h.inflight = alloc_zeroed(INFLIGHT_MAX * IO_BYTES, 4096);
  if (!h.hdr || !h.status || !h.data || !h.data2 || !h.table || !h.inflight)
    probe_fatal("hostile: out of memory");
  if (h.ram_top < (5u << 20)) probe_fatal("hostile: needs at least 5 MiB of RAM");

  struct wl_result r = {.bs = IO_BYTES, .count = NKINDS, .depth = 1};
  uint64_t totals[O_COUNT] = {0}, unexpected = 0, kicks0 = v->kicks, sent = 0;
  // The indirect kinds need VIRTIO_RING_F_INDIRECT_DESC; the probe's other
  // workloads run without it, so it is dropped again at the end.
  v->guest_features = VIRTIO_RING_F_INDIRECT_DESC;
  reinit_or_die(v);
  uint64_t resets0 = v->resets;
  bool alive_so_far = alive(&h, VBLK_DEFAULT_BUDGET, &r);
  if (!alive_so_far) r.errors++;
  uint64_t t0 = rdtsc();
  for (unsigned k = 0; k < NKINDS && alive_so_far; k++) {
    const struct kind* kd = &kinds[k];
    uint32_t n = 0, id = 0xffffffffu, len = 0;
    struct inflight_report fl = {0};
    enum outcome o = kd->special == S_RESET_INFLIGHT ? reset_in_flight(&h, &fl)
                                                     : send_kind(&h, kd, budget, &n, &id, &len);
    uint8_t st = *h.status;
    uint8_t dev = vblk_device_status(v);
    const char* check = "none";
    if (kd->check) {
      bool good = kd->check(&h);
      check = good ? "ok" : "fail";
      if (!good) o = O_OTHER;
    }
    sent++;
    totals[o]++;
    bool expected = (kd->acceptable >> o) & 1;
    if (!expected) unexpected++;
    // Anything but a clean single completion leaves the ring in doubt: start over.
    bool reset = o == O_NEEDS_RESET || o == O_LOST || kd->special != S_HEAD0 || n != 1 ||
                 (dev & VIRTIO_STATUS_FAILED);
    if (reset) reinit_or_die(v);
    bool ok = alive(&h, VBLK_DEFAULT_BUDGET, &r);
    if (!ok) {  // one more chance after a full reset
      reinit_or_die(v);
      ok = alive(&h, VBLK_DEFAULT_BUDGET, &r);
      reset = true;
      if (!ok) r.errors++;
    }
    r.requests += kd->special == S_RESET_INFLIGHT ? fl.completed : n;
    kprintf(
        "PROBE-HOSTILE kind=%s outcome=%s expected=%s status=0x%x dev_status=0x%x used=%u "
        "used_id=%d used_len=%u check=%s reset=%s alive=%s",
        kd->name, outcome_name[o], expected ? "yes" : "no", (unsigned)st, (unsigned)dev, n,
        n ? (int)id : -1, len, check, reset ? "yes" : "no", ok ? "yes" : "no");
    if (kd->special == S_RESET_INFLIGHT)
      kprintf(" inflight=%u completed=%u late=%u torn=%u", fl.queued, fl.completed, fl.late,
              fl.torn);
    kprintf("\n");
    alive_so_far = ok;  // a dead device: later kinds would only repeat that
  }
  r.cycles = rdtsc() - t0;
  r.kicks = v->kicks - kicks0;
  uint64_t resets = v->resets - resets0;
  v->guest_features = 0;
  reinit_or_die(v);
  wl_print("hostile", &r,
           "sent=%lu ioerr=%lu untouched=%lu needs_reset=%lu lost=%lu accepted=%lu ok=%lu "
           "unsupp=%lu other=%lu unexpected=%lu resets=%lu",
           sent, totals[O_IOERR], totals[O_UNTOUCHED], totals[O_NEEDS_RESET], totals[O_LOST],
           totals[O_ACCEPTED], totals[O_OK], totals[O_UNSUPP], totals[O_OTHER], unexpected, resets);
  return r.errors == 0;
}

static const char* validate_hostile(const struct wl_args* a) {
  if (wl_arg(a, "budget") == 0) return "budget must be > 0 cycles";
  return 0;
}

const struct wl_def wl_hostile = {
    "hostile", {"budget"}, {1ull << 31}, validate_hostile, run_hostile};
