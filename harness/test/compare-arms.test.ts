// compare and merge as a user meets them with an old results file (arm
// semantics 1, the fixture in harness/results/fixtures) and a new one
// (SYNTHETIC, seeded PRNG): one clear line and a usage-error exit, unless told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { syntheticResultSet, syntheticHost } from '../results/synthetic.js';
import { writeResultsAtomic } from '../results/io.js';

const cliPath = join(repoRoot(), 'dist/harness/cli.js');
const OLD_FIXTURE = join(repoRoot(), 'harness/results/fixtures/results-arm-semantics-1.json');

function kickbench(args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CI: 'true' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compare refuses an old-semantics exit against a new one unless --allow-mixed-arm-semantics', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-compare-arms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Same place and CPU as the fixture, so only the arm semantics differ.
  const head = syntheticResultSet({ seed: 72, n: 5, warmup: 0, probe: true, where: 'emulating' });
  head.hosts = { 'synthetic-fixture': syntheticHost('emulating') };
  writeResultsAtomic(join(dir, 'head.json'), head);

  const refused = kickbench(['compare', OLD_FIXTURE, join(dir, 'head.json')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.equal(refused.stdout, '');
  const lines = refused.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(
    lines[0],
    /^kickbench: base has arm semantics 1 \(exit serviced inline\) but head has arm semantics 2 .* \(--allow-mixed-arm-semantics to compare anyway\)$/,
  );

  const allowed = kickbench([
    'compare',
    OLD_FIXTURE,
    join(dir, 'head.json'),
    '--allow-mixed-arm-semantics',
    '--format',
    'json',
  ]);
  // Any gate outcome (0 pass, 1 regression, 3 cannot judge: n=5 is too few for this primary family), not a usage error.
  assert.ok([0, 1, 3].includes(allowed.status ?? -1), allowed.stderr);
  const comparison = JSON.parse(allowed.stdout) as { groups: { arm: string }[] };
  assert.ok(comparison.groups.some((g) => g.arm === 'exit'));

  // Two new files compare without the flag.
  const base = syntheticResultSet({ seed: 73, n: 5, warmup: 0, probe: true, where: 'emulating' });
  base.hosts = { 'synthetic-fixture': syntheticHost('emulating') };
  writeResultsAtomic(join(dir, 'base.json'), base);
  const same = kickbench(['compare', join(dir, 'base.json'), join(dir, 'head.json'), '--format', 'json']);
  assert.ok([0, 1, 3].includes(same.status ?? -1), same.stderr);
});

test('merge refuses to mix old- and new-semantics exit arms, with one line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-merge-arms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeResultsAtomic(join(dir, 'new.json'), syntheticResultSet({ seed: 74, n: 3, host: 'new-host' }));
  const r = kickbench(['merge', OLD_FIXTURE, join(dir, 'new.json'), '-o', join(dir, 'all.json')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    /^kickbench: merge: .*results-arm-semantics-1\.json has arm semantics 1 .* merge them separately\n$/,
  );
});
