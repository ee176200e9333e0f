// Reads the probe guest's report lines (see native/guest/README.md):
//   PROBE <workload> key=value ...      one per workload
//   PROBE-ERROR <message>               a bad command line or a device failure
//   PROBE-END status=ok|fail            the last line before the guest resets
// and turns them into metrics. Guest TSC cycles become time through the
// vCPU's TSC frequency, which kickvmm reports as tscKhz.
import type { MetricSample } from '../results/schema.js';

export interface ProbeLine {
  workload: string;
  fields: Record<string, string>;
}

export interface ProbeReport {
  lines: ProbeLine[];
  errors: string[];
  /** null when the end marker never came (crash, hang, truncated console) */
  endStatus: 'ok' | 'fail' | null;
}

export function parseProbeConsole(text: string): ProbeReport {
  const report: ProbeReport = { lines: [], errors: [], endStatus: null };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^PROBE-END status=(ok|fail)\b/))) {
      report.endStatus = m[1] as 'ok' | 'fail';
    } else if ((m = line.match(/^PROBE-ERROR (.*)$/))) {
      report.errors.push(m[1]);
    } else if ((m = line.match(/^PROBE (\S+)(.*)$/))) {
      const fields: Record<string, string> = {};
      for (const kv of m[2].trim().split(/\s+/)) {
        const eq = kv.indexOf('=');
        if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      report.lines.push({ workload: m[1], fields });
    }
  }
  return report;
}

function sizeLabel(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}m`;
  if (bytes % 1024 === 0) return `${bytes / 1024}k`;
  return `${bytes}`;
}

function num(fields: Record<string, string>, key: string): number | null {
  const v = fields[key];
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * Metrics from probe lines. Throughput workloads give `<workload>_<bs>_d<depth>_mib_s`
 * (MiB/s, higher is better); doorbell gives `doorbell_ns_per_kick` (lower is better);
 * seeks give `seeks_<bs>_per_s`. Needs the guest TSC rate to turn cycles into time.
 */
export function probeMetrics(report: ProbeReport, tscKhz: number): Record<string, MetricSample> {
  const out: Record<string, MetricSample> = {};
  const put = (name: string, sample: MetricSample) => {
    let key = name;
    for (let i = 2; key in out; i++) key = `${name}_${i}`;
    out[key] = sample;
  };
  for (const { workload, fields } of report.lines) {
    const cycles = num(fields, 'cycles');
    if (cycles === null || !(tscKhz > 0)) continue;
    const seconds = cycles / (tscKhz * 1000);
    if (workload === 'doorbell') {
      const kicks = num(fields, 'kicks') ?? num(fields, 'count');
      if (kicks && kicks > 0) put('doorbell_ns_per_kick', { value: (seconds * 1e9) / kicks, status: 'ok', unit: 'ns' });
      continue;
    }
    if (workload === 'hostile' || workload === 'verify') continue; // correctness workloads, not speed
    const bytes = num(fields, 'bytes');
    const requests = num(fields, 'requests');
    const bs = num(fields, 'bs');
    const depth = num(fields, 'depth') ?? 1;
    if (bytes === null || bs === null || seconds <= 0) continue;
    if (workload === 'seeks') {
      // Like bonnie++, count seeks, not the requests (a seek's write-back is a second request).
      const seeks = num(fields, 'count') ?? requests;
      if (seeks !== null) put(`seeks_${sizeLabel(bs)}_per_s`, { value: seeks / seconds, status: 'ok', unit: '/s' });
      continue;
    }
    put(`${workload}_${sizeLabel(bs)}_d${depth}_mib_s`, {
      value: bytes / (1024 * 1024) / seconds,
      status: 'ok',
      unit: 'MiB/s',
    });
  }
  return out;
}
