// Long-format CSV: one row per (sample, metric), so any spreadsheet or
// data-frame tool can pivot it. A sample without metrics (a failed VM) still
// gets one row, so failures are never silently missing.

import { stringify } from 'csv-stringify/sync';
import type { ResultSet } from '../results/schema.js';
import { cacheCheckOf } from './cache.js';
import { armSemanticsOf } from '../results/arms.js';

export const CSV_COLUMNS = [
  'host',
  'where',
  'scenario',
  'vmm',
  'mode',
  'arm',
  /** what the arm meant: 1 = exit serviced inline (files before issue 7), 2 = exit hands off to the I/O thread */
  'arm_semantics',
  'sample',
  'sample_id',
  'order',
  'warmup',
  'status',
  'error',
  'metric',
  'value',
  'unit',
  'metric_status',
  'cpu',
  'latency_us',
  'wall_seconds',
  'started_at',
  // cache honesty of a bonnie++ run (empty for other samples): see cache.ts
  'guest_mem_mib',
  'guest_memtotal_mib',
  'file_size_mib',
  'file_ge_2x_ram',
  'cache_affected',
] as const;

type Cell = string | number | boolean | null;

export function renderCsv(rs: ResultSet): string {
  const rows: Cell[][] = [];
  const armSemantics = armSemanticsOf(rs);
  for (const s of rs.samples) {
    const cache = cacheCheckOf(rs, s);
    const base = {
      host: s.host,
      where: s.where,
      scenario: s.scenario,
      vmm: s.vmm,
      mode: s.mode,
      arm: s.arm,
      arm_semantics: armSemantics,
      sample: s.index,
      sample_id: s.id,
      order: s.order,
      warmup: s.warmup,
      status: s.status,
      error: s.error ?? null,
      wall_seconds: s.wallSeconds,
      started_at: s.startedAt,
      guest_mem_mib: cache?.guestMemMiB ?? null,
      guest_memtotal_mib: cache?.guestMemTotalMiB ?? null,
      file_size_mib: cache?.fileMiB ?? null,
      file_ge_2x_ram: cache?.fileAtLeastTwiceRam ?? null,
      cache_affected: cache && cache.fileAtLeastTwiceRam !== null ? !cache.fileAtLeastTwiceRam : null,
    };
    const metrics = Object.entries(s.metrics);
    if (metrics.length === 0) {
      rows.push(CSV_COLUMNS.map((c) => (base as Record<string, Cell>)[c] ?? null));
      continue;
    }
    for (const [name, m] of metrics) {
      const row: Record<string, Cell> = {
        ...base,
        metric: name,
        value: m.value,
        unit: m.unit,
        metric_status: m.status,
        cpu: m.cpu ?? null,
        latency_us: m.latency_us ?? null,
      };
      rows.push(CSV_COLUMNS.map((c) => row[c] ?? null));
    }
  }
  return stringify(rows, {
    header: true,
    columns: [...CSV_COLUMNS],
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
}
