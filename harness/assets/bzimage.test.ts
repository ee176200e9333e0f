import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { extractVmlinux, locatePayload } from './bzimage.js';

/** A minimal bzImage: boot sector + 1 setup sector, then the protected-mode part with an xz payload. */
function fakeBzImage(payloadOffset: number, elf: Buffer): Buffer {
  const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: elf });
  const size = Buffer.alloc(4);
  size.writeUInt32LE(elf.length); // the kernel build appends the decompressed size
  const payload = Buffer.concat([xz, size]);
  const setupSects = 1;
  const pm = (setupSects + 1) * 512;
  const img = Buffer.alloc(pm + payloadOffset + payload.length + 64);
  img[0x1f1] = setupSects;
  img.writeUInt32LE(0x53726448, 0x202); // "HdrS"
  img.writeUInt32LE(payloadOffset, 0x248);
  img.writeUInt32LE(payload.length, 0x24c);
  payload.copy(img, pm + payloadOffset);
  return img;
}

test('the payload is found relative to the protected-mode part and decompressed', async () => {
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), Buffer.alloc(200, 0x5a)]);
  const bz = fakeBzImage(0x40, elf);
  const pl = locatePayload(bz);
  assert.equal(pl.format, 'xz');
  assert.equal(pl.offset, 1024 + 0x40);
  assert.ok((await extractVmlinux(bz)).equals(elf));
});

test('not a bzImage, or a payload that is not ELF, is refused', async () => {
  assert.throws(() => locatePayload(Buffer.alloc(4096)), /HdrS/);
  await assert.rejects(extractVmlinux(fakeBzImage(0, Buffer.alloc(100, 1))), /not an ELF/);
});
