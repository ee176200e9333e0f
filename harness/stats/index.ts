// Statistics for kickbench: pure functions, no dependencies, seeded so every
// number is reproducible. The report writer and the CLI import from here.
//
// Field reference (stable names; all ratios are treat / base):
//
//   analyze(rs, opts) -> Analysis                   treatment arm vs baseline arm
//     Analysis { baselineArm, treatmentArm, aa, alpha, thresholdPct, level, resamples, seed,
//                scenarios: ScenarioAnalysis[], noiseFloor: NoiseFloor[], counts: VerdictCounts }
//   compareRuns(base, head, opts) -> RunComparison  head vs base, per arm (CI gate)
//     RunComparison { baselineArm, treatmentArm, alpha, thresholdPct, level, resamples, seed,
//                     groups: ScenarioAnalysis[], interactions: Interaction[],
//                     regressions: MetricComparison[], counts: VerdictCounts }
//   ScenarioAnalysis { scenario, arm (null in analyze), baseLabel, treatLabel, where, metrics }
//     one Holm family: the metrics of one scenario (analyze) or scenario × arm (compareRuns)
//   MetricComparison { scenario, arm, metric, label, unit, direction, status,
//                      base: ArmStats, treat: ArmStats, ratio, changePct, ci {low, high, level},
//                      ciHalfWidthPct, p, pMethod, pAdjusted, verdict }
//     status 'too_fast' / 'not_run': no ratio, p or verdict (verdict null)
//     verdict: 'improved' | 'regressed' | 'no change' | 'inconclusive' (rule in verdict.ts)
//   ArmStats { label, n, values (raw, run order), median, mean, sd, min, max, statusCounts }
//   NoiseFloor { scenario, metric, nBase, nTreat, minDetectableEffectPct, falseAlarm }   (A/A only)
//   Interaction { scenario, metric, label, unit, direction, baseRatio, headRatio, ratioOfRatios,
//                 changePct, ci, change ('increased'|'decreased'|'no change'|'inconclusive'),
//                 advantage ('grew'|'shrank'|'no change'|'inconclusive') }
//
// Defaults: alpha 0.05, thresholdPct 5, level 0.95, resamples 10000, seed 1;
// arms 'exit' → 'ioeventfd', or 'A' → 'B' when the run set is an A/A run.

export { analyze, compareRuns, verdictAt } from './analyze.js';
export type {
  Analysis,
  AnalyzeOptions,
  ArmStats,
  Interaction,
  MetricComparison,
  NoiseFloor,
  RunComparison,
  ScenarioAnalysis,
  VerdictCounts,
} from './analyze.js';
export { bootstrapRatioCI, bootstrapInteractionCI } from './bootstrap.js';
export type { BootstrapOptions, RatioCI } from './bootstrap.js';
export { mad, mean, median, quantile, quantiles, quantileSorted, sd } from './descriptive.js';
export { holm } from './holm.js';
export { EXACT_MAX_N, mannWhitney } from './mannwhitney.js';
export type { MannWhitneyResult } from './mannwhitney.js';
export { erfc, normalUpperTail } from './normal.js';
export { deriveSeed, mulberry32 } from './random.js';
export { verdict } from './verdict.js';
export type { Verdict, VerdictInput } from './verdict.js';
