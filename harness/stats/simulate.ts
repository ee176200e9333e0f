// Operating characteristics of the shipped decision rule, by simulation.
// Each simulated comparison builds two result sets (base, head) exactly as the
// runner would write them, with m primary metrics of lognormal noise, and runs
// them through compareRuns() and the gate (judge()): the same code as
// `kickbench compare`, not a model of it.

import type { ResultSet, Sample } from '../results/schema.js';
import { resultSetOf } from '../results/synthetic.js';
import { judge, type GateOutcome } from '../report/compare-report.js';
import { compareRuns } from './analyze.js';
import { mulberry32 } from './random.js';

/** The three primary metrics of the seed scenario, plus more if m > 3. */
const PRIMARY = ['put_block', 'rewrite', 'get_block', 'putc', 'getc', 'seeks'];

export interface SimulationCell {
  /** measured samples per arm, in base and in head */
  n: number;
  /** coefficient of variation of every metric, e.g. 0.05 */
  cv: number;
  /** true relative change of the first primary metric in head, e.g. -0.2 for a 20% slower block write */
  change: number;
  /** primary metrics (the Holm family); default 3 */
  m?: number;
  thresholdPct?: number;
  alpha?: number;
}

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function simulatedSet(rand: () => number, cell: SimulationCell, head: boolean): ResultSet {
  const m = cell.m ?? 3;
  const sigma = Math.sqrt(Math.log(1 + cell.cv * cell.cv));
  const names = PRIMARY.slice(0, m);
  const samples: Sample[] = [];
  for (let i = 0; i < cell.n; i++) {
    const metrics: Sample['metrics'] = {};
    names.forEach((name, k) => {
      const centre = 100000 * (head && k === 0 ? 1 + cell.change : 1);
      metrics[name] = { value: centre * Math.exp(sigma * normal(rand)), status: 'ok', unit: 'KiB/s' };
    });
    samples.push({
      id: `sim/exit/run${i}`,
      scenario: 'sim',
      vmm: 'kickvmm',
      mode: 'exit',
      arm: 'exit',
      index: i,
      order: i,
      warmup: false,
      where: 'hardware',
      host: 'simulation',
      status: 'ok',
      startedAt: '2026-01-01T00:00:00.000Z',
      wallSeconds: 1,
      metrics,
      logs: {},
    });
  }
  return {
    ...resultSetOf(samples, [{ name: 'sim', definition: { primary: names } }], 'simulation'),
    completion: { planned: cell.n, done: cell.n, state: 'complete' },
  };
}

export interface SimulationResult {
  runs: number;
  /** fraction of runs with each gate outcome */
  rate: Record<GateOutcome, number>;
}

/** Runs `runs` simulated base/head comparisons through compareRuns and the gate. */
export function simulateGate(cell: SimulationCell, runs: number, seed: number): SimulationResult {
  const rand = mulberry32(seed);
  const count: Record<GateOutcome, number> = { pass: 0, regression: 0, 'cannot judge': 0 };
  for (let r = 0; r < runs; r++) {
    const base = simulatedSet(rand, cell, false);
    const head = simulatedSet(rand, cell, true);
    const cmp = compareRuns(base, head, { thresholdPct: cell.thresholdPct ?? 5, alpha: cell.alpha ?? 0.05 });
    count[judge(cmp, { base, head }).outcome]++;
  }
  return {
    runs,
    rate: {
      pass: count.pass / runs,
      regression: count.regression / runs,
      'cannot judge': count['cannot judge'] / runs,
    },
  };
}

export interface OcRow {
  cv: number;
  n: number;
  falsePositive: number;
  power10: number;
  power20: number;
  cannotJudge: number;
}

/** The operating-characteristics table: A/A false-regression rate and power at −10% / −20%. */
export function operatingCharacteristics(
  opts: { cvs?: number[]; ns?: number[]; runs?: number; seed?: number; m?: number; thresholdPct?: number } = {},
): OcRow[] {
  const rows: OcRow[] = [];
  const runs = opts.runs ?? 400;
  const seed = opts.seed ?? 1;
  for (const cv of opts.cvs ?? [0.02, 0.05, 0.15]) {
    for (const n of opts.ns ?? [4, 6, 8, 12]) {
      const cell = { n, cv, m: opts.m, thresholdPct: opts.thresholdPct };
      const aa = simulateGate({ ...cell, change: 0 }, runs, seed);
      const p10 = simulateGate({ ...cell, change: -0.1 }, runs, seed + 1);
      const p20 = simulateGate({ ...cell, change: -0.2 }, runs, seed + 2);
      rows.push({
        cv,
        n,
        falsePositive: aa.rate.regression,
        power10: p10.rate.regression,
        power20: p20.rate.regression,
        cannotJudge: aa.rate['cannot judge'],
      });
    }
  }
  return rows;
}
