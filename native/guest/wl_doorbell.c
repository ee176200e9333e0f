/*
 * doorbell: the cost of the notification alone. `count` 16-bit writes of
 * the queue index (0) to the notify register (BAR0+16) with nothing queued,
 * in a tight `out dx, ax; dec ecx; jnz` loop (entry.S doorbell_loop), like
 * kvm-unit-tests' pci-testdev doorbells. With batches=B: B rounds, each
 * followed by a 1-byte write to port 0x504 (the VMM's "batch end" port,
 * where an in-process benchmark gets control back); batches=0 = forever.
 */
#include "arch.h"
#include "workload.h"

#define BATCH_END_PORT 0x504

void doorbell_loop(uint16_t port, uint16_t value, uint32_t count);

static bool run_doorbell(struct probe* p, const struct wl_args* a) {
  struct vblk* v = p->blk;
  uint32_t count = (uint32_t)wl_arg(a, "count");
  bool batched = wl_arg_given(a, "batches");
  uint64_t batches = batched ? wl_arg(a, "batches") : 1;
  uint16_t notify = (uint16_t)(v->io + VIRTIO_REG_QUEUE_NOTIFY);
  uint64_t t0 = rdtsc(), rounds = 0;
  while (batches == 0 || rounds < batches) {
    doorbell_loop(notify, 0, count);
    rounds++;
    if (batched) outb(BATCH_END_PORT, 0);
  }
  struct wl_result r = {.count = count, .cycles = rdtsc() - t0, .kicks = (uint64_t)count * rounds};
  v->kicks += r.kicks;
  wl_print("doorbell", &r, "batches=%lu batch_end_writes=%lu", rounds, batched ? rounds : 0);
  return true;
}

static const char* validate_doorbell(const struct wl_args* a) {
  if (wl_arg(a, "count") > 0xffffffffu) return "count must fit in 32 bits";
  return 0;
}

const struct wl_def wl_doorbell = {
    "doorbell", {"count", "batches"}, {100000, 1}, validate_doorbell, run_doorbell};
