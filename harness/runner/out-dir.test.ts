import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, OutDirError, claimOutDir, lockOutDir } from './out-dir.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'kb-out-'));

/** A pid that has certainly exited: a child we started and reaped. */
function deadPid(): number {
  return Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

test('a second claim on a locked folder is refused naming the holder; release frees it', () => {
  const dir = fresh();
  const release = lockOutDir(dir);
  assert.match(readFileSync(join(dir, LOCK_FILE), 'utf8'), new RegExp(`^${process.pid} \\d+`));
  assert.throws(
    () => lockOutDir(dir),
    (e: unknown) => e instanceof OutDirError && /in use by another kickbench run \(pid \d+\)/.test(e.message),
  );
  release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  lockOutDir(dir)();
});

test('a stale lock (dead pid, or a reused pid with another start time) is taken over', () => {
  const dir = fresh();
  writeFileSync(join(dir, LOCK_FILE), `${deadPid()} 12345\n`);
  const release = lockOutDir(dir);
  assert.match(readFileSync(join(dir, LOCK_FILE), 'utf8'), new RegExp(`^${process.pid} `));
  release();
  // Our own pid, but a start time that is not ours: the process that wrote it is gone.
  writeFileSync(join(dir, LOCK_FILE), `${process.pid} 1\n`);
  lockOutDir(dir)();
});

test('results in --out: refused (exit 2) unless --force (replaced) or --resume (kept)', () => {
  const dir = fresh();
  writeFileSync(join(dir, 'results.json'), '{}');
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  assert.throws(
    () => claimOutDir(dir),
    (e: unknown) =>
      e instanceof OutDirError && e.exitCode === 2 && /already holds results: --force .* --resume/.test(e.message),
  );
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'a refused claim leaves no lock');
  claimOutDir(dir, { resume: true })();
  assert.ok(existsSync(join(dir, 'results.json')));
  claimOutDir(dir, { force: true })();
  assert.equal(existsSync(join(dir, 'results.json')), false);
  assert.equal(existsSync(join(dir, 'logs')), false);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine', "--force removes only kickbench's own files");
  assert.throws(() => claimOutDir(fresh(), { resume: true }), /no results\.json to resume/);
});
