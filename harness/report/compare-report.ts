// Output of `kickbench compare BASE HEAD`: a first line a CI log can be
// grepped for, then per (scenario, arm, metric) the change, CI, p and verdict,
// then whether head changed the ioeventfd-vs-exit advantage (interaction).

import type { MetricComparison, RunComparison } from '../stats/index.js';
import { verdict } from '../stats/index.js';
import type { Place } from '../results/schema.js';
import { fmtNum, fmtP, fmtPct, pEq, whereNote } from './common.js';
import { ciPctRange } from './model.js';
import { metricName } from './rows.js';
import { mdTable, textTable } from './table.js';

export interface CompareRenderOptions {
  format?: 'text' | 'md';
  /** the gate's threshold; defaults to the one the comparison was computed with */
  thresholdPct?: number;
}

function allComparisons(c: RunComparison | MetricComparison[]): MetricComparison[] {
  return Array.isArray(c) ? c : c.groups.flatMap((g) => g.metrics);
}

/** A comparison's verdict re-read at this threshold (same rule as the statistics module). */
function verdictAt(m: MetricComparison, thresholdPct: number, alpha: number): MetricComparison['verdict'] {
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

/** The significant regressions beyond the threshold, worst first. */
export function regressionsBeyond(c: RunComparison | MetricComparison[], thresholdPct: number): MetricComparison[] {
  const alpha = Array.isArray(c) ? 0.05 : c.alpha;
  return allComparisons(c)
    .filter((m) => verdictAt(m, thresholdPct, alpha) === 'regressed')
    .sort((a, b) => badness(b) - badness(a));
}

function badness(m: MetricComparison): number {
  const ch = m.changePct ?? 0;
  return m.direction === 'higher' ? -ch : ch;
}

/**
 * The CI gate's exit status: 1 when any metric regressed significantly
 * (Holm-adjusted p < alpha) with its whole CI beyond the threshold, else 0.
 * 2 is left to the CLI for usage errors.
 */
export function compareExitCode(c: RunComparison | MetricComparison[], thresholdPct: number): 0 | 1 {
  if (!(thresholdPct >= 0)) throw new RangeError(`threshold must be a non-negative percentage, got ${thresholdPct}`);
  return regressionsBeyond(c, thresholdPct).length > 0 ? 1 : 0;
}

function where(m: MetricComparison): string {
  return m.arm ? `${m.scenario}/${m.arm}` : m.scenario;
}

function oneLiner(m: MetricComparison): string {
  const ci = ciPctRange(m);
  return `${where(m)} ${m.metric} ${fmtPct(m.changePct)} (${ci ? `95% CI ${ci}, ` : ''}${pEq(m.pAdjusted)})`;
}

/** The first line: REGRESSION / OK, with the worst case spelled out. */
export function compareSummaryLine(c: RunComparison | MetricComparison[], thresholdPct: number): string {
  const all = allComparisons(c);
  const alpha = Array.isArray(c) ? 0.05 : c.alpha;
  const regs = regressionsBeyond(c, thresholdPct);
  if (regs.length) {
    const more = regs.length > 1 ? `; ${regs.length - 1} more regression(s)` : '';
    return `REGRESSION: ${oneLiner(regs[0])}${more}`;
  }
  const counts = { improved: 0, 'no change': 0, inconclusive: 0, regressed: 0 };
  for (const m of all) {
    const v = verdictAt(m, thresholdPct, alpha);
    if (v) counts[v]++;
  }
  const improved = all
    .filter((m) => verdictAt(m, thresholdPct, alpha) === 'improved')
    .sort((a, b) => badness(a) - badness(b));
  const best = improved.length ? `; best: ${oneLiner(improved[0])}` : '';
  const tally = `${counts.improved} improved, ${counts['no change']} no change, ${counts.inconclusive} inconclusive`;
  return `OK: no significant regression beyond ${thresholdPct}% (${tally})${best}`;
}

function rowsOf(c: RunComparison | MetricComparison[], thresholdPct: number): string[][] {
  const alpha = Array.isArray(c) ? 0.05 : c.alpha;
  return allComparisons(c).map((m) => [
    m.scenario,
    m.arm ?? '',
    metricName(m),
    m.unit,
    `${fmtNum(m.base.median)} (n=${m.base.n})`,
    `${fmtNum(m.treat.median)} (n=${m.treat.n})`,
    m.status === 'ok' ? fmtPct(m.changePct) : m.status,
    ciPctRange(m) ?? 'n/a',
    fmtP(m.pAdjusted),
    verdictAt(m, thresholdPct, alpha) ?? `not measured (${m.status})`,
  ]);
}

const HEADER = [
  'scenario',
  'arm',
  'metric',
  'unit',
  'base median',
  'head median',
  'change',
  '95% CI of change',
  'p (Holm)',
  'verdict',
];
const ALIGN = ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'] as const;

function interactionRows(c: RunComparison): string[][] {
  return c.interactions.map((i) => [
    i.scenario,
    i.label && i.label !== i.metric ? `${i.metric} (${i.label})` : i.metric,
    i.baseRatio === null ? 'n/a' : i.baseRatio.toFixed(3),
    i.headRatio === null ? 'n/a' : i.headRatio.toFixed(3),
    fmtPct(i.changePct),
    i.ci ? `${fmtPct((i.ci.low - 1) * 100)}..${fmtPct((i.ci.high - 1) * 100)}` : 'n/a',
    `${i.advantage} (${c.treatmentArm} advantage)`,
  ]);
}
const I_HEADER = ['scenario', 'metric', 'base ratio', 'head ratio', 'ratio change', '95% CI', 'verdict'];

function whereWarnings(c: RunComparison | MetricComparison[]): string[] {
  if (Array.isArray(c)) return [];
  const w = new Set<Place>(c.groups.flatMap((g) => g.where));
  return [...w].map((place) => whereNote(place)).filter((n): n is string => n !== null);
}

/** The human output of `kickbench compare`. */
export function renderCompare(c: RunComparison | MetricComparison[], opts: CompareRenderOptions = {}): string {
  const thresholdPct = opts.thresholdPct ?? (Array.isArray(c) ? 5 : c.thresholdPct);
  const summary = compareSummaryLine(c, thresholdPct);
  const warnings = whereWarnings(c);
  const rule =
    `gate: regressed = Holm-adjusted Mann-Whitney p < ${Array.isArray(c) ? 0.05 : c.alpha} ` +
    `and the whole 95% CI of the change beyond ${thresholdPct}% in the bad direction`;
  const rows = rowsOf(c, thresholdPct);
  const inter = Array.isArray(c) ? [] : interactionRows(c);
  if (opts.format === 'md') {
    const out = [`**${summary}**`, ''];
    for (const w of warnings) out.push('> [!WARNING]', `> **${w}**`, '');
    out.push(`<sub>${rule}</sub>`, '', mdTable(HEADER, rows, [...ALIGN]));
    if (inter.length)
      out.push(
        `**Did head change the ${Array.isArray(c) ? '' : `${c.treatmentArm} / ${c.baselineArm}`} ratio?**`,
        '',
        mdTable(I_HEADER, inter, ['left', 'left', 'right', 'right', 'right', 'right', 'left']),
      );
    return out.join('\n').trimEnd() + '\n';
  }
  const out = [summary];
  for (const w of warnings) out.push(`!!! ${w}`);
  out.push(rule, '', textTable(HEADER, rows, { align: [...ALIGN] }));
  if (inter.length && !Array.isArray(c)) {
    out.push(
      `interaction: did head change the ${c.treatmentArm} / ${c.baselineArm} ratio?`,
      textTable(I_HEADER, inter, { align: ['left', 'left', 'right', 'right', 'right', 'right', 'left'] }),
    );
  }
  return out.join('\n').trimEnd() + '\n';
}
