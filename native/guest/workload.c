#include "workload.h"

#include "console.h"
#include "lib.h"
#include "vm_end.h"

static int key_index(const struct wl_def* d, const char* key) {
  for (int i = 0; d->keys[i]; i++)
    if (str_eq_n(key, strlen(key), d->keys[i])) return i;
  probe_fatal("internal: workload %s has no key %s", d->name, key);
}

uint64_t wl_arg(const struct wl_args* a, const char* key) {
  int i = key_index(a->def, key);
  return a->set[i] ? a->value[i] : a->def->defaults[i];
}

bool wl_arg_given(const struct wl_args* a, const char* key) {
  return a->set[key_index(a->def, key)];
}

void wl_print(const char* name, const struct wl_result* r, const char* extra_fmt, ...) {
  kprintf(
      "PROBE %s bs=%lu count=%lu depth=%lu requests=%lu bytes=%lu errors=%lu cycles=%lu kicks=%lu",
      name, r->bs, r->count, r->depth, r->requests, r->bytes, r->errors, r->cycles, r->kicks);
  if (extra_fmt) {
    va_list ap;
    va_start(ap, extra_fmt);
    console_putc(' ');
    kvprintf(extra_fmt, ap);
    va_end(ap);
  }
  console_putc('\n');
}

const char* wl_validate_block_args(const struct wl_args* a) {
  uint64_t bs = wl_arg(a, "bs"), depth = wl_arg(a, "depth"), start = wl_arg(a, "start");
  if (bs == 0 || bs % SECTOR_SIZE) return "bs must be a non-zero multiple of 512";
  if (bs > (4u << 20)) return "bs must be at most 4m";
  if (depth < 1 || depth > VBLK_MAX_SLOTS) return "depth must be between 1 and 256";
  if (start % SECTOR_SIZE) return "start must be a multiple of 512";
  if (wl_arg(a, "irq") > 1) return "irq must be 0 or 1";
  return 0;
}
