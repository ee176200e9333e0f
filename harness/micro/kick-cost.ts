// The doorbell micro-benchmark: what one kick costs kickvmm's vCPU in each
// arm, beside the floor (the same guest CPU mode, irqchip, notify port and
// kick path, with no device behind it; see native/core/measure/floor_bench.h).
// Every VM stays up for the whole run and is re-entered batch by batch in
// this process; rounds interleave the arms, and within a round the doorbell
// and the floor run ABBA, so slow drift of the host hits both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon, vcpuUsage, type BatchVm, type VcpuUsage } from './addon.js';
import { paths } from '../paths.js';
import { sparseFile } from '../assets/disk.js';
import { bootstrapRatioCI, median, type RatioCI } from '../stats/index.js';
import type { KickMode } from '../results/arms.js';

/** One case (kickvmm's doorbell or the floor) in one arm, medians over its measurements. */
export interface CaseCost {
  /** wall-clock ns per kick, as the guest sees it */
  wallNs: number;
  /** CPU ns of the vCPU thread per kick; NaN where not measured */
  vcpuCpuNs: number;
  /** context switches of the vCPU thread per kick (voluntary + involuntary); NaN where not measured */
  switches: number;
  /** involuntary ones (preemptions) per kick; NaN where not measured */
  preemptions: number;
  /** wall ns per kick of every measurement, in the order taken */
  wallSamples: number[];
}

export interface KickCost {
  mode: KickMode;
  kickvmm: CaseCost;
  floor: CaseCost;
  /** median(kickvmm wall) / median(floor wall): the goal is at most RATIO_GOAL */
  ratio: number;
  /** 95% percentile-bootstrap interval of that ratio; null with fewer than two measurements per case */
  ratioCI: RatioCI | null;
}

/** kickvmm's doorbell should cost at most this much more than the floor. Printed, not asserted. */
export const RATIO_GOAL = 1.05;

export interface KickCostOptions {
  arms: readonly KickMode[];
  kicksPerBatch: number;
  /** ABBA rounds; each gives every case two measurements */
  rounds: number;
  /** measuring time of one measurement, milliseconds (whole batches, at least one) */
  timeMs: number;
  log: (line: string) => void;
}

export interface Measurement {
  wallNs: number;
  vcpuCpuNs: number;
  switches: number;
  preemptions: number;
}

/** Runs whole batches for about `timeMs` and turns the vCPU's usage into per-kick figures. */
function measure(vm: BatchVm, kicksPerBatch: number, timeMs: number): Measurement {
  const before = vcpuUsage(vm);
  const t0 = process.hrtime.bigint();
  const budget = BigInt(Math.round(timeMs * 1e6));
  let batches = 0;
  do {
    vm.runBatch();
    batches++;
  } while (process.hrtime.bigint() - t0 < budget);
  const wall = Number(process.hrtime.bigint() - t0);
  const after = vcpuUsage(vm);
  const kicks = batches * kicksPerBatch;
  const d = (f: (u: VcpuUsage) => number) => (f(after) - f(before)) / kicks;
  return {
    wallNs: wall / kicks,
    vcpuCpuNs: d((u) => u.vcpuCpuSeconds) * 1e9,
    switches: d((u) => u.voluntary + u.involuntary),
    preemptions: d((u) => u.involuntary),
  };
}

export function summarizeCase(ms: Measurement[]): CaseCost {
  const med = (f: (m: Measurement) => number) => median(ms.map(f));
  return {
    wallNs: med((m) => m.wallNs),
    vcpuCpuNs: med((m) => m.vcpuCpuNs),
    switches: med((m) => m.switches),
    preemptions: med((m) => m.preemptions),
    wallSamples: ms.map((m) => m.wallNs),
  };
}

export function kickCostOf(mode: KickMode, kickvmm: CaseCost, floor: CaseCost): KickCost {
  return {
    mode,
    kickvmm,
    floor,
    ratio: kickvmm.wallNs / floor.wallNs,
    ratioCI: bootstrapRatioCI(floor.wallSamples, kickvmm.wallSamples),
  };
}

export async function measureKickCostInProcess(opts: KickCostOptions): Promise<KickCost[]> {
  const addon = loadAddon();
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-micro-'));
  const vms: { mode: KickMode; kickvmm: BatchVm; floor: BatchVm }[] = [];
  try {
    for (const mode of opts.arms) {
      opts.log(`micro: booting the doorbell VM and the floor (${mode})`);
      const kickvmm = new addon.DoorbellVm({
        kernel: paths.probeGuest(),
        disk: sparseFile(join(dir, `${mode}.img`), 16 * 1024 * 1024),
        mode,
        kicksPerBatch: opts.kicksPerBatch,
        memMiB: 64,
      });
      vms.push({ mode, kickvmm, floor: new addon.FloorVm({ mode, kicksPerBatch: opts.kicksPerBatch }) });
      // Warm-up: the probe guest's boot, first entries, page faults.
      kickvmm.runBatch();
      vms[vms.length - 1].floor.runBatch();
    }
    const taken = new Map<string, Measurement[]>();
    const keep = (key: string, m: Measurement) => taken.set(key, [...(taken.get(key) ?? []), m]);
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? vms : [...vms].reverse();
      for (const { mode, kickvmm, floor } of order) {
        // ABBA inside the round, BAAB in the next.
        const cases: [string, BatchVm][] = [
          ['kickvmm', kickvmm],
          ['floor', floor],
        ];
        const abba = round % 2 === 0 ? [...cases, ...[...cases].reverse()] : [...[...cases].reverse(), ...cases];
        const line: string[] = [];
        for (const [name, vm] of abba) {
          const m = measure(vm, opts.kicksPerBatch, opts.timeMs);
          keep(`${mode}/${name}`, m);
          line.push(`${name} ${m.wallNs.toFixed(0)}`);
        }
        opts.log(`micro: round ${round + 1}/${opts.rounds}, ${mode}: ns/kick ${line.join(', ')}`);
      }
    }
    return vms.map(({ mode }) =>
      kickCostOf(mode, summarizeCase(taken.get(`${mode}/kickvmm`)!), summarizeCase(taken.get(`${mode}/floor`)!)),
    );
  } finally {
    for (const v of vms) {
      v.kickvmm.close();
      v.floor.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
