// Debian's kernel in kickvmm running bonnie++ on a 1 GiB ext4 virtio-blk
// disk, in every kick arm, through the same runner code `kickbench run`
// uses: the quick scenario's own arguments and guest (its vCPUs), then a
// data check from every vCPU at once. Where this host has no hardware KVM
// (these CI machines), it runs in the nested rig: one QEMU outer guest for
// the whole batch.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAssets, type GuestAssets } from '../assets/cache.js';
import { freshDisk, fsckDisk } from '../assets/disk.js';
import { innerBonnieCmdline, parseGuestConsole, SMP_CHECK_PARAM, type GuestConsoleResult } from '../assets/guest.js';
import { decidePlace, detectHost, requestedPlace, type Place, type VmJob, type VmJobResult } from '../launch/index.js';
import { parseBonnie } from '../bonnie/parse.js';
import type { BonnieRun } from '../bonnie/types.js';
import { sampleFromResult } from '../runner/run.js';
import { planRun } from '../runner/plan.js';
import { resolveScenario } from '../scenarios/scenario.js';
import type { Sample } from '../results/schema.js';
import { resultSetOf } from '../results/synthetic.js';
import { renderReport } from '../report/index.js';
import { cacheChecks } from '../report/cache.js';
import { VmBatch } from './vm-batch.js';
import { KICK_MODES, type KickMode } from '../results/arms.js';
import { runPeerJob } from '../peers/job.js';

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const work = mkdtempSync(join(tmpdir(), 'kb-linux-'));
const quick = resolveScenario('quick');
if (quick.workload.kind !== 'bonnie') throw new Error('scenarios/quick.json must be a bonnie++ scenario');
const QUICK = quick.workload.args;
/** quick's own guest, as `kickbench run quick` boots it (its vCPU count is the scenario's). */
const QUICK_CPUS = quick.guest.cpus ?? 1;
const quickGuest = { memMiB: quick.guest.memMiB ?? 128, cpus: QUICK_CPUS };
/** The SMP guest: quick's guest with two vCPUs (bonnie++ -c 2 as in the kvmtool commit). */
const SMP_CPUS = 2;
const smpGuest = { memMiB: quick.guest.memMiB ?? 128, cpus: SMP_CPUS };
const SMP_MODES = ['exit', 'ioeventfd'] as const satisfies readonly KickMode[];
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
  const job = async (
    id: string,
    mode: KickMode,
    cmdline: string,
    timeoutSec = 600,
    guest = { memMiB: 256, cpus: 1 },
    vmm: 'kickvmm' | 'qemu' = 'kickvmm',
  ): Promise<void> => {
    const disk = join(work, `${id}.img`);
    await freshDisk(assets, disk);
    jobs[id] = {
      id,
      kernel: assets.vmlinux,
      initrd: assets.initramfs,
      cmdline,
      disk,
      mode,
      ...guest,
      timeoutSec,
      vmm,
    };
  };
  for (const mode of KICK_MODES)
    await job(`bonnie-${mode}`, mode, `${innerBonnieCmdline(QUICK, base)} ${SMP_CHECK_PARAM}`, 600, quickGuest);
  // bonnie++ refuses: 64 MiB files are not twice 256 MiB of RAM and there is no -r.
  await job('bonnie-fails', 'ioeventfd', innerBonnieCmdline(['-d', 'temp', '-s', '64', '-n', '0', '-u', '0'], base));
  // No init at that path: the kernel panics.
  await job('panic', 'exit', `${base} rdinit=/no/such/init`);
  // init sleeps for an hour: a hang, from the harness's point of view.
  await job('hang', 'exit', `${base} rdinit=/bin/busybox -- sleep 3600`, 20);
  // The same quick run under QEMU (the peer VMM): in the rig it shares this L1 boot.
  if (host.qemu) await job('qemu-ioeventfd', 'ioeventfd', innerBonnieCmdline(QUICK, base), 600, quickGuest, 'qemu');
  // The SMP guest: quick's bonnie++ -c 2 and the data check on SMP_CPUS vCPUs, in the 2011 commit's two arms.
  for (const mode of SMP_MODES)
    await job(`smp-${mode}`, mode, `${innerBonnieCmdline(QUICK, base)} ${SMP_CHECK_PARAM}`, 600, smpGuest);
  await batch.run(
    Object.values(jobs).filter((j) => !j.id.startsWith('smp-') && (where === 'nested' || j.vmm !== 'qemu')),
    where,
    assets,
  );
  // In the rig the SMP guest gets an L1 of its own with one vCPU: on a multi-vCPU L1, QEMU's TCG
  // emulation of SVM loses paging state at world switches (issue 13: L1 itself triple-faulted on
  // its own kvm_amd text; 3 failures in 10 such runs, none in 12 on a 1-vCPU L1).
  const smpJobs = Object.values(jobs).filter((j) => j.id.startsWith('smp-'));
  await batch.run(smpJobs, where, assets, where === 'nested' ? { l1Cpus: 1, logs: 'logs-smp' } : {});
  // On a hardware KVM QEMU runs on this host, as kickbench run does it.
  if (jobs['qemu-ioeventfd'] && where !== 'nested')
    batch.keep(
      await runPeerJob(qemuArm, jobs['qemu-ioeventfd'], quick, { logDir: join(work, 'logs'), workDir: work }, where),
    );
});

/**
 * What every bonnie++ run of quick's here must show: kickvmm and bonnie++ ended
 * well, one run parsed with each block phase measured (not +++++, i.e. the page
 * cache, and not blank), and the data check passed on each of its `cpus` vCPUs.
 */
function checkedBonnieRun(r: VmJobResult, cpus: number): { guest: GuestConsoleResult; run: BonnieRun } {
  assert.equal(r.exitCode, 0, `kickvmm: ${r.stderr}\n${r.console.slice(-3000)}`);
  const guest = parseGuestConsole(r.console);
  assert.equal(guest.bonnieExit, 0, r.console.slice(-3000));
  const runs = parseBonnie(guest.bonnieStdout ?? '', 'guest');
  assert.equal(runs.length, 1);
  for (const m of ['put_block', 'rewrite', 'get_block'] as const)
    assert.equal(runs[0].metrics[m].status, 'ok', `${m}: ${runs[0].metrics[m].status}`);
  assert.equal(guest.smpCheck, `ok cpus=${cpus} files=${cpus}`, r.console.slice(-2000));
  return { guest, run: runs[0] };
}

async function assertImageClean(id: string): Promise<void> {
  const fsck = await fsckDisk(jobs[id].disk);
  assert.ok(fsck.clean, `e2fsck -fn:\n${fsck.output}`);
}

const planned = (mode: KickMode) =>
  planRun([{ ...quick, modes: [...KICK_MODES] }], { seed: 1, repetitions: 1, warmup: 0 }).find(
    (p) => p.arm.mode === mode,
  )!;
const quickSamples: Sample[] = [];
const qemuPlanned = planRun([{ ...quick, peers: ['qemu'] }], { seed: 1, repetitions: 1, warmup: 0 }).find(
  (p) => p.arm.name === 'qemu-ioeventfd',
)!;
const qemuArm = qemuPlanned.arm;

for (const mode of KICK_MODES) {
  const title =
    `quick's bonnie++ -c 2 on ${QUICK_CPUS} vCPUs in ${mode} mode: block write, rewrite and read measured; ` +
    'data from every vCPU checked; the image is clean';
  test(title, async (t) => {
    const r = batch.ran(t, `bonnie-${mode}`);
    if (!r) return;
    assert.deepEqual(QUICK.slice(QUICK.indexOf('-c'), QUICK.indexOf('-c') + 2), ['-c', '2'], 'quick runs -c 2');
    const { guest: g, run } = checkedBonnieRun(r, QUICK_CPUS);
    assert.match(run.version, /^2\.00/);
    assert.equal(run.source, 'text+csv', 'both the text table and the CSV line were captured');
    assert.equal(run.metrics.putc.status, 'not_run', '-f skips the per-char tests');
    assert.ok(g.memTotalKiB !== null && g.memTotalKiB > 0, 'the guest reports its MemTotal');
    const sample = sampleFromResult(planned(mode), r);
    assert.equal(sample.status, 'ok', sample.error);
    quickSamples.push({
      ...sample,
      id: `quick/${mode}/run0`,
      scenario: 'quick',
      vmm: 'kickvmm',
      mode,
      arm: mode,
      index: 0,
      order: quickSamples.length,
      warmup: false,
      where: r.where,
      host: 'test-host',
      startedAt: new Date().toISOString(),
      wallSeconds: r.wallSeconds,
      guest: { memMiB: quickGuest.memMiB, cpus: QUICK_CPUS, memTotalMiB: Math.floor(g.memTotalKiB! / 1024) },
      logs: {},
    });
    await assertImageClean(`bonnie-${mode}`);
    t.diagnostic(
      `${where}: block write ${run.metrics.put_block.value} rewrite ${run.metrics.rewrite.value} ` +
        `block read ${run.metrics.get_block.value} KiB/s; MemTotal ${Math.floor(g.memTotalKiB! / 1024)} MiB; ` +
        `wall ${r.wallSeconds.toFixed(1)} s (not hardware numbers)`,
    );
  });
}

for (const mode of SMP_MODES) {
  const title =
    `a ${SMP_CPUS}-vCPU guest runs quick's bonnie++ -c 2 in ${mode} mode: ` +
    'every block phase measured, data from every vCPU checked, image clean';
  test(title, async (t) => {
    const r = batch.ran(t, `smp-${mode}`);
    if (!r) return;
    // Two writers, one per vCPU, each pinned and each file read back: both vCPUs drove the queue.
    const { run } = checkedBonnieRun(r, SMP_CPUS);
    await assertImageClean(`smp-${mode}`);
    t.diagnostic(
      `${where}${where === 'nested' ? ' (L1 with 1 vCPU)' : ''}: ${SMP_CPUS} vCPUs, block write ${run.metrics.put_block.value} ` +
        `rewrite ${run.metrics.rewrite.value} block read ${run.metrics.get_block.value} KiB/s (not hardware numbers)`,
    );
  });
}

test('the report of those quick runs marks none cache-affected, in every format', async (t) => {
  if (!batch.ran(t, 'bonnie-exit')) return;
  assert.equal(quickSamples.length, KICK_MODES.length, 'every quick run produced a sample');
  const { file: _f, ...definition } = quick;
  const rs = resultSetOf(quickSamples, [{ name: 'quick', definition }]);
  const checks = cacheChecks(rs, rs.samples);
  assert.equal(checks.length, KICK_MODES.length);
  for (const c of checks) assert.equal(c.fileAtLeastTwiceRam, true, JSON.stringify(c));
  // The words a cache-affected run gets in each format (HTML's stylesheet names the class either way).
  const marks = {
    text: /cache-affected/i,
    md: /cache-affected/i,
    html: />cache-affected<|CACHE-AFFECTED/,
    csv: /,true\r?$/m,
  };
  for (const format of ['text', 'md', 'html', 'csv'] as const) {
    const out = await renderReport(rs, { format });
    assert.doesNotMatch(out, marks[format], format);
  }
  const csv = await renderReport(rs, { format: 'csv' });
  assert.match(csv, /,false\r?\n/, 'the CSV says cache_affected=false');
});

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

test("quick's bonnie++ under QEMU (ioeventfd=on) beside kickvmm: block figures measured, image clean, QEMU's version, arguments, counters", async (t) => {
  // jobs is filled unless the whole batch skipped (then batch.ran says why)
  if (Object.keys(jobs).length && !jobs['qemu-ioeventfd'])
    return t.skip('qemu-system-x86_64 is not installed: no QEMU job ran');
  const r = batch.ran(t, 'qemu-ioeventfd');
  if (!r) return;
  assert.equal(r.exitCode, 0, `QEMU: ${r.stderr}\n${r.console.slice(-3000)}`);
  const sample = sampleFromResult(qemuPlanned, r);
  assert.equal(sample.status, 'ok', sample.error);
  for (const m of ['put_block', 'rewrite', 'get_block'])
    assert.equal(sample.metrics[m]?.status, 'ok', `${m}: ${sample.metrics[m]?.status}`);
  const q = r.peerStats?.qemu;
  assert.ok(q, 'the sample records QEMU');
  assert.match(q.version ?? '', /^QEMU emulator version \d/);
  assert.match(q.args[0], /qemu-system-x86_64$/);
  const after = (flag: string) => q.args[q.args.indexOf(flag) + 1];
  assert.equal(after('-accel'), 'kvm', `${where}: QEMU runs on a KVM, never TCG`);
  assert.match(after('-device'), /^virtio-blk-pci,.*ioeventfd=on,vectors=0,event_idx=off/);
  // Counters come from QMP query-stats, in L1 too (its QMP is a pipe the driver reads).
  assert.ok((r.peerStats?.kvm?.exits ?? 0) > 0, `KVM exits read: ${JSON.stringify(r.peerStats?.missing)}`);
  assert.ok((r.peerStats?.vcpuCpuSeconds ?? 0) > 0, "the vCPU thread's CPU time was read");
  await assertImageClean('qemu-ioeventfd');
  t.diagnostic(
    `${where}: QEMU ioeventfd=on block write ${sample.metrics.put_block.value} rewrite ${sample.metrics.rewrite.value} ` +
      `block read ${sample.metrics.get_block.value} KiB/s; ${r.peerStats?.kvm?.exits} KVM exits; wall ${r.wallSeconds.toFixed(1)} s (not hardware numbers)`,
  );
});
