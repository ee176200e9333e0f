// The image checker, on images built from the host-side pattern, and the host-side
// pattern itself against the guest's C code (pattern.c compiled for this host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { classifySector, probeSector, SECTOR } from '../test/probe-pattern.js';
import { main } from './check-disk.js';

/** An image of `sectors` zero sectors, with [first, last] of each span holding the pattern with its tag. */
function image(sectors: number, spans: [number, number, number][]): Buffer {
  const img = Buffer.alloc(sectors * SECTOR);
  for (const [first, last, tag] of spans) for (let s = first; s <= last; s++) probeSector(s, tag).copy(img, s * SECTOR);
  return img;
}

function check(img: Buffer, args: string[]): { status: number; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kb-checkdisk-'));
  try {
    const path = join(dir, 'disk.img');
    writeFileSync(path, img);
    const lines: string[] = [];
    const status = main([path, ...args], (l) => lines.push(l));
    return { status, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('check-disk: runs of each tag and of zeros; met expectations pass, also with --strict', () => {
  const img = image(64, [
    [0, 9, 0x82],
    [20, 29, 0x01],
  ]);
  const r = check(img, ['--expect', '0-9:0x82', '--expect', '20-29:1', '--expect', '10-19:zero', '--strict']);
  assert.deepEqual(r.lines, [
    '0-9 tag=0x82',
    '10-19 zero',
    '20-29 tag=0x01',
    '30-63 zero',
    'check-disk: ok (64 sectors)',
  ]);
  assert.equal(r.status, 0);
});

test('check-disk: a changed byte, a sector at the wrong LBA, a wrong tag and an uncovered run under --strict all fail', () => {
  const img = image(32, [
    [0, 9, 0x82],
    [20, 21, 0x01],
  ]);
  img[3 * SECTOR + 100] ^= 1;
  probeSector(7, 0x82).copy(img, 5 * SECTOR);
  const r = check(img, ['--expect', '0-9:0x81', '--strict']);
  assert.equal(r.status, 1);
  assert.ok(r.lines.includes('FAIL sector 3: body differs from pattern tag=0x82'), r.lines.join('\n'));
  assert.ok(r.lines.includes('FAIL sector 5: header names sector 7'));
  assert.ok(r.lines.includes('FAIL sectors 0-2: tag=0x82, expected tag=0x81'));
  assert.ok(r.lines.includes('FAIL sectors 20-21: tag=0x01, expected zero (--strict)'));
  assert.match(r.lines.at(-1)!, /^check-disk: FAIL \(\d+ problem\(s\)\)$/);
});

test('check-disk: an image that is not whole sectors, and an expectation past its end, fail', () => {
  const r = check(Buffer.concat([image(4, []), Buffer.alloc(3)]), ['--expect', '0-9:zero']);
  assert.equal(r.status, 1);
  assert.ok(r.lines.some((l) => l.includes('not a multiple of 512 (3 extra bytes)')));
  assert.ok(r.lines.includes("FAIL expectation 0-9 beyond the image's 4 sectors"));
});

test('check-disk: bad arguments and a missing image are usage errors (exit 2)', () => {
  assert.equal(main([]), 2);
  assert.equal(check(image(1, []), ['--expect', '9-1:zero']).status, 2);
  assert.equal(check(image(1, []), ['--expect', '0-1:0x100']).status, 2);
  assert.equal(check(image(1, []), ['--bogus']).status, 2);
  assert.equal(main(['/nonexistent/kickbench-disk.img']), 2);
});

// A host build of the guest's own pattern.c: what it writes must be what probeSector
// says, for low and high LBAs (s >> 8 and 64-bit headers) and every tag.
const DRIVER = `#include <stdio.h>
#include <stdlib.h>
#include "pattern.h"
int main(int argc, char** argv) {
  static unsigned char buf[512];
  for (int i = 1; i + 1 < argc; i += 2) {
    pattern_fill(buf, strtoull(argv[i], 0, 0), 1, (uint8_t)atoi(argv[i + 1]));
    if (pattern_mismatches(buf, strtoull(argv[i], 0, 0), 1, (uint8_t)atoi(argv[i + 1])) != 0) return 3;
    buf[200] ^= 0xff;
    if (pattern_mismatches(buf, strtoull(argv[i], 0, 0), 1, (uint8_t)atoi(argv[i + 1])) != 1) return 4;
    buf[200] ^= 0xff;
    fwrite(buf, 1, sizeof buf, stdout);
  }
  return 0;
}
`;

test("the host-side pattern is byte for byte the guest's pattern.c", (t) => {
  if (spawnSync('cc', ['--version']).status !== 0) return t.skip('no C compiler (cc) on this host');
  const dir = mkdtempSync(join(tmpdir(), 'kb-pattern-'));
  try {
    const guest = join(repoRoot(), 'native', 'guest');
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    const exe = join(dir, 'pattern');
    const cc = spawnSync('cc', ['-O2', '-I', guest, '-o', exe, join(dir, 'driver.c'), join(guest, 'pattern.c')], {
      encoding: 'utf8',
    });
    assert.equal(cc.status, 0, cc.stderr);
    const cases: [number, number][] = [];
    for (const lba of [0, 1, 255, 256, 300, 65535, 65536, 2 ** 32 + 5])
      for (const tag of [0, 1, 0x7f, 0x80, 0x82, 0xfd, 0xfe, 0xff]) cases.push([lba, tag]);
    const run = spawnSync(exe, cases.flat().map(String), { maxBuffer: 1 << 20 });
    assert.equal(run.status, 0, 'pattern_mismatches counts 0 for its own fill and 1 for one changed byte');
    const out = run.stdout;
    assert.equal(out.length, cases.length * SECTOR);
    cases.forEach(([lba, tag], i) => {
      const got = out.subarray(i * SECTOR, (i + 1) * SECTOR);
      assert.ok(got.equals(probeSector(lba, tag)), `sector ${lba} tag ${tag}`);
      assert.deepEqual(classifySector(got, lba), { kind: 'pattern', tag });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
