// The probe's bonnie++-like block phases in every arm: sequential writes,
// then reads of what was written, at 4 KiB and 64 KiB, depth 1 and 8. One
// fresh VM per arm and round; rounds run the arms in alternating order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from './addon.js';
import { paths } from '../paths.js';
import { sparseFile } from '../assets/disk.js';
import { parseProbeConsole, probeMetrics } from '../runner/probe-output.js';
import { median } from '../stats/index.js';
import type { KickMode } from '../results/arms.js';

/**
 * Blocks per request size: 512 KiB and 1 MiB per phase. An instruction-emulating
 * KVM moves about a MiB in seconds, so this keeps a run of all arms to minutes.
 */
const PHASE_COUNTS: [string, number][] = [
  ['4k', 128],
  ['64k', 16],
];

/** The probe command line: every write phase, then every read phase over the same blocks. */
export const BLOCK_PHASES = ['write', 'read']
  .flatMap((op) =>
    PHASE_COUNTS.flatMap(([bs, count]) => [1, 8].map((depth) => `${op} bs=${bs} count=${count} depth=${depth}`)),
  )
  .join('; ');

/** arm -> phase metric (e.g. write_4k_d8_mib_s) -> MiB/s */
export type BlockPhases = Partial<Record<KickMode, Record<string, number>>>;

/** Median MiB/s per phase of the probe's block phases, one VM per arm and round, in-process. */
export async function measureBlockPhasesInProcess(opts: {
  arms: readonly KickMode[];
  rounds: number;
  log: (line: string) => void;
}): Promise<BlockPhases> {
  const addon = loadAddon();
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-phases-'));
  const runs = new Map<KickMode, Record<string, number>[]>();
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? opts.arms : [...opts.arms].reverse();
      for (const mode of order) {
        opts.log(`micro: block phases, round ${round + 1}/${opts.rounds}, ${mode}`);
        const disk = sparseFile(join(dir, `${mode}-${round}.img`), 64 * 1024 * 1024);
        const r = await addon.runVm({
          kernel: paths.probeGuest(),
          disk,
          mode,
          memMiB: 64,
          cmdline: BLOCK_PHASES,
          timeout: 900,
        });
        rmSync(disk, { force: true });
        const report = parseProbeConsole(r.console);
        if (r.exitCode !== 0 || report.endStatus !== 'ok')
          throw new Error(`micro: the block-phase VM (${mode}) failed: ${r.exitReason}`);
        const metrics = probeMetrics(report, Number(r.stats.tscKhz ?? 0));
        runs.set(mode, [
          ...(runs.get(mode) ?? []),
          Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v.value ?? NaN])),
        ]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return medianPhases(runs);
}

/** Per arm and phase, the median over that arm's runs. */
export function medianPhases(runs: Map<KickMode, Record<string, number>[]>): BlockPhases {
  const out: BlockPhases = {};
  for (const [mode, list] of runs) {
    const names = Object.keys(list[0] ?? {});
    out[mode] = Object.fromEntries(names.map((n) => [n, median(list.map((r) => r[n]))]));
  }
  return out;
}
