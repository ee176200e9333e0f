/*
 * bonnie++-style block workloads over the disk region [start, capacity):
 *   write   : block i -> sector start + (i mod nblocks) * bs/512, filled with
 *             pattern(s, tag) where tag = 1 + (i / nblocks) mod 127 (see pattern.h)
 *   rewrite : read each block, write the same bytes back (2 requests per block)
 *   read    : read each block
 *   seeks   : random blocks (splitmix64 from `seed`), read; writepct% of them
 *             are written back unchanged
 * nblocks = (capacity - start/512) / (bs/512); the sequential ones wrap there.
 */
#include "engine.h"
#include "lib.h"
#include "pattern.h"
#include "workload.h"

enum kind { SEQ_WRITE, SEQ_REWRITE, SEQ_READ, SEEKS };

struct block_ctx {
  enum kind kind;
  uint64_t start_lba, nblocks;
  uint32_t sectors;
  uint64_t rng;
  uint64_t writepct, writes;
};

static uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void plan(void* ctx, struct task* t) {
  struct block_ctx* c = ctx;
  if (c->kind == SEEKS) {
    t->lba = c->start_lba + splitmix64(&c->rng) % c->nblocks * c->sectors;
    t->ops[0] = OP_READ;
    t->nops = 1;
    if (splitmix64(&c->rng) % 100 < c->writepct) {
      t->ops[t->nops++] = OP_WRITE;
      c->writes++;
    }
    return;
  }
  t->lba = c->start_lba + t->index % c->nblocks * c->sectors;
  switch (c->kind) {
    case SEQ_WRITE:
      t->ops[0] = OP_WRITE;
      t->nops = 1;
      break;
    case SEQ_REWRITE:
      t->ops[0] = OP_READ;
      t->ops[1] = OP_WRITE;
      t->nops = 2;
      break;
    default:
      t->ops[0] = OP_READ;
      t->nops = 1;
      break;
  }
}

static void fill_write(void* ctx, struct task* t) {
  struct block_ctx* c = ctx;
  if (c->kind == SEQ_WRITE)
    pattern_fill(t->buf, t->lba, c->sectors, tag_for_write_wrap(t->index / c->nblocks));
  // rewrite/seeks: the buffer already holds what was read; write it back unchanged.
}

static bool run_block(struct probe* p, const struct wl_args* a, enum kind kind) {
  struct vblk* v = p->blk;
  struct block_ctx c = {.kind = kind};
  uint32_t bs = (uint32_t)wl_arg(a, "bs");
  c.sectors = bs / SECTOR_SIZE;
  c.start_lba = wl_arg(a, "start") / SECTOR_SIZE;
  c.nblocks = engine_region_blocks(v, a->def->name, c.start_lba, bs);
  uint64_t count = wl_arg_given(a, "count") || kind == SEEKS ? wl_arg(a, "count") : c.nblocks;
  if (kind == SEEKS) {
    c.rng = wl_arg(a, "seed");
    c.writepct = wl_arg(a, "writepct");
  }
  struct engine_job job = {bs, count, (uint32_t)wl_arg(a, "depth"), &c, plan, fill_write, 0};
  struct wl_result r = {.bs = bs, .count = count, .depth = job.depth};
  vblk_set_irq_suppressed(v, wl_arg(a, "irq") == 0);
  engine_run(v, &job, &r);
  vblk_set_irq_suppressed(v, false);
  if (kind == SEEKS)
    wl_print(a->def->name, &r, "start=%lu irq=%lu writepct=%lu seed=%lu writes=%lu",
             wl_arg(a, "start"), wl_arg(a, "irq"), c.writepct, wl_arg(a, "seed"), c.writes);
  else
    wl_print(a->def->name, &r, "start=%lu irq=%lu", wl_arg(a, "start"), wl_arg(a, "irq"));
  return r.errors == 0;
}

static bool run_write(struct probe* p, const struct wl_args* a) {
  return run_block(p, a, SEQ_WRITE);
}
static bool run_rewrite(struct probe* p, const struct wl_args* a) {
  return run_block(p, a, SEQ_REWRITE);
}
static bool run_read(struct probe* p, const struct wl_args* a) {
  return run_block(p, a, SEQ_READ);
}
static bool run_seeks(struct probe* p, const struct wl_args* a) {
  return run_block(p, a, SEEKS);
}

static const char* validate_seeks(const struct wl_args* a) {
  if (wl_arg(a, "writepct") > 100) return "writepct must be 0..100";
  return wl_validate_block_args(a);
}

// count 0 = default: one pass over the region.
const struct wl_def wl_write = {"write",
                                {"bs", "count", "depth", "start", "irq"},
                                {64 << 10, 0, 1, 0, 1},
                                wl_validate_block_args,
                                run_write};
const struct wl_def wl_rewrite = {"rewrite",
                                  {"bs", "count", "depth", "start", "irq"},
                                  {64 << 10, 0, 1, 0, 1},
                                  wl_validate_block_args,
                                  run_rewrite};
const struct wl_def wl_read = {"read",
                               {"bs", "count", "depth", "start", "irq"},
                               {64 << 10, 0, 1, 0, 1},
                               wl_validate_block_args,
                               run_read};
const struct wl_def wl_seeks = {"seeks",
                                {"bs", "count", "depth", "start", "irq", "writepct", "seed"},
                                {4 << 10, 1000, 1, 0, 1, 10, 1},
                                validate_seeks,
                                run_seeks};
