// Table contents shared by the text, Markdown and HTML reports.

import type { MetricComparison } from '../stats/index.js';
import { fmtNum, fmtP, fmtPct } from './common.js';
import { ciRatioRange, roleLabel, type ArmComparison, type ReportModel, type ScenarioSection } from './model.js';

export function metricName(m: MetricComparison): string {
  return m.label && m.label !== m.metric ? `${m.metric} (${m.label})` : m.metric;
}

export function deltaHeader(cmp: ArmComparison): string[] {
  return [
    'metric',
    'unit',
    `${cmp.baselineArm} median`,
    `${cmp.treatmentArm} median`,
    'change',
    '95% CI of ratio',
    'p (Holm)',
    'verdict',
  ];
}

export function deltaRow(m: MetricComparison): string[] {
  return [
    metricName(m),
    m.unit || '',
    `${fmtNum(m.base.median)} (n=${m.base.n})`,
    `${fmtNum(m.treat.median)} (n=${m.treat.n})`,
    fmtPct(m.changePct),
    ciRatioRange(m),
    fmtP(m.pAdjusted),
    m.verdict ?? 'n/a',
  ];
}

export function counterHeader(sec: ScenarioSection): string[] {
  return ['VMM counter (median per run)', ...sec.arms.map((a) => `${a.arm} (n=${a.n})`)];
}

export function counterTableRows(sec: ScenarioSection): string[][] {
  const first = sec.arms[0]?.counters ?? [];
  return first
    .map((row, i) => [row.label, ...sec.arms.map((a) => fmtNum(a.counters[i]?.value ?? null))])
    .filter((cells) => cells.slice(1).some((c) => c !== 'n/a'));
}

/** "exit vs ioeventfd", or "exit vs ioeventfd vs inline" when three arms ran. */
export function armsTitle(model: ReportModel): string {
  const arms = new Set(model.hosts.flatMap((h) => h.scenarios.flatMap((s) => s.arms.map((a) => a.arm))));
  const named = ['exit', 'ioeventfd', 'inline'].filter((a) => arms.has(a));
  return named.length >= 2 ? named.join(' vs ') : 'exit vs ioeventfd';
}

export function verdictLine(model: ReportModel): string {
  const c = { improved: 0, regressed: 0, 'no change': 0, inconclusive: 0 };
  for (const h of model.hosts)
    for (const s of h.scenarios)
      for (const cmp of s.comparisons) for (const m of cmp.rows) if (m.verdict) c[m.verdict]++;
  return `${c.improved} improved, ${c.regressed} regressed, ${c['no change']} no change, ${c.inconclusive} inconclusive`;
}

export function settingsLine(model: ReportModel): string {
  const multiArm = model.hosts.some((h) => h.scenarios.some((s) => s.comparisons.length > 1));
  const perArm = multiArm
    ? '; each arm is compared with the baseline on its own (Holm within each comparison, not across arms)'
    : '';
  return (
    `verdict rule: Holm-adjusted Mann-Whitney p < ${model.alpha} and the 95% bootstrap CI of the median ratio ` +
    `wholly beyond \u00b1${model.thresholdPct}%; CI within \u00b1${model.thresholdPct}% = no change; otherwise inconclusive${perArm}`
  );
}

export function sampleSummary(sec: ScenarioSection): string {
  const parts = sec.arms.map((a) => `${a.arm} n=${a.n}`);
  const warm = sec.samples.filter((s) => s.warmup).length;
  return `${parts.join(', ')}${warm ? `; ${warm} warm-up run(s) not counted` : ''}${sec.failed.length ? `; ${sec.failed.length} FAILED run(s)` : ''}`;
}

/** The heading of one comparison block: "inline vs exit (before = exit, after = inline)". */
export function comparisonTitle(cmp: ArmComparison): string {
  return `${cmp.treatmentArm} vs ${cmp.baselineArm} (before = ${cmp.baselineArm}, after = ${cmp.treatmentArm})`;
}

/** One line per arm saying what it is, e.g. "exit (before): notify exits to userspace, ...". */
export function armLines(sec: ScenarioSection): string[] {
  return sec.arms.filter((a) => a.description).map((a) => `${roleLabel(a)}: ${a.description}`);
}

export function aaNote(cmp: ArmComparison): string | null {
  const a = cmp.analysis;
  if (!a) return null;
  const mdes = cmp.rows.map((m) => m.ciHalfWidthPct).filter((v): v is number => v !== null);
  const alarms = cmp.rows.filter((m) => m.verdict === 'improved' || m.verdict === 'regressed').length;
  if (!mdes.length) return null;
  const sorted = [...mdes].sort((x, y) => x - y);
  const range = `${sorted[0].toFixed(1)}..${sorted[sorted.length - 1].toFixed(1)}%`;
  return `A/A noise floor: both arms ran the same mode; CI half-width (smallest detectable effect) ${range} across metrics; ${alarms} false alarm(s).`;
}
