// The doorbell micro-benchmark where this host has no KVM of its own: the
// same measurements, run by kickvmm inside the nested rig. tinybench cannot
// drive an in-process VM there, so each case is a VM whose probe guest
// repeats the doorbell workload; every repetition is one sample. The floor
// (a minimal KVM_RUN loop) is kickvmm's --floor, run in the same L1 boot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAssets, sparseFile } from '../assets/index.js';
import { runInRig, type VmJob } from '../launch/index.js';
import { paths } from '../paths.js';
import { parseProbeConsole, probeMetrics } from '../runner/probe-output.js';
import { mean, sd } from '../stats/index.js';
import { BLOCK_PHASES, formatBlockPhases, formatKickCosts, type KickCost, type Mode } from './kick-cost.js';

export interface RigMicroResult {
  where: 'nested';
  costs: KickCost[];
  blockPhases: Record<Mode, Record<string, number>>;
  text: string;
}

const REPEATS = 7;

export async function measureInRig(opts: { kicks: number; log: (l: string) => void }): Promise<RigMicroResult> {
  const assets = await ensureAssets({ log: opts.log });
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-micro-'));
  try {
    const disk = (name: string) => sparseFile(join(dir, `${name}.img`), 64 * 1024 * 1024);
    const doorbells = Array.from({ length: REPEATS }, () => `doorbell count=${opts.kicks}`).join('; ');
    const jobs: VmJob[] = [];
    for (const mode of ['exit', 'ioeventfd'] as Mode[]) {
      jobs.push({
        id: `doorbell-${mode}`,
        kernel: paths.probeGuest(),
        cmdline: doorbells,
        disk: disk(`d-${mode}`),
        mode,
        memMiB: 64,
        cpus: 1,
        timeoutSec: 600,
      });
      jobs.push({
        id: `floor-${mode}`,
        kernel: paths.probeGuest(),
        cmdline: '',
        disk: disk(`f-${mode}`),
        mode,
        memMiB: 64,
        cpus: 1,
        timeoutSec: 600,
        floor: { kicks: opts.kicks, repeats: REPEATS },
      });
      jobs.push({
        id: `block-${mode}`,
        kernel: paths.probeGuest(),
        cmdline: BLOCK_PHASES,
        disk: disk(`b-${mode}`),
        mode,
        memMiB: 64,
        cpus: 1,
        timeoutSec: 600,
      });
    }
    opts.log('micro: running the doorbell, the floor and the block phases in the nested rig (one outer guest)');
    const results = await runInRig(jobs, { assets, kickvmm: paths.kickvmm(), logDir: join(dir, 'logs') });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    const costs: KickCost[] = [];
    const blockPhases = {} as Record<Mode, Record<string, number>>;
    for (const mode of ['exit', 'ioeventfd'] as Mode[]) {
      const d = byId[`doorbell-${mode}`];
      const f = byId[`floor-${mode}`];
      if (d?.exitCode !== 0)
        throw new Error(`micro: the doorbell VM (${mode}) failed: ${d?.stderr.trim() || 'no result'}`);
      if (f?.exitCode !== 0) throw new Error(`micro: the floor (${mode}) failed: ${f?.stderr.trim() || 'no result'}`);
      // Each doorbell line of the probe is one sample of the cost per kick.
      const tscKhz = Number(d.stats?.tscKhz ?? 0);
      const perKick = parseProbeConsole(d.console)
        .lines.filter((l) => l.workload === 'doorbell')
        .map(
          (l) => probeMetrics({ lines: [l], errors: [], endStatus: 'ok' }, tscKhz).doorbell_ns_per_kick?.value ?? NaN,
        )
        .filter((v) => Number.isFinite(v));
      // One JSON object per floor repeat (kickvmm --floor), each a sample.
      const floorNs = f.console
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => Number((JSON.parse(l) as { nsPerKick?: number }).nsPerKick))
        .filter((v) => Number.isFinite(v));
      if (!perKick.length || !floorNs.length) throw new Error(`micro: no measurements came back for ${mode}`);
      costs.push({
        mode,
        kickvmmNs: mean(perKick),
        kickvmmSdNs: perKick.length > 1 ? sd(perKick) : 0,
        floorNs: mean(floorNs),
        floorSdNs: floorNs.length > 1 ? sd(floorNs) : 0,
        ratio: mean(perKick) / mean(floorNs),
        batches: perKick.length,
      });
      const b = byId[`block-${mode}`];
      if (b?.exitCode !== 0)
        throw new Error(`micro: the block-phase VM (${mode}) failed: ${b?.stderr.trim() || 'no result'}`);
      const m = probeMetrics(parseProbeConsole(b?.console ?? ''), Number(b?.stats?.tscKhz ?? 0));
      blockPhases[mode] = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.value ?? NaN]));
    }
    const where = 'nested rig: KVM inside QEMU TCG, not hardware numbers';
    const text = formatKickCosts(costs, where) + formatBlockPhases(blockPhases, where);
    return { where: 'nested', costs, blockPhases, text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
