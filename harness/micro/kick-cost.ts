// The doorbell micro-benchmark: what one kick costs the guest in each mode,
// beside the floor a minimal KVM_RUN loop reaches for the same `out`
// instruction with and without an ioeventfd. In-process (tinybench drives
// one VM per case, re-entered per batch) where this host has a KVM.
import { Bench } from 'tinybench';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon, type BatchVm } from './addon.js';
import { paths } from '../paths.js';
import { sparseFile } from '../assets/disk.js';
import { parseProbeConsole, probeMetrics } from '../runner/probe-output.js';

export type Mode = 'exit' | 'ioeventfd';

export interface KickCost {
  mode: Mode;
  /** mean ns per kick through kickvmm's virtio device */
  kickvmmNs: number;
  kickvmmSdNs: number;
  /** mean ns per kick of the minimal KVM_RUN loop */
  floorNs: number;
  floorSdNs: number;
  /** kickvmm / floor: the goal is at most 1.10 */
  ratio: number;
  batches: number;
}

export interface KickCostOptions {
  kicksPerBatch: number;
  /** tinybench time budget per case, ms */
  timeMs: number;
  warmupMs: number;
}

export async function measureKickCostInProcess(opts: KickCostOptions): Promise<KickCost[]> {
  const addon = loadAddon();
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-micro-'));
  const disk = sparseFile(join(dir, 'disk.img'), 16 * 1024 * 1024);
  const results: KickCost[] = [];
  try {
    for (const mode of ['exit', 'ioeventfd'] as Mode[]) {
      const vms: { name: string; vm: BatchVm }[] = [
        {
          name: 'kickvmm',
          vm: new addon.DoorbellVm({
            kernel: paths.probeGuest(),
            disk,
            mode,
            kicksPerBatch: opts.kicksPerBatch,
            memMiB: 64,
          }),
        },
        {
          name: 'floor',
          vm: new addon.FloorVm({ mode, kicksPerBatch: opts.kicksPerBatch }),
        },
      ];
      try {
        const bench = new Bench({ time: opts.timeMs, warmupTime: opts.warmupMs });
        for (const { name, vm } of vms) bench.add(name, () => vm.runBatch());
        await bench.run();
        const per = (name: string) => {
          const t = bench.tasks.find((x) => x.name === name);
          const lat = t?.result?.latency;
          if (!lat)
            throw new Error(
              `micro: ${name} (${mode}) produced no samples${t?.result?.error ? `: ${t.result.error.message}` : ''}`,
            );
          // tinybench reports milliseconds per call; one call is one batch of kicks.
          return {
            mean: (lat.mean * 1e6) / opts.kicksPerBatch,
            sd: (lat.sd * 1e6) / opts.kicksPerBatch,
            n: lat.samples.length,
          };
        };
        const k = per('kickvmm');
        const f = per('floor');
        results.push({
          mode,
          kickvmmNs: k.mean,
          kickvmmSdNs: k.sd,
          floorNs: f.mean,
          floorSdNs: f.sd,
          ratio: k.mean / f.mean,
          batches: k.n,
        });
      } finally {
        for (const { vm } of vms) vm.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The probe's bonnie++-like block phases, shared by the in-process and rig paths. */
export const BLOCK_PHASES =
  'write bs=4k count=1024; write bs=64k count=256; read bs=4k count=1024; read bs=64k count=256; read bs=64k count=256 depth=8';

/** MiB/s per block phase in each mode, one VM per mode through the addon. */
export async function measureBlockPhasesInProcess(): Promise<Record<Mode, Record<string, number>>> {
  const addon = loadAddon();
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-phases-'));
  const out = {} as Record<Mode, Record<string, number>>;
  try {
    for (const mode of ['exit', 'ioeventfd'] as Mode[]) {
      const disk = sparseFile(join(dir, `${mode}.img`), 64 * 1024 * 1024);
      const r = await addon.runVm({
        kernel: paths.probeGuest(),
        disk,
        mode,
        memMiB: 64,
        cmdline: BLOCK_PHASES,
        timeout: 600,
      });
      const report = parseProbeConsole(r.console);
      if (r.exitCode !== 0 || report.endStatus !== 'ok')
        throw new Error(`micro: the block-phase VM (${mode}) failed: ${r.exitReason}`);
      const metrics = probeMetrics(report, Number(r.stats.tscKhz ?? 0));
      out[mode] = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v.value ?? NaN]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function formatBlockPhases(phases: Record<Mode, Record<string, number>>, where: string): string {
  const lines = [
    '',
    `probe block phases, MiB/s (${where})`,
    `${'phase'.padEnd(22)} ${'exit'.padStart(10)} ${'ioeventfd'.padStart(10)}`,
  ];
  for (const n of Object.keys(phases.exit ?? {})) {
    lines.push(
      `${n.padEnd(22)} ${phases.exit[n].toFixed(1).padStart(10)} ${(phases.ioeventfd?.[n] ?? NaN).toFixed(1).padStart(10)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatKickCosts(costs: KickCost[], where: string): string {
  const lines = [
    `doorbell cost per kick (${where})`,
    `${'mode'.padEnd(10)} ${'kickvmm ns/kick'.padStart(18)} ${'floor ns/kick'.padStart(18)} ${'ratio'.padStart(7)}  goal <= 1.10x`,
  ];
  for (const c of costs) {
    const pm = (m: number, s: number) => `${m.toFixed(0)} ± ${s.toFixed(0)}`;
    lines.push(
      `${c.mode.padEnd(10)} ${pm(c.kickvmmNs, c.kickvmmSdNs).padStart(18)} ${pm(c.floorNs, c.floorSdNs).padStart(18)} ` +
        `${`${c.ratio.toFixed(2)}x`.padStart(7)}  ${c.ratio <= 1.1 ? 'met' : 'NOT met'}`,
    );
  }
  const exit = costs.find((c) => c.mode === 'exit');
  const ioe = costs.find((c) => c.mode === 'ioeventfd');
  if (exit && ioe)
    lines.push(
      `an ioeventfd kick costs the guest's vCPU ${(ioe.kickvmmNs / exit.kickvmmNs).toFixed(2)}x an exit kick ` +
        `(floor: ${(ioe.floorNs / exit.floorNs).toFixed(2)}x; below 1 means ioeventfd is cheaper)`,
    );
  return `${lines.join('\n')}\n`;
}
