import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkBonnieRamRule,
  listScenarios,
  loadScenarioFile,
  resolveScenario,
  validateScenario,
  ScenarioError,
} from './scenario.js';
import { powerCheck, powerLine } from '../stats/power.js';

const bonnie = (args: string[], memMiB = 256) => ({ name: 'x', workload: { kind: 'bonnie', args }, guest: { memMiB } });

test("every shipped scenario validates, and seed is the kvmtool commit's command", () => {
  const all = listScenarios();
  const names = all.map((s) => s.name);
  for (const n of ['seed', 'quick', 'doorbell', 'block-phases']) assert.ok(names.includes(n), `missing ${n}`);
  const seed = resolveScenario('seed');
  assert.equal(seed.workload.kind, 'bonnie');
  assert.deepEqual(seed.workload.kind === 'bonnie' && seed.workload.args, [
    '-d',
    'temp',
    '-c',
    '2',
    '-s',
    '768',
    '-u',
    '0',
  ]);
  assert.deepEqual(seed.modes, ['exit', 'ioeventfd']);
});

test('the twice-RAM rule is checked before anything boots', () => {
  assert.equal(checkBonnieRamRule(['-d', 't', '-c', '2', '-s', '768'], 512), null);
  assert.match(checkBonnieRamRule(['-d', 't', '-s', '768'], 512) ?? '', /at most 384 MiB/);
  assert.equal(checkBonnieRamRule(['-d', 't', '-s', '64', '-r', '32'], 256), null, '-r overrides the detected RAM');
  assert.equal(checkBonnieRamRule(['-d', 't', '-s', '0', '-n', '16'], 256), null, '-s 0 runs no IO tests');
  assert.throws(() => validateScenario(bonnie(['-d', 't', '-s', '768'], 1024), 'x.json'), /twice-RAM rule/);
});

test('bad scenarios give one clear line naming the file and field', () => {
  const cases: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    [{ name: 'Bad Name' }, /name must be/],
    [{ name: 'x' }, /workload is required/],
    [{ name: 'x', workload: { kind: 'fio' } }, /workload.kind must be/],
    [{ name: 'x', workload: { kind: 'bonnie', args: ['-s', '64'] } }, /need -d/],
    [
      { ...bonnie(['-d', 't', '-s', '64', '-r', '32']), modes: ['exit', 'turbo'] },
      /modes: "turbo" is not an arm \(arms: "exit", "ioeventfd", "inline"\)/,
    ],
    [{ ...bonnie(['-d', 't', '-s', '64', '-r', '32']), repetitions: 0 }, /repetitions/],
    [{ ...bonnie(['-d', 't', '-s', '64', '-r', '32']), guest: { memMiB: 8 } }, /memMiB/],
    [{ ...bonnie(['-d', 't', '-s', '64', '-r', '32']), colour: 'red' }, /unknown field "colour"/],
    [{ ...bonnie(['-d', 't', '-s', '64', '-r', '32', '-x', '3']) }, /use repetitions/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(
      () => validateScenario(raw, 'f.json'),
      (e: unknown) =>
        e instanceof ScenarioError && re.test((e as Error).message) && !(e as Error).message.includes('\n'),
      `${JSON.stringify(raw)} should fail with ${re}`,
    );
  }
});

test('scenario files: unreadable, invalid JSON and name mismatches are reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-scen-'));
  assert.throws(() => loadScenarioFile(join(dir, 'nope.json')), /cannot read/);
  writeFileSync(join(dir, 'broken.json'), '{ "name": ');
  assert.throws(() => loadScenarioFile(join(dir, 'broken.json')), /not valid JSON/);
  writeFileSync(join(dir, 'other.json'), JSON.stringify(bonnie(['-d', 't', '-s', '64', '-r', '32'])));
  assert.throws(() => loadScenarioFile(join(dir, 'other.json')), /must match the file name/);
  assert.throws(() => resolveScenario('no-such-scenario'), /no scenario "no-such-scenario" \(available: .*quick/);
});

describe('primary hypotheses', () => {
  const base = {
    name: 'p',
    workload: { kind: 'probe', cmdline: 'write bs=64k count=16; doorbell count=10' },
    repetitions: 6,
  };
  it('every shipped scenario declares its primary metrics and can decide at its default n (even, for ABBA)', () => {
    for (const s of listScenarios()) {
      assert.ok(s.primary.length >= 1, s.name);
      assert.equal(s.repetitions % 2, 0, `${s.name}: odd n leaves ABBA unbalanced`);
      const check = powerCheck(s.repetitions, s.repetitions, s.primary.length);
      assert.ok(check.reachable, `${s.name}: ${powerLine(s.name, check)}`);
    }
    assert.deepEqual(listScenarios().find((s) => s.name === 'seed')?.primary, ['put_block', 'rewrite', 'get_block']);
  });
  it('accepts metrics the workload produces and refuses the rest', () => {
    assert.deepEqual(
      validateScenario({ ...base, primary: ['write_64k_d1_mib_s', 'doorbell_ns_per_kick'] }, 'x').primary,
      ['write_64k_d1_mib_s', 'doorbell_ns_per_kick'],
    );
    assert.throws(
      () => validateScenario({ ...base, primary: ['read_64k_d1_mib_s'] }, 'x'),
      /not produced by the probe/,
    );
    assert.throws(
      () => validateScenario({ ...base, workload: { kind: 'probe', cmdline: 'write bs=64k count=16' } }, 'x'),
      /primary is required for probe workloads other than doorbell/,
    );
    assert.deepEqual(validateScenario(base, 'x').primary, ['doorbell_ns_per_kick']);
    assert.throws(() => validateScenario({ ...base, primary: [] }, 'x'), /1 to 12 metric names/);
    assert.throws(
      () => validateScenario({ ...base, primary: ['doorbell_ns_per_kick', 'doorbell_ns_per_kick'] }, 'x'),
      /repeat/,
    );
    const bonnie = { name: 'b', workload: { kind: 'bonnie', args: ['-d', 't', '-s', '64', '-r', '32', '-f'] } };
    assert.deepEqual(validateScenario(bonnie, 'x').primary, ['put_block', 'rewrite', 'get_block']);
    assert.throws(() => validateScenario({ ...bonnie, primary: ['putc'] }, 'x'), /never measured with -f/);
    assert.throws(() => validateScenario({ ...bonnie, primary: ['bogus'] }, 'x'), /not a bonnie\+\+ metric/);
  });
});

test('arms: default exit and ioeventfd; any of the three, in the order listed, none twice', () => {
  const probe = (modes?: unknown) =>
    validateScenario(
      { name: 'p', workload: { kind: 'probe', cmdline: 'doorbell count=10' }, ...(modes ? { modes } : {}) },
      'p.json',
    );
  assert.deepEqual(probe().modes, ['exit', 'ioeventfd']);
  assert.deepEqual(probe(['inline', 'exit', 'ioeventfd']).modes, ['inline', 'exit', 'ioeventfd']);
  assert.deepEqual(probe(['exit', 'inline']).modes, ['exit', 'inline']);
  assert.throws(() => probe(['exit', 'inline', 'exit']), /modes: "exit" is listed twice/);
  assert.throws(() => probe([]), /modes must be a non-empty list of arms/);
  assert.throws(() => probe('exit'), /modes must be a non-empty list of arms/);
  assert.throws(() => probe(['exit', 'Inline']), /modes: "Inline" is not an arm/);
  for (const name of ['seed', 'quick']) assert.deepEqual(resolveScenario(name).modes, ['exit', 'ioeventfd']);
  assert.deepEqual(resolveScenario('decompose').modes, ['exit', 'ioeventfd', 'inline']);
});
