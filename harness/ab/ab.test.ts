// kickbench ab end to end on a throw-away git repository: a copy of this
// checkout committed twice (the second commit changes only a comment in
// kickvmm's source), so both revisions really are built, from worktrees,
// then run interleaved with a tiny doorbell scenario. The probe guest runs on
// the local KVM where there is one, otherwise in the nested rig.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { readResults } from '../results/io.js';
import { interleaveBuilds, planRun } from '../runner/plan.js';
import { resolveScenario } from '../scenarios/scenario.js';
import { buildKickvmmAt, defaultAbCache, resolveCommit, sourceKey } from './build.js';
import { abSides } from './split.js';
import { throwawayRepo } from './throwaway-repo.js';

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const cli = join(repoRoot(), 'dist/harness/cli.js');

test('builds alternate inside the arms interleaving, every sample once per build', () => {
  const plan = planRun([resolveScenario('doorbell')], { seed: 1, repetitions: 2, warmup: 0 });
  const both = interleaveBuilds(plan, [
    { label: 'base', kickvmm: '/b' },
    { label: 'head', kickvmm: '/h' },
  ]);
  assert.deepEqual(
    both.map((p) => `${p.build!.label}:${p.arm.name}`),
    [
      'base:exit',
      'head:exit',
      'head:ioeventfd',
      'base:ioeventfd',
      'base:ioeventfd',
      'head:ioeventfd',
      'head:exit',
      'base:exit',
    ],
  );
  assert.deepEqual(
    both.map((p) => p.order),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
});

test('a revision that names no commit is a one-line error', () => {
  assert.throws(
    () => resolveCommit(repoRoot(), 'no-such-branch-xyz'),
    /^BuildError: no-such-branch-xyz: not a commit in /,
  );
  const r = spawnSync(process.execPath, [cli, 'ab', '--base', 'no-such-branch-xyz', 'doorbell', '--cache', tmpdir()], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kickbench: no-such-branch-xyz: not a commit in .*\n$/);
});

test(
  'ab: two commits built in worktrees (cached), run interleaved, judged with JUnit and a summary',
  { skip: unitOnly ? 'KICKBENCH_UNIT_ONLY is set' : false, timeout: 1_800_000 },
  () => {
    const work = mkdtempSync(join(tmpdir(), 'kickbench-ab-'));
    try {
      const repo = join(work, 'repo');
      // The shared build cache: keyed by native sources, so a second run of this test builds nothing.
      const cache = defaultAbCache();
      const out = join(work, 'out');
      throwawayRepo(repo);
      const scenario = join(work, 'tiny-doorbell.json');
      const doorbell = JSON.parse(readFileSync(join(repoRoot(), 'scenarios/doorbell.json'), 'utf8'));
      writeFileSync(
        scenario,
        JSON.stringify({
          ...doorbell,
          name: 'tiny-doorbell',
          workload: { ...doorbell.workload, cmdline: 'doorbell count=2000' },
          repetitions: 2,
          warmup: 0,
        }),
      );
      const r = spawnSync(
        process.execPath,
        [
          cli,
          'ab',
          '--repo',
          repo,
          '--base',
          'HEAD~1',
          '--head',
          'HEAD',
          scenario,
          '--cache',
          cache,
          '--out',
          out,
          '--junit',
          join(work, 'junit.xml'),
          '--quiet',
        ],
        { encoding: 'utf8' },
      );
      // Two samples a side cannot earn a verdict: the gate must say it cannot judge, never pass.
      assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
      const rs = readResults(join(out, 'results.json'));
      const commit = (rev: string) =>
        spawnSync('git', ['-C', repo, 'rev-parse', rev], { encoding: 'utf8' }).stdout.trim();
      assert.equal(rs.builds?.base.commit, commit('HEAD~1'));
      assert.equal(rs.builds?.head.commit, commit('HEAD'));
      assert.equal(rs.samples.length, 8);
      assert.ok(
        rs.samples.every((s) => s.status === 'ok'),
        JSON.stringify(rs.samples.map((s) => s.error)),
      );
      assert.deepEqual(
        rs.samples.map((s) => s.vmm),
        ['base', 'head', 'head', 'base', 'base', 'head', 'head', 'base'],
      );
      const sides = abSides(rs, 'out');
      assert.equal(sides.base.samples.length, 4);
      assert.match(r.stdout, /ioeventfd/);
      // Each revision has its own binary (different native sources); the worktrees are gone.
      const keys = ['HEAD~1', 'HEAD'].map((rev) => sourceKey(repo, commit(rev)));
      assert.notEqual(keys[0], keys[1]);
      for (const k of keys) assert.ok(existsSync(join(cache, k, 'kickvmm')), k);
      assert.equal(
        spawnSync('git', ['-C', repo, 'worktree', 'list'], { encoding: 'utf8' }).stdout.trim().split('\n').length,
        1,
      );
      assert.equal(
        buildKickvmmAt(repo, 'HEAD', { cacheDir: cache }).built,
        false,
        'the second time comes from the cache',
      );
      const junit = readFileSync(join(work, 'junit.xml'), 'utf8');
      assert.match(junit, /<testcase name="doorbell_ns_per_kick" classname="kickbench\.tiny-doorbell\.exit"/);
      assert.match(junit, /<skipped message="cannot judge: /);
      if (spawnSync('xmllint', ['--version']).status === 0) {
        const lint = spawnSync(
          'xmllint',
          ['--noout', '--schema', join(repoRoot(), 'schemas/junit.xsd'), join(work, 'junit.xml')],
          { encoding: 'utf8' },
        );
        assert.equal(lint.status, 0, lint.stderr);
      }
      assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /^### ❔ kickbench ab: cannot judge/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
