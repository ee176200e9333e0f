// Metrics every sample gets from kickvmm's own counters (its --stats JSON):
// how the kick path behaved, normalised by the data moved, so runs of
// different lengths compare. Counts come from the VMM, not from timing.
import type { MetricSample } from '../results/schema.js';
import type { VmmStats } from '../results/vmm-stats.js';
import { splitIoExits } from '../results/io-ports.js';

const MiB = 1024 * 1024;

export function vmmMetrics(stats: VmmStats | null | undefined): Record<string, MetricSample> {
  const out: Record<string, MetricSample> = {};
  if (!stats) return out;
  const bytes = stats.bytesRead + stats.bytesWritten;
  if (bytes > 0) {
    const mib = bytes / MiB;
    out.kicks_per_mib = { value: stats.kicks / mib, status: 'ok', unit: 'kicks/MiB' };
    // With per-port counts, only the I/O path: a boot's console and PCI probing are reported apart.
    const ports = splitIoExits(stats);
    if (ports) out.io_path_exits_per_mib = { value: ports.ioPath / mib, status: 'ok', unit: 'exits/MiB' };
    else out.io_exits_per_mib = { value: stats.exits.io / mib, status: 'ok', unit: 'exits/MiB' };
    out.vcpu_cpu_s_per_gib = { value: stats.vcpuCpuSeconds / (bytes / (1024 * MiB)), status: 'ok', unit: 's/GiB' };
    const switches = stats.vcpuContextSwitches;
    if (switches)
      out.vcpu_context_switches_per_mib = {
        value: (switches.voluntary + switches.involuntary) / mib,
        status: 'ok',
        unit: 'switches/MiB',
      };
  }
  out.wall_seconds = { value: stats.wallSeconds, status: 'ok', unit: 's' };
  return out;
}
