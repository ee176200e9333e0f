// parseBonnie: every bonnie++ run in a piece of text (stdout, stderr, both
// interleaved, or a guest console with other noise around it).
//
// A normal run prints text tables and then a CSV line for the same results.
// Those are merged into one run that takes the CSV's numbers (exact, and the
// only correct file-test rates from 1.98 on) and the text only for what the
// CSV lacks.

import { csvCandidate, parseCsvLine } from './csv.js';
import type { CsvRun } from './csv.js';
import { scanText } from './text.js';
import type { TextRun } from './text.js';
import { BONNIE_METRICS, BonnieParseError, FILE_METRICS } from './types.js';
import type { BonnieRun } from './types.js';
import { sizeToMiB, textFileRatesBroken } from './units.js';

export { BonnieParseError } from './types.js';
export type { BonnieRun, Metric, MetricName } from './types.js';

export function parseBonnie(text: string, source?: string): BonnieRun[] {
  // Every carriage return before a line end goes, not just one: a guest console
  // gets one CR per tty it crosses (the nested rig's give "\r\r\n"), and a CR
  // left on a row would glue itself to its last cell ('+++\r').
  const lines = text.split('\n').map((l) => l.replace(/\r+$/, ''));
  const prefix = source ? `${source}:` : 'line ';
  const where = (i: number): string => `${prefix}${i + 1}`;

  const textRuns = scanText(lines, where);
  const inText = new Set<number>();
  for (const t of textRuns) for (let i = t.firstLine; i <= t.lastLine; i++) inText.add(i);

  const csvRuns: CsvRun[] = [];
  lines.forEach((line, i) => {
    if (inText.has(i)) return;
    const csv = csvCandidate(line);
    if (csv !== null) csvRuns.push(parseCsvLine(csv, i, where));
  });

  if (textRuns.length === 0 && csvRuns.length === 0) {
    const why = bonnieFailureReason(text);
    const what = source ? `${source}: ` : '';
    throw new BonnieParseError(
      why ? `${what}no bonnie++ results: ${why}` : `${what}no bonnie++ results found (no text table and no CSV line)`,
    );
  }

  const runs: BonnieRun[] = [];
  const used = new Set<CsvRun>();
  for (const t of textRuns) {
    const csv = pickCsv(t, csvRuns, used);
    if (csv) {
      used.add(csv);
      runs.push(merge(t, csv));
    } else {
      runs.push(fromText(t));
    }
  }
  for (const c of csvRuns) if (!used.has(c)) runs.push(fromCsv(c));
  return runs.sort((a, b) => a.line - b.line);
}

/** The CSV line that reports the same results as this text run: the nearest one after it, else before it. */
function pickCsv(t: TextRun, csvRuns: CsvRun[], used: Set<CsvRun>): CsvRun | null {
  const fits = csvRuns.filter((c) => !used.has(c) && sameRun(t, c));
  const after = fits.filter((c) => c.line > t.lastLine).sort((a, b) => a.line - b.line);
  if (after.length) return after[0];
  const before = fits.sort((a, b) => b.line - a.line);
  return before[0] ?? null;
}

/**
 * Text and CSV describe the same run when the identity fields agree and every
 * status and latency matches: latencies are printed identically in both and
 * differ between runs, so they pin the pairing down.
 */
function sameRun(t: TextRun, c: CsvRun): boolean {
  if (t.version !== c.version || t.size !== c.size || t.concurrency !== c.concurrency) return false;
  if (t.name !== '' && !c.name.startsWith(t.name)) return false;
  if ((t.fileSpec === null) !== (c.fileSpec === null)) return false;
  return BONNIE_METRICS.every(
    (m) => t.metrics[m].status === c.metrics[m].status && t.metrics[m].latency_us === c.metrics[m].latency_us,
  );
}

function merge(t: TextRun, c: CsvRun): BonnieRun {
  const run = fromCsv(c);
  run.source = 'text+csv';
  run.line = Math.min(t.firstLine, c.line) + 1;
  run.fileSpec = t.fileSpec ?? c.fileSpec;
  if (run.name === '') run.name = t.name;
  const brokenFileRates = textFileRatesBroken(t.version);
  for (const name of BONNIE_METRICS) {
    const m = run.metrics[name];
    const tm = t.metrics[name];
    if (m.status !== tm.status) continue;
    if (m.value === null && tm.value !== null && !(brokenFileRates && FILE_METRICS.includes(name))) m.value = tm.value;
    if (m.cpu === null && tm.cpu !== null) m.cpu = tm.cpu;
    if (m.latency_us === null && tm.latency_us !== null) m.latency_us = tm.latency_us;
  }
  return run;
}

function fromCsv(c: CsvRun): BonnieRun {
  return {
    version: c.version,
    name: c.name,
    size: c.size,
    sizeMiB: sizeToMiB(c.size),
    concurrency: c.concurrency,
    source: 'csv',
    metrics: c.metrics,
    ioChunk: c.ioChunk,
    fileSpec: c.fileSpec,
    seed: c.seed,
    line: c.line + 1,
    warnings: [...c.warnings],
  };
}

function fromText(t: TextRun): BonnieRun {
  const warnings: string[] = [];
  if (textFileRatesBroken(t.version)) {
    // bonnie++ >= 1.98 prints file-test rates through the wrong printf format; only +++++ and %CP are right there.
    const dropped = FILE_METRICS.filter((m) => t.metrics[m].status === 'ok');
    for (const m of dropped) {
      t.metrics[m].status = 'not_run';
      t.metrics[m].value = null;
    }
    if (dropped.length) {
      warnings.push(
        `bonnie++ ${t.version} prints wrong file-test rates in its text table and no CSV line was found; ` +
          `dropped ${dropped.join(', ')} (marked not_run)`,
      );
    }
  }
  return {
    version: t.version,
    name: t.name,
    size: t.size,
    sizeMiB: sizeToMiB(t.size),
    concurrency: t.concurrency,
    source: 'text',
    metrics: t.metrics,
    ioChunk: t.ioChunk,
    fileSpec: t.fileSpec,
    seed: null,
    line: t.firstLine + 1,
    warnings,
  };
}

/** Known bonnie++ refusals and failures, most specific first. */
const FAILURES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    /File size should be double RAM for good results, RAM is (\d+)M\./,
    (m) =>
      `bonnie++ refused to run: the file size (-s, times -c) must be at least twice RAM (${m[1]} MiB); give -r <MiB> or a larger -s`,
  ],
  [/You must use the "-u" switch when running as root\./, () => 'bonnie++ refused to run as root without -u'],
  [/Can't change to directory "([^"]*)"/, (m) => `bonnie++ cannot use the scratch directory '${m[1]}' (-d)`],
  [/^(When testing .*|Not enough ram.*)$/m, (m) => `bonnie++ refused the file-test size (-n): ${m[1].trim()}`],
  [/^(Exceeded CPU usage\.|exceeded file storage limits\.)$/m, (m) => `bonnie++ was stopped: ${m[1]}`],
  [/^((?:Can't|Cannot|Error|error in) .*)$/m, (m) => `bonnie++ failed: ${m[1].trim()}`],
  [/^usage:\s*$\n^bonnie\+\+ \[/m, () => 'bonnie++ rejected its command line (it printed its usage)'],
];

/** One clear line saying why bonnie++ did not produce results, or null when the text shows no known failure. */
export function bonnieFailureReason(text: string): string | null {
  const clean = text.replace(/\r/g, '');
  for (const [re, say] of FAILURES) {
    const m = re.exec(clean);
    if (m) return say(m);
  }
  return null;
}
