// Reading bonnie++'s text tables (1.96/1.97 and 1.98/2.00a layouts).
//
// Cells are read with a cursor, not fixed columns and not a whitespace split:
// a 6+ digit rate widens its cell and shifts the rest of the row (1.96/1.97),
// and a blank cell (a test that did not run) is invisible to a split.

import { BonnieParseError, FILE_METRICS, IO_METRICS, blankMetrics } from './types.js';
import type { Metric, MetricName } from './types.js';
import { isPlus, parseLatency, parseRate } from './units.js';

/** A run as read from the text tables alone. Line numbers are 0-based indexes into the input lines. */
export interface TextRun {
  version: string;
  name: string;
  size: string;
  ioChunk: string | null;
  concurrency: number;
  fileSpec: string | null;
  metrics: Record<MetricName, Metric>;
  firstLine: number;
  lastLine: number;
}

const VERSION_RE = /Version\s+(\S+)\s+-+Sequential (Output|Create)/;
const LABEL_WIDTH = 19;
/** The Latency rows put their first cell at column 17, cells are 10 wide. */
const LATENCY_START = 17;
const LATENCY_WIDTH = 10;

type Where = (lineIndex: number) => string;

/** Read cells with the cursor: all-blank slot = blank cell; otherwise the whole token starting in it. */
export function readCells(line: string, start: number, widths: number[]): { cells: string[]; end: number } {
  const cells: string[] = [];
  let pos = start;
  for (const w of widths) {
    const slot = line.slice(pos, pos + w);
    if (slot.trim() === '') {
      cells.push('');
      pos += w;
      continue;
    }
    let s = pos;
    while (line[s] === ' ') s++;
    let e = s;
    while (e < line.length && line[e] !== ' ') e++;
    cells.push(line.slice(s, e));
    pos = e;
  }
  return { cells, end: pos };
}

/** The row label: 19 characters, or longer when a long spec overflowed into the first cell. */
function readLabel(row: string): { label: string; end: number } {
  let end = LABEL_WIDTH;
  if (row.length > end && row[end] !== ' ') {
    while (end < row.length && row[end] !== ' ') end++;
  }
  return { label: row.slice(0, end), end };
}

function fail(where: Where, i: number, what: string): never {
  throw new BonnieParseError(`${where(i)}: ${what}`, i + 1);
}

/** Six rate+CPU cells after the label, turned into metrics (latency filled later). */
function readRateRow(
  row: string,
  start: number,
  names: readonly MetricName[],
  suffixes: boolean,
  where: Where,
  i: number,
  table: string,
): Metric[] {
  const widths: number[] = [];
  for (let k = 0; k < names.length; k++) widths.push(6, 4);
  const { cells, end } = readCells(row, start, widths);
  if (row.slice(end).trim() !== '')
    fail(where, i, `${table} row has unexpected text after the last column: '${row.slice(end).trim()}'`);
  const out: Metric[] = [];
  for (let k = 0; k < names.length; k++) {
    const v = cells[2 * k];
    const c = cells[2 * k + 1];
    const metric: Metric = { status: 'ok', value: null, cpu: null, latency_us: null };
    if (v === '') {
      if (c !== '') fail(where, i, `${table} column ${names[k]} has a %CP '${c}' but no rate`);
      metric.status = 'not_run';
    } else if (isPlus(v)) {
      metric.status = 'too_fast';
    } else {
      const n = parseRate(v, suffixes && IO_METRICS.includes(names[k]));
      if (n === undefined) fail(where, i, `${table} column ${names[k]} is not a rate: '${v}'`);
      metric.value = n;
    }
    if (c !== '' && !isPlus(c)) {
      if (!/^\d+$/.test(c)) fail(where, i, `${table} column ${names[k]} has a %CP that is not a number: '${c}'`);
      metric.cpu = Number(c);
    }
    out.push(metric);
  }
  return out;
}

function readLatencyRow(lines: string[], i: number, metrics: Metric[], where: Where, table: string): void {
  const row = lines[i];
  if (row === undefined || !/^Latency\b/.test(row)) fail(where, i, `${table}: expected the Latency row`);
  const widths = metrics.map(() => LATENCY_WIDTH);
  const { cells, end } = readCells(row, LATENCY_START, widths);
  if (row.slice(end).trim() !== '') fail(where, i, `${table} Latency row has unexpected text after the last column`);
  cells.forEach((cell, k) => {
    const us = parseLatency(cell);
    if (us === undefined) fail(where, i, `${table} latency '${cell}' is not <n>us, <n>ms or <n>s`);
    metrics[k].latency_us = us;
  });
}

interface IoBlock {
  version: string;
  name: string;
  spec: string;
  concurrency: number | null;
  metrics: Metric[];
  last: number;
}

function readIoBlock(lines: string[], i: number, version: string, where: Where): IoBlock {
  const table = 'bonnie++ IO table';
  const head2 = lines[i + 1] ?? '';
  if (!head2.includes('-Per Chr-'))
    fail(where, i + 1, `${table}: expected the '-Per Chr-' header after the Version line`);
  const conc = /^Concurrency\s+(\d+)/.exec(head2);
  if (!(lines[i + 2] ?? '').includes('/sec %CP')) fail(where, i + 2, `${table}: expected the '/sec %CP' header line`);
  const row = lines[i + 3];
  if (row === undefined || row.trim() === '') fail(where, i + 3, `${table}: missing the data row`);
  const { label, end } = readLabel(row);
  const trimmed = label.trimEnd();
  const spec = trimmed.split(' ').pop() ?? '';
  if (spec === '') fail(where, i + 3, `${table}: data row has no size`);
  const name = trimmed.slice(0, trimmed.length - spec.length).trim();
  const metrics = readRateRow(row, end, IO_METRICS, true, where, i + 3, table);
  readLatencyRow(lines, i + 4, metrics, where, table);
  return { version, name, spec, concurrency: conc ? Number(conc[1]) : null, metrics, last: i + 4 };
}

interface FileBlock {
  version: string;
  name: string;
  spec: string;
  metrics: Metric[];
  last: number;
}

function readFileBlock(lines: string[], i: number, version: string, where: Where): FileBlock {
  const table = 'bonnie++ file table';
  const nameLine = lines[i + 1] ?? '';
  if (!nameLine.includes('-Create--'))
    fail(where, i + 1, `${table}: expected the '-Create--' header after the Version line`);
  const name = nameLine.slice(0, LABEL_WIDTH).trim();
  if (!(lines[i + 2] ?? '').includes('/sec %CP'))
    fail(where, i + 2, `${table}: expected the 'files /sec %CP' header line`);
  const row = lines[i + 3];
  if (row === undefined || row.trim() === '') fail(where, i + 3, `${table}: missing the data row`);
  const { label, end } = readLabel(row);
  const spec = label.trim();
  if (!/^\d/.test(spec)) fail(where, i + 3, `${table}: the row does not start with a file count: '${spec}'`);
  const metrics = readRateRow(row, end, FILE_METRICS, false, where, i + 3, table);
  readLatencyRow(lines, i + 4, metrics, where, table);
  return { version, name, spec, metrics, last: i + 4 };
}

/** Split a data-row size spec into size, chunk and (1.98+) concurrency. */
function splitSpec(spec: string, version: string): { size: string; chunk: string | null; concurrency: number | null } {
  const parts = spec.split(':');
  const modern = !/^1\.9[0-7]/.test(version);
  const conc = modern && parts[2] ? Number(parts[2]) : null;
  return {
    size: parts[0],
    chunk: parts[1] ? parts[1] : null,
    concurrency: conc !== null && Number.isInteger(conc) ? conc : null,
  };
}

/** Find every text run (IO block, file block, or IO block followed by its file block). */
export function scanText(lines: string[], where: Where): TextRun[] {
  const runs: TextRun[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = VERSION_RE.exec(lines[i]);
    if (!m) continue;
    const version = m[1];
    const metrics = blankMetrics();
    let io: IoBlock | null = null;
    let file: FileBlock | null = null;
    const first = i;
    if (m[2] === 'Output') {
      io = readIoBlock(lines, i, version, where);
      i = io.last;
      const next = VERSION_RE.exec(lines[i + 1] ?? '');
      if (next && next[2] === 'Create' && next[1] === version) {
        file = readFileBlock(lines, i + 1, version, where);
        i = file.last;
      }
    } else {
      file = readFileBlock(lines, i, version, where);
      i = file.last;
    }
    io?.metrics.forEach((mt, k) => (metrics[IO_METRICS[k]] = mt));
    file?.metrics.forEach((mt, k) => (metrics[FILE_METRICS[k]] = mt));
    const spec = io ? splitSpec(io.spec, version) : { size: '', chunk: null, concurrency: null };
    // The file block's name line is cut to 19 characters, the IO row's to less: keep the longer.
    let name = io?.name ?? '';
    if (file && file.name.length > name.length && (name === '' || file.name.startsWith(name))) name = file.name;
    runs.push({
      version,
      name,
      size: spec.size,
      ioChunk: spec.chunk,
      concurrency: io?.concurrency ?? spec.concurrency ?? 1,
      fileSpec: file ? file.spec : null,
      metrics,
      firstLine: first,
      lastLine: i,
    });
  }
  return runs;
}
