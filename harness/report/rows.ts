// Table contents shared by the text, Markdown and HTML reports.

import type { MetricComparison } from '../stats/index.js';
import { fmtNum, fmtP, fmtPct } from './common.js';
import { ciRatioRange, type ReportModel, type ScenarioSection } from './model.js';

export function metricName(m: MetricComparison): string {
  return m.label && m.label !== m.metric ? `${m.metric} (${m.label})` : m.metric;
}

export function deltaHeader(sec: ScenarioSection): string[] {
  return [
    'metric',
    'unit',
    `${sec.baselineArm} median`,
    `${sec.treatmentArm} median`,
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

export function verdictLine(model: ReportModel): string {
  const c = { improved: 0, regressed: 0, 'no change': 0, inconclusive: 0 };
  for (const h of model.hosts) for (const s of h.scenarios) for (const m of s.rows) if (m.verdict) c[m.verdict]++;
  return `${c.improved} improved, ${c.regressed} regressed, ${c['no change']} no change, ${c.inconclusive} inconclusive`;
}

export function settingsLine(model: ReportModel): string {
  return (
    `verdict rule: Holm-adjusted Mann-Whitney p < ${model.alpha} and the 95% bootstrap CI of the median ratio ` +
    `wholly beyond \u00b1${model.thresholdPct}%; CI within \u00b1${model.thresholdPct}% = no change; otherwise inconclusive`
  );
}

export function sampleSummary(sec: ScenarioSection): string {
  const parts = sec.arms.map((a) => `${a.arm} n=${a.n}`);
  const warm = sec.samples.filter((s) => s.warmup).length;
  return `${parts.join(', ')}${warm ? `; ${warm} warm-up run(s) not counted` : ''}${sec.failed.length ? `; ${sec.failed.length} FAILED run(s)` : ''}`;
}

export function aaNote(sec: ScenarioSection): string | null {
  const a = sec.analysis;
  if (!a) return null;
  const mdes = sec.rows.map((m) => m.ciHalfWidthPct).filter((v): v is number => v !== null);
  const alarms = sec.rows.filter((m) => m.verdict === 'improved' || m.verdict === 'regressed').length;
  if (!mdes.length) return null;
  const sorted = [...mdes].sort((x, y) => x - y);
  const range = `${sorted[0].toFixed(1)}..${sorted[sorted.length - 1].toFixed(1)}%`;
  return `A/A noise floor: both arms ran the same mode; CI half-width (smallest detectable effect) ${range} across metrics; ${alarms} false alarm(s).`;
}
