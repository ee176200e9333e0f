// Pieces every report format shares: where a result ran (and the warning when
// it was not hardware), the environment rows, per-arm VMM counters, and the
// bonnie++ "run" built from an arm's medians for the 1.96-style table.

import type { HostEnvironment, ResultSet, Sample, Place } from '../results/schema.js';
import type { VmmStats } from '../results/vmm-stats.js';
import { placesOf } from '../launch/place.js';
import { usableSamples } from '../results/usable.js';
import { describeSizing, type GuestSizing } from '../scenarios/sizing.js';
import { BONNIE_METRICS, type BonnieRun, type Metric, type MetricName } from '../bonnie/types.js';
import { armSemanticsOf } from '../results/arms.js';
import { PORT_CLASS_LABELS, splitIoExits, type PortClass } from '../results/io-ports.js';

export const NOT_HARDWARE_NOTE: Record<Exclude<Place, 'hardware'>, string> = {
  nested:
    'NESTED RIG: nested-rig timings: correctness and direction only, not hardware performance (KVM inside a TCG-emulated machine).',
  emulating:
    'EMULATING KVM: instruction-emulating KVM timings (about 1 us per guest instruction): correctness and direction only, not hardware performance.',
};

export const HARDWARE_IN_VM_NOTE =
  'HARDWARE KVM INSIDE A VIRTUAL MACHINE: nested hardware virtualization; timings include the outer hypervisor and are not bare-metal numbers.';

/** The warning for a place; `env` tells hardware KVM on bare metal from hardware KVM inside a VM. */
export function whereNote(where: Place, env?: HostEnvironment): string | null {
  if (where !== 'hardware') return NOT_HARDWARE_NOTE[where];
  return env?.hostIsVirtualMachine === true ? HARDWARE_IN_VM_NOTE : null;
}

/** One ResultSet per host, so statistics never pool two machines. */
export function splitByHost(rs: ResultSet): { host: string; env: HostEnvironment | undefined; rs: ResultSet }[] {
  const keys = [...new Set(rs.samples.map((s) => s.host))];
  for (const k of Object.keys(rs.hosts)) if (!keys.includes(k)) keys.push(k);
  return keys.map((host) => {
    const samples = rs.samples.filter((s) => s.host === host);
    const names = new Set(samples.map((s) => s.scenario));
    return {
      host,
      env: rs.hosts[host],
      rs: {
        ...rs,
        hosts: rs.hosts[host] ? { [host]: rs.hosts[host] } : {},
        samples,
        scenarios: rs.scenarios.filter((sc) => names.has(sc.name)),
      },
    };
  });
}

export { median } from '../stats/descriptive.js';
import { median } from '../stats/descriptive.js';

/** Samples that count: measured (not warm-up) and successful (results/usable.ts). */
export const measured = usableSamples;

/** The arms of a scenario in report order: exit (the baseline) first, then ioeventfd, inline, A, B, others. */
export function armsOf(samples: Sample[]): string[] {
  const arms = [...new Set(samples.map((s) => s.arm))];
  const order = ['exit', 'ioeventfd', 'inline', 'A', 'B'];
  const rank = (a: string) => (order.includes(a) ? order.indexOf(a) : order.length);
  return arms.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function environmentRows(env: HostEnvironment | undefined, rs: ResultSet, host: string): [string, string][] {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') rows.push([k, String(v)]);
  };
  const w = placesOf(rs.samples.filter((s) => s.host === host));
  add('host', host);
  add('where it ran', w.length ? w.join(', ') : env?.where);
  if (env) {
    add('hostname', env.hostname);
    add('host kernel', env.hostKernel);
    add('CPU', `${env.cpuModel} (${env.cpus} CPUs)`);
    add('memory', `${env.memoryMiB} MiB`);
    add('KVM', env.kvmKind);
    add('CPU governor', env.governor);
    add('transparent hugepages', env.thp);
    add('node', env.nodeVersion);
    add('git commit', env.gitCommit ? `${env.gitCommit}${env.gitDirty ? ' (dirty)' : ''}` : null);
    for (const [k, v] of Object.entries(env.guest ?? {})) add(`guest ${k}`, v);
    for (const [name, sizing] of Object.entries(env.guestSizing ?? {}))
      add(`guest of ${name}`, describeSizing(sizing as GuestSizing));
    const known = new Set([
      'hostname',
      'hostKernel',
      'cpuModel',
      'cpus',
      'memoryMiB',
      'kvmKind',
      'where',
      'governor',
      'thp',
      'nodeVersion',
      'gitCommit',
      'gitDirty',
      'guest',
    ]);
    for (const [k, v] of Object.entries(env)) {
      if (!known.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) add(k, v);
    }
  }
  add('kickbench', `${rs.tool.version}${rs.tool.gitCommit ? ` @ ${rs.tool.gitCommit}` : ''}`);
  add('run order', rs.order);
  if (rs.aa) add('A/A run', 'yes: both arms use the same mode (noise floor)');
  const semantics = armSemanticsOf(rs);
  add(
    'arm semantics',
    semantics >= 2
      ? `${semantics}: exit hands the queue to the I/O thread; inline services it on the vCPU thread`
      : `${semantics} (written before arm semantics were recorded): exit serviced requests on the vCPU thread, as inline does now`,
  );
  return rows;
}

// ---------------------------------------------------------------------------
// VMM counters, read from kickvmm's --stats JSON (typed by results/vmm-stats.ts);
// a sample without stats shows as "n/a".

/** A counter of one VM's stats; null when those stats do not carry it (an older kickvmm). */
type Counter = (s: VmmStats) => number | null;

export interface CounterRow {
  key: string;
  label: string;
  /** median over the arm's measured samples that report it; null when none does */
  value: number | null;
  n: number;
}

const MIB = 1024 * 1024;

/** Per-arm medians of the VMM-side counters. */
export function counterRows(samples: Sample[]): CounterRow[] {
  const per = (f: (s: Sample) => number | null) => {
    const xs = measured(samples)
      .map(f)
      .filter((v): v is number => v !== null && Number.isFinite(v));
    return { value: xs.length ? median(xs) : null, n: xs.length };
  };
  const mib = (s: Sample) => (s.vmmStats ? (s.vmmStats.bytesRead + s.vmmStats.bytesWritten) / MIB : null);
  const perMib = (count: Counter) => (s: Sample) => {
    const m = mib(s);
    const c = s.vmmStats ? count(s.vmmStats) : null;
    return c !== null && m !== null && m > 0 ? c / m : null;
  };
  const raw = (count: Counter) => (s: Sample) => (s.vmmStats ? count(s.vmmStats) : null);
  // With per-port counts the per-MiB figure is the I/O path alone; old stats keep the all-port figure, labelled.
  const ioPath: Counter = (v) => splitIoExits(v)?.ioPath ?? null;
  const allPorts: Counter = (v) => (splitIoExits(v) === null ? v.exits.io : null);
  const fixed = (cls: PortClass) => raw((v) => splitIoExits(v)?.[cls] ?? null);
  return [
    { key: 'mib', label: 'MiB moved', ...per(mib) },
    { key: 'kicks', label: 'kicks', ...per(raw((v) => v.kicks)) },
    { key: 'kicks_per_mib', label: 'kicks per MiB', ...per(perMib((v) => v.kicks)) },
    { key: 'io_path_exits_per_mib', label: 'io exits per MiB (I/O path)', ...per(perMib(ioPath)) },
    {
      key: 'io_exits_per_mib',
      label: 'io exits per MiB (all ports: old stats, includes boot console)',
      ...per(perMib(allPorts)),
    },
    { key: 'fixed_console', label: `boot's fixed io exits: ${PORT_CLASS_LABELS.console}`, ...per(fixed('console')) },
    {
      key: 'fixed_pci_config',
      label: `boot's fixed io exits: ${PORT_CLASS_LABELS.pciConfig}`,
      ...per(fixed('pciConfig')),
    },
    { key: 'fixed_legacy', label: `boot's fixed io exits: ${PORT_CLASS_LABELS.legacy}`, ...per(fixed('legacy')) },
    { key: 'eventfd_wakeups_per_mib', label: 'eventfd wake-ups per MiB', ...per(perMib((v) => v.eventfdWakeups)) },
    { key: 'interrupts_per_mib', label: 'interrupts per MiB', ...per(perMib((v) => v.interrupts)) },
    { key: 'vcpu_cpu_s', label: 'vCPU CPU seconds', ...per(raw((v) => v.vcpuCpuSeconds)) },
    { key: 'io_thread_cpu_s', label: 'I/O-thread CPU seconds', ...per(raw((v) => v.ioThreadCpuSeconds)) },
    // Where requests were serviced, and what that did to the vCPU thread: explains a difference, never a verdict.
    {
      key: 'serviced_on_vcpu',
      label: 'requests serviced on the vCPU thread',
      ...per(raw((v) => v.requestsServicedOn?.vcpu ?? null)),
    },
    {
      key: 'serviced_on_io_thread',
      label: 'requests serviced on the I/O thread',
      ...per(raw((v) => v.requestsServicedOn?.ioThread ?? null)),
    },
    {
      key: 'vcpu_voluntary_switches_per_mib',
      label: 'vCPU voluntary context switches per MiB',
      ...per(perMib((v) => v.vcpuContextSwitches?.voluntary ?? null)),
    },
    {
      key: 'vcpu_involuntary_switches_per_mib',
      label: 'vCPU involuntary context switches per MiB',
      ...per(perMib((v) => v.vcpuContextSwitches?.involuntary ?? null)),
    },
  ];
}

// ---------------------------------------------------------------------------
// bonnie++ table from medians.

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
  const ok = measured(samples);
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
  const ok = measured(samples);
  const names = new Set(ok.flatMap((s) => Object.keys(s.metrics)));
  return [...names].filter(
    (m) =>
      ok.every((s) => !s.metrics[m] || s.metrics[m].status !== 'ok') &&
      ok.some((s) => s.metrics[m]?.status === 'too_fast'),
  );
}

// ---------------------------------------------------------------------------
// Number formatting shared by text, Markdown and HTML.

export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a === 0) return '0';
  return v.toPrecision(digits);
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(digits);
  return (v > 0 ? '+' : v < 0 ? '\u2212' : '') + s.replace('-', '') + '%';
}

export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** "p=0.012" or "p<0.001" */
export function pEq(p: number | null | undefined, name = 'p'): string {
  const v = fmtP(p);
  return v.startsWith('<') ? `${name}${v}` : `${name}=${v}`;
}
