import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProbeConsole, probeMetrics } from './probe-output.js';
import { vmmMetrics } from './vmm-metrics.js';
import { zeroVmmStats } from '../results/vmm-stats.js';

const consoleText = [
  'kernel noise',
  'PROBE doorbell count=1000 kicks=1000 cycles=3000000 errors=0\r',
  'PROBE write bs=65536 count=16 depth=1 requests=16 bytes=1048576 errors=0 cycles=2000000 kicks=16',
  'PROBE write bs=65536 count=16 depth=1 requests=16 bytes=1048576 errors=0 cycles=1000000 kicks=16',
  'PROBE seeks bs=4096 count=100 depth=1 requests=106 bytes=434176 errors=0 cycles=1000000',
  'PROBE hostile sent=10 ioerr=9 needs_reset=1 lost=0 cycles=5',
  'PROBE-END status=ok',
].join('\n');

test('probe lines become metrics through the guest TSC rate', () => {
  const report = parseProbeConsole(consoleText);
  assert.equal(report.endStatus, 'ok');
  assert.equal(report.lines.length, 5);
  // 1 GHz TSC: 3,000,000 cycles = 3 ms for 1000 kicks = 3000 ns per kick.
  const m = probeMetrics(report, 1_000_000);
  assert.equal(m.doorbell_ns_per_kick.value, 3000);
  assert.equal(m.write_64k_d1_mib_s.value, 500); // 1 MiB in 2 ms
  assert.equal(m.write_64k_d1_mib_s_2.value, 1000, 'a repeated phase gets its own metric');
  assert.equal(m.seeks_4k_per_s.value, 100000);
  assert.ok(!('hostile' in m));
});

test('missing end marker and errors are visible; no TSC rate means no timing metrics', () => {
  const r = parseProbeConsole('PROBE-ERROR unknown workload "frobnicate"\n');
  assert.equal(r.endStatus, null);
  assert.deepEqual(r.errors, ['unknown workload "frobnicate"']);
  assert.deepEqual(probeMetrics(parseProbeConsole(consoleText), 0), {});
});

test('VMM counters are normalised per MiB moved', () => {
  const zero = zeroVmmStats('exit');
  const m = vmmMetrics({
    ...zero,
    exits: { ...zero.exits, io: 2048 },
    kicks: 1024,
    bytesRead: 512 * 1024 * 1024,
    bytesWritten: 512 * 1024 * 1024,
    vcpuCpuSeconds: 2,
    wallSeconds: 10,
  });
  assert.equal(m.kicks_per_mib.value, 1);
  assert.equal(m.io_exits_per_mib.value, 2);
  assert.equal(m.vcpu_cpu_s_per_gib.value, 2);
  assert.equal(m.wall_seconds.value, 10);
  assert.deepEqual(vmmMetrics(null), {});
});
