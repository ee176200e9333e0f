#include "pattern.h"

#include "lib.h"

static const uint8_t magic[7] = {'K', 'I', 'C', 'K', 'P', 'A', 'T'};

// Eight consecutive pattern bytes starting at offset o (a multiple of 8,
// >= 16): byte lane i = (o + i + base) mod 256, computed without carries
// between lanes so it is one 64-bit store per 8 bytes.
static uint64_t body_word(unsigned o, uint8_t base) {
  uint64_t w = 0;
  for (int i = 7; i >= 0; i--) w = w << 8 | (uint8_t)(o + (unsigned)i + base);
  return w;
}

static uint64_t lane_add(uint64_t w, uint64_t inc) {
  const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
  return ((w & lo7) + (inc & lo7)) ^ ((w ^ inc) & hi);
}

static void header(uint8_t* h, uint64_t s, uint8_t tag) {
  for (int i = 0; i < 8; i++) h[i] = (uint8_t)(s >> (8 * i));
  h[8] = tag;
  memcpy(h + 9, magic, sizeof(magic));
}

static uint8_t body_base(uint64_t s, uint8_t tag) {
  return (uint8_t)(s + (s >> 8) + 37u * tag);
}

void pattern_fill(void* buf, uint64_t s, uint32_t sectors, uint8_t tag) {
  uint8_t* p = buf;
  for (uint32_t k = 0; k < sectors; k++, s++, p += 512) {
    header(p, s, tag);
    uint64_t w = body_word(16, body_base(s, tag));
    uint64_t* q = (uint64_t*)(p + 16);
    for (unsigned i = 0; i < (512 - 16) / 8; i++, w = lane_add(w, 0x0808080808080808ull)) q[i] = w;
  }
}

uint64_t pattern_mismatches(const void* buf, uint64_t s, uint32_t sectors, uint8_t tag) {
  const uint8_t* p = buf;
  uint64_t bad = 0;
  for (uint32_t k = 0; k < sectors; k++, s++, p += 512) {
    uint8_t h[16];
    header(h, s, tag);
    for (int i = 0; i < 16; i++) bad += p[i] != h[i];
    uint64_t w = body_word(16, body_base(s, tag));
    const uint64_t* q = (const uint64_t*)(p + 16);
    for (unsigned i = 0; i < (512 - 16) / 8; i++, w = lane_add(w, 0x0808080808080808ull)) {
      uint64_t diff = q[i] ^ w;
      for (; diff; diff >>= 8) bad += (diff & 0xff) != 0;
    }
  }
  return bad;
}
