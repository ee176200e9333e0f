// One self-contained HTML file: no external URL of any kind; charts are PNG
// data: URIs. It opens from a CI artifact, an e-mail or a laptop offline.

import { peersHtml, peerTables } from './peers.js';
import type { ResultSet, Sample } from '../results/schema.js';
import type { ChartImage } from './charts.js';
import { fmtNum } from './numbers.js';
import { CACHE_AFFECTED, CACHE_HEADER, cacheRows, cacheWarning } from './cache.js';
import {
  buildReportModel,
  roleLabel,
  type HostSection,
  type ModelOptions,
  type ReportModel,
  type ScenarioSection,
} from './model.js';
import * as row from './rows.js';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1320px;padding:16px 24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:8px 0}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #ddd}h3{font-size:16px;margin:22px 0 6px}
table{border-collapse:collapse;margin:6px 0 14px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d4d4d4;padding:3px 8px;text-align:right;white-space:nowrap}th{background:#f3f3f3}
td.l,th.l{text-align:left}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:8px;overflow-x:auto;font:12.5px/1.35 ui-monospace,"DejaVu Sans Mono",monospace;margin:4px 0 12px}
pre.bonnie{font-size:11.5px}
.cache-affected{color:#8e0000;font-weight:700}
.warn{background:#fdecea;border:2px solid #c62828;color:#8e0000;padding:10px 14px;font-weight:700;margin:10px 0}
.note{background:#eef4fb;border:1px solid #90b4e0;padding:8px 12px;margin:8px 0}
.v-improved{background:#e3f4e1;color:#1b5e20;font-weight:700}.v-regressed{background:#fbe1e1;color:#b71c1c;font-weight:700}
.v-inconclusive{background:#fff6d6;color:#7a5a00}.v-no-change{color:#444}
.tables{display:flex;flex-wrap:wrap;gap:16px}.tables>div{flex:0 1 auto;min-width:0;max-width:100%;overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0}.charts img{max-width:100%;height:auto;border:1px solid #e0e0e0}
figcaption{font-size:12px;color:#555;max-width:760px}
.muted{color:#666;font-size:12.5px}
.scroll{overflow-x:auto;max-width:100%}
`;

function table(
  header: string[],
  rows: string[][],
  opts: {
    left?: number[];
    rowClass?: (r: number) => string;
    cellClass?: (r: number, c: number, v: string) => string;
  } = {},
): string {
  const left = new Set(opts.left ?? [0]);
  const th = header.map((h, c) => `<th${left.has(c) ? ' class="l"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const cells = r
        .map((v, c) => {
          const cls = [left.has(c) ? 'l' : '', opts.cellClass?.(ri, c, v) ?? ''].filter(Boolean).join(' ');
          return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(v)}</td>`;
        })
        .join('');
      const rc = opts.rowClass?.(ri);
      return `<tr${rc ? ` class="${rc}"` : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function verdictClass(v: string): string {
  return `v-${v.replace(/\s+/g, '-')}`;
}

function rawSamplesTable(samples: Sample[]): string {
  const metrics = [...new Set(samples.flatMap((s) => Object.keys(s.metrics)))];
  const header = ['sample', 'arm', 'order', 'warm-up', 'status', 'started', ...metrics];
  const rows = [...samples]
    .sort((a, b) => a.order - b.order)
    .map((s) => [
      s.id,
      s.arm,
      String(s.order),
      s.warmup ? 'yes' : '',
      s.status === 'ok' ? 'ok' : `FAILED: ${s.error ?? ''}`,
      s.startedAt,
      ...metrics.map((m) => {
        const c = s.metrics[m];
        if (!c) return '';
        if (c.status === 'too_fast') return '+++++';
        if (c.status === 'not_run') return '';
        return fmtNum(c.value);
      }),
    ]);
  return table(header, rows, { left: [0, 1, 4, 5] });
}

function chartsHtml(images: ChartImage[]): string {
  if (!images.length) return '';
  const figs = images.map(
    (img) =>
      `<figure><img src="data:image/png;base64,${img.png.toString('base64')}" width="${img.width}" ` +
      `height="${img.height}" alt="${escapeHtml(img.title)}"><figcaption>${escapeHtml(img.title)}</figcaption></figure>`,
  );
  return `<div class="charts">\n${figs.join('\n')}\n</div>`;
}

function scenarioHtml(sec: ScenarioSection, model: ReportModel, images: ChartImage[]): string {
  const out: string[] = [];
  const kind = sec.kind === 'bonnie' ? 'bonnie++ in a Linux guest' : 'probe guest';
  out.push(`<section class="scenario" data-scenario="${escapeHtml(sec.scenario)}">`);
  out.push(
    `<h3>Scenario <code>${escapeHtml(sec.scenario)}</code> (${kind})</h3>`,
    `<p class="muted">${escapeHtml(row.sampleSummary(sec))}</p>`,
  );
  const described = row.armLines(sec);
  if (described.length) out.push(`<ul class="arms">${described.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  if (sec.kind === 'bonnie') {
    const tables = sec.arms
      .filter((t) => t.bonnieTable)
      .map(
        (t) =>
          `<div><b>${escapeHtml(roleLabel(t))}</b> <span class="muted">(every cell: median of ${t.n} run(s))</span>` +
          `<pre class="bonnie">${escapeHtml(t.bonnieTable!)}</pre></div>`,
      );
    out.push(`<div class="tables">${tables.join('')}</div>`);
    if (sec.tooFast.length)
      out.push(
        `<p class="muted">Not measured: ${escapeHtml(sec.tooFast.join(', '))}: bonnie++ printed +++++ (under 0.5 s) in every run.</p>`,
      );
    if (sec.cache.length) {
      const warn = cacheWarning(sec.scenario, sec.cache);
      if (warn) out.push(`<div class="warn">${escapeHtml(warn)}</div>`);
      out.push(
        `<div class="cache"><p class="muted">Disk or page cache (bonnie++ writes one file of the -s size):</p>${table(
          CACHE_HEADER,
          cacheRows(sec.cache),
          { left: [0, 3, 4], cellClass: (_r, c, v) => (c === 4 && v === CACHE_AFFECTED ? 'cache-affected' : '') },
        )}</div>`,
      );
    }
  }
  for (const cmp of sec.comparisons) {
    const base = escapeHtml(cmp.baselineArm);
    const treat = escapeHtml(cmp.treatmentArm);
    if (sec.kind === 'bonnie' && cmp.notCompared.length)
      out.push(`<p class="muted">Not compared (${treat} vs ${base}): ${escapeHtml(cmp.notCompared.join('; '))}.</p>`);
    if (!cmp.rows.length) {
      const why = escapeHtml(cmp.problem ?? 'no metric measured in both arms');
      out.push(`<p class="note">No comparison (${treat} vs ${base}): ${why}</p>`);
      continue;
    }
    out.push(`<p><b>${treat} vs ${base}</b> (before = ${base}, after = ${treat})</p>`);
    out.push(
      `<div class="delta scroll" data-arm="${treat}">${table(row.deltaHeader(cmp), cmp.rows.map(row.deltaRow), {
        left: [0, 1, 2, row.DELTA_VERDICT_COLUMN],
        cellClass: (_r, c, v) => (c === row.DELTA_VERDICT_COLUMN ? verdictClass(v.replace(/ \(secondary\)$/, '')) : ''),
      })}</div>`,
    );
    const notes = row.comparisonNotes(cmp);
    if (notes.length) out.push(`<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
    if (model.aa) {
      const note = row.aaNote(cmp);
      if (note) out.push(`<p class="note">${escapeHtml(note)}</p>`);
    }
  }
  if (sec.problem) out.push(`<p class="note">No comparison: ${escapeHtml(sec.problem)}</p>`);
  const counters = row.counterTableRows(sec);
  if (counters.length) out.push(`<div class="counters">${table(row.counterHeader(sec), counters)}</div>`);
  out.push(chartsHtml(images));
  out.push(
    `<details open><summary>Every run (raw values, run order)</summary><div class="scroll">${rawSamplesTable(sec.samples)}</div></details>`,
  );
  out.push('</section>');
  return out.join('\n');
}

/** The overview forest plot: every primary metric's ratio with its interval, at the top of the report. */
async function overviewHtml(model: ReportModel): Promise<string> {
  const { renderForest, forestItems } = await import('./charts.js');
  const items = forestItems(model);
  if (!items.length) return '';
  const img = await renderForest(items, model.thresholdPct, model.warnings.length > 0);
  const src = `data:image/png;base64,${img.png.toString('base64')}`;
  const title = escapeHtml(img.title);
  return (
    `<figure class="overview"><img src="${src}" width="${img.width}" height="${img.height}" alt="${title}">` +
    `<figcaption>${title}</figcaption></figure>`
  );
}

async function hostHtml(h: HostSection, model: ReportModel, multiHost: boolean): Promise<string> {
  const out: string[] = [];
  out.push(`<h2>Host <code>${escapeHtml(h.host)}</code>: ran on ${escapeHtml(h.where.join('+') || 'unknown')}</h2>`);
  for (const w of h.warnings) out.push(`<div class="warn">${escapeHtml(w)}</div>`);
  out.push(`<div class="environment">${table(['environment', 'value'], h.environment, { left: [0, 1] })}</div>`);
  // chart.js and node-canvas load only when a report actually draws charts.
  const { renderCharts } = await import('./charts.js');
  const images = h.analyses.length
    ? await renderCharts(h.analyses, h.rs, { prefix: multiHost ? h.host : undefined })
    : [];
  for (const sec of h.scenarios) {
    const mine = images.filter((img) => img.scenario === sec.scenario);
    out.push(scenarioHtml(sec, model, mine));
  }
  out.push(peersHtml(peerTables(h.rs, model)));
  return out.join('\n');
}

export async function renderHtmlModel(model: ReportModel): Promise<string> {
  const rs = model.rs;
  const title = `kickbench report: ${rs.scenarios.map((s) => s.name).join(', ')} (${rs.createdAt})`;
  const body: string[] = [];
  body.push(`<h1>kickbench: ${escapeHtml(row.armsTitle(model))} kick paths</h1>`);
  body.push(
    `<p class="muted">${rs.samples.length} sample(s), ${rs.scenarios.length} scenario(s), ${model.hosts.length} host(s); ` +
      `created ${escapeHtml(rs.createdAt)}; kickbench ${escapeHtml(rs.tool.version)}; order ${escapeHtml(rs.order)}</p>`,
  );
  for (const w of model.warnings) body.push(`<div class="warn">${escapeHtml(w)}</div>`);
  if (model.completion) body.push(`<div class="warn incomplete">${escapeHtml(model.completion)}</div>`);
  if (model.sequential) body.push(`<p class="note">${escapeHtml(model.sequential)}</p>`);
  body.push(await overviewHtml(model));
  if (model.aa)
    body.push(
      '<p class="note">A/A run: both arms use the same kick mode; any "improved" or "regressed" verdict is a false alarm.</p>',
    );
  body.push(
    `<p><b>Verdicts:</b> ${escapeHtml(row.verdictLine(model))}</p><p class="muted">${escapeHtml(row.settingsLine(model))}</p>`,
  );
  for (const h of model.hosts) body.push(await hostHtml(h, model, model.hosts.length > 1));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

export async function renderHtml(rs: ResultSet, opts: ModelOptions = {}): Promise<string> {
  return renderHtmlModel(buildReportModel(rs, opts));
}
