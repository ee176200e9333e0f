// The N-API front of the VMM core, loaded in-process. Only the calls the
// harness uses are typed here; see native/addon/addon.cc.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { paths } from '../paths.js';
import type { KickMode } from '../results/arms.js';

export interface ProbeResult {
  devKvmExists: boolean;
  devKvmOpens: boolean;
  kvmKind: 'hardware' | 'emulating' | 'unknown' | 'none';
  capIoeventfd: boolean;
  capIrqfd: boolean;
  capBinaryStatsFd: boolean;
  error?: string;
  [k: string]: unknown;
}

export interface BatchVm {
  /** re-enters the VM until the guest's next batch marker; returns the exits to userspace in the batch */
  runBatch(): number;
  /** counters so far; both kinds of VM report vcpuCpuSeconds and vcpuContextSwitches */
  stats(): Record<string, unknown>;
  close(): void;
}

export interface KickvmmAddon {
  probe(): ProbeResult;
  DoorbellVm: new (opts: {
    kernel: string;
    disk: string;
    mode: KickMode;
    kicksPerBatch: number;
    memMiB?: number;
  }) => BatchVm;
  FloorVm: new (opts: { mode: KickMode; kicksPerBatch: number }) => BatchVm;
  runVm(
    opts: Record<string, unknown>,
  ): Promise<{ exitCode: number; exitReason: string; console: string; stats: Record<string, unknown> }>;
}

/** What the vCPU thread has used so far while running the guest. */
export interface VcpuUsage {
  vcpuCpuSeconds: number;
  voluntary: number;
  involuntary: number;
}

export function vcpuUsage(vm: BatchVm): VcpuUsage {
  const s = vm.stats() as {
    vcpuCpuSeconds?: number;
    vcpuContextSwitches?: { voluntary?: number; involuntary?: number };
  };
  return {
    vcpuCpuSeconds: Number(s.vcpuCpuSeconds ?? NaN),
    voluntary: Number(s.vcpuContextSwitches?.voluntary ?? NaN),
    involuntary: Number(s.vcpuContextSwitches?.involuntary ?? NaN),
  };
}

export function loadAddon(): KickvmmAddon {
  const file = paths.addon();
  if (!existsSync(file)) throw new Error(`the kickvmm addon is not built (${file}); run npm run build:native`);
  return createRequire(import.meta.url)(file) as KickvmmAddon;
}
