// The probe guest: parse the command line, find the virtio-blk device, run
// each workload in order, print one PROBE line per workload and end the VM.
#include "alloc.h"
#include "boot_info.h"
#include "cmdline.h"
#include "console.h"
#include "pci.h"
#include "traps.h"
#include "virtio_blk.h"
#include "vm_end.h"
#include "workload.h"

static const struct wl_def* const all_workloads[] = {
    &wl_doorbell, &wl_write, &wl_rewrite, &wl_read, &wl_seeks, &wl_verify, &wl_hostile, 0};

static struct boot_info boot;
static struct wl_args plan[MAX_WORKLOADS];
static struct vblk blk;

void probe_main(uint64_t start_info) {
  console_init();
  traps_init();
  const char* why = boot_info_read(start_info, &boot);
  if (why) probe_fatal("%s", why);
  kprintf("PROBE-BOOT cmdline=\"%s\"\n", boot.cmdline);

  char err[160];
  int n = cmdline_parse(boot.cmdline, all_workloads, plan, err, sizeof(err));
  if (n < 0) probe_fatal("%s", err);

  if ((why = alloc_init(&boot))) probe_fatal("%s", why);
  struct pci_function fn;
  if ((why = pci_find_virtio_blk(&fn))) probe_fatal("%s", why);
  if ((why = vblk_init(&blk, &fn))) probe_fatal("virtio-blk: %s", why);
  kprintf(
      "PROBE-DEVICE pci=%02x:%02x.%x io=0x%x irq=%u qsize=%u slots=%u capacity=%lu "
      "host_features=0x%x "
      "ram_top=0x%lx free=%lu\n",
      fn.bus, fn.dev, fn.fn, fn.io_base, fn.irq_line, blk.qsize, blk.nslots, blk.capacity,
      blk.host_features, boot.ram_top, alloc_free_bytes());

  struct probe p = {&blk, &boot};
  bool ok = true;
  for (int i = 0; i < n; i++) {
    uintptr_t mark = alloc_mark();
    ok &= plan[i].def->run(&p, &plan[i]);
    alloc_release(mark);
  }
  probe_end(ok);
}
