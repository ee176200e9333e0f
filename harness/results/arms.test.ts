// Arm semantics in results files, merge's refusal to mix them, and the split
// of kickvmm's per-port io exits. Result sets here are SYNTHETIC (seeded PRNG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { armSemanticsOf, isKickMode, mixedArmSemantics, statsArmSemantics } from './arms.js';
import { classifyPort, splitIoExits } from './io-ports.js';
import { readResults, validateResults } from './io.js';
import { mergeResults } from './merge.js';
import { syntheticResultSet } from './synthetic.js';
import { vmmMetrics } from '../runner/vmm-metrics.js';
import { zeroVmmStats } from './vmm-stats.js';

const OLD_FIXTURE = join(repoRoot(), 'harness/results/fixtures/results-arm-semantics-1.json');

test('arm semantics: new sets say 2, old files (no field) are 1; the three arm names', () => {
  assert.equal(armSemanticsOf(syntheticResultSet({ n: 2 })), 2);
  const old = readResults(OLD_FIXTURE);
  assert.equal(old.armSemantics, undefined);
  assert.equal(armSemanticsOf(old), 1);
  assert.equal(statsArmSemantics({ armSemantics: 2 }), 2);
  assert.equal(statsArmSemantics({ mode: 'exit' }), 1);
  assert.equal(statsArmSemantics(undefined), null);
  assert.ok(['exit', 'ioeventfd', 'inline'].every(isKickMode));
  assert.ok(!isKickMode('Inline') && !isKickMode('A'));
});

test('validation: inline samples and armSemantics are accepted; a bad or future armSemantics is not', () => {
  const rs = syntheticResultSet({ n: 2, arms: ['exit', 'ioeventfd', 'inline'] });
  assert.doesNotThrow(() => validateResults(structuredClone(rs), 'three.json'));
  assert.throws(() => validateResults({ ...structuredClone(rs), armSemantics: 'two' }, 'x.json'), {
    message: /^x\.json: armSemantics: expected an integer >= 1/,
  });
  assert.throws(() => validateResults({ ...structuredClone(rs), armSemantics: 9 }, 'x.json'), {
    message: /^x\.json: armSemantics: 9 is newer than this kickbench knows/,
  });
  const bad = structuredClone(rs);
  bad.samples[0].mode = 'turbo' as never;
  assert.throws(() => validateResults(bad, 'x.json'), /mode: expected one of exit\|ioeventfd\|inline/);
});

test('mixed arm semantics: only when both sides have exit samples', () => {
  const now = syntheticResultSet({ n: 2 });
  const old = readResults(OLD_FIXTURE);
  assert.match(
    mixedArmSemantics(old, now, ['base', 'head']) ?? '',
    /^base has arm semantics 1 \(exit serviced inline\) but head has arm semantics 2 \(exit hands off to the I\/O thread\)/,
  );
  assert.equal(mixedArmSemantics(now, syntheticResultSet({ n: 3, seed: 9 }), ['a', 'b']), null);
  const ioeventfdOnly = structuredClone(now);
  ioeventfdOnly.samples = ioeventfdOnly.samples.filter((s) => s.mode !== 'exit');
  assert.equal(mixedArmSemantics(old, ioeventfdOnly, ['a', 'b']), null);
});

test('merge refuses to mix old and new exit arms, and keeps armSemantics when they agree', () => {
  const old = readResults(OLD_FIXTURE);
  const now = syntheticResultSet({ n: 2, host: 'other-host' });
  assert.throws(() => mergeResults([old, now], ['old.json', 'new.json']), {
    message:
      /^merge: old\.json has arm semantics 1 .* but new\.json has arm semantics 2 .*: their "exit" arms are different designs; merge them separately$/,
  });
  const merged = mergeResults([now, syntheticResultSet({ n: 2, seed: 5, host: 'third-host' })]);
  assert.equal(merged.armSemantics, 2);
  // The same file twice is one set of runs: merge refuses to count it twice unless asked to keep one copy.
  assert.equal(mergeResults([old, structuredClone(old)], undefined, { dedupe: true }).armSemantics, undefined);
});

test('per-port io exits: console, PCI config and legacy ports are fixed; the BAR range is the I/O path', () => {
  assert.equal(classifyPort(0x3f8), 'console');
  assert.equal(classifyPort(0x3fd), 'console');
  assert.equal(classifyPort(0xcf8), 'pciConfig');
  assert.equal(classifyPort(0xcfc), 'pciConfig');
  assert.equal(classifyPort(0x64), 'legacy');
  assert.equal(classifyPort(0x504), 'legacy');
  assert.equal(classifyPort(0x6210), 'ioPath');
  assert.equal(classifyPort(0xc010), 'ioPath');
  const zero = zeroVmmStats('exit');
  const stats = {
    ...zero,
    exits: { ...zero.exits, io: 1000 + 310 + 64 + 5 },
    ioExitsByPort: { '0x3f8': 300, '0x3fd': 10, '0xcf8': 32, '0xcfc': 32, '0x64': 5, '0x6210': 990, '0x6213': 10 },
    bytesRead: 0,
    bytesWritten: 10 * 1024 * 1024,
    kicks: 990,
  };
  assert.deepEqual(splitIoExits(stats), { console: 310, pciConfig: 64, legacy: 5, ioPath: 1000 });
  assert.equal(splitIoExits(zero), null);
  // With per-port counts the per-MiB figure is the I/O path alone; without them the old all-port metric stays.
  const m = vmmMetrics(stats);
  assert.equal(m.io_path_exits_per_mib.value, 100);
  assert.equal(m.io_exits_per_mib, undefined);
  const { ioExitsByPort: _ports, ...oldStats } = stats;
  const old = vmmMetrics(oldStats);
  assert.equal(old.io_exits_per_mib.value, 137.9);
  assert.equal(old.io_path_exits_per_mib, undefined);
});

test('vCPU context switches become a per-MiB metric when kickvmm reports them', () => {
  const zero = zeroVmmStats('inline');
  const m = vmmMetrics({
    ...zero,
    bytesWritten: 4 * 1024 * 1024,
    vcpuContextSwitches: { voluntary: 30, involuntary: 10 },
  });
  assert.equal(m.vcpu_context_switches_per_mib.value, 10);
  assert.equal(vmmMetrics({ ...zero, bytesWritten: 1024 * 1024 }).vcpu_context_switches_per_mib, undefined);
});
