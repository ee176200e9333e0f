import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeResults } from './merge.js';
import { validateResults } from './validate.js';
import { syntheticResultSet } from './synthetic.js';

test('merging two hosts keeps every sample, distinct hosts and unique ids', () => {
  const a = syntheticResultSet({ seed: 1, n: 3, host: 'ci-a', probe: true });
  const b = syntheticResultSet({ seed: 2, n: 3, warmup: 2, host: 'ci-b', where: 'nested' });
  const m = mergeResults([a, b]);
  assert.equal(m.samples.length, a.samples.length + b.samples.length);
  assert.deepEqual(Object.keys(m.hosts).sort(), ['ci-a', 'ci-b']);
  assert.deepEqual(m.scenarios.map((s) => s.name).sort(), ['doorbell', 'quick']);
  const ids = m.samples.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length);
  // The clashing ids of b were re-keyed with its host; a's kept as they were.
  assert.ok(ids.includes('quick/exit/0'));
  assert.ok(ids.includes('quick/exit/0@ci-b'));
  assert.equal(m.samples.filter((s) => s.host === 'ci-b').length, b.samples.length);
  assert.equal(m.mergedFrom?.length, 2);
  validateResults(m, 'merged');
  // Inputs are not modified.
  assert.equal(b.samples[0].id, 'quick/exit/0');
});

test('same host key with a different environment is re-keyed, identical one is shared', () => {
  const a = syntheticResultSet({ seed: 1, n: 2, host: 'runner' });
  const b = syntheticResultSet({ seed: 2, n: 2, host: 'runner' });
  b.hosts.runner.cpuModel = 'another machine';
  const m = mergeResults([a, b]);
  assert.deepEqual(Object.keys(m.hosts).sort(), ['runner', 'runner#2']);
  assert.equal(m.samples.filter((s) => s.host === 'runner#2').length, b.samples.length);
  assert.equal(m.hosts['runner#2'].cpuModel, 'another machine');

  const same = mergeResults([a, syntheticResultSet({ seed: 3, n: 2, host: 'runner' })]);
  assert.deepEqual(Object.keys(same.hosts), ['runner']);
  validateResults(m);
  validateResults(same);
});

test('conflicting scenario definitions are an error naming the scenario and field', () => {
  const a = syntheticResultSet({ seed: 1, n: 2, host: 'x' });
  const b = syntheticResultSet({ seed: 2, n: 2, host: 'y' });
  (b.scenarios[0].definition as { repetitions: number }).repetitions = 99;
  assert.throws(
    () => mergeResults([a, b], ['a.json', 'b.json']),
    /scenario "quick" is defined differently in a\.json and b\.json \(definition\.repetitions: 2 vs 99\)/,
  );
});

test('mixing schema versions or A/A with A/B is refused', () => {
  const a = syntheticResultSet({ seed: 1, n: 2, host: 'x' });
  const b = syntheticResultSet({ seed: 2, n: 2, host: 'y' });
  (b as { version: number }).version = 2;
  assert.throws(
    () => mergeResults([a, b]),
    /input 2 is kickbench\/results version 2 but input 1 is kickbench\/results version 1/,
  );
  const c = syntheticResultSet({ seed: 2, n: 2, host: 'y' });
  c.aa = true;
  assert.throws(() => mergeResults([a, c]), /A\/A/);
  assert.throws(() => mergeResults([]), /no result sets/);
});

test('a sample seen twice is refused, or kept once with a warning when asked', () => {
  const a = syntheticResultSet({ seed: 1, n: 4, host: 'x' });
  assert.throws(
    () => mergeResults([a, a], ['a.json', 'again.json']),
    /merge: sample quick\/exit\/0 of again\.json is the same run as quick\/exit\/0 of a\.json \(the same file merged twice\?\); refusing to count it twice \(--dedupe keeps one copy\)/,
  );
  const warnings: string[] = [];
  const m = mergeResults([a, a], ['a.json', 'again.json'], { dedupe: true, warn: (w) => warnings.push(w) });
  assert.equal(m.samples.length, a.samples.length);
  assert.equal(warnings.length, a.samples.length);
  // 4 measured runs per arm, planned once: the duplicate does not inflate the plan
  assert.deepEqual(m.completion, { planned: 8, done: 8, state: 'complete' });
  validateResults(m);
});

test('the merged completion adds the plans and keeps the worst state', () => {
  const a = syntheticResultSet({ seed: 1, n: 4, host: 'x' });
  const b = {
    ...syntheticResultSet({ seed: 2, n: 4, host: 'y' }),
    completion: { planned: 10, done: 8, state: 'interrupted' as const },
  };
  const m = mergeResults([a, b]);
  assert.deepEqual(m.completion, { planned: 18, done: 16, state: 'interrupted' });
  assert.throws(
    () => validateResults({ ...m, completion: { planned: 1, done: 1, state: 'half' } }),
    /completion\.state/,
  );
});
