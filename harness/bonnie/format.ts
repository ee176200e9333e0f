// Render a run as bonnie++ 1.96 prints it (the layout of kvmtool's 2011 tables),
// so a result can be pasted next to the historical ones and read the same way.
// Like 1.96, a rate of 100000 or more widens its cell and pushes the row right.

import { FILE_METRICS, IO_METRICS } from './types.js';
import type { BonnieRun, Metric, MetricName } from './types.js';
import { formatLatency } from './units.js';

export interface FormatOptions {
  /** version shown on the Version lines (default: the run's own) */
  version?: string;
  /** machine name (default: the run's own) */
  name?: string;
}

const IO_HEAD_1 = '------Sequential Output------ --Sequential Input- --Random-';
const IO_HEAD_2 = '-Per Chr- --Block-- -Rewrite- -Per Chr- --Block-- --Seeks--';
const IO_HEAD_3 = 'Machine        Size K/sec %CP K/sec %CP K/sec %CP K/sec %CP K/sec %CP  /sec %CP';
const FILE_HEAD_1 = '------Sequential Create------ --------Random Create--------';
const FILE_HEAD_2 = '-Create-- --Read--- -Delete-- -Create-- --Read--- -Delete--';

function cell(m: Metric): string {
  if (m.status === 'not_run') return ' '.repeat(10);
  if (m.status === 'too_fast') return ' +++++ +++';
  const value = m.value === null ? '' : String(Math.round(m.value));
  const cpu = m.cpu === null ? '' : String(m.cpu);
  return ` ${value.padStart(5)} ${cpu.padStart(3)}`;
}

function latencyRow(metrics: Metric[]): string {
  const cells = metrics.map((m) => (m.latency_us === null ? '' : formatLatency(m.latency_us)).padStart(10));
  return 'Latency'.padEnd(17) + cells.join('');
}

function versionLine(version: string, head: string): string {
  return `Version ${version.padStart(5)}       ${head}`;
}

function pick(run: BonnieRun, names: readonly MetricName[]): Metric[] {
  return names.map((n) => run.metrics[n]);
}

/** The text table for one run, every line ending in '\n'. */
export function formatBonnieTable(run: BonnieRun, opts: FormatOptions = {}): string {
  const version = opts.version ?? run.version;
  const name = opts.name ?? run.name;
  const io = pick(run, IO_METRICS);
  const files = pick(run, FILE_METRICS);
  const hasIo = run.size !== '' || io.some((m) => m.status !== 'not_run');
  const hasFiles = run.fileSpec !== null || files.some((m) => m.status !== 'not_run');
  const out: string[] = [];

  if (hasIo) {
    const spec = run.size + (run.ioChunk ? `:${run.ioChunk}` : '');
    const room = Math.max(0, 18 - spec.length);
    out.push(versionLine(version, IO_HEAD_1));
    out.push(`Concurrency ${String(run.concurrency).padStart(3)}     ${IO_HEAD_2}`);
    out.push(IO_HEAD_3);
    out.push(`${name.slice(0, room).padEnd(room)} ${spec}` + io.map(cell).join(''));
    out.push(latencyRow(io));
    if (!hasFiles) out.push('');
  }
  if (hasFiles) {
    const spec = run.fileSpec ?? '';
    const plain = spec.split('/')[0];
    const colons = (plain.match(/:/g) ?? []).length;
    const label = colons === 0 ? 'files'.padStart(19) : (colons === 1 ? 'files:max' : 'files:max:min').padEnd(19);
    out.push(versionLine(version, FILE_HEAD_1));
    out.push(`${name.slice(0, 19).padEnd(19)} ${FILE_HEAD_2}`);
    out.push(label + '  /sec %CP'.repeat(6));
    out.push(spec.padStart(19) + files.map(cell).join(''));
    out.push(latencyRow(files));
  }
  return out.join('\n') + '\n';
}
