// The code checks CI runs before the tests (.ci/run: lint, typecheck,
// format:check) need their tools; setup --for-tests installs them
// (scripts/debian-packages.txt). A missing one fails here, by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('clang-format is installed (npm run format:check runs it over native/)', () => {
  const r = spawnSync('clang-format', ['--version'], { encoding: 'utf8' });
  assert.ok(
    !r.error,
    `clang-format is not installed: ${r.error?.message} (it is a test package in scripts/debian-packages.txt)`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /clang-format version \d+/);
});
