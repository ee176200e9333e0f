// The nested rig: one QEMU TCG guest ("L1") with emulated AMD SVM runs kickvmm
// on a real (nested) /dev/kvm. The host never mounts anything: job disks are
// attached as virtio-blk, inputs travel in an appended initramfs archive, and
// results come back over L1's serial console (rig-protocol.ts).
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus as hostCpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildCpio, type CpioEntry } from '../assets/cpio.js';
import { resolveRuntimeFiles } from '../assets/elf.js';
import { findTool } from '../assets/exec.js';
import { shellQuote } from '../assets/guest.js';
import type { GuestAssets } from '../assets/cache.js';
import { floorCommand, kickvmmArgs, kickvmmOutcome, logPaths, requireKickvmm, validateJob } from './job.js';
import type { ConsoleListener, VmJob, VmJobResult } from './job.js';
import { onCleanup } from '../lifecycle/shutdown.js';
import { harnessFile } from '../paths.js';
import { startVmChild, type ChildExit, type VmChild } from './child.js';
import { LogFile } from './log-file.js';
import { RigDemux, type RigJobTranscript, type RigTranscript } from './rig-protocol.js';

export interface RunInRigOptions {
  assets: Pick<GuestAssets, 'l1'>;
  kickvmm: string;
  logDir: string;
  /** L1 memory; default: enough for the batch's files twice over plus the largest guest */
  l1MemMiB?: number;
  /** overall limit for one L1 boot; default: 180 s + each job's timeout + 60 s */
  l1TimeoutSec?: number;
  onConsole?: ConsoleListener;
  /** host page-cache mode for the job disks (QEMU -drive cache=); default writeback */
  diskCache?: 'writeback' | 'unsafe' | 'none' | 'directsync' | 'writethrough';
  /** L1 vCPUs (default rigL1Cpus(): as many as this host has online) */
  l1Cpus?: number;
  qemu?: string;
  /** called with each job's result as soon as it ends in L1 */
  onResult?: (result: VmJobResult) => void;
}

/** L1 never gets less memory than this (more when a batch's files need it). */
export const RIG_L1_MIN_MEM_MIB = 2048;
/** TCG runs one host thread per L1 vCPU; more than this buys nothing for one guest at a time. */
const RIG_L1_MAX_CPUS = 16;

/** L1's vCPUs: every online CPU of this host, up to RIG_L1_MAX_CPUS, so guests sized from L1 see them too. */
export function rigL1Cpus(): number {
  return Math.max(1, Math.min(hostCpus().length, RIG_L1_MAX_CPUS));
}

/** L1 boots one batch may take: the first and two retries after an L1 failure */
export const RIG_L1_BOOTS_PER_BATCH = 3;
/** PC slots left for disks after the host bridge, ISA bridge and IDE. */
export const RIG_MAX_JOBS_PER_BATCH = 16;
export const L1_CMDLINE = 'console=ttyS0 quiet loglevel=0 panic=-1 rdinit=/init';
const L1_BOOT_ALLOWANCE_SEC = 180;
const JOB_GUARD_EXTRA_SEC = 30;
/** host-side slack beyond a job's in-L1 guard before L1 counts as wedged */
const L1_JOB_MARGIN_SEC = 60;
/** after READY, L1 prints a heartbeat every 10 s: this long without any output means it is wedged */
const L1_SILENCE_SEC = 90;

export function virtioDiskName(index: number): string {
  // vda..vdz, vdaa..vdzz as Linux's virtio-blk names them
  const letters = (n: number): string =>
    n < 26 ? String.fromCharCode(97 + n) : letters(Math.floor(n / 26) - 1) + String.fromCharCode(97 + (n % 26));
  return `vd${letters(index)}`;
}

export function requireQemu(explicit?: string): string {
  const q = explicit ?? findTool('qemu-system-x86_64');
  if (!q || !existsSync(q)) {
    throw new Error('qemu-system-x86_64 not found: the nested rig needs QEMU (Debian package qemu-system-x86)');
  }
  return q;
}

interface BatchFiles {
  cpio: Buffer;
  inputBytes: number;
}

/** The per-batch archive: /init, kickvmm + its libraries, the jobs and their inputs. */
export function buildBatchArchive(jobs: VmJob[], kickvmm: string, nonce: string): BatchFiles {
  const entries: CpioEntry[] = [
    {
      kind: 'file',
      path: 'init',
      data: readFileSync(harnessFile('launch', 'rig-init.sh')),
      mode: 0o755,
    },
    { kind: 'file', path: 'kick/kickvmm', data: readFileSync(kickvmm), mode: 0o755 },
  ];
  for (const f of resolveRuntimeFiles('/', kickvmm)) {
    entries.push({ kind: 'file', path: f.guestPath, data: readFileSync(f.hostPath), mode: 0o755 });
  }
  // Inner kernels and initrds, stored once each however many jobs share them.
  const stored = new Map<string, string>();
  let inputBytes = 0;
  const store = (hostPath: string): string => {
    const key = hostPath;
    if (stored.has(key)) return stored.get(key)!;
    const data = readFileSync(hostPath);
    const name = `${createHash('sha256').update(data).digest('hex').slice(0, 12)}-${basename(hostPath).replace(/[^A-Za-z0-9._-]/g, '_')}`;
    const guestPath = `/batch/files/${name}`;
    if (![...stored.values()].includes(guestPath)) {
      entries.push({ kind: 'file', path: guestPath, data });
      inputBytes += data.length;
    }
    stored.set(key, guestPath);
    return guestPath;
  };
  const lines: string[] = [];
  jobs.forEach((job, i) => {
    const dev = virtioDiskName(i);
    const args = kickvmmArgs(job, {
      kernel: store(job.kernel),
      initrd: job.initrd ? store(job.initrd) : undefined,
      disk: `/dev/${dev}`,
      statsPath: `/tmp/stats.${i}.json`,
    });
    const script = job.floor
      ? floorCommand(job, '/kick/kickvmm')
      : `exec /kick/kickvmm ${args.map(shellQuote).join(' ')}\n`;
    entries.push({ kind: 'file', path: `batch/job${i}.sh`, data: script });
    lines.push(`${i} ${dev} ${job.timeoutSec + JOB_GUARD_EXTRA_SEC}`);
  });
  entries.push({ kind: 'file', path: 'batch/jobs', data: lines.join('\n') + '\n' });
  entries.push({ kind: 'file', path: 'batch/nonce', data: nonce + '\n' });
  return { cpio: buildCpio(entries), inputBytes };
}

export function qemuArgs(o: {
  kernel: string;
  initrd: string;
  memMiB: number;
  cpus: number;
  disks: { path: string; readonly?: boolean }[];
  cache: string;
}): string[] {
  const args = [
    '-accel',
    'tcg',
    '-M',
    'pc',
    '-cpu',
    'EPYC,+svm,+npt',
    '-smp',
    String(o.cpus),
    '-m',
    String(o.memMiB),
    '-nodefaults',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    o.kernel,
    '-initrd',
    o.initrd,
    '-append',
    L1_CMDLINE,
  ];
  for (const d of o.disks) {
    // QEMU option values escape commas by doubling them.
    args.push(
      '-drive',
      `file=${d.path.replace(/,/g, ',,')},if=virtio,format=raw,cache=${o.cache}${d.readonly ? ',readonly=on' : ''}`,
    );
  }
  return args;
}

/**
 * Runs jobs in the nested rig, in order, one L1 boot per batch of up to 16.
 * Each job's result goes to `opts.onResult` as soon as it ends in L1 (so the
 * caller can save it at once); the returned array holds them all, in job order.
 */
export async function runInRig(jobs: VmJob[], opts: RunInRigOptions): Promise<VmJobResult[]> {
  const qemu = requireQemu(opts.qemu);
  requireKickvmm(opts.kickvmm);
  for (const j of jobs) {
    validateJob(j);
    for (const f of [j.kernel, j.initrd, j.disk])
      if (f && !existsSync(f)) throw new Error(`job ${j.id}: ${f} does not exist`);
  }
  if (new Set(jobs.map((j) => j.id)).size !== jobs.length) throw new Error('job ids in one rig call must be unique');
  mkdirSync(opts.logDir, { recursive: true });
  const results = new Map<string, VmJobResult>();
  const deliver = (r: VmJobResult) => {
    results.set(r.id, r);
    opts.onResult?.(r);
  };
  for (let at = 0; at < jobs.length; at += RIG_MAX_JOBS_PER_BATCH) {
    const part = jobs.slice(at, at + RIG_MAX_JOBS_PER_BATCH);
    await withL1Retries(part, (pending, call) => runBatch(pending, qemu, opts, { deliver, ...call }));
  }
  return jobs.map((j) => results.get(j.id)!);
}

/**
 * Jobs an L1 failure cut short are not results about kickvmm: TCG's nested SVM
 * wedges L1 now and then, mostly as an L2 VM starts or stops (5 of 13 L1 boots
 * in one afternoon here). They run again in a fresh L1, which says why, up to
 * RIG_L1_BOOTS_PER_BATCH boots; the last boot delivers whatever it cuts short.
 */
export async function withL1Retries(
  jobs: VmJob[],
  boot: (pending: VmJob[], call: Omit<BatchCall, 'deliver'>) => Promise<BatchOutcome>,
): Promise<void> {
  let pending = jobs;
  const problems: string[] = [];
  for (let n = 0; n < RIG_L1_BOOTS_PER_BATCH && pending.length; n++) {
    const outcome = await boot(pending, {
      lastTry: n === RIG_L1_BOOTS_PER_BATCH - 1,
      note: problems.length ? `kickbench rig: retried in a fresh L1 after: ${problems.join('; then ')}\n` : undefined,
    });
    pending = outcome.cutShort;
    if (outcome.l1Problem) problems.push(outcome.l1Problem);
  }
}

export interface BatchOutcome {
  /** jobs an L1 failure cut short (never began, or never ended), not yet delivered */
  cutShort: VmJob[];
  l1Problem: string | null;
}

export interface BatchCall {
  deliver: (r: VmJobResult) => void;
  /** deliver cut-short jobs as failures instead of handing them back for a retry */
  lastTry: boolean;
  /** prefixed to each job's stderr (a retry says why) */
  note?: string;
}

/** The scratch folder for one L1 boot: its initramfs (base + this batch's archive). */
function prepareL1(jobs: VmJob[], opts: RunInRigOptions, nonce: string) {
  const batch = buildBatchArchive(jobs, opts.kickvmm, nonce);
  const base = readFileSync(opts.assets.l1.baseInitramfs);
  const work = mkdtempSync(join(tmpdir(), 'kickbench-rig-'));
  const forget = onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const remove = () => {
    rmSync(work, { recursive: true, force: true });
    forget();
  };
  try {
    const initrd = join(work, 'l1-initramfs.cpio');
    // Linux unpacks concatenated archives in order; the batch part adds /init and the jobs.
    writeFileSync(initrd, Buffer.concat([base, batch.cpio]));
    const archiveMiB = Math.ceil(statSync(initrd).size / (1024 * 1024));
    const memMiB =
      opts.l1MemMiB ?? Math.max(RIG_L1_MIN_MEM_MIB, 1024 + 2 * archiveMiB + Math.max(...jobs.map((j) => j.memMiB)));
    const args = qemuArgs({
      kernel: opts.assets.l1.kernel,
      initrd,
      memMiB,
      cpus: opts.l1Cpus ?? rigL1Cpus(),
      disks: jobs.map((j) => ({ path: j.disk, readonly: j.readonly })),
      cache: opts.diskCache ?? 'writeback',
    });
    return { work, args, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/**
 * The host's view of a wedged L1 (it happens under TCG's nested SVM): it prints
 * nothing more and never reaches the in-L1 guard. L1 must come up in time, each
 * job must end within its timeout + the guard + a margin, and after READY L1's
 * heartbeat must keep the console from going silent.
 */
class L1Watchdog {
  private step: NodeJS.Timeout | null = null;
  private silence: NodeJS.Timeout | null = null;
  private lastOutput = Date.now();

  constructor(private readonly wedged: (why: string) => void) {
    this.expect(L1_BOOT_ALLOWANCE_SEC, 'L1 did not come up');
  }

  /** The next thing (READY, a job's END) must happen within `sec`. */
  expect(sec: number, why: string): void {
    this.clearStep();
    this.step = setTimeout(() => this.wedged(why), sec * 1000);
  }

  clearStep(): void {
    if (this.step) clearTimeout(this.step);
    this.step = null;
  }

  ready(): void {
    this.clearStep();
    this.silence = setInterval(() => {
      if (Date.now() - this.lastOutput > L1_SILENCE_SEC * 1000)
        this.wedged(`L1 went silent for ${L1_SILENCE_SEC} s (wedged)`);
    }, 5000);
  }

  output(): void {
    this.lastOutput = Date.now();
  }

  stop(): void {
    this.clearStep();
    if (this.silence) clearInterval(this.silence);
  }
}

async function runBatch(jobs: VmJob[], qemu: string, opts: RunInRigOptions, call: BatchCall): Promise<BatchOutcome> {
  const nonce = randomBytes(8).toString('hex');
  const l1 = prepareL1(jobs, opts, nonce);
  try {
    return await bootL1(jobs, qemu, opts, call, nonce, l1);
  } finally {
    l1.remove();
  }
}

/**
 * Each job's state while L1 runs: its console log, when it began and ended, and
 * whether its result went out. Results go out one by one, in the order jobs end,
 * each after its console log is closed.
 */
class BatchJobs {
  private readonly consoleFiles: (LogFile | null)[];
  private readonly began: (bigint | null)[];
  private readonly ended: (bigint | null)[];
  private readonly delivered: boolean[];
  private finishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobs: VmJob[],
    private readonly opts: RunInRigOptions,
    private readonly call: BatchCall,
    /** told of the first problem writing a log or saving a result */
    private readonly fail: (e: unknown) => void,
  ) {
    this.consoleFiles = jobs.map(() => null);
    this.began = jobs.map(() => null);
    this.ended = jobs.map(() => null);
    this.delivered = jobs.map(() => false);
  }

  begin(i: number): void {
    this.began[i] = process.hrtime.bigint();
    const p = logPaths(this.opts.logDir, this.jobs[i].id);
    rmSync(p.stats, { force: true });
    this.consoleFiles[i] = new LogFile(p.console, 'w', this.fail);
  }

  console(i: number, chunk: string): void {
    this.consoleFiles[i]?.write(chunk);
    this.opts.onConsole?.(this.jobs[i].id, chunk);
  }

  end(i: number, t: RigJobTranscript): void {
    this.ended[i] = process.hrtime.bigint();
    this.finishing = this.finishing.then(async () => {
      try {
        await this.consoleFiles[i]?.close();
        this.delivered[i] = true;
        this.call.deliver(
          jobResult(this.jobs[i], t, this.opts.logDir, {
            began: this.began[i],
            ended: this.ended[i],
            l1Problem: null,
            note: this.call.note,
          }),
        );
      } catch (e) {
        this.fail(e);
      }
    });
  }

  /** Once L1 is gone: waits for the results on their way out and closes every console log. */
  async settle(): Promise<void> {
    await this.finishing;
    for (const f of this.consoleFiles) await f?.close().catch(this.fail);
  }

  /**
   * Jobs without an END: handed back for a retry in a fresh L1 when L1 failed and
   * another try is allowed, otherwise delivered as they are.
   */
  handOver(transcript: RigTranscript, l1: { problem: string | null; endedAt: bigint; hostKilled: boolean }): VmJob[] {
    const cutShort: VmJob[] = [];
    this.jobs.forEach((job, i) => {
      if (this.delivered[i]) return;
      if (l1.problem !== null && !this.call.lastTry) {
        cutShort.push(job);
        return;
      }
      const t = transcript.jobs[i];
      this.call.deliver(
        jobResult(job, t, this.opts.logDir, {
          began: this.began[i],
          ended: t.begun ? l1.endedAt : null,
          l1Problem: l1.problem,
          note: this.call.note,
          hostKilled: l1.hostKilled,
        }),
      );
    });
    return cutShort;
  }
}

/** QEMU's own complaints, less the CPU features TCG lists as unsupported on every boot. */
function collectQemuStderr(child: VmChild): () => string {
  let text = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    text += chunk
      .split('\n')
      .filter((l) => !/TCG doesn't support requested feature/.test(l))
      .join('\n');
  });
  return () => text;
}

async function bootL1(
  jobs: VmJob[],
  qemu: string,
  opts: RunInRigOptions,
  call: BatchCall,
  nonce: string,
  l1: { work: string; args: string[] },
): Promise<BatchOutcome> {
  const limitSec = opts.l1TimeoutSec ?? L1_BOOT_ALLOWANCE_SEC + jobs.reduce((s, j) => s + j.timeoutSec + 60, 0);
  const l1LogPath = join(opts.logDir, 'rig-l1.console.log');
  appendFileSync(
    l1LogPath,
    `=== kickbench rig ${new Date().toISOString()} nonce ${nonce} jobs ${jobs.map((j) => j.id).join(' ')}\n=== ${qemu} ${l1.args.join(' ')}\n`,
  );
  // The first problem writing a log or saving a result stops the batch; it is rethrown at the end.
  let hostError: unknown = null;
  const child = startVmChild(qemu, l1.args, {
    limitMs: limitSec * 1000,
    limitReason: `L1 (QEMU) did not finish within ${limitSec} s`,
    removeOnOrphan: l1.work,
  });
  const fail = (e: unknown) => {
    hostError ??= e;
    child.stop('kickbench could not save a result');
  };
  const l1Log = new LogFile(l1LogPath, 'a', fail);
  const watchdog = new L1Watchdog((why) => child.stop(why));
  const batch = new BatchJobs(jobs, opts, call, fail);
  const t0 = process.hrtime.bigint();
  let readyAt: bigint | null = null;

  const demux = new RigDemux(nonce, jobs.length, {
    onReady: () => {
      readyAt = process.hrtime.bigint();
      watchdog.ready();
    },
    onBegin: (i) => {
      watchdog.expect(
        jobs[i].timeoutSec + JOB_GUARD_EXTRA_SEC + L1_JOB_MARGIN_SEC,
        `L1 stopped responding during job ${jobs[i].id}`,
      );
      batch.begin(i);
    },
    onConsole: (i, chunk) => batch.console(i, chunk),
    onEnd: (i) => {
      watchdog.clearStep();
      batch.end(i, demux.result.jobs[i]);
    },
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    watchdog.output();
    l1Log.write(chunk);
    demux.push(chunk);
  });
  const qemuStderr = collectQemuStderr(child);

  const exit = await child.exited;
  watchdog.stop();
  const transcript = demux.finish();
  const endedAt = process.hrtime.bigint();
  await batch.settle();
  const l1Problem = describeL1Problem(transcript, exit, qemuStderr());
  const secs = (t: bigint | null) => (t === null ? 'never' : `${(Number(t - t0) / 1e9).toFixed(1)} s`);
  l1Log.write(
    `\n=== kickbench: L1 ready after ${secs(readyAt)}, QEMU ended after ${secs(endedAt)}${l1Problem ? `; ${l1Problem}` : ''}\n`,
  );
  await l1Log.close().catch(fail);
  if (hostError) throw hostError;
  const cutShort = batch.handOver(transcript, {
    problem: l1Problem,
    endedAt,
    hostKilled: exit.stoppedBecause !== null,
  });
  return { cutShort, l1Problem };
}

/** One job's result from its part of the transcript; writes its stats and stderr logs. */
function jobResult(
  job: VmJob,
  t: RigJobTranscript,
  logDir: string,
  o: { began: bigint | null; ended: bigint | null; l1Problem: string | null; note?: string; hostKilled?: boolean },
): VmJobResult {
  const p = logPaths(logDir, job.id);
  if (t.stats !== null) writeFileSync(p.stats, t.stats);
  let stderr = (o.note ?? '') + t.stderr;
  if (!t.begun) stderr += `kickbench rig: job not started${o.l1Problem ? `: ${o.l1Problem}` : ''}\n`;
  else if (!t.ended) stderr += `kickbench rig: job did not finish${o.l1Problem ? `: ${o.l1Problem}` : ''}\n`;
  if (!t.begun) writeFileSync(p.console, '');
  writeFileSync(p.stderr, stderr);
  // The in-L1 guard kills a job that overran with SIGKILL (137); the host kills what L1 never ended.
  const guardFired = t.ended && t.status === 137 && (t.l1Seconds ?? 0) >= job.timeoutSec;
  const hostKilled = t.begun && !t.ended && Boolean(o.hostKilled);
  return {
    id: job.id,
    ...kickvmmOutcome(t.ended ? t.status : null, t.stats, guardFired || hostKilled),
    console: t.console,
    stderr,
    wallSeconds: o.began !== null && o.ended !== null ? Number(o.ended - o.began) / 1e9 : 0,
    where: 'nested',
  };
}

function describeL1Problem(t: RigTranscript, exit: ChildExit, qemuStderr: string): string | null {
  if (exit.error) return exit.error;
  if (exit.stoppedBecause) return `${exit.stoppedBecause}; killed QEMU`;
  const qerr = qemuStderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (exit.code !== 0) return `QEMU exited with ${exit.signal ?? `status ${exit.code}`}${qerr ? `: ${qerr}` : ''}`;
  if (!t.ready) return 'L1 never reported ready (see rig-l1.console.log)';
  if (t.kvm === false) return 'L1 has no /dev/kvm (kvm-amd did not load; see rig-l1.console.log)';
  if (t.errors.length) return `L1: ${t.errors[0]}`;
  if (!t.allDone) return 'L1 stopped before finishing its jobs (see rig-l1.console.log)';
  return null;
}
