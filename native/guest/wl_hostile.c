/*
 * hostile: malformed requests, one kind at a time, each followed by a
 * liveness check (a valid 4 KiB write + read-back + compare at the last 128
 * sectors of the disk, pattern tag 0xfe). Outcomes of a malformed request:
 *   ioerr        completed, status byte = 1 (IOERR)
 *   untouched    completed, status byte still the 0xff sentinel
 *   needs_reset  device status has NEEDS_RESET (64); the probe re-initialises it
 *   lost         not completed within `budget` cycles, no NEEDS_RESET; the probe resets
 *   accepted     completed with status 0 (OK): the device did not notice
 *   other        any other status byte (e.g. 2 UNSUPP)
 * What kickvmm must do (the `unexpected` count): ioerr or needs_reset for
 * every kind; untouched is also fine where the chain has no valid status
 * byte (loops, bad next/head, readable status); avail_idx_jump must give
 * needs_reset. errors = liveness checks that still fail after a reset:
 * only a device that stops serving valid requests fails the workload.
 * The two OUT kinds carry pattern tag 0xfd data, so a device that writes
 * them anyway leaves recognizable sectors (or a grown image) behind.
 */
#include "arch.h"
#include "console.h"
#include "engine.h"
#include "lib.h"
#include "pattern.h"
#include "alloc.h"
#include "vm_end.h"
#include "workload.h"

enum outcome { O_IOERR, O_UNTOUCHED, O_NEEDS_RESET, O_LOST, O_ACCEPTED, O_OTHER, O_COUNT };
static const char* const outcome_name[O_COUNT] = {"ioerr", "untouched", "needs_reset",
                                                  "lost",  "accepted",  "other"};
#define OK_IOERR (1u << O_IOERR)
#define OK_UNTOUCHED (1u << O_UNTOUCHED)
#define OK_NEEDS_RESET (1u << O_NEEDS_RESET)

#define SCRATCH_SECTORS 128
#define IO_BYTES 4096u

struct hctx {
  struct vblk* v;
  uint64_t scratch_lba, ram_top;
  struct virtio_blk_req_hdr* hdr;
  volatile uint8_t* status;
  uint8_t* data;   // IO_BYTES, also the read-back buffer of the liveness check
  uint8_t* data2;  // IO_BYTES, the liveness write buffer
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

struct kind {
  const char* name;
  void (*build)(struct hctx* h);  // descriptors at 0..; the probe publishes head 0
  unsigned acceptable;
  int special;  // 0 = publish head 0; 1 = head out of range; 2 = avail idx jump
};

static const struct kind kinds[] = {
    {"addr_beyond_ram", k_addr_beyond_ram, OK_IOERR | OK_NEEDS_RESET, 0},
    {"len_wrap", k_len_wrap, OK_IOERR | OK_NEEDS_RESET, 0},
    {"chain_loop", k_chain_loop, OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED, 0},
    {"next_out_of_range", k_next_out_of_range, OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED, 0},
    {"chain_too_long", k_chain_too_long, OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED, 0},
    {"data_wrong_direction", k_data_wrong_direction, OK_IOERR | OK_NEEDS_RESET, 0},
    {"status_readable", k_status_readable, OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED, 0},
    {"header_short", k_header_short, OK_IOERR | OK_NEEDS_RESET, 0},
    {"sector_beyond_capacity", k_sector_beyond_capacity, OK_IOERR | OK_NEEDS_RESET, 0},
    {"sector_straddles_end", k_sector_straddles_end, OK_IOERR | OK_NEEDS_RESET, 0},
    {"write_beyond_capacity", k_write_beyond_capacity, OK_IOERR | OK_NEEDS_RESET, 0},
    {"sector_overflow", k_sector_overflow, OK_IOERR | OK_NEEDS_RESET, 0},
    {"head_out_of_range", k_sector_beyond_capacity, OK_IOERR | OK_NEEDS_RESET | OK_UNTOUCHED, 1},
    {"avail_idx_jump", k_sector_beyond_capacity, OK_NEEDS_RESET, 2},
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
  if (!h.hdr || !h.status || !h.data || !h.data2) probe_fatal("hostile: out of memory");

  struct wl_result r = {.bs = IO_BYTES, .count = NKINDS, .depth = 1};
  uint64_t totals[O_COUNT] = {0}, unexpected = 0, resets0 = v->resets, kicks0 = v->kicks, sent = 0;
  uint64_t t0 = rdtsc();
  for (unsigned k = 0; k < NKINDS; k++) {
    const struct kind* kd = &kinds[k];
    kd->build(&h);
    barrier();
    if (kd->special == 1) {
      vblk_publish_head(v, v->qsize);
    } else if (kd->special == 2) {
      // Claim qsize + 1 new entries at once: more than the ring can hold.
      v->avail->ring[v->avail_idx & (v->qsize - 1)] = 0;
      barrier();
      v->avail_idx = (uint16_t)(v->avail_idx + v->qsize + 1);
      v->avail->idx = v->avail_idx;
    } else {
      vblk_publish_head(v, 0);
    }
    vblk_kick(v);
    sent++;
    bool completed = wait_or_needs_reset(v, budget);
    uint32_t id = 0xffffffffu, len = 0, n = 0;
    for (uint32_t i, l; vblk_pop_used(v, &i, &l); n++) {
      if (n == 0) {
        id = i;
        len = l;
      }
    }
    r.requests += n;
    vblk_ack_interrupt(v);
    uint8_t st = *h.status;
    uint8_t dev = vblk_device_status(v);
    enum outcome o;
    if (dev & VIRTIO_STATUS_NEEDS_RESET)
      o = O_NEEDS_RESET;
    else if (!completed)
      o = O_LOST;
    else if (st == VBLK_STATUS_SENTINEL)
      o = O_UNTOUCHED;
    else if (st == VIRTIO_BLK_S_IOERR)
      o = O_IOERR;
    else if (st == VIRTIO_BLK_S_OK)
      o = O_ACCEPTED;
    else
      o = O_OTHER;
    totals[o]++;
    bool expected = (kd->acceptable >> o) & 1;
    if (!expected) unexpected++;
    // Anything but a clean single completion leaves the ring in doubt: start over.
    bool reset = o == O_NEEDS_RESET || o == O_LOST || kd->special == 2 || n != 1 ||
                 (dev & VIRTIO_STATUS_FAILED);
    if (reset) reinit_or_die(v);
    bool ok = alive(&h, VBLK_DEFAULT_BUDGET, &r);
    if (!ok) {  // one more chance after a full reset
      reinit_or_die(v);
      ok = alive(&h, VBLK_DEFAULT_BUDGET, &r);
      reset = true;
      if (!ok) r.errors++;
    }
    kprintf(
        "PROBE-HOSTILE kind=%s outcome=%s expected=%s status=0x%x dev_status=0x%x used=%u "
        "used_id=%d "
        "used_len=%u reset=%s alive=%s\n",
        kd->name, outcome_name[o], expected ? "yes" : "no", (unsigned)st, (unsigned)dev, n,
        n ? (int)id : -1, len, reset ? "yes" : "no", ok ? "yes" : "no");
    if (!ok) break;  // a dead device: later kinds would only repeat that
  }
  r.cycles = rdtsc() - t0;
  r.kicks = v->kicks - kicks0;
  wl_print("hostile", &r,
           "sent=%lu ioerr=%lu untouched=%lu needs_reset=%lu lost=%lu accepted=%lu other=%lu "
           "unexpected=%lu "
           "resets=%lu",
           sent, totals[O_IOERR], totals[O_UNTOUCHED], totals[O_NEEDS_RESET], totals[O_LOST],
           totals[O_ACCEPTED], totals[O_OTHER], unexpected, v->resets - resets0);
  return r.errors == 0;
}

static const char* validate_hostile(const struct wl_args* a) {
  if (wl_arg(a, "budget") == 0) return "budget must be > 0 cycles";
  return 0;
}

const struct wl_def wl_hostile = {
    "hostile", {"budget"}, {1ull << 31}, validate_hostile, run_hostile};
