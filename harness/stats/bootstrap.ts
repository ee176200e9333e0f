// Percentile-bootstrap confidence interval for median(treat) / median(base).

import { quantileSorted } from './descriptive.js';
import { mulberry32 } from './random.js';

export interface RatioCI {
  low: number;
  high: number;
  /** e.g. 0.95 */
  level: number;
}

export interface BootstrapOptions {
  level?: number;
  resamples?: number;
  seed?: number;
}

/** Median of a scratch buffer (sorted in place). */
function medianInPlace(buf: Float64Array): number {
  buf.sort();
  return quantileSorted(buf, 0.5);
}

function ratio(t: number, b: number): number {
  if (b === 0) return t === 0 ? 1 : Infinity;
  return t / b;
}

/**
 * Resample each group independently with replacement (the groups are separate
 * VM runs, not pairs), take the ratio of medians, and return the central `level`
 * interval of those ratios. Null when either group has fewer than two values:
 * one value has no spread to resample.
 */
export function bootstrapRatioCI(
  base: readonly number[],
  treat: readonly number[],
  opts: BootstrapOptions = {},
): RatioCI | null {
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 10000;
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  if (!(Number.isInteger(resamples) && resamples >= 100))
    throw new RangeError(`bootstrap resamples must be an integer >= 100, got ${resamples}`);
  if (base.length < 2 || treat.length < 2) return null;
  const rand = mulberry32(opts.seed ?? 1);
  const bBuf = new Float64Array(base.length);
  const tBuf = new Float64Array(treat.length);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < bBuf.length; i++) bBuf[i] = base[Math.floor(rand() * base.length)];
    for (let i = 0; i < tBuf.length; i++) tBuf[i] = treat[Math.floor(rand() * treat.length)];
    ratios[r] = ratio(medianInPlace(tBuf), medianInPlace(bBuf));
  }
  ratios.sort();
  const tail = (1 - level) / 2;
  return { low: quantileSorted(ratios, tail), high: quantileSorted(ratios, 1 - tail), level };
}

/**
 * The same for a ratio of ratios: (median(t2)/median(b2)) / (median(t1)/median(b1)).
 * Used for the interaction "did head change the treatment/baseline ratio".
 */
export function bootstrapInteractionCI(
  b1: readonly number[],
  t1: readonly number[],
  b2: readonly number[],
  t2: readonly number[],
  opts: BootstrapOptions = {},
): RatioCI | null {
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 10000;
  const groups = [b1, t1, b2, t2];
  if (groups.some((g) => g.length < 2)) return null;
  const rand = mulberry32(opts.seed ?? 1);
  const bufs = groups.map((g) => new Float64Array(g.length));
  const out = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const med = groups.map((g, k) => {
      const buf = bufs[k];
      for (let i = 0; i < buf.length; i++) buf[i] = g[Math.floor(rand() * g.length)];
      return medianInPlace(buf);
    });
    out[r] = ratio(ratio(med[3], med[2]), ratio(med[1], med[0]));
  }
  out.sort();
  const tail = (1 - level) / 2;
  return { low: quantileSorted(out, tail), high: quantileSorted(out, 1 - tail), level };
}
