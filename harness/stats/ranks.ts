// Exact two-sample rank-sum test that allows ties and right-censoring.
//
// A censored value (bonnie++'s `+++++`, "too fast to measure") is passed as
// +Infinity or −Infinity: beyond every measured value, tied with the other
// censored values on its side. Gehan's generalized Wilcoxon statistic counts
// a pair +1 when one value is surely greater, −1 when surely smaller and 0
// when the order is unknown; with every censored value beyond every measured
// one that is exactly the Mann-Whitney U with mid-ranks (2U − n1·n2), so one
// exact permutation distribution, conditional on the tie pattern, serves both.

import { normalUpperTail } from './normal.js';

export interface RankSumResult {
  /** Mann-Whitney U of `a`: pairs with a > b, ties (and censored-censored pairs) counting 1/2 */
  u: number;
  /** Gehan's statistic of `a`: sum over pairs of sign(a − b), unknown orders 0; equals 2U − n1·n2 */
  gehan: number;
  /** two-sided: 2 × the smaller tail of the exact permutation distribution, capped at 1 */
  p: number;
  method: 'exact' | 'normal';
  /** values given as ±Infinity in a and in b */
  censored: [number, number];
}

/** Largest pooled size for the exact distribution (the table stays small: N·n1·N² doubles). */
export const EXACT_RANKSUM_MAX_N = 120;

/** Doubled mid-ranks (integers) of the pooled values, and the sizes of tie groups. */
export function doubledMidranks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const idx = values.map((v, i) => [v, i] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && idx[e + 1][0] === idx[s][0]) e++;
    // mid-rank (s + e)/2 + 1, doubled: s + e + 2
    for (let k = s; k <= e; k++) ranks[idx[k][1]] = s + e + 2;
    if (e > s) ties.push(e - s + 1);
    s = e + 1;
  }
  return { ranks, ties };
}

/**
 * counts[s] = number of ways to choose `k` of the scores with sum s.
 * Scores are small non-negative integers (doubled ranks); a subset-sum table.
 */
export function subsetSumCounts(scores: readonly number[], k: number): Float64Array {
  const total = scores.reduce((s, x) => s + x, 0);
  // table[j][s]: subsets of size j with sum s, over the scores seen so far
  const table: Float64Array[] = [];
  for (let j = 0; j <= k; j++) table.push(new Float64Array(total + 1));
  table[0][0] = 1;
  let reach = 0;
  scores.forEach((sc, i) => {
    reach += sc;
    for (let j = Math.min(k, i + 1); j >= 1; j--) {
      const from = table[j - 1];
      const to = table[j];
      for (let s = reach; s >= sc; s--) if (from[s - sc] !== 0) to[s] += from[s - sc];
    }
  });
  return table[k];
}

function isNumber(v: number): boolean {
  return !Number.isNaN(v);
}

/**
 * Two-sided rank-sum test of a vs b. Exact (conditional on ties) up to
 * EXACT_RANKSUM_MAX_N pooled values, else the normal approximation with the
 * tie correction. Values may be ±Infinity (censored); NaN is refused.
 */
export function rankSumTest(a: readonly number[], b: readonly number[]): RankSumResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('rankSumTest needs at least one value in each group');
  if (![...a, ...b].every(isNumber)) throw new RangeError('rankSumTest: NaN is not a value');
  const censored: [number, number] = [
    a.filter((v) => !Number.isFinite(v)).length,
    b.filter((v) => !Number.isFinite(v)).length,
  ];
  const { ranks, ties } = doubledMidranks([...a, ...b]);
  let w = 0; // doubled rank sum of a
  for (let i = 0; i < n1; i++) w += ranks[i];
  const u = w / 2 - (n1 * (n1 + 1)) / 2;
  const gehan = 2 * u - n1 * n2;
  const nn = n1 + n2;
  if (nn <= EXACT_RANKSUM_MAX_N) {
    const counts = subsetSumCounts(ranks, n1);
    let total = 0;
    let lower = 0;
    let upper = 0;
    counts.forEach((c, s) => {
      if (c === 0) return;
      total += c;
      if (s <= w) lower += c;
      if (s >= w) upper += c;
    });
    return { u, gehan, p: Math.min(1, (2 * Math.min(lower, upper)) / total), method: 'exact', censored };
  }
  const tieSum = ties.reduce((s, t) => s + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (nn + 1 - tieSum / (nn * (nn - 1)));
  if (!(variance > 0)) return { u, gehan, p: 1, method: 'normal', censored };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, gehan, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', censored };
}

/** Binomial coefficient as a double (exact below 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * cdf[k] = P(U <= k) under H0 for untied samples of sizes n1, n2 (the exact
 * Mann-Whitney distribution), used to pick the order statistics of an interval.
 */
export function mannWhitneyCdf(n1: number, n2: number): number[] {
  const key = `${n1},${n2}`;
  let cdf = cdfCache.get(key);
  if (!cdf) {
    cdf = computeMannWhitneyCdf(n1, n2);
    cdfCache.set(key, cdf);
  }
  return cdf;
}

const cdfCache = new Map<string, number[]>();

function computeMannWhitneyCdf(n1: number, n2: number): number[] {
  const ranks = Array.from({ length: n1 + n2 }, (_, i) => 2 * (i + 1));
  const counts = subsetSumCounts(ranks, n1);
  const base = n1 * (n1 + 1); // doubled minimum rank sum
  const out: number[] = [];
  let total = 0;
  for (let s = base; s < counts.length; s += 2) total += counts[s];
  let run = 0;
  for (let s = base; s < counts.length; s += 2) {
    run += counts[s];
    out.push(run / total);
  }
  return out;
}
