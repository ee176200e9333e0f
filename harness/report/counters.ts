// VMM counters per arm, read from kickvmm's --stats JSON (typed by results/vmm-stats.ts);
// a sample without stats shows as "n/a".
import type { Sample } from '../results/schema.js';
import type { VmmStats } from '../results/vmm-stats.js';
import { usableSamples } from '../results/usable.js';
import { median } from '../stats/descriptive.js';
import { PORT_CLASS_LABELS, splitIoExits, type PortClass } from '../results/io-ports.js';

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
    const xs = usableSamples(samples)
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
