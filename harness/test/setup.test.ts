// The quick start's set-up step: without root it must not try to install
// Debian packages, but print the one `sudo apt-get install ...` line to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

test('without root, missing Debian packages give the one sudo apt-get line and exit 1', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to drop to an unprivileged user');
  if (spawnSync('setpriv', ['--version']).error) return t.skip('setpriv (util-linux) is not installed');
  if (spawnSync('dpkg-query', ['--version']).error) return t.skip('not a Debian system');
  const dir = mkdtempSync(join(tmpdir(), 'kb-setup-'));
  chmodSync(dir, 0o755);
  const list = join(dir, 'packages.txt');
  writeFileSync(
    list,
    `${readFileSync(join(repoRoot(), 'scripts/debian-packages.txt'), 'utf8')}kickbench-no-such-package  # missing on purpose\n`,
  );
  chmodSync(list, 0o644);
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      join(repoRoot(), 'scripts/setup.mjs'),
      '--no-assets',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, KICKBENCH_PACKAGES_FILE: list, HOME: dir },
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 1, r.stderr);
  const sudo = r.stderr.split('\n').filter((l) => l.includes('sudo apt-get install'));
  assert.equal(sudo.length, 1, r.stderr);
  assert.match(sudo[0], /^\s*sudo apt-get install -y --no-install-recommends kickbench-no-such-package$/);
});
