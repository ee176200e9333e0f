import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { checkProbeCmdline, parseProbeValue, probeWorkloadKeys } from './probe-cmdline.js';
import { ScenarioError, listScenarios, validateScenario } from './scenario.js';

test('probe values: decimal, 0x-hex, one k/m/g suffix, 64 bits at most', () => {
  assert.equal(parseProbeValue('4096'), 4096n);
  assert.equal(parseProbeValue('0x10'), 16n);
  assert.equal(parseProbeValue('64k'), 65536n);
  assert.equal(parseProbeValue('2G'), 2n << 30n);
  assert.equal(parseProbeValue('18446744073709551615'), (1n << 64n) - 1n);
  for (const bad of ['', '-5', '+5', '1.5', '0x', 'k', '4kk', '4t', '18446744073709551616', '17179869184g', ' 1'])
    assert.equal(parseProbeValue(bad), null, bad);
});

test('probe command lines are checked the way the probe checks them', () => {
  for (const good of [
    'doorbell count=100000',
    'write bs=64k count=2000 depth=1; verify count=500',
    'write; ;rewrite bs=4k;',
    'seeks count=2000 writepct=10 bs=4k seed=0x2a',
    'hostile budget=1g',
  ])
    assert.equal(checkProbeCmdline(good), null, good);
  const cases: [string, RegExp][] = [
    ['doorbell count=-5', /doorbell: bad value for count: '-5'/],
    ['doorbell count=4294967296', /count must fit in 32 bits/],
    ['doorbell batches=0', /runs forever/],
    ['frobnicate', /unknown workload 'frobnicate'/],
    ['write colour=red', /write: unknown key 'colour'/],
    ['write bs', /expected key=value/],
    ['write bs=4k bs=8k', /key 'bs' given twice/],
    ['write bs=1000', /multiple of 512/],
    ['read bs=8m', /at most 4m/],
    ['read depth=0', /depth must be between 1 and 256/],
    ['read depth=257', /depth must be between 1 and 256/],
    ['read start=100', /start must be a multiple of 512/],
    ['read irq=2', /irq must be 0 or 1/],
    ['seeks writepct=101', /writepct must be 0..100/],
    ['verify passes=0', /passes must be 1..125/],
    ['hostile budget=0', /budget must be > 0/],
    [' ; ; ', /no workloads/],
    [Array(65).fill('doorbell').join(';'), /more than 64 workloads/],
  ];
  for (const [cmdline, re] of cases) assert.match(checkProbeCmdline(cmdline) ?? 'accepted', re, cmdline);
});

test("the checker knows exactly the probe's workloads and keys (read from native/guest)", () => {
  const dir = join(repoRoot(), 'native/guest');
  const fromC: Record<string, string[]> = {};
  for (const f of readdirSync(dir).filter((n) => /^wl_.*\.c$/.test(n))) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/const struct wl_def wl_\w+ = \{\s*"(\w+)",\s*\{([^}]*)\}/g))
      fromC[m[1]] = [...m[2].matchAll(/"(\w+)"/g)].map((k) => k[1]);
  }
  const norm = (o: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(o)
        .map(([k, v]) => [k, [...v].sort()])
        .sort(),
    );
  assert.ok(Object.keys(fromC).length >= 7, 'found the workload definitions in native/guest');
  assert.deepEqual(norm(probeWorkloadKeys()), norm(fromC));
});

const probe = (extra: Record<string, unknown> = {}, workload: Record<string, unknown> = {}) => ({
  name: 'x',
  workload: { kind: 'probe', cmdline: 'doorbell count=1000', ...workload },
  ...extra,
});

test('scenarios refuse unknown keys at every level, and a bad probe command line, when they load', () => {
  const cases: [unknown, RegExp][] = [
    [probe({ guest: { memMiB: 64, memory: 64 } }), /unknown field "guest\.memory"/],
    [probe({}, { diskMib: 16 }), /unknown field "workload\.diskMib"/],
    [
      { name: 'x', workload: { kind: 'bonnie', args: ['-d', 't', '-s', '64', '-r', '32'], dir: 't' } },
      /"workload\.dir"/,
    ],
    [probe({ guest: [] }), /guest must be an object/],
    [probe({ guest: null }), /guest must be an object/],
    [{ name: 'x', workload: [] }, /workload is required/],
    [probe({}, { cmdline: 'doorbell count=-5' }), /workload\.cmdline: doorbell: bad value for count: '-5'/],
    [probe({}, { cmdline: 'write bs=1000' }), /workload\.cmdline: write: bs must be a non-zero multiple of 512/],
  ];
  for (const [raw, re] of cases)
    assert.throws(
      () => validateScenario(raw, 'f.json'),
      (e: unknown) =>
        e instanceof ScenarioError && re.test((e as Error).message) && !(e as Error).message.includes('\n'),
      `${JSON.stringify(raw)} should fail with ${re}`,
    );
  assert.doesNotThrow(() => validateScenario(probe({ guest: { memMiB: 64, cpus: 1 } }, { diskMiB: 16 }), 'f.json'));
  for (const s of listScenarios())
    if (s.workload.kind === 'probe') assert.equal(checkProbeCmdline(s.workload.cmdline), null);
});
