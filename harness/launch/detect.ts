// What this host's KVM is (hardware, instruction-emulating, none) and whether QEMU
// is there for the nested rig; looked at once per process. The placement rule that
// turns these facts into a Place is in place.ts; runJobs runs jobs at a given Place.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { findTool } from '../assets/exec.js';
import type { GuestAssets } from '../assets/cache.js';
import type { ConsoleListener, VmJob, VmJobResult } from './job.js';
import type { Place } from './place.js';
import { runLocal } from './local.js';
import { EMULATING_REASON, kvmAccess } from './kvm-access.js';
import { runInRig } from './rig.js';

export type KvmKind = 'hardware' | 'emulating' | 'none';

export interface HostInfo {
  devKvm: boolean;
  kvmKind: KvmKind;
  /** how kvmKind was decided */
  kvmKindSource: 'kickvmm-probe' | 'cpuinfo' | 'no-dev-kvm';
  /** kickvmm --probe --json output, when it ran */
  probe: Record<string, unknown> | null;
  /** "7.2.19" or similar; null when QEMU is not installed */
  qemu: string | null;
  /** why KVM is not hardware KVM here (missing, no permission with the fix, emulating), or null */
  kvmReason: string | null;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1024 * 1024 }, (err, stdout) => {
      resolve({ ok: !err, stdout: stdout ?? '' });
    });
  });
}

export async function qemuVersion(): Promise<string | null> {
  const q = findTool('qemu-system-x86_64');
  if (!q) return null;
  const r = await run(q, ['--version'], 10_000);
  return /version\s+(\S+)/.exec(r.stdout)?.[1] ?? (r.stdout.split('\n')[0] || null);
}

function cpuHasVirtualization(): boolean {
  try {
    return /^flags\s*:.*\b(svm|vmx)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const cached = new Map<string, Promise<HostInfo>>();

/** Looks once per process and kickvmm binary; `kickvmm` defaults to KICKBENCH_KICKVMM or build/Release/kickvmm. */
export function detectHost(opts: { kickvmm?: string; refresh?: boolean } = {}): Promise<HostInfo> {
  const key = opts.kickvmm ?? '';
  if (!cached.has(key) || opts.refresh) cached.set(key, detect(opts.kickvmm));
  return cached.get(key)!;
}

async function defaultKickvmm(): Promise<string> {
  const { paths } = await import('../paths.js');
  return paths.kickvmm();
}

async function detect(kickvmmPath?: string): Promise<HostInfo> {
  const devKvm = existsSync('/dev/kvm');
  const access = kvmAccess();
  const qemu = await qemuVersion();
  let kvmKind: KvmKind = 'none';
  let source: HostInfo['kvmKindSource'] = 'no-dev-kvm';
  let probe: Record<string, unknown> | null = null;
  // A /dev/kvm this user cannot open is no KVM at all, whatever the CPU offers.
  if (devKvm && access.state === 'usable') {
    const kickvmm = kickvmmPath ?? (await defaultKickvmm());
    if (existsSync(kickvmm)) {
      const r = await run(kickvmm, ['--probe', '--json'], 30_000);
      try {
        const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
        probe = parsed;
        const kind = parsed.kvmKind ?? parsed.kind;
        if (kind === 'hardware' || kind === 'emulating' || kind === 'none') {
          kvmKind = kind;
          source = 'kickvmm-probe';
        }
      } catch {
        /* fall back to cpuinfo below */
      }
    }
    if (source !== 'kickvmm-probe') {
      // Without the probe, trust the CPU flags: no svm/vmx means KVM can only emulate.
      kvmKind = cpuHasVirtualization() ? 'hardware' : 'emulating';
      source = 'cpuinfo';
    }
  }
  const kvmReason = access.state !== 'usable' ? access.reason : kvmKind === 'emulating' ? EMULATING_REASON : null;
  return { devKvm, kvmKind, kvmKindSource: source, probe, qemu, kvmReason };
}

export interface RunJobsOptions {
  /** where the jobs run, decided by the caller with decidePlace (place.ts) */
  place: Place;
  kickvmm: string;
  logDir: string;
  /** needed for the nested rig */
  assets?: Pick<GuestAssets, 'l1'> | null;
  onConsole?: ConsoleListener;
  /** each job's result as soon as its VM ends */
  onResult?: (result: VmJobResult) => void;
  l1MemMiB?: number;
  l1TimeoutSec?: number;
  /** nested rig only: L1's vCPUs instead of every online CPU */
  l1Cpus?: number;
}

export async function runJobs(jobs: VmJob[], opts: RunJobsOptions): Promise<VmJobResult[]> {
  const { place } = opts;
  if (place === 'nested') {
    if (!opts.assets)
      throw new Error('the nested rig needs the guest assets (its L1 kernel and initramfs): run kickbench setup');
    return runInRig(jobs, {
      assets: opts.assets,
      kickvmm: opts.kickvmm,
      logDir: opts.logDir,
      onConsole: opts.onConsole,
      onResult: opts.onResult,
      l1MemMiB: opts.l1MemMiB,
      l1TimeoutSec: opts.l1TimeoutSec,
      l1Cpus: opts.l1Cpus,
    });
  }
  const results: VmJobResult[] = [];
  for (const job of jobs) {
    const r = await runLocal(job, {
      kickvmm: opts.kickvmm,
      logDir: opts.logDir,
      onConsole: opts.onConsole,
      where: place,
    });
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}
