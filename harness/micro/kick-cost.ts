// The doorbell micro-benchmark: what one kick costs the guest in each mode,
// beside the floor a minimal KVM_RUN loop reaches for the same `out`
// instruction with and without an ioeventfd. In-process (tinybench drives
// one VM per case, re-entered per batch) where this host has a KVM.
import { Bench } from 'tinybench';
import { truncateSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon, type BatchVm } from './addon.js';
import { paths } from '../paths.js';

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
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, '');
  truncateSync(disk, 16 * 1024 * 1024);
  const results: KickCost[] = [];
  try {
    for (const mode of ['exit', 'ioeventfd'] as Mode[]) {
      const vms: { name: string; vm: BatchVm }[] = [
        { name: 'kickvmm', vm: new addon.DoorbellVm({ kernel: paths.probeGuest(), disk, mode, kicksPerBatch: opts.kicksPerBatch, memMiB: 64 }) },
        { name: 'floor', vm: new addon.FloorVm({ ioeventfd: mode === 'ioeventfd', kicksPerBatch: opts.kicksPerBatch }) },
      ];
      try {
        const bench = new Bench({ time: opts.timeMs, warmupTime: opts.warmupMs });
        for (const { name, vm } of vms) bench.add(name, () => vm.runBatch());
        await bench.run();
        const per = (name: string) => {
          const t = bench.tasks.find((x) => x.name === name);
          const lat = t?.result?.latency;
          if (!lat) throw new Error(`micro: ${name} (${mode}) produced no samples${t?.result?.error ? `: ${t.result.error.message}` : ''}`);
          // tinybench reports milliseconds per call; one call is one batch of kicks.
          return { mean: (lat.mean * 1e6) / opts.kicksPerBatch, sd: (lat.sd * 1e6) / opts.kicksPerBatch, n: lat.samples.length };
        };
        const k = per('kickvmm');
        const f = per('floor');
        results.push({ mode, kickvmmNs: k.mean, kickvmmSdNs: k.sd, floorNs: f.mean, floorSdNs: f.sd, ratio: k.mean / f.mean, batches: k.n });
      } finally {
        for (const { vm } of vms) vm.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function formatKickCosts(costs: KickCost[], where: string): string {
  const lines = [
    `doorbell cost per kick (${where})`,
    `${'mode'.padEnd(10)} ${'kickvmm ns/kick'.padStart(18)} ${'floor ns/kick'.padStart(18)} ${'ratio'.padStart(7)}  goal <= 1.10x`,
  ];
  for (const c of costs) {
    const pm = (m: number, s: number) => `${m.toFixed(0)} ± ${s.toFixed(0)}`;
    lines.push(
      `${c.mode.padEnd(10)} ${pm(c.kickvmmNs, c.kickvmmSdNs).padStart(18)} ${pm(c.floorNs, c.floorSdNs).padStart(18)} ${`${c.ratio.toFixed(2)}x`.padStart(7)}  ${c.ratio <= 1.1 ? 'met' : 'NOT met'}`,
    );
  }
  const exit = costs.find((c) => c.mode === 'exit');
  const ioe = costs.find((c) => c.mode === 'ioeventfd');
  if (exit && ioe) lines.push(`ioeventfd kick is ${(exit.kickvmmNs / ioe.kickvmmNs).toFixed(2)}x cheaper than an exit kick for the guest's vCPU (floor: ${(exit.floorNs / ioe.floorNs).toFixed(2)}x)`);
  return `${lines.join('\n')}\n`;
}
