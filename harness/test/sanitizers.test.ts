// The native unit tests again, built with clang under sanitizers
// (native/tests/Makefile): every test under AddressSanitizer + UBSan, and
// again under ThreadSanitizer (the I/O-thread stress test among them).
// Any sanitizer report makes the binary exit non-zero and fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

const clangMissing = Boolean(spawnSync('clang++', ['--version']).error);
const skipReason = 'clang++ is not installed (Debian package clang, see scripts/debian-packages.txt)';

function build(target: 'asan' | 'tsan'): void {
  const r = spawnSync('nice', ['make', '-s', '-j2', '-C', join(repoRoot(), 'native/tests'), target], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  assert.equal(r.status, 0, `make ${target} failed:\n${r.stdout}\n${r.stderr}`);
}

function run(bin: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(join(repoRoot(), bin), ['--gtest_brief=1', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...env },
  });
  const passed = Number(r.stdout.match(/\[ {2}PASSED {2}\] (\d+) tests?/)?.[1] ?? 0);
  const failures = r.stdout.split('\n').filter((l) => l.startsWith('[  FAILED  ]'));
  const report = `${failures.join('\n')}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-6000)}`;
  return { status: r.status, passed, report, stdout: r.stdout };
}

test('native unit tests under AddressSanitizer + UndefinedBehaviorSanitizer', (t) => {
  if (clangMissing) return t.skip(skipReason);
  build('asan');
  const r = run('build/asan/native_unit_tests', [], {
    ASAN_OPTIONS: 'detect_leaks=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  });
  assert.equal(r.status, 0, `ASan/UBSan build failed:\n${r.report}`);
  assert.ok(r.passed > 0, 'no test ran');
});

test('native unit tests under ThreadSanitizer, with the I/O thread against resets, PFN rewrites and BAR moves', (t) => {
  if (clangMissing) return t.skip(skipReason);
  build('tsan');
  const r = run(
    'build/tsan/native_unit_tests',
    ['--gtest_filter=VirtioStress.*:Virtio.*ioeventfd*:Virtio.virtio_blk_read_write_flush_get_id'],
    {
      TSAN_OPTIONS: 'halt_on_error=1:second_deadlock_stack=1',
    },
  );
  assert.equal(r.status, 0, `TSan build failed:\n${r.report}`);
  assert.ok(r.passed > 0, 'no test ran');
  const summary = r.stdout.match(/\d+ rounds, .*/)?.[0];
  assert.ok(summary, `the stress test did not run (no summary line):\n${r.stdout.slice(-2000)}`);
  t.diagnostic(summary);
});
