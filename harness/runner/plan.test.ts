import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRun } from './plan.js';
import { validateScenario } from '../scenarios/scenario.js';

const scenario = (extra: Record<string, unknown> = {}) =>
  validateScenario(
    { name: 's', workload: { kind: 'probe', cmdline: 'doorbell count=10' }, repetitions: 4, warmup: 1, ...extra },
    's.json',
  );

test('ABBA interleaving: warm-ups first, then alternating arm order per round', () => {
  const plan = planRun([scenario()], { seed: 1 });
  assert.deepEqual(
    plan.map((p) => `${p.warmup ? 'w' : 'r'}${p.index}:${p.arm.name}`),
    [
      'w0:exit',
      'w0:ioeventfd',
      'r0:ioeventfd',
      'r0:exit',
      'r1:exit',
      'r1:ioeventfd',
      'r2:ioeventfd',
      'r2:exit',
      'r3:exit',
      'r3:ioeventfd',
    ],
  );
  assert.deepEqual(
    plan.map((p) => p.order),
    plan.map((_, i) => i),
  );
});

test('random order is balanced per round and reproducible from the seed', () => {
  const a = planRun([scenario({ order: 'random', repetitions: 20, warmup: 0 })], { seed: 42 });
  const b = planRun([scenario({ order: 'random', repetitions: 20, warmup: 0 })], { seed: 42 });
  const c = planRun([scenario({ order: 'random', repetitions: 20, warmup: 0 })], { seed: 43 });
  const seq = (p: typeof a) => p.map((x) => x.arm.name).join(',');
  assert.equal(seq(a), seq(b));
  assert.notEqual(seq(a), seq(c));
  for (let r = 0; r < 20; r++)
    assert.deepEqual(new Set([a[2 * r].arm.name, a[2 * r + 1].arm.name]), new Set(['exit', 'ioeventfd']));
});

test('A/A runs use two arms of the same mode; overrides replace the scenario counts', () => {
  const plan = planRun([scenario()], { seed: 1, aaMode: 'ioeventfd', repetitions: 2, warmup: 0 });
  assert.deepEqual(
    plan.map((p) => `${p.arm.name}/${p.arm.mode}`),
    ['A/ioeventfd', 'B/ioeventfd', 'B/ioeventfd', 'A/ioeventfd'],
  );
});

test('three arms: balanced mirrored rounds (ABC CBA), warm-ups first; two arms keep ABBA', () => {
  const plan = planRun([scenario({ modes: ['exit', 'ioeventfd', 'inline'], repetitions: 2 })], { seed: 1 });
  assert.deepEqual(
    plan.map((p) => `${p.warmup ? 'w' : 'r'}${p.index}:${p.arm.name}`),
    [
      'w0:exit',
      'w0:ioeventfd',
      'w0:inline',
      'r0:inline',
      'r0:ioeventfd',
      'r0:exit',
      'r1:exit',
      'r1:ioeventfd',
      'r1:inline',
    ],
  );
  // Over each pair of rounds the arms' positions in the run add up alike: a linear drift cancels.
  const measured = planRun([scenario({ modes: ['exit', 'ioeventfd', 'inline'], repetitions: 4, warmup: 0 })], {
    seed: 1,
  });
  for (let pair = 0; pair < 2; pair++) {
    const rounds = measured.slice(6 * pair, 6 * pair + 6);
    const sums = ['exit', 'ioeventfd', 'inline'].map((arm) =>
      rounds.filter((p) => p.arm.name === arm).reduce((sum, p) => sum + p.order, 0),
    );
    assert.equal(new Set(sums).size, 1, `position sums ${sums.join(', ')}`);
  }
  assert.deepEqual(
    planRun([scenario({ modes: ['exit', 'ioeventfd'], repetitions: 2, warmup: 0 })], { seed: 1 }).map(
      (p) => p.arm.name,
    ),
    ['exit', 'ioeventfd', 'ioeventfd', 'exit'],
  );
});

test('random order with three arms: every round holds each arm once', () => {
  const plan = planRun([scenario({ modes: ['exit', 'ioeventfd', 'inline'], order: 'random', repetitions: 6 })], {
    seed: 7,
  });
  for (let r = 0; r < 7; r++)
    assert.deepEqual(
      new Set(plan.slice(3 * r, 3 * r + 3).map((p) => p.arm.name)),
      new Set(['exit', 'ioeventfd', 'inline']),
    );
});
