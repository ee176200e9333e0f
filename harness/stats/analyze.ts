// analyze(): treatment arm vs baseline arm within one run set (exit vs
// ioeventfd, or A vs B for the noise floor). compareRuns(): the same metric
// in a base run set vs a head run set (the commit-vs-commit CI gate), plus the
// interaction: did head change the treatment/baseline ratio.
//
// The statistical unit is one VM run (one sample). Only samples with status
// 'ok' that are not warm-ups, and metric values with status 'ok', are used.

import { METRICS, metricInfo } from '../results/schema.js';
import type { Direction, MetricStatus, ResultSet, Sample, Place } from '../results/schema.js';
import { placesOf } from '../launch/place.js';
import { bootstrapInteractionCI } from './bootstrap.js';
import type { RatioCI } from './bootstrap.js';
import { mean, median, sd } from './descriptive.js';
import { hodgesLehmannShift } from './hodges-lehmann.js';
import { holm } from './holm.js';
import { isUsable } from '../results/usable.js';
import { pairedEstimate, type PairedEstimate, type RoundValue } from './paired.js';
import { detectableEffect, powerCheck, type PowerCheck } from './power.js';
import { rankSumTest } from './ranks.js';
import { deriveSeed } from './random.js';
import { verdict } from './verdict.js';
import type { Verdict } from './verdict.js';

/** The interaction's bootstrap interval is shown only from this many values per group (it under-covers below). */
export const BOOTSTRAP_MIN_N = 5;

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
  /** PRNG seed for every resampling (bootstrap, permutations); default: the run's recorded seed, else 1 */
  seed?: number;
  /** scenario -> its primary metrics; default: each scenario definition's `primary` list */
  primary?: Record<string, string[]>;
}

/** One side of a comparison: the values of one metric in one arm (or one run set). */
export interface ArmStats {
  /** what this side is: an arm name ('exit'), or 'base'/'head' for compareRuns */
  label: string;
  /** usable runs: measured values plus censored (+++++) runs; sample ok, not warm-up */
  n: number;
  /** runs bonnie++ found too fast to measure (+++++): counted in n and in ranks as faster than any measured run */
  censored: number;
  /** the measured values, in run order (censored runs are not in here) */
  values: number[];
  /** median over all n runs with the censored ones beyond every measured one; null when a censored run is in the middle */
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
  /** 'primary': a pre-declared hypothesis the gate decides on; 'secondary': explanatory, never gates */
  role: 'primary' | 'secondary';
  /** treat / base as exp(Hodges-Lehmann shift of the log values); falls back to medianRatio when censoring leaves it unknown */
  ratio: number | null;
  /** median(treat) / median(base), where both medians are defined */
  medianRatio: number | null;
  /** (ratio − 1) × 100 */
  changePct: number | null;
  /** exact Mann-Whitney-inverted interval of the ratio (Hodges-Lehmann); null where no honest interval exists */
  ci: RatioCI | null;
  /** why ci is null */
  noCiReason: string | null;
  /** (ci.high − ci.low) / 2 × 100 */
  ciHalfWidthPct: number | null;
  /** raw two-sided exact rank-sum p (censored runs ranked as fastest, ties mid-ranked) */
  p: number | null;
  pMethod: 'exact' | 'normal' | null;
  /** Holm-adjusted within its family (the primary hypotheses, or the secondary metrics) */
  pAdjusted: number | null;
  /** per-ABBA-round paired estimate (analyze only; null in compareRuns) */
  paired: PairedEstimate | null;
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
  /** the pre-declared primary metrics of the scenario */
  primary: string[];
  /** can the primary family reach a verdict at these n (analyze: per scenario; compareRuns: per group, the gate uses RunComparison.power) */
  power: PowerCheck;
  metrics: MetricComparison[];
}

export interface NoiseFloor {
  scenario: string;
  metric: string;
  role: 'primary' | 'secondary';
  nBase: number;
  nTreat: number;
  /** pooled within-arm SD of the log values (≈ CV) */
  sigmaLog: number | null;
  /** smallest true change (%) the Holm-corrected rank test finds with 80% power at this n and noise */
  minDetectableEffectPct: number | null;
  /** smallest true change (%) that gets a verdict (significant and whole CI beyond the threshold) with 80% power */
  verdictEffectPct: number | null;
  /** n per arm at which a change of exactly the threshold is found with 80% power */
  nForThreshold: number | null;
  /** an A/A comparison that came out 'improved' or 'regressed' (a false positive) */
  falseAlarm: boolean;
}

/** Verdict counts over the primary hypotheses (secondary metrics do not count). */
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
  /** every primary comparison whose verdict is 'regressed' (the CI gate's answer) */
  regressions: MetricComparison[];
  /** the gate's family: every primary (scenario, arm, metric) is one Holm family; can it decide? */
  power: PowerCheck;
  counts: VerdictCounts;
}

function settings(opts: AnalyzeOptions, rs?: ResultSet): Settings {
  const s = {
    alpha: opts.alpha ?? 0.05,
    thresholdPct: opts.thresholdPct ?? 5,
    level: opts.level ?? 0.95,
    resamples: opts.resamples ?? 10000,
    seed: opts.seed ?? rs?.seed ?? 1,
  };
  if (!(s.alpha > 0 && s.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${s.alpha}`);
  if (!(s.thresholdPct >= 0)) throw new RangeError(`thresholdPct must be >= 0, got ${s.thresholdPct}`);
  if (!(s.level > 0 && s.level < 1)) throw new RangeError(`level must be in (0, 1), got ${s.level}`);
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

/**
 * The pre-declared primary metrics of a scenario: the option, else the
 * scenario definition's `primary` list, else (results from before primary
 * lists existed) every metric of the 'primary' family.
 */
export function primaryMetrics(
  rs: ResultSet,
  scenario: string,
  opts: AnalyzeOptions = {},
  present: string[] = [],
): string[] {
  const given = opts.primary?.[scenario];
  if (given) return [...given];
  const def = rs.scenarios.find((s) => s.name === scenario)?.definition as { primary?: unknown } | undefined;
  if (Array.isArray(def?.primary) && def.primary.every((m) => typeof m === 'string')) return [...def.primary];
  return present.filter((m) => metricInfo(m).family === 'primary');
}

/** Metrics with at least one measured value: the legacy primary family is drawn from these. */
function measuredNames(samples: Sample[]): string[] {
  return metricNames(samples).filter((m) => samples.some((s) => s.metrics[m]?.status === 'ok'));
}

function usable(rs: ResultSet, scenario: string, arm: string): Sample[] {
  return rs.samples
    .filter((s) => s.scenario === scenario && s.arm === arm && isUsable(s))
    .sort((a, b) => a.order - b.order);
}

/** A censored (+++++) run is faster than any measured one: +Infinity for a rate, 0 when lower is better. */
function censoredValue(direction: Direction): number {
  return direction === 'higher' ? Infinity : 0;
}

interface MetricValues {
  stats: ArmStats;
  /** log values of every usable run, censored ones ±Infinity, with round and run order */
  rounds: RoundValue[];
}

function armValues(samples: Sample[], metric: string, label: string, direction: Direction): MetricValues {
  const statusCounts: Record<MetricStatus, number> = { ok: 0, too_fast: 0, not_run: 0 };
  const values: number[] = [];
  const all: number[] = [];
  const rounds: RoundValue[] = [];
  for (const s of samples) {
    const m = s.metrics[metric];
    if (!m) continue;
    statusCounts[m.status]++;
    let v: number | null = null;
    if (m.status === 'ok' && typeof m.value === 'number' && Number.isFinite(m.value)) {
      values.push(m.value);
      v = m.value;
    } else if (m.status === 'too_fast') {
      v = censoredValue(direction);
    }
    if (v === null) continue;
    all.push(direction === 'higher' ? v : v === 0 ? -Infinity : v);
    rounds.push({ round: s.index, order: s.order, log: v > 0 ? Math.log(v) : v === 0 ? -Infinity : NaN });
  }
  const n = all.length;
  const censored = statusCounts.too_fast;
  const med = n ? median(all) : NaN;
  const nz = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    stats: {
      label,
      n,
      censored,
      values,
      median: nz(med),
      mean: values.length ? mean(values) : null,
      sd: nz(sd(values)),
      min: values.length ? Math.min(...values) : null,
      max: values.length ? Math.max(...values) : null,
      statusCounts,
    },
    rounds,
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
  role: 'primary' | 'secondary',
  baseSamples: Sample[],
  treatSamples: Sample[],
  labels: [string, string],
  st: Settings,
  paired: boolean,
): MetricComparison {
  const info = metricInfo(metric);
  const b = armValues(baseSamples, metric, labels[0], info.direction);
  const t = armValues(treatSamples, metric, labels[1], info.direction);
  const base = b.stats;
  const treat = t.stats;
  // Something measured, and both sides have runs (a censored run counts: it is the fastest).
  const measured = base.n > 0 && treat.n > 0 && base.values.length + treat.values.length > 0;
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
    role,
    base,
    treat,
    ratio: null,
    medianRatio: null,
    changePct: null,
    ci: null,
    noCiReason: null,
    ciHalfWidthPct: null,
    p: null,
    pMethod: null,
    pAdjusted: null,
    paired: null,
    verdict: null,
  };
  if (!measured) return out;
  if (base.median !== null && treat.median !== null && base.median !== 0) out.medianRatio = treat.median / base.median;
  const bl = b.rounds.map((r) => r.log);
  const tl = t.rounds.map((r) => r.log);
  if ([...bl, ...tl].some(Number.isNaN)) {
    out.noCiReason = 'a value is not positive, so there is no log ratio';
  } else {
    const hl = hodgesLehmannShift(bl, tl, st.level);
    out.ratio = hl.estimate === null || !Number.isFinite(hl.estimate) ? out.medianRatio : Math.exp(hl.estimate);
    if (hl.ci) out.ci = { low: Math.exp(hl.ci.low), high: Math.exp(hl.ci.high), level: st.level };
    out.noCiReason = hl.noCiReason;
    const r = rankSumTest(tl, bl);
    out.p = r.p;
    out.pMethod = r.method;
    if (paired)
      out.paired = pairedEstimate(b.rounds, t.rounds, {
        level: st.level,
        seed: deriveSeed(st.seed, 'drift', scenario, arm ?? '', metric),
      });
  }
  if (out.ratio !== null) out.changePct = (out.ratio - 1) * 100;
  if (out.ci && Number.isFinite(out.ci.low) && Number.isFinite(out.ci.high))
    out.ciHalfWidthPct = ((out.ci.high - out.ci.low) / 2) * 100;
  return out;
}

/** A comparison's verdict by the rule (verdict.ts) at this threshold and alpha; null when it was not measured on both sides. */
export function verdictAt(m: MetricComparison, thresholdPct: number, alpha: number): Verdict | null {
  if (m.status !== 'ok') return null;
  return verdict({
    direction: m.direction,
    ci: m.ci,
    pAdjusted: m.pAdjusted,
    nBase: m.base.n,
    nTreat: m.treat.n,
    alpha,
    thresholdPct,
  });
}

/** Holm within the primary family and, separately, the secondary one; then the verdicts. */
function adjustAndDecide(metrics: MetricComparison[], st: Settings): void {
  for (const role of ['primary', 'secondary'] as const) {
    const members = metrics.filter((m) => m.role === role);
    const adjusted = holm(members.map((m) => m.p));
    members.forEach((m, i) => (m.pAdjusted = adjusted[i]));
  }
  metrics.forEach((m) => (m.verdict = verdictAt(m, st.thresholdPct, st.alpha)));
}

/** The power check of a family of primary comparisons: the smallest n on either side, m = family size. */
function familyPower(metrics: MetricComparison[], declared: number, alpha: number): PowerCheck {
  const prim = metrics.filter((m) => m.role === 'primary' && m.status === 'ok');
  const m = Math.max(declared, prim.length, 1);
  if (!prim.length) return powerCheck(0, 0, m, alpha);
  const n1 = Math.min(...prim.map((c) => c.base.n));
  const n2 = Math.min(...prim.map((c) => c.treat.n));
  return powerCheck(n1, n2, m, alpha);
}

function countVerdicts(groups: ScenarioAnalysis[]): VerdictCounts {
  const c: VerdictCounts = { improved: 0, regressed: 0, 'no change': 0, inconclusive: 0, unmeasured: 0 };
  for (const g of groups)
    for (const m of g.metrics) {
      if (m.role !== 'primary') continue;
      if (m.verdict) c[m.verdict]++;
      else c.unmeasured++;
    }
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

function roleOf(metric: string, primary: string[]): 'primary' | 'secondary' {
  return primary.includes(metric) ? 'primary' : 'secondary';
}

/** Treatment arm vs baseline arm, per scenario and metric; one Holm family of primary hypotheses per scenario. */
export function analyze(rs: ResultSet, opts: AnalyzeOptions = {}): Analysis {
  const st = settings(opts, rs);
  const [baselineArm, treatmentArm] = defaultArms(rs, opts);
  requireArms(rs, [baselineArm, treatmentArm], 'analyze');
  const aa = rs.aa === true || (baselineArm === 'A' && treatmentArm === 'B');
  const scenarios: ScenarioAnalysis[] = [];
  for (const scenario of scenarioNames(rs)) {
    const b = usable(rs, scenario, baselineArm);
    const t = usable(rs, scenario, treatmentArm);
    if (b.length === 0 && t.length === 0) continue;
    const names = metricNames([...b, ...t]);
    const primary = primaryMetrics(rs, scenario, opts, measuredNames([...b, ...t]));
    const metrics = names.map((m) =>
      compareMetric(scenario, null, m, roleOf(m, primary), b, t, [baselineArm, treatmentArm], st, true),
    );
    adjustAndDecide(metrics, st);
    scenarios.push({
      scenario,
      arm: null,
      baseLabel: baselineArm,
      treatLabel: treatmentArm,
      where: placesOf([...b, ...t]),
      primary,
      power: familyPower(metrics, primary.length, st.alpha),
      metrics,
    });
  }
  const noiseFloor: NoiseFloor[] = [];
  if (aa) {
    for (const g of scenarios) {
      const m = Math.max(1, g.primary.length);
      for (const c of g.metrics) {
        if (c.status !== 'ok') continue;
        const sigma = pooledLogSd([c.base.values, c.treat.values]);
        const n = Math.min(c.base.n, c.treat.n);
        const de =
          sigma === null ? null : detectableEffect(sigma, n, { m, alpha: st.alpha, thresholdPct: st.thresholdPct });
        const fin = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
        noiseFloor.push({
          scenario: g.scenario,
          metric: c.metric,
          role: c.role,
          nBase: c.base.n,
          nTreat: c.treat.n,
          sigmaLog: sigma,
          minDetectableEffectPct: fin(de?.significantPct),
          verdictEffectPct: fin(de?.verdictPct),
          nForThreshold: fin(de?.nForThreshold),
          falseAlarm: c.verdict === 'improved' || c.verdict === 'regressed',
        });
      }
    }
  }
  return { ...st, baselineArm, treatmentArm, aa, scenarios, noiseFloor, counts: countVerdicts(scenarios) };
}

/** Pooled within-group SD of log values (measured values only); null below 2 degrees of freedom. */
export function pooledLogSd(groups: number[][]): number | null {
  let ss = 0;
  let df = 0;
  for (const g of groups) {
    const logs = g.filter((v) => v > 0).map(Math.log);
    if (logs.length < 2) continue;
    const mu = mean(logs);
    for (const v of logs) ss += (v - mu) ** 2;
    df += logs.length - 1;
  }
  return df >= 2 ? Math.sqrt(ss / df) : null;
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
  const vals = (rs: ResultSet, arm: string): number[] =>
    armValues(usable(rs, scenario, arm), metric, arm, info.direction).stats.values;
  const [b1, t1, b2, t2] = [vals(base, arms[0]), vals(base, arms[1]), vals(head, arms[0]), vals(head, arms[1])];
  const r = (t: number[], b: number[]): number | null => {
    if (!t.length || !b.length) return null;
    const mb = median(b);
    return mb === 0 ? null : median(t) / mb;
  };
  const baseRatio = r(t1, b1);
  const headRatio = r(t2, b2);
  const ratioOfRatios = baseRatio !== null && headRatio !== null && baseRatio !== 0 ? headRatio / baseRatio : null;
  // The percentile bootstrap under-covers at small n: no interval below BOOTSTRAP_MIN_N per group.
  const enough = [b1, t1, b2, t2].every((g) => g.length >= BOOTSTRAP_MIN_N);
  const ci =
    ratioOfRatios === null || !enough
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

/**
 * Head vs base for every (scenario, arm, metric) in both, and the interaction
 * per (scenario, metric). The gate's primary hypotheses, over every scenario
 * and arm, form one Holm family; the secondary metrics of each group another.
 */
export function compareRuns(base: ResultSet, head: ResultSet, opts: AnalyzeOptions = {}): RunComparison {
  const st = settings(opts, base);
  const [baselineArm, treatmentArm] = defaultArms(base, opts);
  const headScenarios = new Set(scenarioNames(head));
  const groups: ScenarioAnalysis[] = [];
  const interactions: Interaction[] = [];
  let declared = 0;
  for (const scenario of scenarioNames(base).filter((s) => headScenarios.has(s))) {
    const arms = [...armsOf(base)].filter((a) => armsOf(head).has(a)).sort();
    for (const arm of arms) {
      const b = usable(base, scenario, arm);
      const h = usable(head, scenario, arm);
      if (b.length === 0 || h.length === 0) continue;
      const inHead = new Set(metricNames(h));
      const names = metricNames(b).filter((m) => inHead.has(m));
      const primary = primaryMetrics(
        base,
        scenario,
        opts,
        measuredNames([...b, ...h]).filter((m) => names.includes(m)),
      );
      declared += primary.length;
      const metrics = names.map((m) =>
        compareMetric(scenario, arm, m, roleOf(m, primary), b, h, ['base', 'head'], st, false),
      );
      groups.push({
        scenario,
        arm,
        baseLabel: 'base',
        treatLabel: 'head',
        where: placesOf([...b, ...h]),
        primary,
        power: familyPower(metrics, primary.length, st.alpha),
        metrics,
      });
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
  // One family for the gate: every primary comparison; each group's secondary metrics on their own.
  const all = groups.flatMap((g) => g.metrics);
  const primaryAll = all.filter((m) => m.role === 'primary');
  holm(primaryAll.map((m) => m.p)).forEach((p, i) => (primaryAll[i].pAdjusted = p));
  for (const g of groups) {
    const sec = g.metrics.filter((m) => m.role === 'secondary');
    holm(sec.map((m) => m.p)).forEach((p, i) => (sec[i].pAdjusted = p));
  }
  for (const m of all) m.verdict = verdictAt(m, st.thresholdPct, st.alpha);
  const regressions = primaryAll.filter((m) => m.verdict === 'regressed');
  return {
    ...st,
    baselineArm,
    treatmentArm,
    groups,
    interactions,
    regressions,
    power: familyPower(all, declared, st.alpha),
    counts: countVerdicts(groups),
  };
}
