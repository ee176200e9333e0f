// What kickbench records about a peer's sample (QEMU or the host), beside
// kickvmm's own stats contract (results/vmm-stats.ts). QEMU's KVM counters use
// the names KVM_GET_STATS_FD gives kickvmm's `kvm` object, so they compare.
import { z } from 'zod';

export const peerStatsSchema = z.looseObject({
  vmm: z.enum(['qemu', 'host']),
  /** the rate `cycles` in the probe's lines count at: the host TSC under QEMU, 1 GHz (ns) for hostio */
  tscKhz: z.number().nonnegative(),
  wallSeconds: z.number().nonnegative(),
  /** QEMU: ioeventfd arm and whether a dedicated iothread serviced the queue */
  mode: z.enum(['exit', 'ioeventfd']).optional(),
  iothread: z.boolean().optional(),
  /** QEMU: KVM's per-vCPU statistics from QMP query-stats, summed over vCPUs */
  kvm: z.record(z.string(), z.number()).optional(),
  /** QEMU: CPU time of its vCPU threads ("CPU n/KVM") and of every other thread */
  vcpuCpuSeconds: z.number().nonnegative().optional(),
  otherThreadsCpuSeconds: z.number().nonnegative().optional(),
  /** QEMU: its version line and the full argument list it ran with */
  qemu: z.object({ version: z.string().nullable(), args: z.array(z.string()) }).optional(),
  exitReason: z.string().optional(),
  /** what could not be read for this sample, and why (e.g. QEMU's counters inside the rig's L1) */
  missing: z.array(z.string()).optional(),
});

export type PeerStats = z.infer<typeof peerStatsSchema>;
