// Unpacking vmlinux (an ELF with a PVH note) from a bzImage: the setup header
// gives the compressed payload's place, counted from the protected-mode part.
import { requireTool, runToolBinary } from './exec.js';

export interface BzImagePayload {
  setupSects: number;
  offset: number;
  length: number;
  format: 'xz' | 'gzip' | 'zstd' | 'lz4' | 'lzma' | 'bzip2' | 'lzo' | 'unknown';
}

export function locatePayload(bz: Buffer): BzImagePayload {
  if (bz.length < 0x250 || bz.readUInt32LE(0x202) !== 0x53726448)
    throw new Error('not a bzImage (no "HdrS" setup header)');
  const setupSects = bz[0x1f1] || 4;
  const pmStart = (setupSects + 1) * 512;
  const offset = pmStart + bz.readUInt32LE(0x248);
  const length = bz.readUInt32LE(0x24c);
  if (length === 0 || offset + length > bz.length)
    throw new Error('bzImage payload_offset/payload_length out of range');
  const p = bz.subarray(offset, offset + 6);
  let format: BzImagePayload['format'] = 'unknown';
  if (p.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) format = 'xz';
  else if (p[0] === 0x1f && (p[1] === 0x8b || p[1] === 0x9e)) format = 'gzip';
  else if (p.readUInt32LE(0) === 0xfd2fb528) format = 'zstd';
  else if (p.readUInt32LE(0) === 0x184c2102) format = 'lz4';
  else if (p[0] === 0x5d && p[1] === 0) format = 'lzma';
  else if (p[0] === 0x42 && p[1] === 0x5a && p[2] === 0x68) format = 'bzip2';
  else if (p[0] === 0x89 && p[1] === 0x4c) format = 'lzo';
  return { setupSects, offset, length, format };
}

export async function extractVmlinux(bz: Buffer): Promise<Buffer> {
  const pl = locatePayload(bz);
  if (pl.format !== 'xz') throw new Error(`bzImage payload is ${pl.format}; only xz is supported`);
  const xz = requireTool('xz', 'xz-utils');
  // The kernel build appends the decompressed size after the stream: --single-stream ignores it.
  const out = await runToolBinary(xz, ['-dc', '--single-stream'], bz.subarray(pl.offset, pl.offset + pl.length));
  if (out.length < 64 || out.readUInt32BE(0) !== 0x7f454c46)
    throw new Error('decompressed bzImage payload is not an ELF vmlinux');
  return out;
}
