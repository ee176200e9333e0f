// Metrics every sample gets from kickvmm's own counters (its --stats JSON):
// how the kick path behaved, normalised by the data moved, so runs of
// different lengths compare. Counts come from the VMM, not from timing.
import type { MetricSample } from '../results/schema.js';
import { splitIoExits } from '../results/io-ports.js';

const MiB = 1024 * 1024;

function n(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function vmmMetrics(stats: Record<string, unknown> | null | undefined): Record<string, MetricSample> {
  const out: Record<string, MetricSample> = {};
  if (!stats) return out;
  const exits = (stats.exits ?? {}) as Record<string, unknown>;
  const bytes = (n(stats.bytesRead) ?? 0) + (n(stats.bytesWritten) ?? 0);
  const kicks = n(stats.kicks);
  const ioExits = n(exits.io);
  const ports = splitIoExits(stats);
  const vcpu = n(stats.vcpuCpuSeconds);
  const wall = n(stats.wallSeconds);
  const switches = (stats.vcpuContextSwitches ?? null) as Record<string, unknown> | null;
  const voluntary = n(switches?.voluntary);
  const involuntary = n(switches?.involuntary);
  if (bytes > 0) {
    const mib = bytes / MiB;
    if (kicks !== null) out.kicks_per_mib = { value: kicks / mib, status: 'ok', unit: 'kicks/MiB' };
    // With per-port counts, only the I/O path: a boot's console and PCI probing are reported apart.
    if (ports) out.io_path_exits_per_mib = { value: ports.ioPath / mib, status: 'ok', unit: 'exits/MiB' };
    else if (ioExits !== null) out.io_exits_per_mib = { value: ioExits / mib, status: 'ok', unit: 'exits/MiB' };
    if (vcpu !== null) out.vcpu_cpu_s_per_gib = { value: vcpu / (bytes / (1024 * MiB)), status: 'ok', unit: 's/GiB' };
    if (voluntary !== null || involuntary !== null)
      out.vcpu_context_switches_per_mib = {
        value: ((voluntary ?? 0) + (involuntary ?? 0)) / mib,
        status: 'ok',
        unit: 'switches/MiB',
      };
  }
  if (wall !== null) out.wall_seconds = { value: wall, status: 'ok', unit: 's' };
  return out;
}
