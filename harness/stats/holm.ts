// Holm's step-down adjustment for a family of p-values.

/**
 * Holm-adjusted p-values, in the input order. Monotone in the sorted order and
 * capped at 1. Null entries (metrics with no test) are left out of the family
 * and stay null.
 */
export function holm(pValues: ReadonlyArray<number | null>): Array<number | null> {
  const present = pValues
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null && !Number.isNaN(x.p))
    .sort((x, y) => x.p - y.p);
  const m = present.length;
  const out: Array<number | null> = pValues.map(() => null);
  let running = 0;
  present.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}
