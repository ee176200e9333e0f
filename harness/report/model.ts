// The report as data: one section per host (statistics never pool two
// machines), one per scenario inside it. Text, Markdown and HTML render this
// same model, so the formats cannot disagree.

import type { HostEnvironment, ResultSet, Sample, Place } from '../results/schema.js';
import {
  analyze,
  type Analysis,
  type AnalyzeOptions,
  type MetricComparison,
  type ScenarioAnalysis,
} from '../stats/index.js';
import { formatBonnieTable } from '../bonnie/format.js';
import {
  armsOf,
  counterRows,
  environmentRows,
  isBonnieScenario,
  measured,
  medianBonnieRun,
  splitByHost,
  tooFastEverywhere,
  whereNote,
  type CounterRow,
} from './common.js';
import { placesOf } from '../launch/place.js';

export interface ArmTable {
  arm: string;
  /** "before" for the baseline arm (exit), "after" for the treatment arm (ioeventfd) */
  role: 'before' | 'after' | 'other';
  /** measured, successful samples */
  n: number;
  /** bonnie++ 1.96-style table of this arm's medians; null for probe-guest scenarios */
  bonnieTable: string | null;
  counters: CounterRow[];
}

export interface ScenarioSection {
  scenario: string;
  kind: 'bonnie' | 'probe';
  baselineArm: string;
  treatmentArm: string;
  arms: ArmTable[];
  /** the statistics for this scenario; null when it could not be analysed (see problem) */
  analysis: ScenarioAnalysis | null;
  /** metrics with a verdict or at least a comparison, in report order */
  rows: MetricComparison[];
  tooFast: string[];
  /** metrics measured in some runs only (the rest printed +++++ or did not run), so not compared */
  notCompared: string[];
  samples: Sample[];
  failed: Sample[];
  problem: string | null;
}

export interface HostSection {
  host: string;
  env: HostEnvironment | undefined;
  where: Place[];
  /** loud notes for emulating / nested timings */
  warnings: string[];
  environment: [string, string][];
  rs: ResultSet;
  analysis: Analysis | null;
  scenarios: ScenarioSection[];
}

export interface ReportModel {
  rs: ResultSet;
  hosts: HostSection[];
  aa: boolean;
  thresholdPct: number;
  alpha: number;
  /** all not-hardware warnings, deduplicated, for the top of a report */
  warnings: string[];
}

export type ModelOptions = AnalyzeOptions;

function roleOf(arm: string, base: string, treat: string): ArmTable['role'] {
  return arm === base ? 'before' : arm === treat ? 'after' : 'other';
}

export function buildReportModel(rs: ResultSet, opts: ModelOptions = {}): ReportModel {
  const hosts: HostSection[] = [];
  let thresholdPct = opts.thresholdPct ?? 5;
  let alpha = opts.alpha ?? 0.05;
  for (const part of splitByHost(rs)) {
    const w = placesOf(part.rs.samples);
    if (w.length === 0 && part.env) w.push(part.env.where);
    const warnings = w.map((place) => whereNote(place, part.env)).filter((n): n is string => n !== null);
    let analysis: Analysis | null = null;
    let problem: string | null = null;
    try {
      analysis = analyze(part.rs, opts);
      thresholdPct = analysis.thresholdPct;
      alpha = analysis.alpha;
    } catch (e) {
      problem = (e as Error).message;
    }
    const baselineArm = analysis?.baselineArm ?? (rs.aa ? 'A' : 'exit');
    const treatmentArm = analysis?.treatmentArm ?? (rs.aa ? 'B' : 'ioeventfd');
    const scenarios: ScenarioSection[] = [];
    const names = [...new Set([...part.rs.scenarios.map((s) => s.name), ...part.rs.samples.map((s) => s.scenario)])];
    for (const scenario of names) {
      const samples = part.rs.samples.filter((s) => s.scenario === scenario);
      if (samples.length === 0) continue;
      const kind = isBonnieScenario(samples) ? 'bonnie' : 'probe';
      const sa = analysis?.scenarios.find((g) => g.scenario === scenario) ?? null;
      const arms: ArmTable[] = armsOf(samples).map((arm) => {
        const armSamples = samples.filter((s) => s.arm === arm);
        const role = roleOf(arm, baselineArm, treatmentArm);
        const n = measured(armSamples).length;
        let bonnieTable: string | null = null;
        if (kind === 'bonnie' && n > 0) {
          // bonnie++ leaves 18 - len(size) characters for the name: keep it short, n is in the caption.
          const label = `${arm}-med`;
          bonnieTable = formatBonnieTable(medianBonnieRun(part.rs, scenario, armSamples, label));
        }
        return { arm, role, n, bonnieTable, counters: counterRows(armSamples) };
      });
      const tooFast = tooFastEverywhere(samples);
      scenarios.push({
        scenario,
        kind,
        baselineArm,
        treatmentArm,
        arms,
        analysis: sa,
        rows: sa ? sa.metrics.filter((m) => m.status === 'ok') : [],
        tooFast,
        notCompared: sa
          ? sa.metrics
              .filter((m) => m.status !== 'ok' && !tooFast.includes(m.metric) && m.base.n + m.treat.n > 0)
              .map(
                (m) =>
                  `${m.metric} (measured in ${m.base.n} ${baselineArm} and ${m.treat.n} ${treatmentArm} run(s); the others printed +++++ or did not run)`,
              )
          : [],
        samples,
        failed: samples.filter((s) => s.status === 'failed'),
        problem: sa ? null : (problem ?? 'no usable samples in both arms'),
      });
    }
    hosts.push({
      host: part.host,
      env: part.env,
      where: w,
      warnings,
      environment: environmentRows(part.env, part.rs, part.host),
      rs: part.rs,
      analysis,
      scenarios,
    });
  }
  const warnings = [...new Set(hosts.flatMap((h) => h.warnings))];
  return { rs, hosts, aa: rs.aa === true, thresholdPct, alpha, warnings };
}

/** "before = exit", "after = ioeventfd" */
export function roleLabel(t: ArmTable): string {
  return t.role === 'other' ? t.arm : `${t.role} = ${t.arm}`;
}

/** Change of the ratio CI in percent, e.g. "+17.1..+23.4%". */
export function ciPctRange(m: MetricComparison): string | null {
  if (!m.ci || !Number.isFinite(m.ci.low) || !Number.isFinite(m.ci.high)) return null;
  const f = (r: number) => {
    const v = (r - 1) * 100;
    return (v > 0 ? '+' : v < 0 ? '\u2212' : '') + Math.abs(v).toFixed(1);
  };
  return `${f(m.ci.low)}..${f(m.ci.high)}%`;
}

export function ciRatioRange(m: MetricComparison): string {
  if (!m.ci || !Number.isFinite(m.ci.low) || !Number.isFinite(m.ci.high)) return 'n/a';
  const f = (r: number) => (Math.abs(r) >= 0.1 ? r.toFixed(3) : r.toPrecision(3));
  return `${f(m.ci.low)}..${f(m.ci.high)}`;
}
