// The probe guest's on-disk pattern (native/guest/README.md, "On-disk
// pattern"), rebuilt on the host so a test can check an image byte for byte.
export function probeSector(lba: number, tag: number): Buffer {
  const b = Buffer.alloc(512);
  b.writeBigUInt64LE(BigInt(lba), 0);
  b[8] = tag;
  b.write('KICKPAT', 9, 'ascii');
  for (let o = 16; o < 512; o++) b[o] = (o + lba + Math.floor(lba / 256) + 37 * tag) % 256;
  return b;
}

/** Checks sectors [first, first+count) of an image hold the pattern with `tag`; returns the first bad LBA or null. */
export function firstBadSector(image: Buffer, first: number, count: number, tag: number | null): number | null {
  for (let s = first; s < first + count; s++) {
    const got = image.subarray(s * 512, (s + 1) * 512);
    const want = tag === null ? Buffer.alloc(512) : probeSector(s, tag);
    if (!got.equals(want)) return s;
  }
  return null;
}
