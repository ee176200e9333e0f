// Can a plan decide at all? Power, floors and alpha spending, before anything boots.
//
// With an exact rank test the smallest two-sided p at n1, n2 values is
// 2 / C(n1 + n2, n1) (complete separation), and Holm multiplies the smallest p
// of a family of m hypotheses by m. If m · 2 / C(n1 + n2, n1) >= alpha, no
// data whatsoever can give a verdict: such a plan only costs machine time.
// The same floor decides whether an exact 95% interval exists (see
// hodges-lehmann.ts), so an underpowered plan also has no honest interval.

import { binomial } from './ranks.js';
import { normalUpperTail } from './normal.js';

/** The smallest two-sided exact Mann-Whitney p-value at these sizes. */
export function exactPFloor(n1: number, n2: number): number {
  if (n1 < 1 || n2 < 1) return 1;
  return Math.min(1, 2 / binomial(n1 + n2, n1));
}

export interface PowerCheck {
  n1: number;
  n2: number;
  /** primary hypotheses in the Holm family */
  m: number;
  alpha: number;
  /** exactPFloor(n1, n2) */
  floor: number;
  /** m × floor: the smallest Holm-adjusted p any data can give */
  holmFloor: number;
  reachable: boolean;
  /** the smallest equal n per arm that could decide this family (even, so ABBA is balanced) */
  minEvenN: number;
}

/** The smallest even n per arm at which m hypotheses can reach alpha. */
export function minEvenNFor(m: number, alpha: number): number {
  for (let n = 2; n <= 1000; n += 2) if (Math.max(1, m) * exactPFloor(n, n) < alpha) return n;
  return Infinity;
}

export function powerCheck(n1: number, n2: number, m: number, alpha = 0.05): PowerCheck {
  const floor = exactPFloor(n1, n2);
  const holmFloor = Math.min(1, Math.max(1, m) * floor);
  return { n1, n2, m, alpha, floor, holmFloor, reachable: holmFloor < alpha, minEvenN: minEvenNFor(m, alpha) };
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(4);
}

/** One line for `run` and `compare`. */
export function powerLine(what: string, c: PowerCheck): string {
  const sizes = c.n1 === c.n2 ? `n=${c.n1} per arm` : `n=${c.n1}/${c.n2}`;
  const floor = `smallest possible p ${fmtP(c.floor)} x ${c.m} primary = ${fmtP(c.holmFloor)}`;
  if (c.reachable)
    return `power check: ${what}: ${sizes}, ${floor} < alpha ${+c.alpha.toPrecision(3)}: a verdict is reachable`;
  const need = Number.isFinite(c.minEvenN) ? `; needs n >= ${c.minEvenN} per arm` : '';
  return `power check: ${what}: ${sizes}, ${floor} >= alpha ${+c.alpha.toPrecision(3)}: NO verdict is reachable${need}`;
}

/** Inverse of the standard normal cdf (Acklam's rational approximation, refined by one Newton step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // one Newton step on Phi(x) = p
  const err = 1 - normalUpperTail(x) - p;
  return x - err * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
}

/**
 * Lan-DeMets O'Brien-Fleming-type spending: the two-sided alpha spent by
 * information fraction t (0 < t <= 1): 2 − 2Φ(z_{1−α/2} / √t). Spends almost
 * nothing early and nearly all of alpha at the last look.
 */
export function obrienFlemingSpent(t: number, alpha: number): number {
  if (t <= 0) return 0;
  const z = normalQuantile(1 - alpha / 2);
  return Math.min(alpha, 2 * normalUpperTail(z / Math.sqrt(Math.min(1, t))));
}

export interface Look {
  /** samples per arm at this look */
  n: number;
  /** the alpha this look may use: the spending increment (their sum is <= alpha, a union bound) */
  alpha: number;
}

/**
 * Pre-planned looks from n0 to maxN per arm in steps of `step` (the last look
 * is maxN), each with its O'Brien-Fleming spending increment. A look whose
 * increment could never give a verdict for m primary hypotheses (m × the exact
 * floor >= its alpha) is skipped and its alpha carried to the next look, so no
 * VM time goes to a look that cannot stop the run.
 */
export function plannedLooks(n0: number, maxN: number, alpha: number, step = 2, m = 1): Look[] {
  if (!(Number.isInteger(n0) && n0 >= 1)) throw new RangeError(`first look must be a positive integer, got ${n0}`);
  if (!(Number.isInteger(maxN) && maxN >= n0)) throw new RangeError(`--max-n must be an integer >= ${n0}`);
  const ns: number[] = [];
  for (let n = n0; n < maxN; n += step) ns.push(n);
  ns.push(maxN);
  let spent = 0;
  const looks: Look[] = [];
  for (const n of ns) {
    const total = obrienFlemingSpent(n / maxN, alpha);
    const increment = Math.max(0, total - spent);
    if (n !== maxN && Math.max(1, m) * exactPFloor(n, n) >= increment) continue;
    looks.push({ n, alpha: increment });
    spent = total;
  }
  return looks;
}

/** Asymptotic relative efficiency of the rank test vs the t test under normal errors. */
const RANK_EFFICIENCY = 3 / Math.PI;

export interface DetectableEffect {
  /** log-scale noise used: pooled SD of log values within arms */
  sigmaLog: number;
  /** smallest true change (percent) the rank test finds significant with the given power at this n */
  significantPct: number;
  /** smallest true change (percent) that gets a verdict (significant and whole CI beyond the threshold) */
  verdictPct: number;
  /** n per arm at which a true change of exactly the threshold is significant with the given power */
  nForThreshold: number;
}

/**
 * Minimum detectable effects for a metric with log-scale noise sigmaLog, n
 * per arm, m primary hypotheses (Holm: the first test runs at alpha/m), by the
 * normal approximation of the rank test (efficiency 3/π). The exact floor is
 * respected: below it nothing is detectable (Infinity).
 */
export function detectableEffect(
  sigmaLog: number,
  n: number,
  opts: { m?: number; alpha?: number; power?: number; thresholdPct?: number } = {},
): DetectableEffect {
  const m = Math.max(1, opts.m ?? 1);
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const t = Math.log(1 + (opts.thresholdPct ?? 5) / 100);
  const za = normalQuantile(1 - alpha / m / 2);
  const zb = normalQuantile(power);
  const se = (k: number) => (sigmaLog * Math.sqrt(2 / k)) / Math.sqrt(RANK_EFFICIENCY);
  const reachable = (k: number) => m * exactPFloor(k, k) < alpha;
  const pct = (logShift: number) => (Math.exp(logShift) - 1) * 100;
  const significantPct = reachable(n) ? pct((za + zb) * se(n)) : Infinity;
  const verdictPct = reachable(n) ? pct(t + (za + zb) * se(n)) : Infinity;
  let nForThreshold = Infinity;
  for (let k = 2; k <= 10000; k += 2) {
    if (reachable(k) && (za + zb) * se(k) <= t) {
      nForThreshold = k;
      break;
    }
  }
  return { sigmaLog, significantPct, verdictPct, nForThreshold };
}
