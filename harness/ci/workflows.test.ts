// The shipped GitHub Actions workflows: valid against the published workflow
// schema (@action-validator/core), and every kickbench command line in them
// uses options the CLI really has.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { repoRoot } from '../paths.js';

const dir = join(repoRoot(), '.github/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const cli = join(repoRoot(), 'dist/harness/cli.js');

interface Step {
  uses?: string;
  run?: string;
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; needs?: string; strategy?: { matrix: Record<string, unknown> } }>;
}
const load = (f: string): Workflow => parse(readFileSync(join(dir, f), 'utf8')) as Workflow;
const runs = (w: Workflow) =>
  Object.values(w.jobs)
    .flatMap((j) => j.steps)
    .map((s) => s.run ?? '')
    .join('\n');

test('workflow files pass the GitHub Actions workflow schema check', () => {
  assert.ok(files.includes('kickbench.yml') && files.includes('kickbench-matrix.yml'));
  for (const f of files) {
    const state = validateWorkflow(readFileSync(join(dir, f), 'utf8'));
    assert.deepEqual(state.errors, [], `${f}: ${JSON.stringify(state.errors)}`);
  }
  // The check itself catches a broken workflow.
  assert.notDeepEqual(validateWorkflow('on: pull_request\njobs:\n  x:\n    steps: 3\n').errors, []);
});

test('the pull-request workflow: KVM or the rig, Debian 12, cached assets, artifact, summary, gate exit', () => {
  const w = load('kickbench.yml');
  assert.ok('pull_request' in w.on);
  const steps = w.jobs.ab.steps;
  const text = runs(w);
  assert.match(text, /99-kvm4all\.rules/);
  assert.match(text, /nested rig/);
  assert.match(text, /debian:12/);
  assert.ok(steps.some((s) => s.uses?.startsWith('actions/cache@')));
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.if, 'always()');
  assert.match(text, /GITHUB_STEP_SUMMARY/);
  // The gate's exit status is the step's: nothing may swallow it.
  assert.match(text, /bash -euo pipefail/);
  assert.doesNotMatch(text, /cli\.js ab[^\n]*(\|\| true|; true)/);
});

test('the matrix example merges every host into one report', () => {
  const w = load('kickbench-matrix.yml');
  assert.ok(Array.isArray(w.jobs.run.strategy?.matrix.host));
  assert.equal(w.jobs.report.needs, 'run');
  assert.match(runs(w), /cli\.js merge hosts\/\*\/results\.json/);
});

test('every kickbench option the workflows use exists', () => {
  for (const f of files) {
    for (const line of runs(load(f))
      .replace(/\\\n\s*/g, ' ')
      .split('\n')) {
      const m = /cli\.js (\w+)(.*)$/.exec(line);
      if (!m) continue;
      const help = spawnSync(process.execPath, [cli, m[1], '--help'], { encoding: 'utf8' }).stdout;
      for (const opt of m[2].match(/(?<=\s)--?[a-z][\w-]*/g) ?? [])
        assert.ok(help.includes(opt.length === 2 ? `${opt},` : opt), `${f}: kickbench ${m[1]} has no ${opt}`);
    }
  }
});
