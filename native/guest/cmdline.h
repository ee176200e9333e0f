// Command-line grammar:  workload { ";" workload }
//   workload := name { key "=" value }     (tokens separated by blanks)
//   value    := decimal | 0x-hex, optional suffix k|m|g (x1024^1..3)
// Empty workloads (";;", trailing ";") are ignored.
#pragma once
#include "workload.h"

#define MAX_WORKLOADS 64

// Parses `cmdline` against `defs` (NULL-terminated). On error writes a
// one-line reason into err (size errlen) and returns -1; else the count.
int cmdline_parse(const char* cmdline, const struct wl_def* const* defs, struct wl_args* out,
                  char* err, unsigned errlen);
