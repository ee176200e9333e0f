// The bonnie++ 1.96-style table of an arm, built from its medians.
import type { ResultSet, Sample } from '../results/schema.js';
import { usableSamples } from '../results/usable.js';
import { median } from '../stats/descriptive.js';
import { BONNIE_METRICS, type BonnieRun, type Metric, type MetricName } from '../bonnie/types.js';

export function isBonnieScenario(samples: Sample[]): boolean {
  return samples.some((s) => BONNIE_METRICS.some((m) => m in s.metrics));
}

function scenarioBonnieArgs(rs: ResultSet, scenario: string): string[] {
  const def = rs.scenarios.find((s) => s.name === scenario)?.definition as
    { workload?: { args?: unknown } } | undefined;
  const args = def?.workload?.args;
  return Array.isArray(args) ? args.map(String) : [];
}

/**
 * A BonnieRun whose cells are the medians of the arm's measured samples:
 * the rate, %CP and latency are each the median over the samples where that
 * test was measured; a test too fast in every sample stays `+++++`.
 */
export function medianBonnieRun(rs: ResultSet, scenario: string, samples: Sample[], name: string): BonnieRun {
  const ok = usableSamples(samples);
  const metrics = {} as Record<MetricName, Metric>;
  for (const m of BONNIE_METRICS) {
    const cells = ok.map((s) => s.metrics[m]).filter((c) => c !== undefined);
    const values = cells.filter((c) => c.status === 'ok' && c.value !== null).map((c) => c.value as number);
    const cpus = cells.map((c) => c.cpu).filter((v): v is number => typeof v === 'number');
    const lats = cells.map((c) => c.latency_us).filter((v): v is number => typeof v === 'number');
    const status = values.length ? 'ok' : cells.some((c) => c.status === 'too_fast') ? 'too_fast' : 'not_run';
    metrics[m] = {
      status,
      value: values.length ? Math.round(median(values)) : null,
      cpu: status === 'ok' && cpus.length ? Math.round(median(cpus)) : null,
      latency_us: lats.length ? Math.round(median(lats)) : null,
    };
  }
  const args = scenarioBonnieArgs(rs, scenario);
  const opt = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizeMiB = Number((opt('-s') ?? '').split(':')[0]);
  const size =
    Number.isFinite(sizeMiB) && sizeMiB > 0 ? (sizeMiB % 1024 === 0 ? `${sizeMiB / 1024}G` : `${sizeMiB}M`) : '';
  const fileSpec = opt('-n') ?? (FILE_MEASURED(metrics) ? '16' : null);
  return {
    version: '1.96',
    name,
    size: size || (metrics.put_block.status !== 'not_run' ? '?' : ''),
    sizeMiB: size ? sizeMiB : null,
    concurrency: Number(opt('-c') ?? '1') || 1,
    source: 'text',
    metrics,
    ioChunk: null,
    fileSpec: fileSpec === '0' ? null : fileSpec,
    seed: null,
    line: 0,
    warnings: [],
  };
}

function FILE_MEASURED(metrics: Record<MetricName, Metric>): boolean {
  return (['seq_create', 'seq_stat', 'seq_del', 'ran_create', 'ran_stat', 'ran_del'] as MetricName[]).some(
    (m) => metrics[m].status !== 'not_run',
  );
}

/** Metrics measured in no sample at all because bonnie++ found them too fast (`+++++`). */
export function tooFastEverywhere(samples: Sample[]): string[] {
  const ok = usableSamples(samples);
  const names = new Set(ok.flatMap((s) => Object.keys(s.metrics)));
  return [...names].filter(
    (m) =>
      ok.every((s) => !s.metrics[m] || s.metrics[m].status !== 'ok') &&
      ok.some((s) => s.metrics[m]?.status === 'too_fast'),
  );
}
