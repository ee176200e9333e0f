// The request engine behind every block workload: keeps up to `depth`
// block tasks in flight, each a short program of reads/writes on one
// buffer (read; write; read-then-write), kicking once per refill.
#pragma once
#include <stdint.h>

#include "virtio_blk.h"
#include "workload.h"

enum { OP_READ = 1, OP_WRITE = 2 };

struct task {
  uint64_t index;  // block number within the workload, 0..count-1
  uint64_t lba;
  uint8_t ops[2];
  uint8_t nops, cur;
  uint8_t* buf;
};

struct engine_job {
  uint32_t bs;
  uint64_t count;
  uint32_t depth;
  void* ctx;
  // Fills t->lba and t->ops/nops for block t->index.
  void (*plan)(void* ctx, struct task* t);
  // Optional: prepares t->buf before a write is submitted.
  void (*before_write)(void* ctx, struct task* t);
  // Optional: inspects t->buf after a successful read; returns errors found.
  uint64_t (*after_read)(void* ctx, struct task* t);
};

// Runs the job to completion (or until the device stops answering, which
// resets it). Adds to r->requests, bytes, errors, kicks and cycles; sets
// r->depth to the depth used (the queue's slot count may cap it).
void engine_run(struct vblk* v, const struct engine_job* job, struct wl_result* r);

// Blocks of `bs` bytes that fit in [start_lba, capacity), at least 1 or a fatal error.
uint64_t engine_region_blocks(const struct vblk* v, const char* wl, uint64_t start_lba,
                              uint32_t bs);
