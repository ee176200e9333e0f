// The probe guest's on-disk pattern (native/guest/pattern.h), rebuilt on the host:
// the one host-side copy, used by the VM tests and by the image checker
// (harness/probe/check-disk.ts). The VM tests check images the C guest wrote
// against it byte for byte, so the two cannot drift apart unnoticed.
export const SECTOR = 512;
const MAGIC = Buffer.from('KICKPAT', 'ascii');

/** The 512 bytes the probe writes to sector `lba` with tag `tag`. */
export function probeSector(lba: number, tag: number): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.writeBigUInt64LE(BigInt(lba), 0);
  b[8] = tag;
  MAGIC.copy(b, 9);
  const base = lba + Math.floor(lba / 256) + 37 * tag;
  for (let o = 16; o < SECTOR; o++) b[o] = (o + base) % 256;
  return b;
}

export type SectorKind = { kind: 'zero' } | { kind: 'pattern'; tag: number } | { kind: 'bad'; why: string };

/** What one sector holds: zeros, the pattern for its own LBA with some tag, or neither. */
export function classifySector(sector: Buffer, lba: number): SectorKind {
  if (sector.every((b) => b === 0)) return { kind: 'zero' };
  const named = sector.readBigUInt64LE(0);
  if (named !== BigInt(lba)) return { kind: 'bad', why: `header names sector ${named}` };
  const tag = sector[8];
  if (!probeSector(lba, tag).equals(sector))
    return { kind: 'bad', why: `body differs from pattern tag=${hexTag(tag)}` };
  return { kind: 'pattern', tag };
}

export function hexTag(tag: number): string {
  return `0x${tag.toString(16).padStart(2, '0')}`;
}

/** Checks sectors [first, first+count) of an image hold the pattern with `tag`; returns the first bad LBA or null. */
export function firstBadSector(image: Buffer, first: number, count: number, tag: number | null): number | null {
  for (let s = first; s < first + count; s++) {
    const got = image.subarray(s * SECTOR, (s + 1) * SECTOR);
    const want = tag === null ? Buffer.alloc(SECTOR) : probeSector(s, tag);
    if (!got.equals(want)) return s;
  }
  return null;
}
