// GitHub-flavoured Markdown: the text report's content for a CI job summary
// or a PR comment. Emoji only decorate; the verdict word is always there.

import { peersMarkdown, peerTables } from './peers.js';
import type { ResultSet } from '../results/schema.js';
import { buildReportModel, roleLabel, type ModelOptions, type ReportModel, type ScenarioSection } from './model.js';
import * as row from './rows.js';
import { mdEscape, mdTable } from './table.js';
import { CACHE_ALIGN, CACHE_HEADER, cacheRows, cacheWarning } from './cache.js';

const EMOJI: Record<string, string> = {
  improved: '\u2705',
  regressed: '\u274c',
  'no change': '\u2796',
  inconclusive: '\u2754',
};

function withEmoji(verdict: string): string {
  return EMOJI[verdict] ? `${EMOJI[verdict]} ${verdict}` : verdict;
}

function scenarioMd(sec: ScenarioSection, model: ReportModel): string {
  const out: string[] = [];
  const kind = sec.kind === 'bonnie' ? 'bonnie++ in a Linux guest' : 'probe guest';
  out.push(`### Scenario \`${sec.scenario}\` (${kind})`, '', row.sampleSummary(sec), '');
  const described = row.armLines(sec);
  if (described.length) out.push(...described.map((l) => `- ${mdEscape(l)}`), '');
  if (sec.kind === 'bonnie') {
    for (const t of sec.arms) {
      if (!t.bonnieTable) continue;
      out.push(
        `**${roleLabel(t)}**: bonnie++ 1.96-style table, every cell the median of ${t.n} run(s)`,
        '',
        '```text',
        t.bonnieTable.trimEnd(),
        '```',
        '',
      );
    }
    if (sec.tooFast.length)
      out.push(
        `Not measured: ${sec.tooFast.map((m) => `\`${m}\``).join(', ')}: bonnie++ printed \`+++++\` (under 0.5 s) in every run.`,
        '',
      );
    if (sec.cache.length) {
      const warn = cacheWarning(sec.scenario, sec.cache);
      if (warn) out.push('> [!WARNING]', `> **${mdEscape(warn)}**`, '');
      out.push('Disk or page cache (bonnie++ writes one file of the `-s` size):', '');
      out.push(mdTable(CACHE_HEADER, cacheRows(sec.cache), CACHE_ALIGN));
    }
  }
  for (const cmp of sec.comparisons) {
    if (sec.kind === 'bonnie' && cmp.notCompared.length)
      out.push(`Not compared (${cmp.treatmentArm} vs ${cmp.baselineArm}): ${cmp.notCompared.join('; ')}.`, '');
    if (!cmp.rows.length) {
      const why = mdEscape(cmp.problem ?? 'no metric measured in both arms');
      out.push(`No comparison (${cmp.treatmentArm} vs ${cmp.baselineArm}): ${why}`, '');
      continue;
    }
    const { baselineArm: base, treatmentArm: treat } = cmp;
    out.push(`**${treat} vs ${base}** (before = ${base}, after = ${treat})`, '');
    const rows = cmp.rows.map((m) => {
      const r = row.deltaRow(m);
      r[row.DELTA_VERDICT_COLUMN] = withEmoji(r[row.DELTA_VERDICT_COLUMN]);
      return r;
    });
    out.push(mdTable(row.deltaHeader(cmp), rows, [...row.DELTA_ALIGN]));
    for (const n of row.comparisonNotes(cmp)) out.push(`- ${mdEscape(n)}`);
    out.push('');
    if (model.aa) {
      const note = row.aaNote(cmp);
      if (note) out.push(note, '');
    }
  }
  if (sec.problem) out.push(`No comparison: ${mdEscape(sec.problem)}`, '');
  const counters = row.counterTableRows(sec);
  if (counters.length) out.push(mdTable(row.counterHeader(sec), counters));
  for (const f of sec.failed) out.push(`- **FAILED** \`${f.id}\`: ${mdEscape(f.error ?? 'no error recorded')}`);
  if (sec.failed.length) out.push('');
  return out.join('\n');
}

export function renderMarkdownModel(model: ReportModel): string {
  const rs = model.rs;
  const out: string[] = [];
  out.push(`## kickbench: ${row.armsTitle(model)} kick paths`, '');
  out.push(
    `${rs.samples.length} sample(s), ${rs.scenarios.length} scenario(s), ${model.hosts.length} host(s); ` +
      `created ${rs.createdAt}; kickbench ${mdEscape(rs.tool.version)}`,
    '',
  );
  for (const w of model.warnings) out.push(`> [!WARNING]`, `> **${mdEscape(w)}**`, '');
  if (model.completion) out.push(`> [!CAUTION]`, `> **${mdEscape(model.completion)}**`, '');
  if (model.sequential) out.push(`> [!NOTE]`, `> ${mdEscape(model.sequential)}`, '');
  if (model.aa)
    out.push(
      '> [!NOTE]',
      '> A/A run: both arms use the same kick mode; any verdict other than "no change"/"inconclusive" is a false alarm.',
      '',
    );
  out.push(`**Verdicts:** ${row.verdictLine(model)}`, '', `<sub>${mdEscape(row.settingsLine(model))}</sub>`, '');
  for (const h of model.hosts) {
    out.push(`## Host \`${h.host}\`: ran on ${h.where.join('+') || 'unknown'}`, '');
    for (const w of h.warnings) out.push(`> [!WARNING]`, `> **${mdEscape(w)}**`, '');
    out.push(
      '<details><summary>Environment</summary>',
      '',
      mdTable(['', 'value'], h.environment, ['left', 'left']),
      '</details>',
      '',
    );
    for (const sec of h.scenarios) out.push(scenarioMd(sec, model));
    out.push(peersMarkdown(peerTables(h.rs, model)));
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

export function renderMarkdown(rs: ResultSet, opts: ModelOptions = {}): string {
  return renderMarkdownModel(buildReportModel(rs, opts));
}
