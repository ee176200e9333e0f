// The comparison as CI test cases: one per (scenario, arm, primary metric),
// each passed, failed (a regression beyond the threshold) or skipped because
// the comparison cannot judge it, with the reason. JUnit XML and the compact
// Markdown summary both read this list, so they cannot disagree.

import { metricInfo } from '../results/schema.js';
import { verdictAt, type MetricComparison, type RunComparison } from '../stats/index.js';
import { ciPctRange } from './model.js';
import { fmtNum, fmtPct, pEq } from './numbers.js';

export type CaseOutcome = 'passed' | 'failed' | 'skipped';

export interface GateCase {
  scenario: string;
  arm: string;
  metric: string;
  m: MetricComparison;
  outcome: CaseOutcome;
  /** the verdict at the gate's threshold; null when not measured */
  verdict: MetricComparison['verdict'];
  /** one line: what was measured, or why it cannot be judged */
  detail: string;
}

export function isPrimary(metric: string): boolean {
  return metricInfo(metric).family === 'primary';
}

function measuredLine(m: MetricComparison): string {
  const ci = ciPctRange(m);
  const sides = `base ${fmtNum(m.base.median)} (n=${m.base.n}), head ${fmtNum(m.treat.median)} (n=${m.treat.n}) ${m.unit}`;
  return `${sides}: ${fmtPct(m.changePct)}${ci ? `, 95% CI ${ci}` : ''}, ${pEq(m.pAdjusted, 'p(Holm)')}`;
}

function cannotJudge(m: MetricComparison, thresholdPct: number): string {
  if (m.status === 'too_fast') return 'cannot judge: bonnie++ printed +++++ (too fast to measure) for this metric';
  if (m.status === 'not_run') return 'cannot judge: not measured on both sides (no usable sample)';
  if (m.base.n < 2 || m.treat.n < 2)
    return `cannot judge: ${m.base.n} base and ${m.treat.n} head sample(s); at least 2 per side are needed (5 or more for a verdict)`;
  return `cannot judge: inconclusive at ${thresholdPct}% (neither a significant change beyond it nor the whole CI within it): ${measuredLine(m)}`;
}

export function gateCases(c: RunComparison, thresholdPct = c.thresholdPct, primaryOnly = true): GateCase[] {
  const out: GateCase[] = [];
  for (const g of c.groups) {
    for (const m of g.metrics) {
      if (primaryOnly && !isPrimary(m.metric)) continue;
      const v = verdictAt(m, thresholdPct, c.alpha);
      const outcome: CaseOutcome =
        v === 'regressed' ? 'failed' : v === 'improved' || v === 'no change' ? 'passed' : 'skipped';
      const detail =
        outcome === 'skipped'
          ? cannotJudge(m, thresholdPct)
          : `${v === 'regressed' ? `regressed beyond ${thresholdPct}%` : v}: ${measuredLine(m)}`;
      out.push({ scenario: m.scenario, arm: m.arm ?? g.arm ?? '', metric: m.metric, m, outcome, verdict: v, detail });
    }
  }
  return out;
}

/**
 * The gate's exit status for compare and ab: compare's (0 pass, 1 regression,
 * 3 cannot judge), and never 0 when not one primary metric could be judged.
 */
export function gateExitCode(c: RunComparison, thresholdPct: number, compareExit: number): number {
  if (compareExit !== 0) return compareExit;
  return gateCases(c, thresholdPct).some((k) => k.outcome !== 'skipped') ? 0 : 3;
}
