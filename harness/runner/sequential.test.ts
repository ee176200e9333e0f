import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveScenario } from '../scenarios/scenario.js';
import type { ResultSet, Sample } from '../results/schema.js';
import { resultSetOf } from '../results/synthetic.js';
import { mulberry32 } from '../stats/random.js';
import { planRun, type PlannedSample } from './plan.js';
import { SequentialPlan } from './sequential.js';

const quick = resolveScenario('quick');

/** What the runner would record for planned samples: lognormal values, ioeventfd `ratio` times exit. */
function measure(plan: PlannedSample[], ratio: number, cv: number, seed: number): Sample[] {
  const rand = mulberry32(seed);
  const z = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  return plan.map((p) => ({
    id: `quick/${p.arm.name}/${p.warmup ? 'warmup' : 'run'}${p.index}`,
    scenario: 'quick',
    vmm: 'kickvmm',
    mode: p.arm.mode,
    arm: p.arm.name,
    index: p.index,
    order: p.order,
    warmup: p.warmup,
    where: 'hardware',
    host: 'h',
    status: 'ok',
    startedAt: '2026-01-01T00:00:00Z',
    wallSeconds: 1,
    metrics: Object.fromEntries(
      ['put_block', 'rewrite', 'get_block'].map((m) => [
        m,
        { value: 1e5 * (p.arm.name === 'ioeventfd' ? ratio : 1) * Math.exp(cv * z()), status: 'ok', unit: 'KiB/s' },
      ]),
    ),
    logs: {},
  }));
}

function resultSet(samples: Sample[]): ResultSet {
  const { file: _f, ...definition } = quick;
  return resultSetOf(samples, [{ name: 'quick', definition }]);
}

test('a clear effect is decided at the first look: no rounds are added', () => {
  const plan = planRun([quick], { seed: 1, repetitions: 6 });
  const seq = new SequentialPlan(quick, { maxN: 8, n0: 6, seed: 1 });
  assert.deepEqual(
    seq.looks.map((l) => l.n),
    [6, 8],
  );
  // With 3 primary metrics, a look at n=6 of 12 gets too little alpha to ever decide (3 x 2/924 > 0.0056): skipped.
  assert.deepEqual(
    new SequentialPlan(quick, { maxN: 12, n0: 6, seed: 1 }).looks.map((l) => l.n),
    [8, 10, 12],
  );
  const notes: string[] = [];
  const more = seq.next(resultSet(measure(plan, 1.3, 0.01, 2)), plan.length, (l) => notes.push(l));
  assert.deepEqual(more, []);
  assert.equal(seq.record.reason, 'decided');
  assert.equal(seq.record.stoppedAt, 0);
  assert.match(notes[0], /look 1\/2 at n=6 per arm .*every primary hypothesis decided/);
});

test('an undecided look adds the next rounds in ABBA order; the budget ends the run', () => {
  let plan = planRun([quick], { seed: 1, repetitions: 6 });
  const seq = new SequentialPlan(quick, { maxN: 8, n0: 6, seed: 1 });
  // A 5% effect at 8% noise: not decidable at n=6 with the first look's small alpha.
  let samples = measure(plan, 1.05, 0.08, 3);
  const more = seq.next(resultSet(samples), plan.length, () => {});
  assert.deepEqual(
    more.map((p) => [p.arm.name, p.index, p.order]),
    [
      ['exit', 6, 12],
      ['ioeventfd', 6, 13],
      ['ioeventfd', 7, 14],
      ['exit', 7, 15],
    ],
  );
  plan = [...plan, ...more];
  samples = [...samples, ...measure(more, 1.05, 0.08, 4)];
  const notes: string[] = [];
  assert.deepEqual(
    seq.next(resultSet(samples), plan.length, (l) => notes.push(l)),
    [],
  );
  assert.equal(seq.record.stoppedAt, 1);
  assert.ok(seq.record.reason === 'budget' || seq.record.reason === 'decided');
  assert.match(notes[0], /look 2\/2 at n=8/);
  // the two looks together spend exactly alpha
  const spent = seq.looks.reduce((s, l) => s + l.alpha, 0);
  assert.ok(Math.abs(spent - 0.05) < 1e-12);
});

test('a first n that is no look runs straight on to the first look', () => {
  const plan = planRun([quick], { seed: 1, repetitions: 6 });
  const seq = new SequentialPlan(quick, { maxN: 12, n0: 6, seed: 1 });
  const notes: string[] = [];
  const more = seq.next(resultSet(measure(plan, 1.3, 0.01, 2)), plan.length, (l) => notes.push(l));
  assert.equal(more.length, 4);
  assert.match(notes[0], /n=6 is not a planned look; running up to the first look at n=8/);
});

test('a resumed run picks up at the look its recorded samples reached, and judges from there', () => {
  const first = planRun([quick], { seed: 1, repetitions: 6 });
  const seq = new SequentialPlan(quick, { maxN: 10, n0: 6, seed: 1 });
  const samples = measure(first, 1.05, 0.08, 3);
  const more = seq.next(resultSet(samples), first.length, () => {});
  assert.equal(seq.plannedN, 8);
  // Interrupted after the first sample of the added rounds.
  const recorded = [...samples, ...measure(more.slice(0, 1), 1.05, 0.08, 4)];

  const resumed = new SequentialPlan(quick, { maxN: 10, n0: 6, seed: 1 });
  assert.equal(resumed.plannedN, 6);
  resumed.resumeAt(resultSet(recorded));
  assert.equal(resumed.plannedN, 8, 'the plan covers the look the recorded samples are in');
  const rest = planRun([quick], { seed: 1, repetitions: resumed.plannedN })
    .filter((p) => p.index >= 6)
    .slice(1);
  const notes: string[] = [];
  resumed.next(resultSet([...recorded, ...measure(rest, 1.05, 0.08, 5)]), 16, (l) => notes.push(l));
  assert.match(
    notes[0],
    new RegExp(`look ${resumed.looks.findIndex((l) => l.n === 8) + 1}/${resumed.looks.length} at n=8`),
  );

  // Interrupted before the first look: nothing changes.
  const early = new SequentialPlan(quick, { maxN: 10, n0: 6, seed: 1 });
  early.resumeAt(resultSet(samples.slice(0, 3)));
  assert.equal(early.plannedN, 6);
});
