// One job description for both places a VM can run: directly on this host's
// KVM, or inside the nested rig. kickvmm's CLI is the only interface to the VMM.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KickMode } from '../results/arms.js';
import { parseVmmStats, type VmmStats } from '../results/vmm-stats.js';
import type { PeerStats } from '../peers/peer-stats.js';
import type { Place } from './place.js';

export interface VmJob {
  /** unique within a batch; used in log file names, so keep it file-safe */
  id: string;
  kernel: string;
  initrd?: string;
  cmdline: string;
  /** host path of this job's own disk image (never a shared pristine image) */
  disk: string;
  mode: KickMode;
  memMiB: number;
  cpus: number;
  timeoutSec: number;
  readonly?: boolean;
  boot?: 'auto' | 'pvh' | 'linux64';
  /**
   * Instead of a guest, run kickvmm's minimal KVM_RUN loop (`--floor MODE --kicks N`)
   * `repeats` times, one JSON line each: the floor of the nested-rig micro-benchmark.
   * Locally the floor is measured in-process through the addon instead.
   */
  floor?: { kicks: number; repeats: number };
}

export interface VmJobResult {
  id: string;
  /** kickvmm's exit status; null when it never reported one (killed, or L1 died) */
  exitCode: number | null;
  console: string;
  stderr: string;
  /** kickvmm's --stats JSON; null when it wrote none (or none that is valid) */
  stats: VmmStats | null;
  /** a peer's sample (QEMU, the host): what was read instead of kickvmm's stats */
  peerStats?: PeerStats;
  timedOut: boolean;
  wallSeconds: number;
  where: Place;
}

/** kickvmm's exit statuses */
export const KICKVMM_EXIT = { clean: 0, badInput: 1, guestCrash: 2, timeout: 3 } as const;

export type ConsoleListener = (jobId: string, chunk: string) => void;

/** Where a job's console, stats and stderr logs go, wherever it ran. */
export function logPaths(logDir: string, id: string) {
  return {
    console: join(logDir, `${id}.console.log`),
    stats: join(logDir, `${id}.stats.json`),
    stderr: join(logDir, `${id}.stderr.log`),
  };
}

export function requireKickvmm(kickvmm: string): void {
  if (!existsSync(kickvmm)) throw new Error(`kickvmm not found at ${kickvmm} (build it: npm run build:native)`);
}

/**
 * What a job's end means, wherever it ran: `status` is kickvmm's exit status (null when
 * it never reported one); `killed` says a guard (host timer, in-L1 guard) stopped it.
 */
export function kickvmmOutcome(
  status: number | null,
  statsText: string | null,
  killed: boolean,
): Pick<VmJobResult, 'exitCode' | 'timedOut' | 'stats'> {
  return {
    exitCode: killed ? null : status,
    timedOut: killed || status === KICKVMM_EXIT.timeout,
    stats: parseStatsJson(statsText),
  };
}

export function validateJob(job: VmJob): void {
  if (!/^[A-Za-z0-9._-]+$/.test(job.id))
    throw new Error(`job id ${JSON.stringify(job.id)} must be file-safe ([A-Za-z0-9._-])`);
  for (const [k, v] of [
    ['memMiB', job.memMiB],
    ['cpus', job.cpus],
    ['timeoutSec', job.timeoutSec],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`job ${job.id}: ${k} must be a positive integer`);
  }
}

/** kickvmm's argument list for a job, with the disk and stats paths of the place it runs. */
export function kickvmmArgs(
  job: VmJob,
  where: { kernel: string; initrd?: string; disk: string; statsPath: string },
): string[] {
  const args = [
    '--kernel',
    where.kernel,
    '--disk',
    where.disk,
    '--mode',
    job.mode,
    '--mem',
    String(job.memMiB),
    '--cpus',
    String(job.cpus),
    '--cmdline',
    job.cmdline,
    '--stats',
    where.statsPath,
    '--timeout',
    String(job.timeoutSec),
    '--boot',
    job.boot ?? 'auto',
  ];
  if (where.initrd) args.push('--initrd', where.initrd);
  if (job.readonly) args.push('--readonly');
  return args;
}

/** The shell command that runs a floor job (see VmJob.floor). */
export function floorCommand(job: VmJob, kickvmm: string): string {
  const f = job.floor!;
  if (!Number.isInteger(f.kicks) || f.kicks < 1 || !Number.isInteger(f.repeats) || f.repeats < 1) {
    throw new Error(`job ${job.id}: floor kicks and repeats must be positive integers`);
  }
  return `i=0; while [ $i -lt ${f.repeats} ]; do ${kickvmm} --floor ${job.mode} --kicks ${f.kicks} || exit $?; i=$((i+1)); done\n`;
}

/** kickvmm's stats file as VmmStats; null when there is none or it does not hold valid stats. */
export function parseStatsJson(text: string | null): VmmStats | null {
  if (!text) return null;
  try {
    return parseVmmStats(text);
  } catch {
    return null;
  }
}
