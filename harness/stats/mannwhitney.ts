// Mann-Whitney U (Wilcoxon rank-sum) test, two-sided.

import { normalUpperTail } from './normal.js';

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a_i, b_j) with a_i > b_j, ties counting 1/2 */
  u: number;
  /** two-sided p-value */
  p: number;
  method: 'exact' | 'normal';
}

/** Largest group size for the exact distribution (its counts stay well inside double precision). */
export const EXACT_MAX_N = 30;

/** counts[k] = number of orderings of m a's and n b's with U = k (largest element recursion). */
function exactCounts(m: number, n: number): number[] {
  // table[i][j] is the count array for sizes (i, j); build row by row.
  let prev: number[][] = [];
  for (let i = 0; i <= m; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n; j++) {
      if (i === 0 || j === 0) {
        row.push([1]);
        continue;
      }
      const out = new Array<number>(i * j + 1).fill(0);
      // the largest value is an a: it beats all j b's
      prev[j].forEach((c, k) => (out[k + j] += c));
      // the largest value is a b
      row[j - 1].forEach((c, k) => (out[k] += c));
      row.push(out);
    }
    prev = row;
  }
  return prev[n];
}

/** Midranks (1-based) of the pooled values, and the tie-group sizes. */
function rank(values: number[]): { ranks: number[]; ties: number[] } {
  const idx = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && idx[e + 1][0] === idx[s][0]) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[idx[k][1]] = r;
    if (e > s) ties.push(e - s + 1);
    s = e + 1;
  }
  return { ranks, ties };
}

/**
 * Two-sided Mann-Whitney test. Exact distribution when there are no ties and
 * both groups have at most EXACT_MAX_N values; otherwise the normal
 * approximation with tie and continuity corrections.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitney needs at least one value in each group');
  const { ranks, ties } = rank([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u = r1 - (n1 * (n1 + 1)) / 2;

  if (ties.length === 0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N) {
    const counts = exactCounts(n1, n2);
    let total = 0;
    for (const c of counts) total += c;
    let lower = 0;
    let upper = 0;
    counts.forEach((c, k) => {
      if (k <= u) lower += c;
      if (k >= u) upper += c;
    });
    const p = Math.min(1, (2 * Math.min(lower, upper)) / total);
    return { u, p, method: 'exact' };
  }

  const nn = n1 + n2;
  const tieSum = ties.reduce((s, t) => s + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (nn + 1 - tieSum / (nn * (nn - 1)));
  if (!(variance > 0)) return { u, p: 1, method: 'normal' }; // every value tied
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal' };
}
