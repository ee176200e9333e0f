// Paired analysis of interleaved runs. In ABBA order, round r runs one sample
// of each arm back to back (repetition index r in both arms), so slow drift
// of the host (thermal state, page cache, a neighbour) hits both alike. The
// per-round log ratio log(treat_r) − log(base_r) cancels that drift; the
// independent-arm analysis does not. Drift is "visible" when the arm-centred
// log values trend with the run order (Spearman's rho, permutation p < 0.05).

import { hodgesLehmannPaired, signedRankTest, type ShiftInterval } from './hodges-lehmann.js';
import { doubledMidranks } from './ranks.js';
import { median } from './descriptive.js';
import { mulberry32 } from './random.js';

/** One arm's value in one round: the log value (±Infinity when censored) and its run position. */
export interface RoundValue {
  round: number;
  order: number;
  log: number;
}

export interface PairedEstimate {
  /** rounds with a value in both arms */
  rounds: number;
  /** exp(Hodges-Lehmann of the per-round log ratios): the paired treat/base ratio */
  ratio: number | null;
  /** exact signed-rank interval of that ratio; null below 6 rounds at 95% (see noCiReason) */
  ci: ShiftInterval | null;
  noCiReason: string | null;
  /** exact two-sided Wilcoxon signed-rank p of the per-round log ratios */
  p: number | null;
  drift: DriftCheck | null;
}

export interface DriftCheck {
  /** Spearman correlation of arm-centred log values with the run order */
  rho: number;
  /** two-sided permutation p of rho (seeded) */
  p: number;
  visible: boolean;
}

/** Pearson correlation of two equal-length arrays; NaN when either is constant. */
function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho (Pearson on mid-ranks, like scipy.stats.spearmanr). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(doubledMidranks(x).ranks, doubledMidranks(y).ranks);
}

/** Spearman's rho with a two-sided permutation p (`permutations` shuffles of y, seeded). */
export function spearmanTest(
  x: readonly number[],
  y: readonly number[],
  seed: number,
  permutations = 2000,
): { rho: number; p: number } {
  const rx = doubledMidranks(x).ranks;
  const ry = doubledMidranks(y).ranks;
  const rho = pearson(rx, ry);
  if (!Number.isFinite(rho)) return { rho: 0, p: 1 };
  const rand = mulberry32(seed);
  const perm = [...ry];
  let extreme = 0;
  for (let k = 0; k < permutations; k++) {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    if (Math.abs(pearson(rx, perm)) >= Math.abs(rho) - 1e-12) extreme++;
  }
  return { rho, p: (extreme + 1) / (permutations + 1) };
}

/** Per-round paired estimate and the drift check for one metric. */
export function pairedEstimate(
  base: readonly RoundValue[],
  treat: readonly RoundValue[],
  opts: { level?: number; seed?: number } = {},
): PairedEstimate {
  const level = opts.level ?? 0.95;
  const byRound = new Map(base.map((v) => [v.round, v]));
  const d: number[] = [];
  for (const t of [...treat].sort((a, b) => a.round - b.round)) {
    const b = byRound.get(t.round);
    if (b) d.push(t.log - b.log);
  }
  const empty: PairedEstimate = {
    rounds: d.length,
    ratio: null,
    ci: null,
    noCiReason: 'no round has a value in both arms',
    p: null,
    drift: null,
  };
  if (d.length === 0) return empty;
  const hl = hodgesLehmannPaired(d, level);
  const finite = d.every((v) => !Number.isNaN(v));
  const test = finite ? signedRankTest(d) : null;
  return {
    rounds: d.length,
    ratio: hl.estimate === null ? null : Math.exp(hl.estimate),
    ci: hl.ci ? { ...hl.ci, low: Math.exp(hl.ci.low), high: Math.exp(hl.ci.high) } : null,
    noCiReason: hl.noCiReason,
    p: test ? test.p : null,
    drift: driftCheck(base, treat, opts.seed ?? 1),
  };
}

/** Do the arm-centred, measured log values trend with the run order? Needs 6 values or more. */
export function driftCheck(base: readonly RoundValue[], treat: readonly RoundValue[], seed: number): DriftCheck | null {
  const centred: { order: number; v: number }[] = [];
  for (const arm of [base, treat]) {
    const finite = arm.filter((x) => Number.isFinite(x.log));
    if (finite.length < 2) continue;
    const mid = median(finite.map((x) => x.log));
    for (const x of finite) centred.push({ order: x.order, v: x.log - mid });
  }
  if (centred.length < 6) return null;
  const { rho, p } = spearmanTest(
    centred.map((c) => c.order),
    centred.map((c) => c.v),
    seed,
  );
  return { rho, p, visible: p < 0.05 };
}
