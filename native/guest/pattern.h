/*
 * The on-disk data pattern. Every sector the probe writes holds
 * pattern(s, t): s = the sector's absolute LBA (512-byte units), t = a tag
 * byte saying which workload/pass wrote it. Byte o (0..511) of the sector:
 *
 *   o = 0..7    : byte o of s as a little-endian u64
 *   o = 8       : t
 *   o = 9..15   : ASCII "KICKPAT" (4b 49 43 4b 50 41 54)
 *   o = 16..511 : (o + s + (s >> 8) + 37*t) mod 256
 *
 * Tags:
 *   write   : t = 1 + (w mod 127), w = how many times the workload has wrapped
 *             around its region (0 on the first pass) -> 0x01..0x7f
 *   verify  : t = 0x80 + p, p = pass number 1..passes -> 0x81.. (last pass stays)
 *   hostile : t = 0xfe for its liveness writes, 0xfd for the data of its
 *             malformed OUT requests (only the last 128 sectors of the disk)
 * rewrite and seeks write back what they read, unchanged, so they keep the
 * pattern (or zeros) that was there. Sectors the probe never wrote keep
 * their old content. harness/probe/check-disk.ts checks an image; its host-side
 * copy of this pattern (harness/test/probe-pattern.ts) is tested against this code.
 */
#pragma once
#include <stdint.h>

#define TAG_WRITE_FIRST 0x01
#define TAG_VERIFY_BASE 0x80
#define TAG_HOSTILE_LIVENESS 0xfe
#define TAG_HOSTILE_DATA 0xfd

static inline uint8_t tag_for_write_wrap(uint64_t wrap) {
  return (uint8_t)(1 + wrap % 127);
}

// Fills `sectors` consecutive sectors starting at LBA `s`.
void pattern_fill(void* buf, uint64_t s, uint32_t sectors, uint8_t tag);
// Returns how many bytes differ from the pattern.
uint64_t pattern_mismatches(const void* buf, uint64_t s, uint32_t sectors, uint8_t tag);
