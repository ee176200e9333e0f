#include "lib.h"

void* memset(void* dst, int c, size_t n) {
  uint8_t* d = dst;
  // rep stosb: one instruction, cheap even when every instruction is emulated.
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t* x = a;
  const uint8_t* y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

bool str_eq_n(const char* a, size_t n, const char* b) {
  size_t i = 0;
  for (; i < n; i++)
    if (b[i] == 0 || a[i] != b[i]) return false;
  return b[i] == 0;
}

bool parse_u64(const char* s, size_t n, uint64_t* out) {
  uint64_t v = 0, base = 10;
  size_t i = 0;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  size_t digits = 0;
  for (; i < n; i++) {
    char c = s[i];
    uint64_t d;
    if (c >= '0' && c <= '9')
      d = (uint64_t)(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = (uint64_t)(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = (uint64_t)(c - 'A' + 10);
    else
      break;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
    digits++;
  }
  if (digits == 0) return false;
  if (i < n) {
    if (i + 1 != n) return false;  // at most one trailing suffix character
    unsigned shift;
    switch (s[i]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      default:
        return false;
    }
    if (v > (UINT64_MAX >> shift)) return false;
    v <<= shift;
  }
  *out = v;
  return true;
}
