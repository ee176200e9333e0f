// Table contents shared by the text, Markdown and HTML reports.

import type { MetricComparison } from '../stats/index.js';
import { powerLine } from '../stats/power.js';
import { fmtNum, fmtP, fmtPct } from './numbers.js';
import { columns, type Align } from './table.js';
import {
  ciRatioRange,
  pctRange,
  roleLabel,
  type ArmComparison,
  type ReportModel,
  type ScenarioSection,
} from './model.js';

export function metricName(m: MetricComparison): string {
  return m.label && m.label !== m.metric ? `${m.metric} (${m.label})` : m.metric;
}

export function deltaHeader(cmp: ArmComparison): string[] {
  return [
    'metric',
    'role',
    'unit',
    `${cmp.baselineArm} median`,
    `${cmp.treatmentArm} median`,
    'change (HL)',
    '95% CI of ratio',
    'paired per round',
    'p raw',
    'p Holm',
    'verdict',
  ];
}

/** Column alignment of the delta table, and where its verdict is (for colour). */
export const DELTA_ALIGN: readonly Align[] = [...columns(3, 'left'), ...columns(7, 'right'), 'left'];
export const DELTA_VERDICT_COLUMN = 10;

function armCell(a: MetricComparison['base']): string {
  return `${fmtNum(a.median)} (n=${a.n}${a.censored ? `, ${a.censored} +++++` : ''})`;
}

function pairedCell(m: MetricComparison): string {
  const p = m.paired;
  if (!p || p.ratio === null) return 'n/a';
  const est = fmtPct((p.ratio - 1) * 100);
  return p.ci ? `${est} [${pctRange(p.ci.low, p.ci.high)}]` : `${est} (no CI: ${p.rounds} rounds)`;
}

export function deltaRow(m: MetricComparison): string[] {
  return [
    metricName(m),
    m.role,
    m.unit || '',
    armCell(m.base),
    armCell(m.treat),
    fmtPct(m.changePct),
    ciRatioRange(m),
    pairedCell(m),
    fmtP(m.p),
    fmtP(m.pAdjusted),
    m.verdict === null ? 'n/a' : m.role === 'secondary' ? `${m.verdict} (secondary)` : m.verdict,
  ];
}

/** Notes under a comparison's table: power, censoring, missing intervals, visible drift. */
export function comparisonNotes(cmp: ArmComparison): string[] {
  const a = cmp.analysis;
  if (!a) return [];
  const notes = [powerLine(`${a.primary.length} primary (${a.primary.join(', ')})`, a.power)];
  const missing = a.primary.filter((p) => !cmp.rows.some((m) => m.metric === p));
  if (missing.length) notes.push(`primary metric(s) not compared: ${missing.join(', ')}`);
  for (const m of cmp.rows.filter((r) => r.base.censored + r.treat.censored > 0))
    notes.push(
      `${m.metric}: ${m.base.censored} of ${m.base.n} ${cmp.baselineArm} and ${m.treat.censored} of ${m.treat.n} ` +
        `${cmp.treatmentArm} run(s) were +++++ (too fast to measure): counted in n and ranked as faster than every measured run`,
    );
  const noCi = new Map<string, string[]>();
  for (const m of cmp.rows) {
    if (m.ci || !m.noCiReason) continue;
    noCi.set(m.noCiReason, [...(noCi.get(m.noCiReason) ?? []), m.metric]);
  }
  for (const [why, metrics] of noCi)
    notes.push(`no interval and no "no change" verdict for ${metrics.join(', ')}: ${why}`);
  for (const m of cmp.rows) {
    const d = m.paired?.drift;
    if (m.role === 'primary' && d?.visible)
      notes.push(
        `drift visible in ${m.metric}: values trend with the run order ` +
          `(Spearman rho ${d.rho.toFixed(2)}, permutation p ${fmtP(d.p)}); the paired per-round estimate cancels it`,
      );
  }
  return notes;
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

/** Verdict counts over the primary hypotheses (secondary metrics are explanatory). */
export function verdictLine(model: ReportModel): string {
  const c = { improved: 0, regressed: 0, 'no change': 0, inconclusive: 0 };
  let secondary = 0;
  for (const h of model.hosts)
    for (const s of h.scenarios)
      for (const cmp of s.comparisons)
        for (const m of cmp.rows) {
          if (m.role !== 'primary') secondary++;
          else if (m.verdict) c[m.verdict]++;
        }
  return (
    `primary: ${c.improved} improved, ${c.regressed} regressed, ${c['no change']} no change, ` +
    `${c.inconclusive} inconclusive; ${secondary} secondary metric(s) shown for explanation`
  );
}

export function settingsLine(model: ReportModel): string {
  const t = model.thresholdPct;
  const multiArm = model.hosts.some((h) => h.scenarios.some((s) => s.comparisons.length > 1));
  const perArm = multiArm
    ? '; each arm is compared with the baseline on its own (Holm within each comparison, not across arms)'
    : '';
  return (
    "verdict rule: each scenario's pre-declared primary metrics form one Holm family; " +
    `improved/regressed = Holm-adjusted exact rank-sum p < ${+model.alpha.toPrecision(3)} (+++++ runs ranked fastest) ` +
    `and the whole exact Hodges-Lehmann interval of the ratio beyond \u00b1${t}%; ` +
    `interval within \u00b1${t}% = no change; otherwise inconclusive; ` +
    'no interval, and no "no change", where n is too small for an exact one; ' +
    `secondary metrics are a separate Holm family, explanatory only${perArm}; resampling seed ${model.seed}`
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

/** A/A: this host's noise and the effects it lets a verdict detect (80% power, Holm over the primary family). */
export function aaNote(cmp: ArmComparison): string | null {
  const floors = cmp.noiseFloor.filter((f) => f.role === 'primary');
  if (!floors.length) return null;
  const alarms = cmp.rows.filter((m) => m.verdict === 'improved' || m.verdict === 'regressed').length;
  const pct = (v: number | null) => (v === null ? 'none at this n' : `${v.toFixed(1)}%`);
  const parts = floors.map(
    (f) =>
      `${f.metric}: noise ${f.sigmaLog === null ? 'n/a' : `${(f.sigmaLog * 100).toFixed(1)}%`}, ` +
      `detectable ${pct(f.minDetectableEffectPct)} (a verdict needs ${pct(f.verdictEffectPct)}), ` +
      `n for the threshold ${f.nForThreshold ?? 'n/a'} per arm`,
  );
  const n = `${floors[0].nBase}/${floors[0].nTreat}`;
  return `A/A noise floor (effects found with 80% power at this host's noise, n=${n}): ${parts.join('; ')}; ${alarms} false alarm(s).`;
}
