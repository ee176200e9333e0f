// Terminal report. Plain text unless colour is asked for (a TTY); the words
// always carry the meaning, colour only repeats it.

import { peersText, peerTables } from './peers.js';
import type { ResultSet } from '../results/schema.js';
import { buildReportModel, roleLabel, type ModelOptions, type ReportModel, type ScenarioSection } from './model.js';
import * as row from './rows.js';
import { ansi, textTable } from './table.js';
import { CACHE_ALIGN, CACHE_HEADER, cacheRows, cacheWarning } from './cache.js';

export interface TextOptions extends ModelOptions {
  color?: boolean;
}

function banner(s: string, color: boolean): string {
  const line = `!!! ${s}`;
  return color ? ansi.boldRed(line) : line;
}

function verdictColour(v: string): (s: string) => string {
  if (v.includes('improved')) return ansi.green;
  if (v.includes('regressed')) return ansi.red;
  if (v.includes('inconclusive')) return ansi.yellow;
  return (s) => s;
}

function scenarioText(sec: ScenarioSection, model: ReportModel, color: boolean): string {
  const out: string[] = [];
  const kind = sec.kind === 'bonnie' ? 'bonnie++ in a Linux guest' : 'probe guest';
  const head = `--- scenario ${sec.scenario} (${kind}): ${row.sampleSummary(sec)} ---`;
  out.push(color ? ansi.bold(head) : head, '');
  const described = row.armLines(sec);
  if (described.length) out.push('arms:', ...described.map((l) => `  ${l}`), '');
  if (sec.kind === 'bonnie') {
    for (const t of sec.arms) {
      if (!t.bonnieTable) continue;
      out.push(
        `${roleLabel(t)}: bonnie++ 1.96-style table; every cell is the median of ${t.n} run(s) (row label ${t.arm}-med)`,
      );
      out.push(t.bonnieTable);
    }
    if (sec.tooFast.length)
      out.push(`not measured: ${sec.tooFast.join(', ')}: bonnie++ printed +++++ (under 0.5 s) in every run`, '');
    if (sec.cache.length) {
      const warn = cacheWarning(sec.scenario, sec.cache);
      if (warn) out.push(banner(warn, color));
      out.push('disk or page cache (bonnie++ writes one file of the -s size):');
      out.push(textTable(CACHE_HEADER, cacheRows(sec.cache), { align: CACHE_ALIGN }));
    }
  }
  for (const cmp of sec.comparisons) {
    if (sec.kind === 'bonnie' && cmp.notCompared.length)
      out.push(`not compared (${cmp.treatmentArm} vs ${cmp.baselineArm}): ${cmp.notCompared.join('; ')}`, '');
    if (!cmp.rows.length) {
      const why = cmp.problem ?? 'no metric measured in both arms';
      out.push(`no comparison (${cmp.treatmentArm} vs ${cmp.baselineArm}): ${why}`, '');
      continue;
    }
    out.push(`${row.comparisonTitle(cmp)}:`);
    out.push(
      textTable(row.deltaHeader(cmp), cmp.rows.map(row.deltaRow), {
        align: [...row.DELTA_ALIGN],
        decorate: color
          ? (text, _r, c) => (c === row.DELTA_VERDICT_COLUMN ? verdictColour(text)(text) : text)
          : undefined,
      }),
    );
    for (const n of row.comparisonNotes(cmp)) out.push(`  ${n}`);
    out.push('');
    if (model.aa) {
      const note = row.aaNote(cmp);
      if (note) out.push(note, '');
    }
  }
  if (sec.problem) out.push(`no comparison: ${sec.problem}`, '');
  const counters = row.counterTableRows(sec);
  if (counters.length) out.push(textTable(row.counterHeader(sec), counters));
  for (const f of sec.failed)
    out.push(
      `FAILED ${f.id}: ${f.error ?? 'no error recorded'}${f.logs.console ? ` (console: ${f.logs.console})` : ''}`,
    );
  if (sec.failed.length) out.push('');
  return out.join('\n');
}

export function renderTextModel(model: ReportModel, opts: { color?: boolean } = {}): string {
  const color = opts.color === true;
  const rs = model.rs;
  const out: string[] = [];
  const title =
    `kickbench report: ${rs.samples.length} sample(s), ${rs.scenarios.length} scenario(s), ${model.hosts.length} host(s); ` +
    `created ${rs.createdAt}; kickbench ${rs.tool.version}`;
  out.push(color ? ansi.bold(title) : title);
  if (model.aa)
    out.push('A/A run: both arms use the same kick mode; differences are noise (the false-positive floor).');
  for (const w of model.warnings) out.push(banner(w, color));
  if (model.completion) out.push(banner(model.completion, color));
  if (model.sequential) out.push(model.sequential);
  out.push(`verdicts: ${row.verdictLine(model)}`);
  out.push(row.settingsLine(model), '');
  for (const h of model.hosts) {
    const where = h.where.join('+') || 'unknown';
    const head = `=== host ${h.host}: ran on ${where} ===`;
    out.push(color ? ansi.bold(head) : head);
    for (const w of h.warnings) out.push(banner(w, color));
    out.push(textTable(['environment', ''], h.environment, { align: ['left', 'left'] }));
    for (const sec of h.scenarios) out.push(scenarioText(sec, model, color));
    out.push(peersText(peerTables(h.rs, model)));
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

export function renderText(rs: ResultSet, opts: TextOptions = {}): string {
  return renderTextModel(buildReportModel(rs, opts), { color: opts.color });
}
