// The C++ unit tests (boot structures, the virtio device against hostile
// rings) are built by the native build; run them as part of npm test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { paths } from '../paths.js';

test('native unit tests pass (build/Release/native_unit_tests, GoogleTest)', () => {
  const bin = paths.nativeUnitTests();
  assert.ok(existsSync(bin), `${bin} is missing: the native build did not produce it`);
  const r = spawnSync(bin, ['--gtest_brief=1'], { encoding: 'utf8', timeout: 300_000 });
  const failures = r.stdout.split('\n').filter((l) => l.startsWith('[  FAILED  ]'));
  assert.equal(r.status, 0, `native unit tests failed:\n${failures.join('\n')}\n${r.stdout.slice(-4000)}\n${r.stderr}`);
  const passed = Number(r.stdout.match(/\[ {2}PASSED {2}\] (\d+) tests?/)?.[1] ?? 0);
  assert.ok(passed > 0, 'no native unit test ran');
});
