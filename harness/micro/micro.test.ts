import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_PHASES, medianPhases } from './block-phases.js';
import { kickCostOf, summarizeCase, type Measurement } from './kick-cost.js';
import { formatBlockPhases, formatKickCosts } from './format.js';

const m = (wallNs: number, extra: Partial<Measurement> = {}): Measurement => ({
  wallNs,
  vcpuCpuNs: wallNs / 2,
  switches: 0.5,
  preemptions: 0.25,
  ...extra,
});

test('the block phases cover write and read at 4 KiB and 64 KiB, depth 1 and 8, writes first', () => {
  const phases = BLOCK_PHASES.split('; ');
  assert.equal(phases.length, 8);
  for (const op of ['write', 'read'])
    for (const bs of ['4k', '64k'])
      for (const depth of [1, 8])
        assert.ok(
          phases.some((p) => p.startsWith(`${op} bs=${bs} `) && p.endsWith(` depth=${depth}`)),
          `${op} ${bs} d${depth}`,
        );
  assert.ok(
    phases.slice(0, 4).every((p) => p.startsWith('write')),
    'reads read what the writes wrote',
  );
});

test('a case is summarised by medians; the ratio is kickvmm over floor, with a bootstrap CI', () => {
  const kickvmm = summarizeCase([m(1100), m(1000), m(5000), m(1050)]);
  assert.equal(kickvmm.wallNs, 1075);
  assert.equal(kickvmm.vcpuCpuNs, 537.5);
  assert.deepEqual(kickvmm.wallSamples, [1100, 1000, 5000, 1050]);
  const floor = summarizeCase([m(1000), m(1000), m(1000), m(1000)]);
  const c = kickCostOf('exit', kickvmm, floor);
  assert.equal(c.ratio, 1.075);
  assert.ok(c.ratioCI && c.ratioCI.low <= 1.075 && c.ratioCI.high >= 1.075);
  assert.equal(kickCostOf('exit', summarizeCase([m(1)]), summarizeCase([m(1)])).ratioCI, null);
});

test('the table shows every arm, both cases, the goal verdict, and n/a for what was not measured', () => {
  const same = (ns: number) => summarizeCase([m(ns), m(ns * 1.001), m(ns * 0.999)]);
  const costs = [
    kickCostOf('exit', same(1000), same(1000)),
    kickCostOf('ioeventfd', same(2000), same(1000)),
    kickCostOf('inline', summarizeCase([m(900, { vcpuCpuNs: NaN })]), summarizeCase([m(900)])),
  ];
  const out = formatKickCosts(costs, 'somewhere');
  assert.match(out, /\(somewhere\)/);
  for (const arm of ['exit', 'ioeventfd', 'inline']) assert.match(out, new RegExp(`^${arm} +kickvmm`, 'm'));
  assert.match(out, /^exit +1\.000x .*goal met/m);
  assert.match(out, /^ioeventfd +2\.000x .*goal NOT met/m);
  assert.match(out, /^inline .*not judged/m);
  assert.match(out, /n\/a/);
  assert.match(out, /ioeventfd kick \/ exit kick: kickvmm 2\.00x, floor 1\.00x/);
});

test('block phases: the median run per arm and phase, one column per arm', () => {
  const runs = new Map([
    ['exit' as const, [{ write_4k_d1_mib_s: 1 }, { write_4k_d1_mib_s: 3 }, { write_4k_d1_mib_s: 2 }]],
    ['inline' as const, [{ write_4k_d1_mib_s: 5 }]],
  ]);
  const phases = medianPhases(runs);
  assert.deepEqual(phases, { exit: { write_4k_d1_mib_s: 2 }, inline: { write_4k_d1_mib_s: 5 } });
  const out = formatBlockPhases(phases, 'here', 3);
  assert.match(out, /median of 3 run\(s\) per arm \(here\)/);
  assert.match(out, /^write_4k_d1 +2\.0 +5\.0$/m);
});
