// Debian's kernel in kickvmm running bonnie++ on a 1 GiB ext4 virtio-blk
// disk, in all three kick arms, through the same runner code `kickbench run`
// uses. Where this host has no hardware KVM (these CI machines), it runs in
// the nested rig: one QEMU outer guest for the whole batch.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureAssets,
  freshDisk,
  fsckDisk,
  innerBonnieCmdline,
  parseGuestConsole,
  type GuestAssets,
} from '../assets/index.js';
import { decidePlace, detectHost, requestedPlace, runJobs, type Place, type VmJob } from '../launch/index.js';
import { parseBonnie } from '../bonnie/parse.js';
import { sampleFromResult } from '../runner/run.js';
import { planRun } from '../runner/plan.js';
import { validateScenario } from '../scenarios/scenario.js';
import { paths } from '../paths.js';
import { VmBatch } from './vm-batch.js';
import { KICK_MODES, type KickMode } from '../results/arms.js';

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const work = mkdtempSync(join(tmpdir(), 'kb-linux-'));
const QUICK = ['-d', 'temp', '-s', '64', '-r', '32', '-f', '-n', '1', '-u', '0'];
const jobs: Record<string, VmJob> = {};
const batch = new VmBatch(work);
let where: Place = 'nested';

before(async () => {
  if (unitOnly) {
    batch.skipAll('KICKBENCH_UNIT_ONLY is set');
    return;
  }
  const host = await detectHost();
  // The same placement rule as kickbench run (KICKBENCH_WHERE included).
  where = decidePlace(host, 'linux', requestedPlace());
  if (where === 'nested' && !host.qemu) {
    batch.skipAll('no hardware KVM and no QEMU: no KVM can exist here for a Linux guest');
    return;
  }
  const assets: GuestAssets = await ensureAssets();
  const base = assets.innerCmdlineBase;
  const job = async (id: string, mode: KickMode, cmdline: string, timeoutSec = 600): Promise<void> => {
    const disk = join(work, `${id}.img`);
    await freshDisk(assets, disk);
    jobs[id] = {
      id,
      kernel: assets.vmlinux,
      initrd: assets.initramfs,
      cmdline,
      disk,
      mode,
      memMiB: 256,
      cpus: 1,
      timeoutSec,
    };
  };
  for (const mode of KICK_MODES) await job(`bonnie-${mode}`, mode, innerBonnieCmdline(QUICK, base));
  // bonnie++ refuses: 64 MiB files are not twice 256 MiB of RAM and there is no -r.
  await job('bonnie-fails', 'ioeventfd', innerBonnieCmdline(['-d', 'temp', '-s', '64', '-n', '0', '-u', '0'], base));
  // No init at that path: the kernel panics.
  await job('panic', 'exit', `${base} rdinit=/no/such/init`);
  // init sleeps for an hour: a hang, from the harness's point of view.
  await job('hang', 'exit', `${base} rdinit=/bin/busybox -- sleep 3600`, 20);
  const out = await runJobs(Object.values(jobs), {
    place: where,
    kickvmm: paths.kickvmm(),
    assets,
    logDir: join(work, 'logs'),
  });
  batch.record(out);
});

const quickScenario = validateScenario(
  { name: 'quick', workload: { kind: 'bonnie', args: QUICK }, guest: { memMiB: 256 }, modes: [...KICK_MODES] },
  'quick.json',
);
const planned = (mode: KickMode) =>
  planRun([quickScenario], { seed: 1, repetitions: 1, warmup: 0 }).find((p) => p.arm.mode === mode)!;

for (const mode of KICK_MODES) {
  test(`bonnie++ completes on ext4 over virtio-blk in ${mode} mode; its CSV is parsed; the image is clean`, async (t) => {
    const r = batch.ran(t, `bonnie-${mode}`);
    if (!r) return;
    assert.equal(r.exitCode, 0, `kickvmm: ${r.stderr}\n${r.console.slice(-3000)}`);
    const g = parseGuestConsole(r.console);
    assert.equal(g.bonnieExit, 0, r.console.slice(-3000));
    const runs = parseBonnie(g.bonnieStdout ?? '', 'guest');
    assert.equal(runs.length, 1);
    assert.match(runs[0].version, /^2\.00/);
    assert.equal(runs[0].source, 'text+csv', 'both the text table and the CSV line were captured');
    for (const m of ['put_block', 'rewrite', 'get_block'])
      assert.notEqual(runs[0].metrics[m as 'put_block'].status, 'not_run', m);
    assert.equal(runs[0].metrics.putc.status, 'not_run', '-f skips the per-char tests');
    const sample = sampleFromResult(planned(mode), r);
    assert.equal(sample.status, 'ok', sample.error);
    const fsck = await fsckDisk(jobs[`bonnie-${mode}`].disk);
    assert.ok(fsck.clean, `e2fsck -fn:\n${fsck.output}`);
    t.diagnostic(
      `${where}: put_block ${runs[0].metrics.put_block.value ?? runs[0].metrics.put_block.status} KiB/s, ` +
        `wall ${r.wallSeconds.toFixed(1)} s (not hardware numbers)`,
    );
  });
}

test('exit and inline show kicks as io exits, serviced on the I/O thread and the vCPU; ioeventfd shows eventfd wake-ups and few io exits', (t) => {
  const e = batch.ran(t, 'bonnie-exit');
  const i = batch.ran(t, 'bonnie-ioeventfd');
  const n = batch.ran(t, 'bonnie-inline');
  if (!e || !i || !n) return;
  const es = e.stats;
  const is = i.stats;
  const ns = n.stats;
  assert.ok(es && is && ns, 'kickvmm wrote valid stats in every mode');
  assert.ok(es.kicks > 100, `exit kicks ${es.kicks}`);
  assert.equal(es.notifyIoExits, es.kicks);
  assert.equal(es.requestsServicedOn?.vcpu, 0, 'exit mode hands every request to the I/O thread');
  assert.equal(es.requestsServicedOn?.ioThread, es.requests.total);
  assert.ok(ns.kicks > 100, `inline kicks ${ns.kicks}`);
  assert.equal(ns.notifyIoExits, ns.kicks);
  assert.equal(ns.requestsServicedOn?.ioThread, 0, 'inline services every request on the vCPU thread');
  assert.equal(ns.requestsServicedOn?.vcpu, ns.requests.total);
  assert.equal(is.requestsServicedOn?.vcpu, 0);
  assert.ok(is.kicks > 100, `ioeventfd kicks ${is.kicks}`);
  assert.ok(is.eventfdWakeups > 0);
  assert.ok(is.notifyIoExits <= 2, `ioeventfd notify io exits ${is.notifyIoExits}`);
  assert.ok(is.exits.io < es.exits.io, 'fewer io exits with ioeventfd');
});

test('a guest whose bonnie++ fails is a clear failure, with the console kept', (t) => {
  const r = batch.ran(t, 'bonnie-fails');
  if (!r) return;
  const sample = sampleFromResult(planned('ioeventfd'), r);
  assert.equal(sample.status, 'failed');
  assert.match(sample.error ?? '', /^bonnie\+\+ exited with status 1: .*twice RAM/);
  assert.match(r.console, /File size should be double RAM/);
});

test('a kernel that panics is a clear failure, with the console kept', (t) => {
  const r = batch.ran(t, 'panic');
  if (!r) return;
  const sample = sampleFromResult(planned('exit'), r);
  assert.equal(sample.status, 'failed');
  assert.match(sample.error ?? '', /panic/i);
  assert.match(r.console, /Kernel panic/);
});

test('a guest that hangs is stopped by the timeout, with the console kept', (t) => {
  const r = batch.ran(t, 'hang');
  if (!r) return;
  assert.ok(r.timedOut || r.exitCode === 3, `exit ${r.exitCode}, timedOut ${r.timedOut}`);
  const sample = sampleFromResult(planned('exit'), r);
  assert.equal(sample.status, 'failed');
  // The guest boots with `quiet`, so the kept console is short; it must still be on disk, whole.
  const kept = readFileSync(join(work, 'logs', 'hang.console.log'), 'utf8');
  assert.ok(kept.length > 0, 'the console up to the hang is kept');
  assert.equal(kept.replace(/\r/g, ''), r.console.replace(/\r/g, ''));
});
