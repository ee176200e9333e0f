// A metric across commits, per host and place: each commit's median per arm
// with a bootstrap CI, and the treatment/baseline ratio (ioeventfd/exit) with
// its CI. Runs of the same commit are pooled; commits keep the order in which
// they were first recorded.

import { bootstrapRatioCI, median, quantileSorted, type RatioCI } from '../stats/index.js';
import { mulberry32 } from '../stats/random.js';
import type { MetricRow } from './store.js';

export interface Estimate {
  value: number;
  low: number | null;
  high: number | null;
}

export interface CommitPoint {
  commit: string;
  runs: number;
  n: Record<string, number>;
  medians: Record<string, Estimate | null>;
  ratio: Estimate | null;
}

export interface TrendGroup {
  scenario: string;
  hostname: string;
  place: string;
  baselineArm: string;
  treatmentArm: string;
  points: CommitPoint[];
}

/** Percentile-bootstrap CI of a median; null below two values. */
export function medianCI(xs: readonly number[], level = 0.95, resamples = 2000, seed = 1): Estimate | null {
  if (xs.length === 0) return null;
  const value = median(xs);
  if (xs.length < 2) return { value, low: null, high: null };
  const rand = mulberry32(seed);
  const buf = new Float64Array(xs.length);
  const meds = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < buf.length; i++) buf[i] = xs[Math.floor(rand() * xs.length)];
    buf.sort();
    meds[r] = quantileSorted(buf, 0.5);
  }
  meds.sort();
  const tail = (1 - level) / 2;
  return { value, low: quantileSorted(meds, tail), high: quantileSorted(meds, 1 - tail) };
}

function ratioEstimate(base: number[], treat: number[]): Estimate | null {
  if (!base.length || !treat.length) return null;
  const b = median(base);
  if (b === 0) return null;
  const ci: RatioCI | null = bootstrapRatioCI(base, treat, { resamples: 2000 });
  return { value: median(treat) / b, low: ci?.low ?? null, high: ci?.high ?? null };
}

export function trends(rows: MetricRow[], baselineArm = 'exit', treatmentArm = 'ioeventfd'): TrendGroup[] {
  const groups = new Map<string, MetricRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.scenario, r.hostname, r.place]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: TrendGroup[] = [];
  for (const [key, rs] of groups) {
    const [scenario, hostname, place] = JSON.parse(key) as string[];
    const commits = [...new Set(rs.map((r) => r.commit))];
    const points = commits.map((commit): CommitPoint => {
      const mine = rs.filter((r) => r.commit === commit);
      const arms = [...new Set(mine.map((r) => r.arm))];
      const values = (arm: string) => mine.filter((r) => r.arm === arm).map((r) => r.value);
      return {
        commit,
        runs: new Set(mine.map((r) => r.runId)).size,
        n: Object.fromEntries(arms.map((a) => [a, values(a).length])),
        medians: Object.fromEntries(arms.map((a) => [a, medianCI(values(a))])),
        ratio: ratioEstimate(values(baselineArm), values(treatmentArm)),
      };
    });
    out.push({ scenario, hostname, place, baselineArm, treatmentArm, points });
  }
  return out;
}
