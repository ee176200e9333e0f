// Reading bonnie++'s CSV line: format 1.96/1.97 (48 fields; 47 from 1.96 with -s 0)
// and format 1.98 (bonnie++ 1.98 and 2.00a, 50 fields).

import { BONNIE_METRICS, BonnieParseError, blankMetrics } from './types.js';
import type { Metric, MetricName } from './types.js';
import { isPlus, parseLatency, parseRate } from './units.js';

export interface CsvRun {
  version: string;
  name: string;
  size: string;
  ioChunk: string | null;
  concurrency: number;
  seed: string | null;
  fileSpec: string | null;
  metrics: Record<MetricName, Metric>;
  /** 0-based line index */
  line: number;
  warnings: string[];
}

/** Field positions that differ between the formats (everything from putc on moves by 2). */
interface Layout {
  fields: number;
  /** index of putc; putc..seeks are 12 fields (value, cpu) from here */
  io: number;
  /** index of num_files; then max, min, dirs, file chunk */
  files: number;
  /** index of the first file-test result (12 fields) */
  fileResults: number;
  /** index of the first latency (12 fields) */
  latency: number;
}

const LAYOUT_198: Layout = { fields: 50, io: 9, files: 21, fileResults: 26, latency: 38 };
const LAYOUT_196: Layout = { fields: 48, io: 7, files: 19, fileResults: 24, latency: 36 };

const VERSION_FIELD = /^\d+\.\d+[a-z]?$/;
/** A CSV line starts with the format version and the bonnie++ version; allow noise before it after a space. */
const CSV_START = /(?:^|\s)(\d+\.\d+[a-z]?,\d+\.\d+[a-z]?,)/;

/** If the line looks like a bonnie++ CSV result line, return the CSV text (without any prefix). */
export function csvCandidate(line: string): string | null {
  const m = CSV_START.exec(line);
  if (!m) return null;
  const text = line.slice(m.index + m[0].length - m[1].length).trimEnd();
  // A version pair followed by little else is prose, not a result line.
  if (text.split(',').length < 20) return null;
  return text;
}

type Where = (lineIndex: number) => string;

export function parseCsvLine(text: string, i: number, where: Where): CsvRun {
  const fail = (what: string): BonnieParseError =>
    new BonnieParseError(`${where(i)}: bonnie++ CSV line: ${what}`, i + 1);
  let f = text.split(',');
  const format = f[0];
  const warnings: string[] = [];
  let layout: Layout;
  if (format === '1.98') layout = LAYOUT_198;
  else if (format === '1.97' || format === '1.96') layout = LAYOUT_196;
  else throw fail(`unsupported CSV format version '${format}' (known: 1.96, 1.97, 1.98)`);
  if (!VERSION_FIELD.test(f[1])) throw fail(`field 2 is not a bonnie++ version: '${f[1]}'`);

  // 1.96 wrote one empty field too few when the IO tests were skipped (-s 0).
  if (format === '1.96' && f.length === 47) f = [...f.slice(0, 5), '', ...f.slice(5)];
  // A comma in the machine name splits it: glue it back when that is the only problem.
  if (f.length > layout.fields) {
    const extra = f.length - layout.fields;
    f = [f[0], f[1], f.slice(2, 3 + extra).join(','), ...f.slice(3 + extra)];
    if (!/^\d*$/.test(f[3]))
      throw fail(`expected ${layout.fields} fields for format ${format}, got ${layout.fields + extra}`);
    warnings.push(`the machine name contains a comma; read it as '${f[2]}'`);
  }
  if (f.length !== layout.fields) throw fail(`expected ${layout.fields} fields for format ${format}, got ${f.length}`);

  const concurrency = f[3] === '' ? 1 : Number(f[3]);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw fail(`concurrency is not a positive integer: '${f[3]}'`);

  const metrics = blankMetrics();
  BONNIE_METRICS.forEach((name, k) => {
    const valueIdx = k < 6 ? layout.io + 2 * k : layout.fileResults + 2 * (k - 6);
    const v = f[valueIdx];
    const c = f[valueIdx + 1];
    const lat = f[layout.latency + k];
    const m: Metric = metrics[name];
    if (v === '') m.status = 'not_run';
    else if (isPlus(v)) m.status = 'too_fast';
    else {
      const n = parseRate(v, false);
      if (n === undefined) throw fail(`field ${valueIdx + 1} (${name}) is not a number: '${v}'`);
      m.status = 'ok';
      m.value = n;
    }
    if (c !== '' && !isPlus(c)) {
      if (!/^\d+$/.test(c)) throw fail(`field ${valueIdx + 2} (${name} %CP) is not a number: '${c}'`);
      m.cpu = Number(c);
    }
    const us = parseLatency(lat);
    if (us === undefined)
      throw fail(`field ${layout.latency + k + 1} (${name} latency) is not <n>us, <n>ms or <n>s: '${lat}'`);
    m.latency_us = us;
  });

  return {
    version: f[1],
    name: f[2],
    size: f[5],
    ioChunk: f[6] === '' ? null : f[6],
    concurrency,
    seed: f[4] === '' ? null : f[4],
    fileSpec: fileSpecFrom(f.slice(layout.files, layout.files + 5)),
    metrics,
    line: i,
    warnings,
  };
}

/**
 * Rebuild the text table's file spec from num_files, max, min, dirs, file chunk.
 * The dirs count lands in the file-chunk column in practice (format doc E7), so take either.
 */
function fileSpecFrom([num, max, min, dirs, chunk]: string[]): string | null {
  if (num === '') return null;
  let spec = num;
  if (max === '-1') spec += ':link';
  else if (max === '-2') spec += ':symlink';
  else if (max !== '') spec += `:${max}` + (min !== '' ? `:${min}` : '');
  const d = Number(dirs !== '' ? dirs : chunk);
  if (Number.isInteger(d) && d > 1) spec += `/${d}`;
  return spec;
}
