// The shipped decision rule by simulation (seeded, so every run gives the same
// answer): compareRuns() and the gate on lognormal data, 3 primary metrics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateGate, operatingCharacteristics } from './simulate.js';

test('A/A at n=8, CV 5%: the gate reports a false regression in under 5% of runs', () => {
  const r = simulateGate({ n: 8, cv: 0.05, change: 0 }, 300, 20261130);
  assert.ok(r.rate.regression < 0.05, `false-regression rate ${r.rate.regression}`);
  assert.equal(r.rate['cannot judge'], 0);
});

test('a true -20% at n=8, CV 5% is caught in at least 90% of runs', () => {
  const r = simulateGate({ n: 8, cv: 0.05, change: -0.2 }, 300, 20261131);
  assert.ok(r.rate.regression >= 0.9, `power ${r.rate.regression}`);
});

test('at n=3 the gate never passes: it cannot judge, whatever the data', () => {
  for (const change of [0, -0.2, -0.5]) {
    const r = simulateGate({ n: 3, cv: 0.05, change }, 100, 7);
    assert.equal(r.rate['cannot judge'], 1, `change ${change}`);
  }
});

test('the operating-characteristics table has a row per (CV, n) and power grows with n', () => {
  const rows = operatingCharacteristics({ cvs: [0.05], ns: [4, 8], runs: 60, seed: 3 });
  assert.deepEqual(
    rows.map((r) => [r.cv, r.n]),
    [
      [0.05, 4],
      [0.05, 8],
    ],
  );
  assert.equal(rows[0].cannotJudge, 1, 'n=4 with 3 primary metrics cannot reach alpha');
  assert.ok(rows[1].power20 > rows[0].power20);
});
