import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readElfDynamic, resolveInRoot, resolveRuntimeFiles } from './elf.js';

test('DT_NEEDED and PT_INTERP match readelf for a host binary', () => {
  const bin = '/usr/bin/ls';
  const info = readElfDynamic(bin);
  const readelf = execFileSync('readelf', ['-dl', '-W', bin], { encoding: 'utf8' });
  const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  assert.deepEqual(info.needed, needed);
  assert.equal(info.interp, /Requesting program interpreter: ([^\]]+)\]/.exec(readelf)?.[1]);
});

test('runtime files of a host binary include its interpreter and libc, transitively', () => {
  const files = resolveRuntimeFiles('/', '/usr/bin/ls').map((f) => f.guestPath);
  assert.ok(files.includes(readElfDynamic('/usr/bin/ls').interp!));
  assert.ok(files.some((f) => f.endsWith('/libc.so.6')));
});

test('symlinks resolve inside the root, never on the host', () => {
  const root = mkdtempSync(join(tmpdir(), 'kb-elf-'));
  try {
    mkdirSync(join(root, 'lib/x'), { recursive: true });
    mkdirSync(join(root, 'lib64'));
    writeFileSync(join(root, 'lib/x/ld.so'), 'loader');
    symlinkSync('/lib/x/ld.so', join(root, 'lib64/ld-link')); // absolute target: relative to root
    symlinkSync('../lib/x', join(root, 'lib64/dir'));
    assert.equal(resolveInRoot(root, '/lib64/ld-link'), join(root, 'lib/x/ld.so'));
    assert.equal(resolveInRoot(root, '/lib64/dir/ld.so'), join(root, 'lib/x/ld.so'));
    assert.equal(resolveInRoot(root, '/etc/passwd'), null);
    symlinkSync('loop', join(root, 'loop'));
    assert.equal(resolveInRoot(root, '/loop'), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('non-ELF input is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-elf-'));
  try {
    writeFileSync(join(dir, 'x'), '#!/bin/sh\n');
    assert.throws(() => readElfDynamic(join(dir, 'x')), /not an ELF file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
