// The host program runs the probe's block phases on a file: same placement,
// same pattern, same result lines as the probe guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { firstBadSector } from '../test/probe-pattern.js';
import { parseProbeConsole } from '../runner/probe-output.js';

function zeroFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

test('hostio writes the probe pattern, wraps like the probe, and reports probe-style lines', (t) => {
  const bin = paths.hostio();
  if (!existsSync(bin)) assert.fail(`${bin} is missing: the native build did not produce it`);
  const dir = mkdtempSync(join(tmpdir(), 'hostio-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'disk.img');
  zeroFile(img, 4 << 20); // 8192 sectors
  // 4 MiB holds 64 blocks of 64 KiB
  const r = spawnSync(
    bin,
    [
      img,
      'write bs=64k count=30 depth=4; rewrite bs=64k count=30; read bs=4k count=100 depth=2; seeks count=50 bs=4k; doorbell count=5',
    ],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = parseProbeConsole(r.stdout);
  assert.equal(report.endStatus, 'ok');
  assert.deepEqual(
    report.lines.map((l) => l.workload),
    ['write', 'rewrite', 'read', 'seeks'],
  );
  const w = report.lines[0].fields;
  assert.equal(w.requests, '30');
  assert.equal(w.bytes, String(30 * 65536));
  assert.equal(w.depth, '4');
  assert.equal(w.clock, 'ns');
  assert.ok(Number(w.cycles) > 0);
  assert.equal(report.lines[1].fields.requests, '60', 'rewrite is a read and a write per block');
  assert.match(r.stdout, /PROBE-WARN doorbell has no host equivalent/);
  const image = readFileSync(img);
  assert.equal(firstBadSector(image, 0, 30 * 128, 0x01), null, 'written blocks hold tag 0x01');
  assert.equal(firstBadSector(image, 30 * 128, 8192 - 30 * 128, null), null, 'the rest stays zero');

  // A second pass over the whole region wraps: its tag is 0x02 on every block it rewrote.
  const wrap = spawnSync(bin, [img, 'write bs=64k count=80'], { encoding: 'utf8' });
  assert.equal(wrap.status, 0, wrap.stdout);
  const after = readFileSync(img);
  assert.equal(firstBadSector(after, 0, 16 * 128, 0x02), null, 'blocks 64..79 wrapped onto 0..15 with tag 0x02');
  assert.equal(firstBadSector(after, 16 * 128, 48 * 128, 0x01), null);
});

test('hostio refuses a bad command line or file with one line and runs nothing', (t) => {
  const bin = paths.hostio();
  const dir = mkdtempSync(join(tmpdir(), 'hostio-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'disk.img');
  zeroFile(img, 1 << 20);
  for (const bad of [
    'write count=-5',
    'write bs=1000',
    'frobnicate',
    'read depth=0',
    'write bs=64k; read colour=red',
  ]) {
    const r = spawnSync(bin, [img, bad], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${bad}: ${r.stdout}`);
    assert.match(r.stdout, /^PROBE-ERROR .+\nPROBE-END status=fail\n$/, bad);
  }
  assert.ok(readFileSync(img).equals(Buffer.alloc(1 << 20)), 'a refused line wrote nothing');
  const missing = spawnSync(bin, [join(dir, 'nope.img'), 'read'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope.img: No such file or directory/);
});
