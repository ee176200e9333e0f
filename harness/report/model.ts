// The report as data: one section per host (statistics never pool two
// machines), one per scenario inside it. Text, Markdown and HTML render this
// same model, so the formats cannot disagree.

import type { HostEnvironment, ResultSet, Sample, Place } from '../results/schema.js';
import {
  analyze,
  type Analysis,
  type AnalyzeOptions,
  type MetricComparison,
  type NoiseFloor,
  type ScenarioAnalysis,
} from '../stats/index.js';
import { completionNote, completionOf } from '../results/completion.js';
import { formatBonnieTable } from '../bonnie/format.js';
import { cacheChecks, type CacheCheck } from './cache.js';
import { BASELINE_ARM, armDescription, armSemanticsOf } from '../results/arms.js';
import { counterRows, type CounterRow } from './counters.js';
import { environmentRows, splitByHost } from './environment.js';
import { isBonnieScenario, medianBonnieRun, tooFastEverywhere } from './bonnie-medians.js';
import { whereNote } from './place-notes.js';
import { usableSamples } from '../results/usable.js';
import { placesOf } from '../launch/place.js';

export interface ArmTable {
  arm: string;
  /** "before" for the baseline arm (exit), "after" for ioeventfd (the 2011 commit's two), "other" for the rest */
  role: 'before' | 'after' | 'other';
  /** what the arm is under the file's arm semantics; null for A/A arms and unknown names */
  description: string | null;
  /** measured, successful samples */
  n: number;
  /** bonnie++ 1.96-style table of this arm's medians; null for probe-guest scenarios */
  bonnieTable: string | null;
  counters: CounterRow[];
}

/** One non-baseline arm against the baseline: its own Holm families and verdicts. */
export interface ArmComparison {
  baselineArm: string;
  treatmentArm: string;
  /** the statistics for this pair; null when it could not be analysed (see problem) */
  analysis: ScenarioAnalysis | null;
  /** metrics with a verdict or at least a comparison: the primary ones first, then the secondary */
  rows: MetricComparison[];
  /** A/A runs: the noise floor and detectable effects of this pair's metrics */
  noiseFloor: NoiseFloor[];
  /** metrics measured in some runs only (the rest printed +++++ or did not run), so not compared */
  notCompared: string[];
  problem: string | null;
}

export interface ScenarioSection {
  scenario: string;
  kind: 'bonnie' | 'probe';
  baselineArm: string;
  /** every arm that ran, baseline first */
  arms: ArmTable[];
  /** one per non-baseline arm, in arm order */
  comparisons: ArmComparison[];
  tooFast: string[];
  samples: Sample[];
  failed: Sample[];
  /** why there is no comparison at all (a single arm, or no baseline) */
  problem: string | null;
  /** per bonnie++ run: guest RAM, file size, file >= 2x RAM (cache.ts); empty for probe scenarios */
  cache: CacheCheck[];
}

export interface HostSection {
  host: string;
  env: HostEnvironment | undefined;
  where: Place[];
  /** loud notes for emulating / nested timings */
  warnings: string[];
  environment: [string, string][];
  rs: ResultSet;
  /** one analysis per non-baseline arm (each against the baseline), for charts */
  analyses: Analysis[];
  scenarios: ScenarioSection[];
}

export interface ReportModel {
  rs: ResultSet;
  hosts: HostSection[];
  aa: boolean;
  /** 1 for files written when exit serviced requests inline on the vCPU thread, 2 since issue 7 */
  armSemantics: number;
  thresholdPct: number;
  alpha: number;
  /** all not-hardware warnings, deduplicated, for the top of a report */
  warnings: string[];
  /** "INCOMPLETE RUN: ..." / "INTERRUPTED RUN: ..." when not every planned sample finished ok */
  completion: string | null;
  /** for `run --until-decided`: where it stopped, and the alpha its verdicts use */
  sequential: string | null;
  /** the seed every resampling in this report used */
  seed: number;
}

export type ModelOptions = AnalyzeOptions;

function roleOf(arm: string, base: string, aa: boolean): ArmTable['role'] {
  if (arm === base) return 'before';
  return arm === (aa ? 'B' : 'ioeventfd') ? 'after' : 'other';
}

function notComparedOf(sa: ScenarioAnalysis, tooFast: string[], base: string, treat: string): string[] {
  return sa.metrics
    .filter((m) => m.status !== 'ok' && !tooFast.includes(m.metric) && m.base.n + m.treat.n > 0)
    .map(
      (m) =>
        `${m.metric} (measured in ${m.base.n} ${base} and ${m.treat.n} ${treat} run(s); the others printed +++++ or did not run)`,
    );
}

/** A sequential run is judged at the look it stopped at: that look's alpha, intervals at 1 − alpha. */
function sequentialOptions(rs: ResultSet, opts: ModelOptions): { opts: ModelOptions; note: string | null } {
  const seq = rs.sequential;
  if (!seq || seq.looks.length === 0) return { opts, note: null };
  const look = seq.looks[Math.min(seq.stoppedAt, seq.looks.length - 1)];
  const why =
    seq.reason === 'decided'
      ? 'every primary hypothesis decided'
      : seq.reason === 'budget'
        ? `budget of n=${seq.maxN} per arm spent`
        : 'interrupted';
  const note =
    `sequential run: stopped at look ${seq.stoppedAt + 1} of ${seq.looks.length} (n=${look.n} per arm; ${why}); ` +
    `verdicts use that look's O'Brien-Fleming alpha ${look.alpha.toPrecision(2)} ` +
    `and ${(100 * (1 - look.alpha)).toFixed(1)}% intervals`;
  if (opts.alpha !== undefined) return { opts, note };
  return { opts: { ...opts, alpha: look.alpha, level: 1 - look.alpha }, note };
}

/** Primary rows first (the hypotheses), then the secondary ones (explanation). */
function reportRows(sa: ScenarioAnalysis): MetricComparison[] {
  const ok = sa.metrics.filter((m) => m.status === 'ok');
  return [...ok.filter((m) => m.role === 'primary'), ...ok.filter((m) => m.role === 'secondary')];
}

/** The arms of a scenario in report order: exit (the baseline) first, then ioeventfd, inline, A, B, others. */
function armsOf(samples: Sample[]): string[] {
  const arms = [...new Set(samples.map((s) => s.arm))];
  const order = ['exit', 'ioeventfd', 'inline', 'A', 'B'];
  const rank = (a: string) => (order.includes(a) ? order.indexOf(a) : order.length);
  return arms.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function buildReportModel(rs: ResultSet, options: ModelOptions = {}): ReportModel {
  const { opts, note: sequential } = sequentialOptions(rs, options);
  const hosts: HostSection[] = [];
  const semantics = armSemanticsOf(rs);
  let thresholdPct = opts.thresholdPct ?? 5;
  let alpha = opts.alpha ?? 0.05;
  for (const part of splitByHost(rs)) {
    const w = placesOf(part.rs.samples);
    if (w.length === 0 && part.env) w.push(part.env.where);
    const warnings = w.map((place) => whereNote(place, part.env)).filter((n): n is string => n !== null);
    const present = armsOf(part.rs.samples);
    const aa = rs.aa === true || (present.includes('A') && present.includes('B') && !present.includes('exit'));
    const baselineArm = opts.baselineArm ?? (aa ? 'A' : BASELINE_ARM);
    const treatmentArms = opts.treatmentArm ? [opts.treatmentArm] : present.filter((a) => a !== baselineArm);
    // Each arm against the baseline with the same statistics; each pair is its own Holm family.
    const pairs = treatmentArms.map((treatmentArm) => {
      try {
        const analysis = analyze(part.rs, { ...opts, baselineArm, treatmentArm });
        thresholdPct = analysis.thresholdPct;
        alpha = analysis.alpha;
        return { treatmentArm, analysis, problem: null };
      } catch (e) {
        return { treatmentArm, analysis: null, problem: (e as Error).message };
      }
    });
    const scenarios: ScenarioSection[] = [];
    const names = [...new Set([...part.rs.scenarios.map((s) => s.name), ...part.rs.samples.map((s) => s.scenario)])];
    for (const scenario of names) {
      const samples = part.rs.samples.filter((s) => s.scenario === scenario);
      if (samples.length === 0) continue;
      const kind = isBonnieScenario(samples) ? 'bonnie' : 'probe';
      const scenarioArms = armsOf(samples);
      const arms: ArmTable[] = scenarioArms.map((arm) => {
        const armSamples = samples.filter((s) => s.arm === arm);
        const n = usableSamples(armSamples).length;
        let bonnieTable: string | null = null;
        if (kind === 'bonnie' && n > 0) {
          // bonnie++ leaves 18 - len(size) characters for the name: keep it short, n is in the caption.
          const label = `${arm}-med`;
          bonnieTable = formatBonnieTable(medianBonnieRun(part.rs, scenario, armSamples, label));
        }
        return {
          arm,
          role: roleOf(arm, baselineArm, aa),
          description: aa ? null : armDescription(arm, semantics),
          n,
          bonnieTable,
          counters: counterRows(armSamples),
        };
      });
      const tooFast = tooFastEverywhere(samples);
      const comparisons: ArmComparison[] = pairs
        .filter((p) => scenarioArms.includes(p.treatmentArm))
        .map((p) => {
          const sa = p.analysis?.scenarios.find((g) => g.scenario === scenario) ?? null;
          return {
            baselineArm,
            treatmentArm: p.treatmentArm,
            analysis: sa,
            rows: sa ? reportRows(sa) : [],
            noiseFloor: p.analysis?.noiseFloor.filter((f) => f.scenario === scenario) ?? [],
            notCompared: sa ? notComparedOf(sa, tooFast, baselineArm, p.treatmentArm) : [],
            problem: sa ? null : (p.problem ?? `no usable samples in both ${baselineArm} and ${p.treatmentArm}`),
          };
        });
      let problem: string | null = null;
      if (!scenarioArms.includes(baselineArm))
        problem = `no ${baselineArm} samples: every arm is compared against the baseline arm ${baselineArm}`;
      else if (comparisons.length === 0) problem = `only the ${baselineArm} arm ran: nothing to compare it with`;
      scenarios.push({
        scenario,
        kind,
        baselineArm,
        arms,
        comparisons: problem ? [] : comparisons,
        tooFast,
        samples,
        failed: samples.filter((s) => s.status === 'failed'),
        problem,
        cache: cacheChecks(part.rs, samples),
      });
    }
    hosts.push({
      host: part.host,
      env: part.env,
      where: w,
      warnings,
      environment: environmentRows(part.env, part.rs, part.host),
      rs: part.rs,
      analyses: pairs.map((p) => p.analysis).filter((a): a is Analysis => a !== null),
      scenarios,
    });
  }
  const warnings = [...new Set(hosts.flatMap((h) => h.warnings))];
  return {
    rs,
    hosts,
    aa: rs.aa === true,
    armSemantics: semantics,
    thresholdPct,
    alpha,
    warnings,
    completion: completionNote(completionOf(rs)),
    sequential,
    seed: opts.seed ?? rs.seed ?? 1,
  };
}

/** "before = exit", "after = ioeventfd", "inline" */
export function roleLabel(t: ArmTable): string {
  return t.role === 'other' ? t.arm : `${t.role} = ${t.arm}`;
}

/** Change of the ratio CI in percent, e.g. "+17.1..+23.4%". */
export function ciPctRange(m: MetricComparison): string | null {
  if (!m.ci || Number.isNaN(m.ci.low) || Number.isNaN(m.ci.high)) return null;
  return pctRange(m.ci.low, m.ci.high);
}

/** A ratio interval as percent changes, e.g. "+17.1..+23.4%"; an infinite bound reads "+inf". */
export function pctRange(low: number, high: number): string {
  const f = (r: number) => {
    if (r === Infinity) return '+inf';
    const v = (r - 1) * 100;
    return (v > 0 ? '+' : v < 0 ? '\u2212' : '') + Math.abs(v).toFixed(1);
  };
  return `${f(low)}..${f(high)}%`;
}

export function ciRatioRange(m: MetricComparison): string {
  if (!m.ci || Number.isNaN(m.ci.low) || Number.isNaN(m.ci.high)) return m.status === 'ok' ? 'none' : 'n/a';
  const f = (r: number) => (r === Infinity ? 'inf' : Math.abs(r) >= 0.1 ? r.toFixed(3) : r.toPrecision(3));
  return `${f(m.ci.low)}..${f(m.ci.high)}`;
}
