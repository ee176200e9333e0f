import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCpio } from './cpio.js';

const sample = () =>
  buildCpio([
    { kind: 'dir', path: 'bin' },
    { kind: 'file', path: '/init', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { kind: 'file', path: 'lib/deep/dir/odd.bin', data: Buffer.from([0, 1, 2, 3, 4]) },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  ]);

test('cpio -t lists every entry, with parent directories created first', () => {
  const names = execFileSync('cpio', ['-t', '--quiet'], { input: sample(), encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(names, [
    'bin',
    'init',
    'lib',
    'lib/deep',
    'lib/deep/dir',
    'lib/deep/dir/odd.bin',
    'bin/sh',
    'dev',
    'dev/console',
  ]);
});

test('GNU cpio extracts the same bytes, modes, links and device numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-cpio-'));
  try {
    execFileSync('cpio', ['-id', '--quiet', '--no-absolute-filenames'], { input: sample(), cwd: dir });
    assert.equal(readFileSync(join(dir, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(dir, 'init')).mode & 0o777, 0o755);
    assert.deepEqual([...readFileSync(join(dir, 'lib/deep/dir/odd.bin'))], [0, 1, 2, 3, 4]);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), 'busybox');
    const dev = statSync(join(dir, 'dev/console'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (5 << 8) | 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('archives are deterministic and padded to 512 bytes', () => {
  const a = sample();
  assert.ok(a.equals(sample()));
  assert.equal(a.length % 512, 0);
  assert.equal(a.subarray(0, 6).toString('ascii'), '070701');
});

test('bad and duplicate paths are refused', () => {
  assert.throws(() => buildCpio([{ kind: 'file', path: '../etc/passwd', data: '' }]), /bad entry path/);
  assert.throws(
    () =>
      buildCpio([
        { kind: 'file', path: 'a', data: '' },
        { kind: 'file', path: 'a', data: '' },
      ]),
    /duplicate/,
  );
});
