// One entry point for every report format.

import type { ResultSet } from '../results/schema.js';
import type { AnalyzeOptions } from '../stats/index.js';
import { renderCsv } from './csv.js';
import { renderHtmlModel } from './html.js';
import { renderMarkdownModel } from './markdown.js';
import { buildReportModel } from './model.js';
import { renderTextModel } from './text.js';
import { renderReportJson } from './json.js';

export type ReportFormat = 'text' | 'md' | 'html' | 'csv' | 'png' | 'json';

export interface RenderOptions extends AnalyzeOptions {
  format: ReportFormat;
  /** where PNG charts are written (required for 'png'); its presence also means "not a terminal" */
  outDir?: string;
  /** the directory of results.json (log paths in samples are relative to it) */
  resultsDir?: string;
  /** colour in the text report; default: only when stdout is a TTY, no outDir, and NO_COLOR is unset */
  color?: boolean;
}

function wantColour(opts: RenderOptions): boolean {
  if (opts.color !== undefined) return opts.color;
  return (
    opts.outDir === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
  );
}

/**
 * Renders a results set. For 'png' the charts are written to outDir (one set
 * per host) and the paths written are returned, one per line.
 */
export async function renderReport(rs: ResultSet, opts: RenderOptions): Promise<string> {
  const { format, outDir, resultsDir: _resultsDir, color: _color, ...analyzeOpts } = opts;
  if (format === 'csv') return renderCsv(rs);
  const model = buildReportModel(rs, analyzeOpts);
  switch (format) {
    case 'text':
      return renderTextModel(model, { color: wantColour(opts) });
    case 'md':
      return renderMarkdownModel(model);
    case 'html':
      return renderHtmlModel(model);
    case 'json':
      return renderReportJson(model);
    case 'png': {
      if (!outDir) throw new Error('png charts need an output directory (--out DIR)');
      const written: string[] = [];
      const { forestItems, renderForest } = await import('./charts.js');
      const items = forestItems(model);
      if (items.length) {
        const { mkdirSync, writeFileSync } = await import('node:fs');
        const { join } = await import('node:path');
        const img = await renderForest(items, model.thresholdPct, model.warnings.length > 0);
        mkdirSync(outDir, { recursive: true });
        writeFileSync(join(outDir, img.name), img.png);
        written.push(join(outDir, img.name));
      }
      for (const h of model.hosts) {
        if (!h.analyses.length) continue;
        const { writeCharts } = await import('./charts.js');
        written.push(
          ...(await writeCharts(h.analyses, h.rs, outDir, { prefix: model.hosts.length > 1 ? h.host : undefined })),
        );
      }
      return written.map((f) => `${f}\n`).join('');
    }
    default:
      throw new Error(`unknown report format '${String(format)}' (text, md, html, csv, png)`);
  }
}

export { renderCsv, CSV_COLUMNS } from './csv.js';
export { renderText, renderTextModel } from './text.js';
export { renderMarkdown, renderMarkdownModel } from './markdown.js';
export { renderHtml, renderHtmlModel } from './html.js';
export type { ChartImage } from './charts.js';
export { renderCompare, compareExitCode, compareSummaryLine, regressionsBeyond } from './compare-report.js';
export { buildReportModel } from './model.js';
export type { ReportModel, HostSection, ScenarioSection, ArmTable, ArmComparison } from './model.js';
