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
import { scenarioFileMiB } from './cache.js';
import { BONNIE_MIN_PHASE_SECONDS, FILE_RATE_METRICS } from '../bonnie/types.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PeerComparisonBlock {
  comparison: PeerComparison;
  rows: MetricComparison[];
  problem: string | null;
  /** upper bounds on the ratio for metrics whose baseline was too fast to measure in every run */
  bounds: string | null;
}

export interface PeerTable {
  scenario: string;
  /** every arm that ran, kickvmm's first */
  arms: string[];
  /**
   * values: the median per arm; floor: where every run of an arm was too fast
   * to measure, the rate it must have exceeded (a lower bound, else null)
   */
  medians: { metric: string; unit: string; values: (number | null)[]; floors: (number | null)[] }[];
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
    const fileMiB = scenarioFileMiB(rs, scenario);
    const samplesOf = arms.map((a) => samples.filter((s) => s.arm === a));
    const medians = metrics.map((metric) => {
      const unit = samples.find((s) => s.metrics[metric])?.metrics[metric]?.unit ?? '';
      const values = samplesOf.map((armSamples) => {
        const v = okValues(armSamples, metric);
        return v.length ? median(v) : null;
      });
      const floors = samplesOf.map((armSamples, i) =>
        values[i] === null ? tooFastFloor(armSamples, metric, fileMiB) : null,
      );
      return { metric, unit, values, floors };
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
        const bounds = boundsAgainst(comparison, arms, medians);
        return { comparison, rows, problem: rows.length ? null : 'no metric measured in both arms', bounds };
      } catch (e) {
        return { comparison, rows: [], problem: (e as Error).message, bounds: null };
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
  // The host arm runs no VM: its place is this host whatever KVM the run's VMs used.
  const wordsOf = (s: Sample) => (vmmOfArm(s.arm) === 'host' ? 'this host, no VM' : placeWords(s.where));
  for (const s of samples) placeOf.set(s.arm, (placeOf.get(s.arm) ?? new Set()).add(wordsOf(s)));
  const places = new Set([...placeOf.values()].map((p) => [...p].sort().join(' + ')));
  if (places.size > 1)
    notes.push(
      `the arms ran in different places: ${[...placeOf].map(([a, p]) => `${a} on ${[...p].sort().join(' + ')}`).join('; ')}`,
    );
  const missing = new Set(samples.flatMap((s) => s.peerStats?.missing ?? []));
  for (const m of missing) notes.push(`QEMU: not read in some samples: ${m}`);
  return notes;
}

/** The lower bound an arm's rate exceeded when bonnie++ printed +++++ for it in every run, else null. */
function tooFastFloor(samples: Sample[], metric: string, fileMiB: number | null): number | null {
  if (fileMiB === null || !(FILE_RATE_METRICS as readonly string[]).includes(metric)) return null;
  const runs = samples.filter((s) => s.status === 'ok' && !s.warmup && s.metrics[metric]);
  if (!runs.length || !runs.every((s) => s.metrics[metric]!.status === 'too_fast')) return null;
  return (fileMiB * 1024) / BONNIE_MIN_PHASE_SECONDS;
}

/**
 * A baseline too fast to measure in every run still bounds the ratio: the
 * treatment's median over the baseline's floor is an upper bound. Said in
 * words, since no interval or verdict can come from a bound.
 */
function boundsAgainst(c: PeerComparison, arms: string[], medians: PeerTable['medians']): string | null {
  const b = arms.indexOf(c.baselineArm);
  const t = arms.indexOf(c.treatmentArm);
  const bounds = medians.flatMap((m) => {
    const floor = m.floors[b];
    const value = m.values[t];
    return floor !== null && value !== null ? [`${m.metric} < ${(value / floor).toPrecision(2)}x`] : [];
  });
  if (!bounds.length) return null;
  return (
    `${c.baselineArm} was too fast to measure in every run (bonnie++ +++++: a phase under ` +
    `${BONNIE_MIN_PHASE_SECONDS} s); at ${c.treatmentArm}'s medians: ${bounds.join(', ')}`
  );
}

function order(arm: string): number {
  const vmm = vmmOfArm(arm);
  return vmm === 'kickvmm' ? 0 : vmm === 'qemu' ? 1 : 2;
}

/** The medians table's rows: metric, unit, then per arm its median, or "> floor" where it was too fast to measure. */
function medianRows(t: PeerTable): string[][] {
  return t.medians.map((m) => [
    m.metric,
    m.unit,
    ...m.values.map((v, i) => (v === null && m.floors[i] !== null ? `> ${num(m.floors[i])}` : num(v))),
  ]);
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

/** Per comparison, what its table cannot show: the bounds a too-fast baseline gives, else why it has no rows. */
function blockNotes(t: PeerTable): string[] {
  return t.comparisons.flatMap((b) => {
    const why = b.bounds ?? b.problem;
    return why ? [`${b.comparison.label}: ${why}`] : [];
  });
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
    for (const line of blockNotes(t)) out.push(line);
    out.push('medians:', textTable(['metric', 'unit', ...t.arms], medianRows(t)));
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
    const notes = blockNotes(t);
    if (notes.length) out.push(...notes.map((line) => `- ${mdEscape(line)}`), '');
    out.push(
      '<details><summary>Medians per VMM x arm</summary>',
      '',
      mdTable(['metric', 'unit', ...t.arms], medianRows(t)),
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
    for (const line of blockNotes(t)) out.push(`<p class="note">${escapeHtml(line)}</p>`);
    out.push('<p><b>medians</b></p>', htmlTable(['metric', 'unit', ...t.arms], medianRows(t)));
    if (t.notes.length) out.push(`<ul class="muted">${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  }
  return out.join('\n');
}
