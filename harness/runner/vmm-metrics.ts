// Metrics every sample gets from kickvmm's own counters (its --stats JSON):
// how the kick path behaved, normalised by the data moved, so runs of
// different lengths compare. Counts come from the VMM, not from timing.
import type { MetricSample } from '../results/schema.js';

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
  const vcpu = n(stats.vcpuCpuSeconds);
  const wall = n(stats.wallSeconds);
  if (bytes > 0) {
    const mib = bytes / MiB;
    if (kicks !== null) out.kicks_per_mib = { value: kicks / mib, status: 'ok', unit: 'kicks/MiB' };
    if (ioExits !== null) out.io_exits_per_mib = { value: ioExits / mib, status: 'ok', unit: 'exits/MiB' };
    if (vcpu !== null) out.vcpu_cpu_s_per_gib = { value: vcpu / (bytes / (1024 * MiB)), status: 'ok', unit: 's/GiB' };
  }
  if (wall !== null) out.wall_seconds = { value: wall, status: 'ok', unit: 's' };
  return out;
}
