import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResults, ResultsError } from './validate.js';
import { syntheticResultSet } from './synthetic.js';

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problem(mutate: (rs: Mutable) => void): string {
  const rs = structuredClone(syntheticResultSet({ seed: 2, n: 2 })) as Mutable;
  mutate(rs);
  try {
    validateResults(rs, 'f.json');
  } catch (e) {
    assert.ok(e instanceof ResultsError);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected a validation error');
}

test('each kind of field problem reads "<file>: <path>: expected <what>, got <value>"', () => {
  const cases: [(rs: Mutable) => void, string][] = [
    [(rs) => (rs.createdAt = 5), 'f.json: createdAt: expected a string, got number 5'],
    [(rs) => (rs.tool.name = 'other'), 'f.json: tool.name: expected "kickbench", got "other"'],
    [(rs) => (rs.aa = 'yes'), 'f.json: aa: expected true or false, got "yes"'],
    [(rs) => (rs.scenarios = {}), 'f.json: scenarios: expected an array, got an object'],
    [(rs) => (rs.scenarios[0].definition = []), 'f.json: scenarios[0].definition: expected an object, got an array'],
    [
      (rs) => (rs.hosts['synthetic-fixture'].cpus = 0),
      'f.json: hosts.synthetic-fixture.cpus: expected an integer >= 1, got number 0',
    ],
    [
      (rs) => (rs.hosts['synthetic-fixture'].governor = 3),
      'f.json: hosts.synthetic-fixture.governor: expected a string or null, got number 3',
    ],
    [
      (rs) => (rs.hosts['synthetic-fixture'].guest.kernel = 1),
      'f.json: hosts.synthetic-fixture.guest.kernel: expected a string or null, got number 1',
    ],
    [
      (rs) => (rs.samples[0].index = 1.5),
      'f.json: samples[0] (quick/exit/0).index: expected an integer >= 0, got number 1.5',
    ],
    [
      (rs) => (rs.samples[0].wallSeconds = -1),
      'f.json: samples[0] (quick/exit/0).wallSeconds: expected a finite number >= 0, got number -1',
    ],
    [
      (rs) => (rs.samples[0].where = 'cloud'),
      'f.json: samples[0] (quick/exit/0).where: expected one of hardware|emulating|nested, got "cloud"',
    ],
    [
      (rs) => (rs.samples[0].metrics.put_block.latency_us = -2),
      'f.json: samples[0] (quick/exit/0).metrics.put_block.latency_us: expected a finite number >= 0 or null, got number -2',
    ],
    [(rs) => (rs.samples[0].logs = null), 'f.json: samples[0] (quick/exit/0).logs: expected an object, got null'],
    [(rs) => (rs.scenarios[1] = rs.scenarios[0]), 'f.json: scenarios[1].name: duplicate scenario "quick"'],
  ];
  for (const [mutate, message] of cases) assert.equal(problem(mutate), message);
});

test('the first problem in the file is reported, with a count of the others', () => {
  const message = problem((rs) => {
    rs.samples[3].mode = 'fast';
    rs.samples[1].host = 'elsewhere';
    rs.samples[2].metrics.putc.status = 'maybe';
  });
  assert.match(
    message,
    /^f\.json: samples\[1\] \([^)]+\)\.host: "elsewhere" is not a key of hosts \(and 2 more problems\)$/,
  );
});

test('a header that is not ours gets its own sentence', () => {
  assert.throws(
    () => validateResults([], 'f'),
    /^ResultsError: f: expected a JSON object at the top level, got an array$/,
  );
  assert.throws(
    () => validateResults({ schema: 'kickbench/results', version: 0 }, 'f'),
    /version: expected a positive integer, got number 0/,
  );
  assert.throws(
    () => validateResults({ schema: 'kickbench/results', version: 1 }, 'f'),
    /^ResultsError: f: createdAt: expected a string, got nothing \(and \d+ more problems\)$/,
  );
});

test('the validated set is the input itself, unknown fields kept', () => {
  const rs = syntheticResultSet({ seed: 2, n: 2 }) as unknown as Mutable;
  rs.hosts['synthetic-fixture'].extra = { kept: true };
  assert.equal(validateResults(rs), rs);
});
