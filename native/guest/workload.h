// Workload registry and the shared pieces of every workload: parsed
// arguments, the probe context and the result line.
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "boot_info.h"
#include "virtio_blk.h"

#define WL_MAX_KEYS 10

struct probe {
  struct vblk* blk;
  const struct boot_info* boot;
};

struct wl_args {
  const struct wl_def* def;
  uint64_t value[WL_MAX_KEYS];
  bool set[WL_MAX_KEYS];
};

struct wl_def {
  const char* name;
  const char* keys[WL_MAX_KEYS + 1];  // NULL-terminated
  uint64_t defaults[WL_MAX_KEYS];     // same order as keys
  // Checks values that need no device; NULL if fine, else a reason.
  const char* (*validate)(const struct wl_args* a);
  // Runs the workload and prints its one PROBE line. Returns false on errors.
  bool (*run)(struct probe* p, const struct wl_args* a);
};

// Value of `key` (given or default). The key must be one of the def's keys.
uint64_t wl_arg(const struct wl_args* a, const char* key);
bool wl_arg_given(const struct wl_args* a, const char* key);

// Totals every workload reports.
struct wl_result {
  uint64_t bs, count, depth, requests, bytes, errors, cycles, kicks;
};
// Prints "PROBE <name> bs= count= depth= requests= bytes= errors= cycles= kicks=" and,
// if extra_fmt is non-NULL, a space and the extra key=value text.
void wl_print(const char* name, const struct wl_result* r, const char* extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));

// Common validation for block workloads: bs a non-zero multiple of 512 up to
// 4 MiB, 1 <= depth <= 256, start a multiple of 512.
const char* wl_validate_block_args(const struct wl_args* a);

extern const struct wl_def wl_doorbell, wl_write, wl_rewrite, wl_read, wl_seeks, wl_verify,
    wl_hostile;
