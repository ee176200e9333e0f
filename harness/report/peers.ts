// Peers side by side (issue "Peers"): for a scenario that ran QEMU and/or the
// host beside kickvmm, one table of medians with a column per VMM x arm, then
// the comparisons in the order a reader asks them (harness/peers/arms.ts):
// the mode effect within each VMM, kickvmm against QEMU per arm, and every
// VMM x arm as a fraction of the host. Each comparison is an ordinary pair of
// arms under the same statistics as the mode comparison.
import type { ResultSet, Sample } from '../results/schema.js';
import { analyze, median, type MetricComparison } from '../stats/index.js';
import { peerComparisons, vmmOfArm, type PeerComparison } from '../peers/arms.js';
import { QEMU_NOT_SETTABLE } from '../peers/qemu-args.js';
import { mdEscape, mdTable, textTable } from './table.js';
import { placeWords } from '../launch/place.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PeerComparisonBlock {
  comparison: PeerComparison;
  rows: MetricComparison[];
  problem: string | null;
}

export interface PeerTable {
  scenario: string;
  /** every arm that ran, kickvmm's first */
  arms: string[];
  medians: { metric: string; unit: string; values: (number | null)[] }[];
  comparisons: PeerComparisonBlock[];
  /** what cannot be held equal or run, said instead of left out */
  notes: string[];
}

function okValues(samples: Sample[], metric: string): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const m = s.metrics[metric];
    if (s.status === 'ok' && !s.warmup && m && m.status === 'ok' && typeof m.value === 'number') out.push(m.value);
  }
  return out;
}

/** Rate and cost metrics only (the per-VM counters are kickvmm's alone). */
function comparable(metric: string): boolean {
  return !/_latency$|_per_mib$|^wall_seconds$|_per_gib$/.test(metric);
}

export function peerTables(rs: ResultSet, opts: { thresholdPct?: number; alpha?: number } = {}): PeerTable[] {
  const out: PeerTable[] = [];
  const scenarios = [...new Set(rs.samples.map((s) => s.scenario))];
  for (const scenario of scenarios) {
    const samples = rs.samples.filter((s) => s.scenario === scenario);
    const arms = [...new Set(samples.map((s) => s.arm))];
    if (!arms.some((a) => vmmOfArm(a) !== 'kickvmm')) continue;
    arms.sort((a, b) => order(a) - order(b));
    const metrics = [...new Set(samples.flatMap((s) => Object.keys(s.metrics)))].filter(comparable).sort();
    const medians = metrics.map((metric) => {
      const unit = samples.find((s) => s.metrics[metric])?.metrics[metric]?.unit ?? '';
      return {
        metric,
        unit,
        values: arms.map((a) => {
          const v = okValues(
            samples.filter((s) => s.arm === a),
            metric,
          );
          return v.length ? median(v) : null;
        }),
      };
    });
    const one: ResultSet = { ...rs, samples };
    const comparisons = peerComparisons(arms).map((comparison): PeerComparisonBlock => {
      try {
        const a = analyze(one, {
          baselineArm: comparison.baselineArm,
          treatmentArm: comparison.treatmentArm,
          thresholdPct: opts.thresholdPct,
          alpha: opts.alpha,
        });
        const rows = (a.scenarios.find((x) => x.scenario === scenario)?.metrics ?? []).filter(
          (m) => comparable(m.metric) && m.ratio !== null,
        );
        return { comparison, rows, problem: rows.length ? null : 'no metric measured in both arms' };
      } catch (e) {
        return { comparison, rows: [], problem: (e as Error).message };
      }
    });
    const notes = cannotCompare(samples, arms);
    if (arms.some((a) => vmmOfArm(a) === 'qemu')) {
      notes.push(...QEMU_NOT_SETTABLE);
      const qemuArgs = samples.find((s) => s.peerStats?.qemu)?.peerStats?.qemu;
      if (qemuArgs) notes.push(`QEMU ${qemuArgs.version ?? '(version unknown)'}: ${qemuArgs.args.join(' ')}`);
    }
    if (arms.includes('inline') && arms.some((a) => vmmOfArm(a) === 'qemu'))
      notes.push('inline: kickvmm only (no QEMU equivalent)');
    if (arms.includes('host'))
      notes.push(
        'host: the same work with no VM, on a file in the same filesystem as the disk images ' +
          '(bonnie++ with the same arguments, -r the guest RAM or half the -s file when smaller; hostio for probe phases)',
      );
    out.push({ scenario, arms, medians, comparisons, notes });
  }
  return out;
}

/**
 * What a reader must not miss: an arm with no measured sample (and the first
 * reason), arms that ran in different places (a rig sample against a host run
 * is not like for like), and QEMU counters that could not be read.
 */
function cannotCompare(samples: Sample[], arms: string[]): string[] {
  const notes: string[] = [];
  for (const arm of arms) {
    const runs = samples.filter((s) => s.arm === arm && !s.warmup);
    if (runs.some((s) => s.status === 'ok')) continue;
    const why = runs.find((s) => s.error)?.error ?? 'no sample recorded';
    notes.push(`${arm}: cannot run here, no sample of ${runs.length} succeeded: ${why}`);
  }
  const placeOf = new Map<string, Set<string>>();
  for (const s of samples) placeOf.set(s.arm, (placeOf.get(s.arm) ?? new Set()).add(placeWords(s.where)));
  const places = new Set([...placeOf.values()].map((p) => [...p].sort().join(' + ')));
  if (places.size > 1)
    notes.push(
      `the arms ran in different places: ${[...placeOf].map(([a, p]) => `${a} on ${[...p].sort().join(' + ')}`).join('; ')}`,
    );
  const missing = new Set(samples.flatMap((s) => s.peerStats?.missing ?? []));
  for (const m of missing) notes.push(`QEMU: not read in some samples: ${m}`);
  return notes;
}

function order(arm: string): number {
  const vmm = vmmOfArm(arm);
  return vmm === 'kickvmm' ? 0 : vmm === 'qemu' ? 1 : 2;
}

function num(v: number | null): string {
  if (v === null) return '-';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

function cell(m: MetricComparison | undefined): string {
  if (!m || m.ratio === null) return '-';
  const r = (v: number) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
  const ci = m.ci ? ` [${r(m.ci.low)}, ${r(m.ci.high)}]` : '';
  return `${r(m.ratio)}x${ci} ${m.verdict ?? ''}`.trim();
}

function comparisonRows(t: PeerTable, group: PeerComparison['group']): { header: string[]; rows: string[][] } {
  const blocks = t.comparisons.filter((c) => c.comparison.group === group);
  const metrics = [...new Set(blocks.flatMap((b) => b.rows.map((r) => r.metric)))];
  return {
    header: ['metric', ...blocks.map((b) => b.comparison.label)],
    rows: metrics.map((metric) => [metric, ...blocks.map((b) => cell(b.rows.find((r) => r.metric === metric)))]),
  };
}

const GROUPS: PeerComparison['group'][] = ['mode effect', 'kickvmm vs QEMU', 'fraction of host'];

export function peersText(tables: PeerTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`--- ${t.scenario}: peers side by side (ratio = second arm / first, 95% CI, verdict) ---`);
    for (const g of GROUPS) {
      const { header, rows } = comparisonRows(t, g);
      if (header.length > 1 && rows.length) out.push(`${g}:`, textTable(header, rows), '');
    }
    for (const b of t.comparisons.filter((c) => c.problem)) out.push(`${b.comparison.label}: ${b.problem}`);
    out.push(
      'medians:',
      textTable(
        ['metric', 'unit', ...t.arms],
        t.medians.map((m) => [m.metric, m.unit, ...m.values.map(num)]),
      ),
    );
    for (const n of t.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  return out.join('\n');
}

export function peersMarkdown(tables: PeerTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`### ${t.scenario}: peers side by side`, '');
    for (const g of GROUPS) {
      const { header, rows } = comparisonRows(t, g);
      if (header.length > 1 && rows.length)
        out.push(`**${g}** (ratio, 95% CI, verdict)`, '', mdTable(header, rows), '');
    }
    out.push(
      '<details><summary>Medians per VMM x arm</summary>',
      '',
      mdTable(
        ['metric', 'unit', ...t.arms],
        t.medians.map((m) => [m.metric, m.unit, ...m.values.map(num)]),
      ),
      '',
      '</details>',
      '',
    );
    for (const n of t.notes) out.push(`- ${mdEscape(n)}`);
    out.push('');
  }
  return out.join('\n');
}

function htmlTable(header: string[], rows: string[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

export function peersHtml(tables: PeerTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`<h3>${escapeHtml(t.scenario)}: peers side by side</h3>`);
    for (const g of GROUPS) {
      const { header, rows } = comparisonRows(t, g);
      if (header.length > 1 && rows.length)
        out.push(`<p><b>${escapeHtml(g)}</b> (ratio, 95% CI, verdict)</p>`, htmlTable(header, rows));
    }
    out.push(
      '<p><b>medians</b></p>',
      htmlTable(
        ['metric', 'unit', ...t.arms],
        t.medians.map((m) => [m.metric, m.unit, ...m.values.map(num)]),
      ),
    );
    if (t.notes.length) out.push(`<ul class="muted">${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  }
  return out.join('\n');
}
