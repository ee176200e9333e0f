// What the bonnie++ parser returns. One BonnieRun per bonnie++ test run found
// in a piece of text, whether it came from the text tables, the CSV line or both.

import type { MetricStatus } from '../results/schema.js';

/** The twelve bonnie++ results, in bonnie++'s column order. */
export const BONNIE_METRICS = [
  'putc',
  'put_block',
  'rewrite',
  'getc',
  'get_block',
  'seeks',
  'seq_create',
  'seq_stat',
  'seq_del',
  'ran_create',
  'ran_stat',
  'ran_del',
] as const;

export type MetricName = (typeof BONNIE_METRICS)[number];

/** The six bulk-IO columns are KiB/s; seeks and the file tests are per second. */
export const IO_METRICS: readonly MetricName[] = BONNIE_METRICS.slice(0, 6);
export const FILE_METRICS: readonly MetricName[] = BONNIE_METRICS.slice(6);

/** bonnie++ prints `+++++` for a phase that took under this many seconds (too fast to measure). */
export const BONNIE_MIN_PHASE_SECONDS = 0.5;
/** The rates bonnie++ computes as its -s file over the phase's time (so a `+++++` one exceeded file / 0.5 s). */
export const FILE_RATE_METRICS: readonly MetricName[] = ['putc', 'put_block', 'rewrite', 'getc', 'get_block'];

export interface Metric {
  /** 'too_fast' is bonnie++'s `+++++` (under 0.5 s, not measured); 'not_run' is a blank cell */
  status: MetricStatus;
  /** KiB/s for putc..get_block, per second for seeks and the file tests; null unless 'ok' */
  value: number | null;
  /** %CP, null when blank or `+++` */
  cpu: number | null;
  /** worst single-operation latency in microseconds, null when blank */
  latency_us: number | null;
}

export interface BonnieRun {
  /** bonnie++ version as printed: "1.96", "1.97", "2.00a" */
  version: string;
  /** machine name (the CSV's full name when there is a CSV line; the text cuts it) */
  name: string;
  /** file size as bonnie++ prints it: "768M", "1G"; "" when the IO tests were skipped (-s 0) */
  size: string;
  sizeMiB: number | null;
  concurrency: number;
  source: 'text' | 'csv' | 'text+csv';
  metrics: Record<MetricName, Metric>;
  /** IO chunk size when not the default, as printed ("4k"), else null */
  ioChunk: string | null;
  /** the file-test spec as the text table shows it ("16", "1:4096:1024/2"); null without file tests */
  fileSpec: string | null;
  /** CSV seed field, when there is a CSV line */
  seed: string | null;
  /** 1-based line where the run starts in the input (the earlier of text and CSV) */
  line: number;
  /** things the caller should know, e.g. text-only 2.00a file rates dropped (bonnie++ prints garbage there) */
  warnings: string[];
}

/** Thrown for input with no bonnie++ run, or with a table or CSV line that does not parse. One line. */
export class BonnieParseError extends Error {
  /** 1-based line number in the input, when the problem is on a line */
  readonly line: number | null;
  constructor(message: string, line: number | null = null) {
    super(message);
    this.name = 'BonnieParseError';
    this.line = line;
  }
}

export function blankMetric(): Metric {
  return { status: 'not_run', value: null, cpu: null, latency_us: null };
}

export function blankMetrics(): Record<MetricName, Metric> {
  const out = {} as Record<MetricName, Metric>;
  for (const m of BONNIE_METRICS) out[m] = blankMetric();
  return out;
}
