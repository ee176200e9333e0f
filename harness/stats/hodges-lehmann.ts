// Hodges-Lehmann shift estimates with exact distribution-free intervals.
//
// Two samples (independent arms): the median of all differences y_j − x_i,
// with the interval from inverting the exact Mann-Whitney test (Bauer 1972):
// the k-th smallest and k-th largest difference, k the largest integer with
// P(U <= k − 1) <= (1 − level)/2. One sample (paired rounds): the median of
// the Walsh averages, with the interval from the exact signed-rank
// distribution. When even k = 1 is too wide a tail (n too small for the
// level), there is no honest interval and the functions return null.
//
// kickbench applies them to log values, so a shift is a log ratio; callers
// exponentiate. Censored values are ±Infinity: a difference with one side
// censored is ±Infinity (order known), with both sides censored it is
// unknown, and then no estimate or interval is given.

import { doubledMidranks, mannWhitneyCdf } from './ranks.js';
import { quantileSorted } from './descriptive.js';

export interface ShiftInterval {
  low: number;
  high: number;
  /** the nominal level asked for, e.g. 0.95 */
  level: number;
  /** the exact coverage of the chosen order statistics (>= level) */
  coverage: number;
}

export interface ShiftEstimate {
  /** the Hodges-Lehmann estimate; null when some difference is unknown */
  estimate: number | null;
  /** null when n is too small for the level, or some difference is unknown */
  ci: ShiftInterval | null;
  /** why there is no interval, for reports */
  noCiReason: string | null;
}

function sortedNumbers(xs: number[]): number[] {
  return xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Middle of sorted values; null when it would mix +Infinity and −Infinity. */
function middle(sorted: number[]): number | null {
  const m = quantileSorted(sorted, 0.5);
  return Number.isNaN(m) ? null : m;
}

/** Order-statistic index k (1-based) from a null cdf over 0..M, or 0 when none is small enough. */
function criticalK(cdf: ArrayLike<number>, tail: number): { k: number; coverage: number } {
  let k = 0;
  // P(stat <= k - 1) = cdf[k - 1] must stay <= tail
  while (k < cdf.length && cdf[k] <= tail + 1e-12) k++;
  return { k, coverage: k === 0 ? 0 : 1 - 2 * cdf[k - 1] };
}

/** Two-sample Hodges-Lehmann shift of y relative to x, and its exact Mann-Whitney-inverted interval. */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[], level = 0.95): ShiftEstimate {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (x.length === 0 || y.length === 0) return { estimate: null, ci: null, noCiReason: 'no values' };
  const diffs: number[] = [];
  for (const b of y) for (const a of x) diffs.push(b - a);
  if (diffs.some(Number.isNaN)) return { estimate: null, ci: null, noCiReason: 'both arms have censored (+++++) runs' };
  const d = sortedNumbers(diffs);
  const estimate = middle(d);
  const { k, coverage } = criticalK(mannWhitneyCdf(x.length, y.length), (1 - level) / 2);
  if (k === 0)
    return {
      estimate,
      ci: null,
      noCiReason: `n=${x.length}/${y.length} is too small for an exact ${Math.round(level * 100)}% interval`,
    };
  return { estimate, ci: { low: d[k - 1], high: d[d.length - k], level, coverage }, noCiReason: null };
}

/** cdf over T+ = 0..n(n+1)/2 of the exact signed-rank distribution for n untied, non-zero values. */
export function signedRankCdf(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s] += counts[s - r];
  const total = 2 ** n;
  const out: number[] = [];
  let run = 0;
  for (let s = 0; s <= max; s++) {
    run += counts[s];
    out.push(run / total);
  }
  return out;
}

export interface SignedRankResult {
  /** sum of the ranks of |d| over the positive d (zeros dropped, ties mid-ranked) */
  tPlus: number;
  /** two-sided exact p, conditional on ties; 1 when every d is zero */
  p: number;
  /** non-zero differences used */
  n: number;
}

/** Exact two-sided Wilcoxon signed-rank test (zeros dropped, like scipy's zero_method='wilcox'). */
export function signedRankTest(d: readonly number[]): SignedRankResult {
  const nz = d.filter((v) => v !== 0);
  if (nz.some(Number.isNaN)) throw new RangeError('signedRankTest: NaN is not a value');
  if (nz.length === 0) return { tPlus: 0, p: 1, n: 0 };
  const { ranks } = doubledMidranks(nz.map(Math.abs));
  let t2 = 0; // doubled T+
  nz.forEach((v, i) => {
    if (v > 0) t2 += ranks[i];
  });
  // every subset of the doubled ranks is equally likely to be the positive set
  const total = ranks.reduce((s, r) => s + r, 0);
  const counts = new Float64Array(total + 1);
  counts[0] = 1;
  for (const r of ranks) for (let s = total; s >= r; s--) counts[s] += counts[s - r];
  let lower = 0;
  let upper = 0;
  let all = 0;
  counts.forEach((c, s) => {
    all += c;
    if (s <= t2) lower += c;
    if (s >= t2) upper += c;
  });
  return { tPlus: t2 / 2, p: Math.min(1, (2 * Math.min(lower, upper)) / all), n: nz.length };
}

/** One-sample Hodges-Lehmann (median of Walsh averages) with the exact signed-rank interval. */
export function hodgesLehmannPaired(d: readonly number[], level = 0.95): ShiftEstimate {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const n = d.length;
  if (n === 0) return { estimate: null, ci: null, noCiReason: 'no complete rounds' };
  const walsh: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh.push((d[i] + d[j]) / 2);
  if (walsh.some(Number.isNaN))
    return { estimate: null, ci: null, noCiReason: 'a round has censored (+++++) runs on both sides' };
  const w = sortedNumbers(walsh);
  const estimate = middle(w);
  const { k, coverage } = criticalK(signedRankCdf(n), (1 - level) / 2);
  if (k === 0)
    return {
      estimate,
      ci: null,
      noCiReason: `${n} round(s) are too few for an exact ${Math.round(level * 100)}% paired interval`,
    };
  return { estimate, ci: { low: w[k - 1], high: w[w.length - k], level, coverage }, noCiReason: null };
}
