// The few libc pieces a freestanding guest needs (gcc may emit calls to the
// mem* functions itself), plus number parsing for the command line.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void* memset(void* dst, int c, size_t n);
void* memcpy(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
// Compares the first n bytes of `a` with the NUL-terminated `b` (and requires b's length == n).
bool str_eq_n(const char* a, size_t n, const char* b);

// Parses a decimal (or 0x-hex) unsigned number with an optional binary
// suffix k, m or g (x1024, x1024^2, x1024^3; case-insensitive). The whole
// [s, s+n) must be consumed. Returns false on syntax error or overflow.
bool parse_u64(const char* s, size_t n, uint64_t* out);

static inline uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}
