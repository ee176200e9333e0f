/*
 * verify: data integrity through the device. For pass p = 1..passes:
 * write blocks i = 0..count-1 at sector start/512 + i*bs/512 (wrapping at
 * the end of the disk like `write`) with pattern(s, 0x80 + p), then read
 * them all back and compare every byte. A second pass with a different tag
 * catches a device that ignores writes or returns stale data. After the
 * workload the region holds pattern(s, 0x80 + passes) (see pattern.h).
 * errors = failed requests + blocks with any mismatching byte.
 */
#include "engine.h"
#include "lib.h"
#include "pattern.h"
#include "workload.h"

struct verify_ctx {
  uint64_t start_lba, nblocks;
  uint32_t sectors;
  uint8_t tag;
  bool reading;
  uint64_t bad_blocks, bad_bytes;
};

static void plan(void* ctx, struct task* t) {
  struct verify_ctx* c = ctx;
  t->lba = c->start_lba + t->index % c->nblocks * c->sectors;
  t->ops[0] = c->reading ? OP_READ : OP_WRITE;
  t->nops = 1;
}

static void fill(void* ctx, struct task* t) {
  struct verify_ctx* c = ctx;
  pattern_fill(t->buf, t->lba, c->sectors, c->tag);
}

static uint64_t check(void* ctx, struct task* t) {
  struct verify_ctx* c = ctx;
  uint64_t bad = pattern_mismatches(t->buf, t->lba, c->sectors, c->tag);
  c->bad_bytes += bad;
  if (!bad) return 0;
  c->bad_blocks++;
  return 1;
}

static bool run_verify(struct probe* p, const struct wl_args* a) {
  struct vblk* v = p->blk;
  uint32_t bs = (uint32_t)wl_arg(a, "bs");
  struct verify_ctx c = {.sectors = bs / SECTOR_SIZE,
                         .start_lba = wl_arg(a, "start") / SECTOR_SIZE};
  c.nblocks = engine_region_blocks(v, "verify", c.start_lba, bs);
  uint64_t count = wl_arg(a, "count"), passes = wl_arg(a, "passes");
  struct engine_job job = {bs, count, (uint32_t)wl_arg(a, "depth"), &c, plan, fill, check};
  struct wl_result r = {.bs = bs, .count = count, .depth = job.depth};
  vblk_set_irq_suppressed(v, wl_arg(a, "irq") == 0);
  for (uint64_t pass = 1; pass <= passes; pass++) {
    c.tag = (uint8_t)(TAG_VERIFY_BASE + pass);
    c.reading = false;
    engine_run(v, &job, &r);
    c.reading = true;
    engine_run(v, &job, &r);
  }
  vblk_set_irq_suppressed(v, false);
  wl_print("verify", &r, "start=%lu irq=%lu passes=%lu tag=0x%x bad_blocks=%lu bad_bytes=%lu",
           wl_arg(a, "start"), wl_arg(a, "irq"), passes, (unsigned)c.tag, c.bad_blocks,
           c.bad_bytes);
  return r.errors == 0;
}

static const char* validate_verify(const struct wl_args* a) {
  uint64_t passes = wl_arg(a, "passes");
  if (passes < 1 || passes > 0x7d) return "passes must be 1..125";
  return wl_validate_block_args(a);
}

const struct wl_def wl_verify = {"verify",
                                 {"bs", "count", "depth", "start", "irq", "passes"},
                                 {4 << 10, 100, 1, 0, 1, 2},
                                 validate_verify,
                                 run_verify};
