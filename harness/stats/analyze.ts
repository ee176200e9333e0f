// analyze(): treatment arm vs baseline arm within one run set (exit vs
// ioeventfd, or A vs B for the noise floor). compareRuns(): the same metric
// in a base run set vs a head run set (the commit-vs-commit CI gate), plus the
// interaction: did head change the treatment/baseline ratio.
//
// The statistical unit is one VM run (one sample). Only samples with status
// 'ok' that are not warm-ups, and metric values with status 'ok', are used.

import { METRICS, metricInfo } from '../results/schema.js';
import type { Direction, MetricStatus, ResultSet, Sample, Place } from '../results/schema.js';
import { bootstrapInteractionCI, bootstrapRatioCI } from './bootstrap.js';
import type { RatioCI } from './bootstrap.js';
import { mean, median, sd } from './descriptive.js';
import { holm } from './holm.js';
import { placesOf } from '../launch/place.js';
import { isUsable } from '../results/usable.js';
import { mannWhitney } from './mannwhitney.js';
import { deriveSeed } from './random.js';
import { verdict } from './verdict.js';
import type { Verdict } from './verdict.js';

export interface AnalyzeOptions {
  /** default 'exit', or 'A' in an A/A run */
  baselineArm?: string;
  /** default 'ioeventfd', or 'B' in an A/A run */
  treatmentArm?: string;
  /** significance level for the Holm-adjusted p; default 0.05 */
  alpha?: number;
  /** smallest change that matters, percent; default 5 */
  thresholdPct?: number;
  /** confidence level of the ratio CI; default 0.95 */
  level?: number;
  /** bootstrap resamples; default 10000 */
  resamples?: number;
  /** PRNG seed; the same seed gives the same intervals; default 1 */
  seed?: number;
}

/** One side of a comparison: the values of one metric in one arm (or one run set). */
export interface ArmStats {
  /** what this side is: an arm name ('exit'), or 'base'/'head' for compareRuns */
  label: string;
  /** usable values (sample ok, not warm-up, metric ok) */
  n: number;
  /** the usable values, in run order */
  values: number[];
  median: number | null;
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  /** over the non-warm-up ok samples that report this metric: how many were ok / too_fast / not_run */
  statusCounts: Record<MetricStatus, number>;
}

export interface MetricComparison {
  scenario: string;
  /** compareRuns: the arm whose base and head are compared; analyze: null */
  arm: string | null;
  metric: string;
  label: string;
  unit: string;
  direction: Direction;
  /** 'ok' when both sides have at least one usable value; otherwise why not (too_fast wins over not_run) */
  status: MetricStatus;
  base: ArmStats;
  treat: ArmStats;
  /** median(treat) / median(base) */
  ratio: number | null;
  /** (ratio − 1) × 100 */
  changePct: number | null;
  /** percentile-bootstrap CI of the ratio; null below 2 values a side */
  ci: RatioCI | null;
  /** (ci.high − ci.low) / 2 × 100: in an A/A run, the minimum detectable effect */
  ciHalfWidthPct: number | null;
  /** two-sided Mann-Whitney p */
  p: number | null;
  pMethod: 'exact' | 'normal' | null;
  /** Holm-adjusted across the metrics of the group (scenario, or scenario × arm) */
  pAdjusted: number | null;
  /** null when status is not 'ok' */
  verdict: Verdict | null;
}

/** The metrics of one scenario (analyze) or one scenario × arm (compareRuns): one Holm family. */
export interface ScenarioAnalysis {
  scenario: string;
  arm: string | null;
  baseLabel: string;
  treatLabel: string;
  /** where the used samples ran; 'emulating' or 'nested' timings say nothing about hardware */
  where: Place[];
  metrics: MetricComparison[];
}

export interface NoiseFloor {
  scenario: string;
  metric: string;
  nBase: number;
  nTreat: number;
  /** CI half-width in percent: smaller true effects cannot be told from noise at this n */
  minDetectableEffectPct: number | null;
  /** an A/A comparison that came out 'improved' or 'regressed' (a false positive) */
  falseAlarm: boolean;
}

export interface VerdictCounts {
  improved: number;
  regressed: number;
  'no change': number;
  inconclusive: number;
  /** metrics with status too_fast / not_run (no verdict) */
  unmeasured: number;
}

interface Settings {
  alpha: number;
  thresholdPct: number;
  level: number;
  resamples: number;
  seed: number;
}

export interface Analysis extends Settings {
  baselineArm: string;
  treatmentArm: string;
  /** an A/A run: the comparisons measure noise, see noiseFloor */
  aa: boolean;
  scenarios: ScenarioAnalysis[];
  /** one entry per measured metric when aa, else empty */
  noiseFloor: NoiseFloor[];
  counts: VerdictCounts;
}

export interface Interaction {
  scenario: string;
  metric: string;
  label: string;
  unit: string;
  direction: Direction;
  /** median(treatment)/median(baseline) in the base run set, and in head */
  baseRatio: number | null;
  headRatio: number | null;
  /** headRatio / baseRatio */
  ratioOfRatios: number | null;
  changePct: number | null;
  ci: RatioCI | null;
  /** CI rule only (no p-value): wholly above 1 + t, below 1 − t, within ±t, else inconclusive */
  change: 'increased' | 'decreased' | 'no change' | 'inconclusive';
  /** the same read with the metric's direction: did the treatment's advantage grow or shrink */
  advantage: 'grew' | 'shrank' | 'no change' | 'inconclusive';
}

export interface RunComparison extends Settings {
  baselineArm: string;
  treatmentArm: string;
  /** one group per (scenario, arm) present in both run sets; base = base run set, treat = head */
  groups: ScenarioAnalysis[];
  /** per (scenario, metric) where both run sets have both arms */
  interactions: Interaction[];
  /** every comparison whose verdict is 'regressed' (the CI gate's answer) */
  regressions: MetricComparison[];
  counts: VerdictCounts;
}

function settings(opts: AnalyzeOptions): Settings {
  const s = {
    alpha: opts.alpha ?? 0.05,
    thresholdPct: opts.thresholdPct ?? 5,
    level: opts.level ?? 0.95,
    resamples: opts.resamples ?? 10000,
    seed: opts.seed ?? 1,
  };
  if (!(s.alpha > 0 && s.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${s.alpha}`);
  if (!(s.thresholdPct >= 0)) throw new RangeError(`thresholdPct must be >= 0, got ${s.thresholdPct}`);
  return s;
}

/** The schema's METRICS order first (bonnie++'s column order), then the rest alphabetically. */
function metricOrder(name: string): number {
  const i = METRICS.findIndex((m) => m.name === name);
  return i < 0 ? METRICS.length : i;
}

function sortMetrics(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => metricOrder(a) - metricOrder(b) || a.localeCompare(b));
}

function usable(rs: ResultSet, scenario: string, arm: string): Sample[] {
  return rs.samples
    .filter((s) => s.scenario === scenario && s.arm === arm && isUsable(s))
    .sort((a, b) => a.order - b.order);
}

function armStats(samples: Sample[], metric: string, label: string): ArmStats {
  const statusCounts: Record<MetricStatus, number> = { ok: 0, too_fast: 0, not_run: 0 };
  const values: number[] = [];
  for (const s of samples) {
    const m = s.metrics[metric];
    if (!m) continue;
    statusCounts[m.status]++;
    if (m.status === 'ok' && typeof m.value === 'number' && Number.isFinite(m.value)) values.push(m.value);
  }
  const n = values.length;
  const nz = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    label,
    n,
    values,
    median: n ? median(values) : null,
    mean: n ? mean(values) : null,
    sd: nz(sd(values)),
    min: n ? Math.min(...values) : null,
    max: n ? Math.max(...values) : null,
    statusCounts,
  };
}

function unitOf(metric: string, samples: Sample[]): string {
  const known = metricInfo(metric).unit;
  if (known) return known;
  for (const s of samples) if (s.metrics[metric]?.unit) return s.metrics[metric].unit;
  return '';
}

/** Compare one metric between two sets of samples (no Holm, no verdict yet). */
function compareMetric(
  scenario: string,
  arm: string | null,
  metric: string,
  baseSamples: Sample[],
  treatSamples: Sample[],
  labels: [string, string],
  st: Settings,
): MetricComparison {
  const info = metricInfo(metric);
  const base = armStats(baseSamples, metric, labels[0]);
  const treat = armStats(treatSamples, metric, labels[1]);
  const measured = base.n > 0 && treat.n > 0;
  const status: MetricStatus = measured
    ? 'ok'
    : base.statusCounts.too_fast + treat.statusCounts.too_fast > 0
      ? 'too_fast'
      : 'not_run';
  const out: MetricComparison = {
    scenario,
    arm,
    metric,
    label: info.label,
    unit: unitOf(metric, [...baseSamples, ...treatSamples]),
    direction: info.direction,
    status,
    base,
    treat,
    ratio: null,
    changePct: null,
    ci: null,
    ciHalfWidthPct: null,
    p: null,
    pMethod: null,
    pAdjusted: null,
    verdict: null,
  };
  if (!measured) return out;
  if (base.median !== null && treat.median !== null && base.median !== 0) {
    out.ratio = treat.median / base.median;
    out.changePct = (out.ratio - 1) * 100;
  }
  if (out.ratio !== null) {
    out.ci = bootstrapRatioCI(base.values, treat.values, {
      level: st.level,
      resamples: st.resamples,
      seed: deriveSeed(st.seed, scenario, arm ?? '', metric),
    });
    if (out.ci && Number.isFinite(out.ci.low) && Number.isFinite(out.ci.high))
      out.ciHalfWidthPct = ((out.ci.high - out.ci.low) / 2) * 100;
  }
  const mw = mannWhitney(base.values, treat.values);
  out.p = mw.p;
  out.pMethod = mw.method;
  return out;
}

/** Holm within each metric family of the group (primary, secondary), then the verdicts. */
function finishGroup(metrics: MetricComparison[], st: Settings): void {
  for (const family of ['primary', 'secondary'] as const) {
    const members = metrics.filter((m) => metricInfo(m.metric).family === family);
    const adjusted = holm(members.map((m) => m.p));
    members.forEach((m, i) => (m.pAdjusted = adjusted[i]));
  }
  metrics.forEach((m) => {
    if (m.status !== 'ok') return;
    m.verdict = verdict({
      direction: m.direction,
      ci: m.ci,
      pAdjusted: m.pAdjusted,
      nBase: m.base.n,
      nTreat: m.treat.n,
      alpha: st.alpha,
      thresholdPct: st.thresholdPct,
    });
  });
}

function countVerdicts(groups: ScenarioAnalysis[]): VerdictCounts {
  const c: VerdictCounts = { improved: 0, regressed: 0, 'no change': 0, inconclusive: 0, unmeasured: 0 };
  for (const g of groups) for (const m of g.metrics) c[m.verdict ?? 'unmeasured']++;
  return c;
}

function scenarioNames(rs: ResultSet): string[] {
  const names = rs.scenarios.map((s) => s.name);
  for (const s of rs.samples) if (!names.includes(s.scenario)) names.push(s.scenario);
  return names;
}

function armsOf(rs: ResultSet): Set<string> {
  return new Set(rs.samples.map((s) => s.arm));
}

function defaultArms(rs: ResultSet, opts: AnalyzeOptions): [string, string] {
  const arms = armsOf(rs);
  const aa = rs.aa === true || (arms.has('A') && arms.has('B') && !arms.has('exit'));
  const base = opts.baselineArm ?? (aa ? 'A' : 'exit');
  const treat = opts.treatmentArm ?? (aa ? 'B' : 'ioeventfd');
  if (base === treat) throw new Error(`baseline and treatment arm are both '${base}'`);
  return [base, treat];
}

function requireArms(rs: ResultSet, arms: string[], what: string): void {
  const present = armsOf(rs);
  for (const a of arms) {
    if (!present.has(a))
      throw new Error(`${what}: no samples for arm '${a}' (arms present: ${[...present].join(', ') || 'none'})`);
  }
}

function metricNames(samples: Sample[]): string[] {
  return sortMetrics(samples.flatMap((s) => Object.keys(s.metrics)));
}

/** Treatment arm vs baseline arm, per scenario and metric. */
export function analyze(rs: ResultSet, opts: AnalyzeOptions = {}): Analysis {
  const st = settings(opts);
  const [baselineArm, treatmentArm] = defaultArms(rs, opts);
  requireArms(rs, [baselineArm, treatmentArm], 'analyze');
  const aa = rs.aa === true || (baselineArm === 'A' && treatmentArm === 'B');
  const scenarios: ScenarioAnalysis[] = [];
  for (const scenario of scenarioNames(rs)) {
    const b = usable(rs, scenario, baselineArm);
    const t = usable(rs, scenario, treatmentArm);
    if (b.length === 0 && t.length === 0) continue;
    const metrics = metricNames([...b, ...t]).map((m) =>
      compareMetric(scenario, null, m, b, t, [baselineArm, treatmentArm], st),
    );
    finishGroup(metrics, st);
    scenarios.push({
      scenario,
      arm: null,
      baseLabel: baselineArm,
      treatLabel: treatmentArm,
      where: placesOf([...b, ...t]),
      metrics,
    });
  }
  const noiseFloor: NoiseFloor[] = [];
  if (aa) {
    for (const g of scenarios) {
      for (const m of g.metrics) {
        if (m.status !== 'ok') continue;
        noiseFloor.push({
          scenario: g.scenario,
          metric: m.metric,
          nBase: m.base.n,
          nTreat: m.treat.n,
          minDetectableEffectPct: m.ciHalfWidthPct,
          falseAlarm: m.verdict === 'improved' || m.verdict === 'regressed',
        });
      }
    }
  }
  return { ...st, baselineArm, treatmentArm, aa, scenarios, noiseFloor, counts: countVerdicts(scenarios) };
}

function interactionOf(
  scenario: string,
  metric: string,
  base: ResultSet,
  head: ResultSet,
  arms: [string, string],
  st: Settings,
): Interaction {
  const info = metricInfo(metric);
  const vals = (rs: ResultSet, arm: string): number[] => armStats(usable(rs, scenario, arm), metric, arm).values;
  const [b1, t1, b2, t2] = [vals(base, arms[0]), vals(base, arms[1]), vals(head, arms[0]), vals(head, arms[1])];
  const r = (t: number[], b: number[]): number | null => {
    if (!t.length || !b.length) return null;
    const mb = median(b);
    return mb === 0 ? null : median(t) / mb;
  };
  const baseRatio = r(t1, b1);
  const headRatio = r(t2, b2);
  const ratioOfRatios = baseRatio !== null && headRatio !== null && baseRatio !== 0 ? headRatio / baseRatio : null;
  const ci =
    ratioOfRatios === null
      ? null
      : bootstrapInteractionCI(b1, t1, b2, t2, {
          level: st.level,
          resamples: st.resamples,
          seed: deriveSeed(st.seed, 'interaction', scenario, metric),
        });
  const t = st.thresholdPct / 100;
  let change: Interaction['change'] = 'inconclusive';
  if (ci && ci.low > 1 + t) change = 'increased';
  else if (ci && ci.high < 1 - t) change = 'decreased';
  else if (ci && ci.low >= 1 - t && ci.high <= 1 + t) change = 'no change';
  const grows = info.direction === 'higher' ? 'increased' : 'decreased';
  const advantage: Interaction['advantage'] =
    change === 'inconclusive' || change === 'no change' ? change : change === grows ? 'grew' : 'shrank';
  return {
    scenario,
    metric,
    label: info.label,
    unit: info.unit,
    direction: info.direction,
    baseRatio,
    headRatio,
    ratioOfRatios,
    changePct: ratioOfRatios === null ? null : (ratioOfRatios - 1) * 100,
    ci,
    change,
    advantage,
  };
}

/** Head vs base for every (scenario, arm, metric) in both, and the interaction per (scenario, metric). */
export function compareRuns(base: ResultSet, head: ResultSet, opts: AnalyzeOptions = {}): RunComparison {
  const st = settings(opts);
  const [baselineArm, treatmentArm] = defaultArms(base, opts);
  const headScenarios = new Set(scenarioNames(head));
  const groups: ScenarioAnalysis[] = [];
  const interactions: Interaction[] = [];
  for (const scenario of scenarioNames(base).filter((s) => headScenarios.has(s))) {
    const arms = [...armsOf(base)].filter((a) => armsOf(head).has(a)).sort();
    for (const arm of arms) {
      const b = usable(base, scenario, arm);
      const h = usable(head, scenario, arm);
      if (b.length === 0 || h.length === 0) continue;
      const inHead = new Set(metricNames(h));
      const metrics = metricNames(b)
        .filter((m) => inHead.has(m))
        .map((m) => compareMetric(scenario, arm, m, b, h, ['base', 'head'], st));
      finishGroup(metrics, st);
      groups.push({ scenario, arm, baseLabel: 'base', treatLabel: 'head', where: placesOf([...b, ...h]), metrics });
    }
    const four = [
      usable(base, scenario, baselineArm),
      usable(base, scenario, treatmentArm),
      usable(head, scenario, baselineArm),
      usable(head, scenario, treatmentArm),
    ];
    if (four.every((s) => s.length > 0)) {
      const common = four.map((s) => new Set(metricNames(s)));
      for (const metric of sortMetrics(common[0])) {
        if (common.every((c) => c.has(metric)))
          interactions.push(interactionOf(scenario, metric, base, head, [baselineArm, treatmentArm], st));
      }
    }
  }
  const regressions = groups.flatMap((g) => g.metrics.filter((m) => m.verdict === 'regressed'));
  return { ...st, baselineArm, treatmentArm, groups, interactions, regressions, counts: countVerdicts(groups) };
}
