// The nested rig: one QEMU TCG guest ("L1") with emulated AMD SVM runs kickvmm
// on a real (nested) /dev/kvm. The host never mounts anything: job disks are
// attached as virtio-blk, inputs travel in an appended initramfs archive, and
// results come back over L1's serial console (rig-protocol.ts).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildCpio, type CpioEntry } from '../assets/cpio.js';
import { resolveRuntimeFiles } from '../assets/elf.js';
import { findTool } from '../assets/exec.js';
import { shellQuote } from '../assets/guest.js';
import type { GuestAssets } from '../assets/index.js';
import { sourceFile } from '../assets/source-file.js';
import {
  floorCommand,
  kickvmmArgs,
  KICKVMM_EXIT,
  parseStatsJson,
  validateJob,
  type ConsoleListener,
  type VmJob,
  type VmJobResult,
} from './job.js';
import { logPaths } from './local.js';
import { RigDemux } from './rig-protocol.js';

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
  /** L1 vCPUs (default 2) */
  l1Cpus?: number;
  qemu?: string;
}

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
      data: readFileSync(sourceFile(import.meta.url, 'launch', 'rig-init.sh')),
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

/** Runs jobs in the nested rig, in order, one L1 boot per batch of up to 16. */
export async function runInRig(jobs: VmJob[], opts: RunInRigOptions): Promise<VmJobResult[]> {
  const qemu = requireQemu(opts.qemu);
  if (!existsSync(opts.kickvmm))
    throw new Error(`kickvmm not found at ${opts.kickvmm} (build it: npm run build:native)`);
  for (const j of jobs) {
    validateJob(j);
    for (const f of [j.kernel, j.initrd, j.disk])
      if (f && !existsSync(f)) throw new Error(`job ${j.id}: ${f} does not exist`);
  }
  if (new Set(jobs.map((j) => j.id)).size !== jobs.length) throw new Error('job ids in one rig call must be unique');
  mkdirSync(opts.logDir, { recursive: true });
  const results: VmJobResult[] = [];
  for (let at = 0; at < jobs.length; at += RIG_MAX_JOBS_PER_BATCH) {
    const part = jobs.slice(at, at + RIG_MAX_JOBS_PER_BATCH);
    const first = await runBatch(part, qemu, opts);
    // Jobs an L1 failure cut short (TCG's nested SVM occasionally wedges L1) are
    // not results about kickvmm: run them once more in a fresh L1, and say so.
    const cut = first.results.map((_r, i) => (first.cutShort[i] ? i : -1)).filter((i) => i >= 0);
    if (cut.length && first.l1Problem) {
      const again = await runBatch(
        cut.map((i) => part[i]),
        qemu,
        opts,
      );
      cut.forEach((i, k) => {
        const r = again.results[k];
        r.stderr = `kickbench rig: retried in a fresh L1 after: ${first.l1Problem}\n${r.stderr}`;
        writeFileSync(logPaths(opts.logDir, r.id).stderr, r.stderr);
        first.results[i] = r;
      });
    }
    results.push(...first.results);
  }
  return results;
}

interface BatchOutcome {
  results: VmJobResult[];
  /** per job: never began, or began and never ended, because L1 itself failed */
  cutShort: boolean[];
  l1Problem: string | null;
}

async function runBatch(jobs: VmJob[], qemu: string, opts: RunInRigOptions): Promise<BatchOutcome> {
  const nonce = randomBytes(8).toString('hex');
  const batch = buildBatchArchive(jobs, opts.kickvmm, nonce);
  const base = readFileSync(opts.assets.l1.baseInitramfs);
  const work = mkdtempSync(join(tmpdir(), 'kickbench-rig-'));
  const initrd = join(work, 'l1-initramfs.cpio');
  // Linux unpacks concatenated archives in order; the batch part adds /init and the jobs.
  writeFileSync(initrd, Buffer.concat([base, batch.cpio]));
  const archiveMiB = Math.ceil(statSync(initrd).size / (1024 * 1024));
  const memMiB = opts.l1MemMiB ?? Math.max(2048, 1024 + 2 * archiveMiB + Math.max(...jobs.map((j) => j.memMiB)));
  const limitSec = opts.l1TimeoutSec ?? L1_BOOT_ALLOWANCE_SEC + jobs.reduce((s, j) => s + j.timeoutSec + 60, 0);
  const args = qemuArgs({
    kernel: opts.assets.l1.kernel,
    initrd,
    memMiB,
    cpus: opts.l1Cpus ?? 2,
    disks: jobs.map((j) => ({ path: j.disk, readonly: j.readonly })),
    cache: opts.diskCache ?? 'writeback',
  });

  const l1Log = join(opts.logDir, 'rig-l1.console.log');
  appendFileSync(
    l1Log,
    `=== kickbench rig ${new Date().toISOString()} nonce ${nonce} jobs ${jobs.map((j) => j.id).join(' ')}\n=== ${qemu} ${args.join(' ')}\n`,
  );
  const l1Stream = createWriteStream(l1Log, { flags: 'a' });
  const consoleFiles: (WriteStream | null)[] = jobs.map(() => null);
  const began: (bigint | null)[] = jobs.map(() => null);
  const ended: (bigint | null)[] = jobs.map(() => null);
  const t0 = process.hrtime.bigint();
  let readyAt: bigint | null = null;
  const demux = new RigDemux(nonce, jobs.length, {
    onReady: () => {
      readyAt = process.hrtime.bigint();
      if (watchdog) clearTimeout(watchdog);
    },
    onBegin: (i) => {
      began[i] = process.hrtime.bigint();
      arm(
        jobs[i].timeoutSec + JOB_GUARD_EXTRA_SEC + L1_JOB_MARGIN_SEC,
        `L1 stopped responding during job ${jobs[i].id}`,
      );
      const p = logPaths(opts.logDir, jobs[i].id);
      rmSync(p.stats, { force: true });
      consoleFiles[i] = createWriteStream(p.console);
    },
    onConsole: (i, chunk) => {
      consoleFiles[i]?.write(chunk);
      opts.onConsole?.(jobs[i].id, chunk);
    },
    onEnd: (i) => {
      ended[i] = process.hrtime.bigint();
      if (watchdog) clearTimeout(watchdog);
    },
  });

  let qemuStderr = '';
  let hostKilled = false;
  // A wedged L1 (it happens under TCG's nested SVM) prints nothing more and never
  // reaches the in-L1 guard. So the host also watches each job: once it begins it
  // must end within its timeout + the guard + a margin, and L1 must come up in time.
  let wedged: string | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  let killQemu: (why: string) => void = () => {};
  const arm = (sec: number, why: string) => {
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(() => killQemu(why), sec * 1000);
  };
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let lastOutput = Date.now();
    child.stdout.on('data', (chunk: string) => {
      lastOutput = Date.now();
      l1Stream.write(chunk);
      demux.push(chunk);
    });
    const silence = setInterval(() => {
      if (readyAt !== null && Date.now() - lastOutput > L1_SILENCE_SEC * 1000)
        killQemu(`L1 went silent for ${L1_SILENCE_SEC} s (wedged)`);
    }, 5000);
    child.stderr.on('data', (chunk: string) => {
      // TCG lists CPU features it cannot emulate on every boot: not news.
      qemuStderr += chunk
        .split('\n')
        .filter((l) => !/TCG doesn't support requested feature/.test(l))
        .join('\n');
    });
    let killTimer: NodeJS.Timeout | null = null;
    killQemu = (why: string) => {
      if (hostKilled) return;
      hostKilled = true;
      wedged = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    };
    const limit = setTimeout(() => killQemu(`L1 (QEMU) did not finish within ${limitSec} s`), limitSec * 1000);
    arm(L1_BOOT_ALLOWANCE_SEC, 'L1 did not come up');
    const done = (r: { code: number | null; signal: NodeJS.Signals | null; error?: string }) => {
      clearInterval(silence);
      clearTimeout(limit);
      if (watchdog) clearTimeout(watchdog);
      if (killTimer) clearTimeout(killTimer);
      resolve(r);
    };
    child.on('error', (err) => done({ code: null, signal: null, error: `cannot start ${qemu}: ${err.message}` }));
    child.on('close', (code, signal) => done({ code, signal }));
  });
  const transcript = demux.finish();
  const now = process.hrtime.bigint();
  await Promise.all(consoleFiles.map((f) => (f ? new Promise<void>((r) => f.end(r)) : Promise.resolve())));
  const l1Problem = describeL1Problem(transcript, exit, hostKilled ? wedged : null, qemuStderr);
  const secs = (t: bigint | null) => (t === null ? 'never' : `${(Number(t - t0) / 1e9).toFixed(1)} s`);
  appendFileSync(
    l1Log,
    `\n=== kickbench: L1 ready after ${secs(readyAt)}, QEMU ended after ${secs(now)}${l1Problem ? `; ${l1Problem}` : ''}\n`,
  );
  await new Promise<void>((r) => l1Stream.end(r));
  rmSync(work, { recursive: true, force: true });

  const cutShort = jobs.map((_, i) => l1Problem !== null && !transcript.jobs[i].ended);
  const results = jobs.map((job, i): VmJobResult => {
    const t = transcript.jobs[i];
    const p = logPaths(opts.logDir, job.id);
    if (t.stats !== null) writeFileSync(p.stats, t.stats);
    let stderr = t.stderr;
    if (!t.begun) stderr += `kickbench rig: job not started${l1Problem ? `: ${l1Problem}` : ''}\n`;
    else if (!t.ended) stderr += `kickbench rig: job did not finish${l1Problem ? `: ${l1Problem}` : ''}\n`;
    if (!t.begun) writeFileSync(p.console, '');
    writeFileSync(p.stderr, stderr);
    const guardFired = t.ended && t.status === 137 && (t.l1Seconds ?? 0) >= job.timeoutSec;
    const start = began[i];
    const end = ended[i] ?? (t.begun ? now : null);
    return {
      id: job.id,
      exitCode: t.ended && !guardFired ? t.status : null,
      console: t.console,
      stderr,
      stats: parseStatsJson(t.stats),
      timedOut: (t.ended && t.status === KICKVMM_EXIT.timeout) || guardFired || (t.begun && !t.ended && hostKilled),
      wallSeconds: start !== null && end !== null ? Number(end - start) / 1e9 : 0,
      where: 'nested',
    };
  });
  return { results, cutShort, l1Problem };
}

function describeL1Problem(
  t: ReturnType<RigDemux['finish']>,
  exit: { code: number | null; signal: NodeJS.Signals | null; error?: string },
  killedBecause: string | null,
  qemuStderr: string,
): string | null {
  if (exit.error) return exit.error;
  if (killedBecause) return `${killedBecause}; killed QEMU`;
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
