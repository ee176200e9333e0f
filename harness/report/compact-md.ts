// Compact Markdown for a CI job summary or a PR comment: the verdict first,
// then one row per primary metric with both arms side by side and whether head
// changed the treatment arm's advantage; secondary metrics and the environment
// folded into <details>. Narrow cells, so GitHub's renderer shows every column
// without a scrollbar.

import type { HostEnvironment, Place } from '../results/schema.js';
import type { Interaction, MetricComparison, RunComparison } from '../stats/index.js';
import { fmtNum, fmtPct } from './numbers.js';
import { whereNote } from './place-notes.js';
import { gateCases, isPrimary, type GateCase } from './gate-cases.js';
import { verdictAt } from '../stats/index.js';

export interface CompactOptions {
  /** e.g. "kickbench ab" */
  title: string;
  thresholdPct?: number;
  /** the gate's exit status: 0 pass, 1 regression, 3 cannot judge */
  exitCode: number;
  /** lines about what was compared (commits, where it ran), shown under the headline */
  context?: string[];
  /** shown in the environment <details> */
  hosts?: Record<string, HostEnvironment>;
}

const MARK: Record<string, string> = {
  improved: '🟢',
  'no change': '⚪',
  regressed: '🔴',
  inconclusive: '❔',
};

/** Markdown table cells: no pipes, no newlines. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

function ciShort(m: { ci: { low: number; high: number } | null }): string {
  if (!m.ci || !Number.isFinite(m.ci.low) || !Number.isFinite(m.ci.high)) return '';
  const f = (r: number) => fmtPct((r - 1) * 100).replace('%', '');
  return ` [${f(m.ci.low)}, ${f(m.ci.high)}]`;
}

function changeCell(m: MetricComparison | undefined, thresholdPct: number, alpha: number): string {
  if (!m) return '–';
  if (m.status !== 'ok') return m.status === 'too_fast' ? '+++++' : 'not run';
  const v = verdictAt(m, thresholdPct, alpha) ?? 'inconclusive';
  return `${MARK[v]} ${fmtPct(m.changePct)}${ciShort(m)}`;
}

function interactionCell(i: Interaction | undefined): string {
  if (!i || i.baseRatio === null || i.headRatio === null) return '–';
  const mark =
    i.advantage === 'grew' ? '🟢' : i.advantage === 'shrank' ? '🔴' : i.advantage === 'no change' ? '⚪' : '❔';
  return `${mark} ${i.baseRatio.toFixed(2)}→${i.headRatio.toFixed(2)}${ciShort(i)}`;
}

function headline(o: CompactOptions, cases: GateCase[], thresholdPct: number): string {
  const failed = cases.filter((k) => k.outcome === 'failed').length;
  const skipped = cases.filter((k) => k.outcome === 'skipped').length;
  const passed = cases.length - failed - skipped;
  const counts = `${failed} regressed, ${passed} passed, ${skipped} cannot judge`;
  if (o.exitCode === 1) return `### 🔴 ${o.title}: regression beyond ${thresholdPct}% (${counts})`;
  if (o.exitCode === 0) return `### ✅ ${o.title}: no regression beyond ${thresholdPct}% (${counts})`;
  return `### ❔ ${o.title}: cannot judge (${counts})`;
}

/** One table: a row per metric, a column per arm (head vs base), and the interaction. */
function metricTable(c: RunComparison, metrics: string[], thresholdPct: number, withInteraction: boolean): string[] {
  // Every compared arm, the baseline and treatment first (a third kick arm gets its own column).
  const present = c.groups.map((g) => g.arm).filter((a): a is string => a !== null);
  const arms = [...new Set([c.baselineArm, c.treatmentArm, ...present])].filter((a) => present.includes(a));
  const scenarios = [...new Set(c.groups.map((g) => g.scenario))];
  const header = ['metric', ...arms.map((a) => `${a}: head vs base`)];
  if (withInteraction) header.push(`${c.treatmentArm}/${c.baselineArm}: base→head`);
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const scenario of scenarios) {
    const find = (arm: string, metric: string) =>
      c.groups.find((g) => g.scenario === scenario && g.arm === arm)?.metrics.find((m) => m.metric === metric);
    for (const metric of metrics) {
      const cells = arms.map((a) => find(a, metric));
      if (cells.every((m) => m === undefined)) continue;
      const name = scenarios.length > 1 ? `${scenario} ${metric}` : metric;
      const row = [cell(name), ...cells.map((m) => changeCell(m, thresholdPct, c.alpha))];
      if (withInteraction)
        row.push(interactionCell(c.interactions.find((i) => i.scenario === scenario && i.metric === metric)));
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return lines;
}

function metricsOf(c: RunComparison, primary: boolean): { measured: string[]; tooFast: string[] } {
  const all = c.groups.flatMap((g) => g.metrics).filter((m) => isPrimary(m.metric) === primary);
  const names = [...new Set(all.map((m) => m.metric))];
  const tooFast = names.filter((n) => all.filter((m) => m.metric === n).every((m) => m.status === 'too_fast'));
  return { measured: names.filter((n) => !tooFast.includes(n)), tooFast };
}

export function renderCompactMarkdown(c: RunComparison, o: CompactOptions): string {
  const thresholdPct = o.thresholdPct ?? c.thresholdPct;
  const cases = gateCases(c, thresholdPct);
  const out = [headline(o, cases, thresholdPct), ''];
  for (const line of o.context ?? []) out.push(`${line}  `);
  if (o.context?.length) out.push('');
  const places = new Set<Place>(c.groups.flatMap((g) => g.where));
  for (const place of places) {
    const note = whereNote(place);
    if (note) out.push(`> [!WARNING]`, `> ${note}`, '');
  }
  const regressions = cases.filter((k) => k.outcome === 'failed');
  for (const k of regressions.slice(0, 3))
    out.push(`- 🔴 **${cell(`${k.scenario}/${k.arm} ${k.metric}`)}**: ${cell(k.detail)}`);
  if (regressions.length > 3) out.push(`- and ${regressions.length - 3} more regression(s)`);
  if (regressions.length) out.push('');

  const primary = metricsOf(c, true);
  out.push(...metricTable(c, primary.measured, thresholdPct, true), '');
  if (primary.tooFast.length) out.push(`+++++ (too fast to measure, cannot judge): ${primary.tooFast.join(', ')}`, '');
  out.push(
    '<sub>🔴 regressed ⚪ no change 🟢 improved ❔ cannot judge. Change of head vs base, [95% CI]; ' +
      `regressed = Holm p < ${c.alpha} and the whole CI beyond ${thresholdPct}%. ` +
      `Last column: the ${c.treatmentArm}/${c.baselineArm} ratio in base → head.</sub>`,
    '',
  );

  const secondary = metricsOf(c, false);
  if (secondary.measured.length) {
    out.push(`<details><summary>Secondary metrics (${secondary.measured.length})</summary>`, '');
    out.push(...metricTable(c, secondary.measured, thresholdPct, false), '', '</details>', '');
  }
  const hosts = Object.entries(o.hosts ?? {});
  if (hosts.length) {
    out.push('<details><summary>Environment</summary>', '');
    for (const [key, h] of hosts) {
      const guest = h.guest
        ? Object.entries(h.guest)
            .map(([k, v]) => `${k} ${v ?? 'n/a'}`)
            .join(', ')
        : '';
      out.push(
        `- **${cell(key)}**: ${cell(h.cpuModel)}, ${h.cpus} CPUs, ${fmtNum(h.memoryMiB / 1024, 2)} GiB; ` +
          `kernel ${cell(h.hostKernel)}; KVM ${h.kvmKind}; runs ${h.where}; node ${h.nodeVersion}`,
      );
      if (guest) out.push(`  guest: ${cell(guest)}`);
    }
    out.push('', '</details>', '');
  }
  return out.join('\n').trimEnd() + '\n';
}
