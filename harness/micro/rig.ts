// The doorbell micro-benchmark where this host has no KVM of its own: the
// same measurements, run by kickvmm inside the nested rig (one L1 boot). No
// in-process VM can be re-entered there, so the doorbell is a probe guest
// repeating its doorbell workload (each repetition one measurement, timed by
// the guest's TSC) and the floor is `kickvmm --floor MODE` repeated (each run
// one measurement). The jobs run one after another, not ABBA, and the
// doorbell's vCPU CPU time and context switches are not separable from its
// boot there, so only the floor reports them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAssets } from '../assets/cache.js';
import { sparseFile } from '../assets/disk.js';
import { runInRig, type VmJob } from '../launch/index.js';
import { paths } from '../paths.js';
import { parseProbeConsole, probeMetrics } from '../runner/probe-output.js';
import type { KickMode } from '../results/arms.js';
import { BLOCK_PHASES, medianPhases, type BlockPhases } from './block-phases.js';
import { kickCostOf, summarizeCase, type KickCost } from './kick-cost.js';
import { formatBlockPhases, formatKickCosts } from './format.js';

export interface RigMicroResult {
  where: 'nested';
  costs: KickCost[];
  blockPhases: BlockPhases;
  text: string;
}

const REPEATS = 7;

interface FloorLine {
  nsPerKick?: number;
  kicks?: number;
  vcpuCpuSeconds?: number;
  vcpuContextSwitches?: { voluntary?: number; involuntary?: number };
}

export async function measureInRig(opts: {
  arms: readonly KickMode[];
  kicks: number;
  log: (l: string) => void;
}): Promise<RigMicroResult> {
  const assets = await ensureAssets({ log: opts.log });
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-micro-'));
  try {
    const disk = (name: string) => sparseFile(join(dir, `${name}.img`), 64 * 1024 * 1024);
    const doorbells = Array.from({ length: REPEATS }, () => `doorbell count=${opts.kicks}`).join('; ');
    const base = { kernel: paths.probeGuest(), memMiB: 64, cpus: 1, timeoutSec: 900 };
    const jobs: VmJob[] = [];
    for (const mode of opts.arms) {
      jobs.push({ ...base, id: `doorbell-${mode}`, cmdline: doorbells, disk: disk(`d-${mode}`), mode });
      jobs.push({
        ...base,
        id: `floor-${mode}`,
        cmdline: '',
        disk: disk(`f-${mode}`),
        mode,
        floor: { kicks: opts.kicks, repeats: REPEATS },
      });
      jobs.push({ ...base, id: `block-${mode}`, cmdline: BLOCK_PHASES, disk: disk(`b-${mode}`), mode });
    }
    opts.log(
      `micro: running the doorbell, the floor and the block phases for ${opts.arms.join(', ')} in the nested rig (one outer guest, ${jobs.length} jobs)`,
    );
    const started = new Set<string>();
    const results = await runInRig(jobs, {
      assets,
      kickvmm: paths.kickvmm(),
      logDir: join(dir, 'logs'),
      // Progress: a job's first console output means it is running.
      onConsole: (id) => {
        if (started.has(id)) return;
        started.add(id);
        opts.log(`micro: nested rig: job ${started.size}/${jobs.length} (${id}) running`);
      },
    });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    const costs: KickCost[] = [];
    const phaseRuns = new Map<KickMode, Record<string, number>[]>();
    for (const mode of opts.arms) {
      const d = byId[`doorbell-${mode}`];
      const f = byId[`floor-${mode}`];
      if (d?.exitCode !== 0)
        throw new Error(`micro: the doorbell VM (${mode}) failed: ${d?.stderr.trim() || 'no result'}`);
      if (f?.exitCode !== 0) throw new Error(`micro: the floor (${mode}) failed: ${f?.stderr.trim() || 'no result'}`);
      const tscKhz = Number(d.stats?.tscKhz ?? 0);
      const doorbellNs = parseProbeConsole(d.console)
        .lines.filter((l) => l.workload === 'doorbell')
        .map(
          (l) => probeMetrics({ lines: [l], errors: [], endStatus: 'ok' }, tscKhz).doorbell_ns_per_kick?.value ?? NaN,
        )
        .filter((v) => Number.isFinite(v));
      const floors = f.console
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as FloorLine)
        .filter((l) => Number.isFinite(Number(l.nsPerKick)) && Number(l.kicks) > 0);
      if (!doorbellNs.length || !floors.length) throw new Error(`micro: no measurements came back for ${mode}`);
      const kickvmm = summarizeCase(
        doorbellNs.map((wallNs) => ({ wallNs, vcpuCpuNs: NaN, switches: NaN, preemptions: NaN })),
      );
      const floor = summarizeCase(
        floors.map((l) => {
          const kicks = Number(l.kicks);
          const cs = l.vcpuContextSwitches ?? {};
          return {
            wallNs: Number(l.nsPerKick),
            vcpuCpuNs: (Number(l.vcpuCpuSeconds ?? NaN) * 1e9) / kicks,
            switches: (Number(cs.voluntary ?? NaN) + Number(cs.involuntary ?? NaN)) / kicks,
            preemptions: Number(cs.involuntary ?? NaN) / kicks,
          };
        }),
      );
      costs.push(kickCostOf(mode, kickvmm, floor));
      const b = byId[`block-${mode}`];
      if (b?.exitCode !== 0)
        throw new Error(`micro: the block-phase VM (${mode}) failed: ${b?.stderr.trim() || 'no result'}`);
      const m = probeMetrics(parseProbeConsole(b?.console ?? ''), Number(b?.stats?.tscKhz ?? 0));
      phaseRuns.set(mode, [Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.value ?? NaN]))]);
    }
    const where = 'nested rig: KVM inside QEMU TCG, not hardware numbers';
    const blockPhases = medianPhases(phaseRuns);
    const text = formatKickCosts(costs, where) + formatBlockPhases(blockPhases, where, 1);
    return { where: 'nested', costs, blockPhases, text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
