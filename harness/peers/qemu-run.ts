// Runs one guest under QEMU+KVM on this host and returns it in the same shape
// as a kickvmm job: console, exit status, and a stats object whose `kvm`
// counters carry the names kickvmm's own stats use. The guest ends with an
// i8042 reset; QEMU pauses there (see qemuArgs), kickbench reads the vCPU
// counters and the threads' CPU time, then asks QEMU to quit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, sumVcpuStats } from './qmp.js';
import { findQboot, qemuArgs, type QemuJob } from './qemu-args.js';
import type { PeerStats } from './peer-stats.js';

export const QEMU_BINARY = 'qemu-system-x86_64';

export interface QemuRunJob extends Omit<QemuJob, 'qmpSocket' | 'consoleFile' | 'bios'> {
  id: string;
  timeoutSec: number;
}

export interface QemuRunResult {
  id: string;
  /** 0 when the guest reached its reset and QEMU quit on request */
  exitCode: number | null;
  console: string;
  stderr: string;
  /** null when QEMU never reached the guest's end (nothing could be read) */
  stats: PeerStats | null;
  timedOut: boolean;
  wallSeconds: number;
}

/** QEMU's binary, or a one-line reason with the install command. */
export function findQemu(): { path: string } | { missing: string } {
  const r = spawnSync(QEMU_BINARY, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return {
      missing: `${QEMU_BINARY} not found: install it with: sudo apt-get install -y --no-install-recommends qemu-system-x86`,
    };
  }
  return { path: QEMU_BINARY };
}

export function qemuVersionLine(): string | null {
  const r = spawnSync(QEMU_BINARY, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? null) : null;
}

const TICKS = 100; // USER_HZ on Linux x86

/** CPU seconds of QEMU's threads, split into vCPU threads ("CPU n/KVM") and the rest. */
export function qemuThreadCpu(pid: number): { vcpu: number; other: number } {
  let vcpu = 0;
  let other = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { vcpu: 0, other: 0 };
  }
  for (const tid of tasks) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // fields after the ")" of comm: state is field 3; utime, stime are 14, 15
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(f[11]) + Number(f[12])) / TICKS;
      if (/^CPU \d+\/KVM$/.test(comm)) vcpu += seconds;
      else other += seconds;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { vcpu, other };
}

export async function runQemuLocal(job: QemuRunJob, logDir: string): Promise<QemuRunResult> {
  const work = mkdtempSync(join(tmpdir(), 'kickbench-qemu-'));
  const qmpSocket = join(work, 'qmp.sock');
  const consoleFile = join(logDir, `${job.id}.console.log`);
  writeFileSync(consoleFile, '');
  const args = qemuArgs({ ...job, qmpSocket, consoleFile, bios: findQboot() });
  const started = process.hrtime.bigint();
  let stderr = '';
  let timedOut = false;
  let stats: PeerStats | null = null;
  const child = spawn(QEMU_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      stderr += `cannot start ${QEMU_BINARY}: ${e.message}\n`;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let qmp: QmpClient | null = null;
  try {
    qmp = await QmpClient.open(qmpSocket, 15_000);
    const ended = await Promise.race([
      qmp.waitEvent(['STOP'], job.timeoutSec * 1000).then(() => 'paused' as const),
      exited.then(() => 'exited' as const),
    ]);
    if (ended === 'paused') {
      const cpu = child.pid ? qemuThreadCpu(child.pid) : { vcpu: 0, other: 0 };
      const vcpuStats = sumVcpuStats(await qmp.execute('query-stats', { target: 'vcpu' }));
      stats = {
        vmm: 'qemu',
        tscKhz: 0,
        wallSeconds: 0,
        mode: job.arm,
        iothread: Boolean(job.iothread),
        kvm: vcpuStats,
        vcpuCpuSeconds: cpu.vcpu,
        otherThreadsCpuSeconds: cpu.other,
        exitReason: 'clean',
      };
      await qmp.execute('quit').catch(() => undefined); // QEMU may close the socket before answering
    }
  } catch (e) {
    const msg = (e as Error).message;
    if (/no answer within/.test(msg) && /STOP/.test(msg)) timedOut = true;
    stderr += `kickbench: ${msg}\n`;
  } finally {
    qmp?.close();
  }
  const quitTimer = setTimeout(() => killGroup('SIGKILL'), 5000);
  if (timedOut || !stats) killGroup('SIGTERM');
  const code = await exited;
  clearTimeout(quitTimer);
  rmSync(work, { recursive: true, force: true });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (stats) {
    stats.wallSeconds = wallSeconds;
    stats.qemu = { version: qemuVersionLine(), args: [QEMU_BINARY, ...args] };
    writeFileSync(join(logDir, `${job.id}.stats.json`), JSON.stringify(stats, null, 2) + '\n');
  }
  writeFileSync(join(logDir, `${job.id}.stderr.log`), stderr);
  return {
    id: job.id,
    exitCode: timedOut || !stats ? null : code,
    console: existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '',
    stderr,
    stats,
    timedOut,
    wallSeconds,
  };
}
