// Runs one sample of a peer arm (QEMU, or the host itself) and hands back a
// VmJobResult, so the runner records it exactly like a kickvmm sample. The job
// is the one kickvmm would have run (same kernel, command line, disk, RAM and
// vCPUs); only the program that runs it differs.
import { spawnSync } from 'node:child_process';
import type { VmJob, VmJobResult } from '../launch/job.js';
import type { Place } from '../launch/place.js';
import type { Scenario } from '../scenarios/scenario.js';
import { paths } from '../paths.js';
import type { PeerArm } from './arms.js';
import { runHostBonnie, runHostProbe } from './host-run.js';
import { runQemuLocal } from './qemu-run.js';

let hostTscKhz: number | null = null;

/** The host's TSC rate: a probe guest under QEMU counts host TSC cycles. */
export function hostTscKhzOnce(): number {
  if (hostTscKhz === null) {
    const r = spawnSync(paths.hostio(), ['--tsc-khz'], { encoding: 'utf8' });
    const v = Number(r.stdout.trim());
    hostTscKhz = r.status === 0 && v > 0 ? v : 0;
  }
  return hostTscKhz;
}

export async function runPeerJob(
  arm: PeerArm,
  job: VmJob,
  scenario: Scenario,
  dirs: { logDir: string; workDir: string },
  where: Place,
): Promise<VmJobResult> {
  if (arm.vmm === 'qemu') {
    if (job.mode === 'inline') throw new Error('QEMU has no inline arm');
    const r = await runQemuLocal(
      {
        id: job.id,
        kernel: job.kernel,
        initrd: job.initrd,
        cmdline: job.cmdline,
        disk: job.disk,
        arm: job.mode,
        iothread: arm.iothread,
        memMiB: job.memMiB,
        cpus: job.cpus,
        readonly: job.readonly,
        timeoutSec: job.timeoutSec,
      },
      dirs.logDir,
    );
    if (r.stats && scenario.workload.kind === 'probe') r.stats.tscKhz = hostTscKhzOnce();
    return { ...r, stats: null, peerStats: r.stats ?? undefined, where };
  }
  // The host: no VM, the same work against a file on the run's filesystem.
  const w = scenario.workload;
  const r =
    w.kind === 'bonnie'
      ? await runHostBonnie(job.id, w.args, job.memMiB, dirs.workDir, dirs.logDir, job.timeoutSec)
      : await runHostProbe(job.id, w.cmdline, w.diskMiB, dirs.workDir, dirs.logDir, job.timeoutSec);
  return {
    id: r.id,
    exitCode: r.exitCode,
    console: r.output,
    stderr: r.stderr,
    stats: null,
    // hostio counts in nanoseconds: a 1 GHz "TSC"
    peerStats: { vmm: 'host', tscKhz: 1_000_000, wallSeconds: r.wallSeconds },
    timedOut: r.timedOut,
    wallSeconds: r.wallSeconds,
    where,
  };
}
