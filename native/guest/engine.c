#include "engine.h"

#include "alloc.h"
#include "arch.h"
#include "console.h"
#include "lib.h"
#include "vm_end.h"

uint64_t engine_region_blocks(const struct vblk* v, const char* wl, uint64_t start_lba,
                              uint32_t bs) {
  uint64_t sectors = bs / SECTOR_SIZE;
  if (start_lba >= v->capacity || (v->capacity - start_lba) / sectors == 0)
    probe_fatal("%s: disk of %lu sectors has no room for bs=%u from sector %lu", wl, v->capacity,
                bs, start_lba);
  return (v->capacity - start_lba) / sectors;
}

static void submit_op(struct vblk* v, const struct engine_job* job, uint16_t slot, struct task* t) {
  uint8_t op = t->ops[t->cur];
  if (op == OP_WRITE && job->before_write) job->before_write(job->ctx, t);
  vblk_submit(v, slot, op == OP_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, t->lba, t->buf,
              job->bs);
}

void engine_run(struct vblk* v, const struct engine_job* job, struct wl_result* r) {
  uintptr_t mark = alloc_mark();
  uint32_t depth = job->depth < v->nslots ? job->depth : v->nslots;
  r->depth = depth;  // what actually ran: a small queue caps it
  struct task* tasks = alloc_zeroed(sizeof(struct task) * depth, 64);
  uint16_t* free_slots = alloc_zeroed(sizeof(uint16_t) * depth, 64);
  if (!tasks || !free_slots) probe_fatal("out of memory for %u tasks", depth);
  for (uint32_t i = 0; i < depth; i++) {
    tasks[i].buf = alloc_zeroed(job->bs, 4096);
    if (!tasks[i].buf)
      probe_fatal("out of memory: depth=%u x bs=%u does not fit in RAM", depth, job->bs);
    free_slots[i] = (uint16_t)(depth - 1 - i);
  }
  uint32_t nfree = depth;
  uint64_t kicks0 = v->kicks, next = 0, inflight = 0;
  bool unkicked = false;

  uint64_t t0 = rdtsc();
  while (next < job->count || inflight) {
    while (nfree && next < job->count) {
      uint16_t s = free_slots[--nfree];
      struct task* t = &tasks[s];
      t->index = next++;
      t->cur = 0;
      job->plan(job->ctx, t);
      submit_op(v, job, s, t);
      inflight++;
      unkicked = true;
    }
    if (unkicked) {
      vblk_kick(v);
      unkicked = false;
    }
    if (!vblk_wait_used(v, VBLK_DEFAULT_BUDGET)) {
      kprintf("PROBE-WARN %lu request(s) not completed within %lu cycles; resetting the device\n",
              inflight, (uint64_t)VBLK_DEFAULT_BUDGET);
      r->errors += inflight;
      const char* why = vblk_reinit(v);
      if (why) probe_fatal("device re-initialisation failed: %s", why);
      break;
    }
    uint32_t id, len;
    while (vblk_pop_used(v, &id, &len)) {
      uint16_t s = (uint16_t)(id / 3);
      if (id % 3 || s >= depth || !v->slots[s].busy) {
        kprintf("PROBE-WARN device returned bogus used id %u\n", id);
        r->errors++;
        continue;
      }
      struct task* t = &tasks[s];
      uint8_t status = v->slots[s].status;
      r->requests++;
      if (status != VIRTIO_BLK_S_OK) {
        r->errors++;
      } else {
        r->bytes += job->bs;
        if (t->ops[t->cur] == OP_READ && job->after_read) r->errors += job->after_read(job->ctx, t);
        if (t->cur + 1 < t->nops) {  // next step of this block's program, same slot
          t->cur++;
          submit_op(v, job, s, t);
          unkicked = true;
          continue;
        }
      }
      v->slots[s].busy = false;
      free_slots[nfree++] = s;
      inflight--;
    }
    vblk_ack_interrupt(v);
  }
  r->cycles += rdtsc() - t0;
  r->kicks += v->kicks - kicks0;
  alloc_release(mark);
}
