// Descriptive statistics. Empty input gives NaN rather than throwing, so a
// caller can summarise an arm with no usable samples and show it as such.

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Quantile of already-sorted values, linear interpolation between order statistics (R type 7, numpy default). */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  const n = s.length;
  if (n === 0) return NaN;
  if (q <= 0) return s[0];
  if (q >= 1) return s[n - 1];
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(sorted(xs), q);
}

export function quantiles(xs: readonly number[], qs: readonly number[]): number[] {
  const s = sorted(xs);
  return qs.map((q) => quantileSorted(s, q));
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (n − 1); NaN below two values. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Median absolute deviation from the median. Unscaled by default; pass
 * scale = 1.4826 for a consistent estimate of the sd of normal data.
 */
export function mad(xs: readonly number[], scale = 1): number {
  if (xs.length === 0) return NaN;
  const m = median(xs);
  return scale * median(xs.map((x) => Math.abs(x - m)));
}
