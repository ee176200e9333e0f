// Output of `kickbench compare BASE HEAD`, and the CI gate's judgement.
//
// The gate has four outcomes, each with its own exit status:
//   0 pass          every check could be made and no primary metric regressed
//   1 regression    a primary metric regressed: Holm-adjusted p < alpha and the
//                   whole interval beyond the threshold in the bad direction
//   2 usage error   bad arguments or unreadable input (left to the CLI)
//   3 cannot judge  underpowered, incomplete run, no common primary metrics,
//                   or too many failed samples: no verdict, never a pass
// The first line names the outcome and why; it never says "OK".

import { verdictAt, type MetricComparison, type RunComparison } from '../stats/index.js';
import { powerCheck, powerLine, type PowerCheck } from '../stats/power.js';
import type { ResultSet, Place } from '../results/schema.js';
import { completionOf, failureCount } from '../results/completion.js';
import { fmtNum, fmtP, fmtPct, pEq } from './numbers.js';
import { whereNote } from './place-notes.js';
import { ciPctRange } from './model.js';
import { metricName } from './rows.js';
import { columns, mdTable, textTable, type Align } from './table.js';

export const GATE_EXIT = { pass: 0, regression: 1, usage: 2, cannotJudge: 3 } as const;
export type GateOutcome = 'pass' | 'regression' | 'cannot judge';

export interface GateOptions {
  /** the gate's threshold; defaults to the one the comparison was computed with */
  thresholdPct?: number;
  /** the two result sets, to check completion and failures */
  base?: ResultSet;
  head?: ResultSet;
  /** judge runs that are incomplete or have failed samples anyway */
  allowIncomplete?: boolean;
  /** above this fraction of failed measured samples in either set, the gate cannot judge; default 0.25 */
  maxFailedFraction?: number;
}

export interface GateResult {
  outcome: GateOutcome;
  exitCode: 0 | 1 | 3;
  /** why the gate cannot judge (empty otherwise) */
  reasons: string[];
  /** the power check of the gate's primary family */
  power: PowerCheck;
  regressions: MetricComparison[];
  /** the first line of the output */
  line: string;
}

export interface CompareRenderOptions extends GateOptions {
  format?: 'text' | 'md';
}

function allComparisons(c: RunComparison | MetricComparison[]): MetricComparison[] {
  return Array.isArray(c) ? c : c.groups.flatMap((g) => g.metrics);
}

function primaryOf(c: RunComparison | MetricComparison[]): MetricComparison[] {
  return allComparisons(c).filter((m) => m.role === 'primary');
}

function alphaOf(c: RunComparison | MetricComparison[]): number {
  return Array.isArray(c) ? 0.05 : c.alpha;
}

/** The primary metrics that regressed significantly beyond the threshold, worst first. */
export function regressionsBeyond(c: RunComparison | MetricComparison[], thresholdPct: number): MetricComparison[] {
  const alpha = alphaOf(c);
  return primaryOf(c)
    .filter((m) => verdictAt(m, thresholdPct, alpha) === 'regressed')
    .sort((a, b) => badness(b) - badness(a));
}

function badness(m: MetricComparison): number {
  const ch = m.changePct ?? 0;
  return m.direction === 'higher' ? -ch : ch;
}

function where(m: MetricComparison): string {
  return m.arm ? `${m.scenario}/${m.arm}` : m.scenario;
}

function oneLiner(m: MetricComparison): string {
  const ci = ciPctRange(m);
  return `${where(m)} ${m.metric} ${fmtPct(m.changePct)} (${ci ? `95% CI ${ci}, ` : ''}${pEq(m.pAdjusted, 'p(Holm)')})`;
}

function gatePower(c: RunComparison | MetricComparison[]): PowerCheck {
  if (!Array.isArray(c)) return c.power;
  const prim = c.filter((m) => m.role === 'primary' && m.status === 'ok');
  if (!prim.length) return powerCheck(0, 0, 1);
  return powerCheck(Math.min(...prim.map((m) => m.base.n)), Math.min(...prim.map((m) => m.treat.n)), prim.length);
}

/** Why the gate cannot judge, in the order a reader should fix them (empty when it can). */
function cannotJudgeReasons(c: RunComparison | MetricComparison[], opts: GateOptions, power: PowerCheck): string[] {
  const reasons: string[] = [];
  const sets: [string, ResultSet | undefined][] = [
    ['base', opts.base],
    ['head', opts.head],
  ];
  for (const [name, rs] of sets) {
    if (!rs) continue;
    const { failed, measured } = failureCount(rs);
    if (measured > 0 && failed === measured) {
      reasons.push(`every ${name} sample failed (${failed} of ${measured})`);
      continue;
    }
    if (opts.allowIncomplete) continue;
    const max = opts.maxFailedFraction ?? 0.25;
    if (measured > 0 && failed / measured > max)
      reasons.push(
        `too many failed samples in ${name}: ${failed} of ${measured} (more than ${Math.round(max * 100)}%)`,
      );
    const comp = completionOf(rs);
    if (comp.state !== 'complete')
      reasons.push(
        `${name} run is ${comp.state}: ${comp.done} of ${comp.planned} planned samples ok (--allow-incomplete to judge anyway)`,
      );
  }
  const prim = primaryOf(c);
  if (prim.length === 0) {
    reasons.push('no primary metric is measured in both base and head (no common metrics)');
  } else {
    const unmeasured = prim.filter((m) => m.status !== 'ok');
    if (unmeasured.length)
      reasons.push(
        `primary metric(s) without a comparison: ${unmeasured.map((m) => `${where(m)} ${m.metric} (${m.status})`).join(', ')}`,
      );
    if (!power.reachable) reasons.push(`underpowered: ${powerLine('gate', power).replace(/^power check: gate: /, '')}`);
  }
  if (!Array.isArray(c)) {
    for (const g of c.groups) {
      for (const p of g.primary) {
        if (!g.metrics.some((m) => m.metric === p))
          reasons.push(`declared primary metric ${g.scenario}/${g.arm} ${p} is missing from base or head`);
      }
    }
  }
  return reasons;
}

/** The gate's judgement: pass, regression or cannot judge, with the reasons and the first line. */
export function judge(c: RunComparison | MetricComparison[], opts: GateOptions = {}): GateResult {
  const thresholdPct = opts.thresholdPct ?? (Array.isArray(c) ? 5 : c.thresholdPct);
  if (!(thresholdPct >= 0)) throw new RangeError(`threshold must be a non-negative percentage, got ${thresholdPct}`);
  const power = gatePower(c);
  const reasons = cannotJudgeReasons(c, opts, power);
  const regs = regressionsBeyond(c, thresholdPct);
  if (reasons.length) {
    const seen = regs.length ? `; a regression was seen in the partial data: ${oneLiner(regs[0])}` : '';
    return {
      outcome: 'cannot judge',
      exitCode: 3,
      reasons,
      power,
      regressions: regs,
      line: `CANNOT JUDGE: ${reasons.join('; ')}${seen}`,
    };
  }
  if (regs.length) {
    const more = regs.length > 1 ? `; ${regs.length - 1} more regression(s)` : '';
    return {
      outcome: 'regression',
      exitCode: 1,
      reasons,
      power,
      regressions: regs,
      line: `REGRESSION: ${oneLiner(regs[0])}${more}`,
    };
  }
  const alpha = alphaOf(c);
  const prim = primaryOf(c);
  const counts = { improved: 0, 'no change': 0, inconclusive: 0 };
  for (const m of prim) {
    const v = verdictAt(m, thresholdPct, alpha);
    if (v && v !== 'regressed') counts[v]++;
  }
  const open = prim.filter((m) => verdictAt(m, thresholdPct, alpha) === 'inconclusive');
  const openNote = open.length
    ? `; not ruled out for ${open.map((m) => `${where(m)} ${m.metric}${m.ci ? ` (CI ${ciPctRange(m)})` : ''}`).join(', ')}`
    : '';
  return {
    outcome: 'pass',
    exitCode: 0,
    reasons,
    power,
    regressions: [],
    line:
      `PASS: no primary metric regressed beyond ${thresholdPct}% (${prim.length} primary hypotheses, Holm; ` +
      `${counts.improved} improved, ${counts['no change']} no change, ${counts.inconclusive} inconclusive)${openNote}`,
  };
}

/** The CI gate's exit status: 0 pass, 1 regression, 3 cannot judge (2, usage errors, is the CLI's). */
export function compareExitCode(
  c: RunComparison | MetricComparison[],
  thresholdPct: number,
  opts: GateOptions = {},
): 0 | 1 | 3 {
  return judge(c, { ...opts, thresholdPct }).exitCode;
}

/** The first line of the output. */
export function compareSummaryLine(
  c: RunComparison | MetricComparison[],
  thresholdPct: number,
  opts: GateOptions = {},
): string {
  return judge(c, { ...opts, thresholdPct }).line;
}

function armN(a: MetricComparison['base']): string {
  return `n=${a.n}${a.censored ? `, ${a.censored} +++++` : ''}`;
}

function rowsOf(c: RunComparison | MetricComparison[], thresholdPct: number): string[][] {
  const alpha = alphaOf(c);
  return allComparisons(c).map((m) => [
    m.scenario,
    m.arm ?? '',
    metricName(m),
    m.role,
    m.unit,
    `${fmtNum(m.base.median)} (${armN(m.base)})`,
    `${fmtNum(m.treat.median)} (${armN(m.treat)})`,
    m.status === 'ok' ? fmtPct(m.changePct) : m.status,
    ciPctRange(m) ?? (m.status === 'ok' ? 'none (n too small)' : 'n/a'),
    fmtP(m.p),
    fmtP(m.pAdjusted),
    m.status !== 'ok'
      ? `not measured (${m.status})`
      : `${verdictAt(m, thresholdPct, alpha)}${m.role === 'secondary' ? ' (not gated)' : ''}`,
  ]);
}

const HEADER = [
  'scenario',
  'arm',
  'metric',
  'role',
  'unit',
  'base median',
  'head median',
  'change (HL)',
  '95% CI of change',
  'p raw',
  'p Holm',
  'verdict',
];
const ALIGN: Align[] = [...columns(5, 'left'), ...columns(6, 'right'), 'left'];

function interactionRows(c: RunComparison): string[][] {
  return c.interactions.map((i) => [
    i.scenario,
    i.label && i.label !== i.metric ? `${i.metric} (${i.label})` : i.metric,
    i.baseRatio === null ? 'n/a' : i.baseRatio.toFixed(3),
    i.headRatio === null ? 'n/a' : i.headRatio.toFixed(3),
    fmtPct(i.changePct),
    i.ci ? `${fmtPct((i.ci.low - 1) * 100)}..${fmtPct((i.ci.high - 1) * 100)}` : 'n/a (needs n>=5 per group)',
    `${i.advantage} (${c.treatmentArm} advantage)`,
  ]);
}
const I_HEADER = ['scenario', 'metric', 'base ratio', 'head ratio', 'ratio change', '95% CI (bootstrap)', 'verdict'];
const I_ALIGN: Align[] = [...columns(2, 'left'), ...columns(4, 'right'), 'left'];

function whereWarnings(c: RunComparison | MetricComparison[]): string[] {
  if (Array.isArray(c)) return [];
  const w = new Set<Place>(c.groups.flatMap((g) => g.where));
  return [...w].map((place) => whereNote(place)).filter((n): n is string => n !== null);
}

/** The human output of `kickbench compare`. */
export function renderCompare(c: RunComparison | MetricComparison[], opts: CompareRenderOptions = {}): string {
  const thresholdPct = opts.thresholdPct ?? (Array.isArray(c) ? 5 : c.thresholdPct);
  const g = judge(c, { ...opts, thresholdPct });
  const warnings = whereWarnings(c);
  const rule =
    `gate: regressed = a primary metric with Holm-adjusted exact rank-sum p < ${alphaOf(c)} ` +
    `(Holm over the ${g.power.m} primary hypotheses) and the whole 95% Hodges-Lehmann interval of the change ` +
    `beyond ${thresholdPct}% in the bad direction; secondary metrics are shown, never gated`;
  const power = powerLine('gate', g.power);
  const rows = rowsOf(c, thresholdPct);
  const inter = Array.isArray(c) ? [] : interactionRows(c);
  if (opts.format === 'md') {
    const out = [`**${g.line}**`, ''];
    for (const w of warnings) out.push('> [!WARNING]', `> **${w}**`, '');
    out.push(`<sub>${rule}</sub>`, '', `<sub>${power}</sub>`, '', mdTable(HEADER, rows, ALIGN));
    if (inter.length && !Array.isArray(c))
      out.push(
        `**Did head change the ${c.treatmentArm} / ${c.baselineArm} ratio?**`,
        '',
        mdTable(I_HEADER, inter, I_ALIGN),
      );
    return out.join('\n').trimEnd() + '\n';
  }
  const out = [g.line];
  for (const w of warnings) out.push(`!!! ${w}`);
  out.push(rule, power, '', textTable(HEADER, rows, { align: ALIGN }));
  if (inter.length && !Array.isArray(c)) {
    out.push(
      `interaction: did head change the ${c.treatmentArm} / ${c.baselineArm} ratio?`,
      textTable(I_HEADER, inter, { align: I_ALIGN }),
    );
  }
  return out.join('\n').trimEnd() + '\n';
}
