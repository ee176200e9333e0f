// kickvmm's --stats JSON (written by stats_to_json in native/core/stats.cc):
// the one TypeScript description of it and the one parser that checks it.
// Every reader (the runner's metrics, the reports, the tests) takes a VmmStats
// from here instead of poking at an untyped object. A golden test
// (vmm-stats.test.ts) checks these keys against what kickvmm really writes.
import { z } from 'zod';

const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

export const vmmStatsSchema = z.looseObject({
  /** the kick path the VM ran with ('inline': serviced on the vCPU thread without an exit to a loop) */
  mode: z.enum(['exit', 'ioeventfd', 'inline']),
  /** exits to userspace by reason */
  exits: z.object({
    io: count,
    mmio: count,
    hlt: count,
    shutdown: count,
    internal_error: count,
    system_event: count,
    intr: count,
    other: count,
  }),
  /** queue notifications the device saw, whichever path delivered them */
  kicks: count,
  /** io exits that hit a virtio queue-notify register (the kick as an exit) */
  notifyIoExits: count,
  /** epoll wake-ups of the I/O thread caused by an ioeventfd */
  eventfdWakeups: count,
  /** sum of the eventfd counters read: kicks the kernel coalesced into those wake-ups */
  eventfdSignals: count,
  requests: z.object({
    total: count,
    read: count,
    write: count,
    flush: count,
    getId: count,
    unsupported: count,
    ioerr: count,
  }),
  bytesRead: count,
  bytesWritten: count,
  badDescriptors: count,
  deviceNeedsReset: count,
  /** interrupts injected (INTx assertions or irqfd signals) */
  interrupts: count,
  wallSeconds: seconds,
  vcpuCpuSeconds: seconds,
  ioThreadCpuSeconds: seconds,
  /** the guest TSC frequency; 0 when KVM did not say */
  tscKhz: count,
  /** KVM's per-vCPU binary statistics (KVM_GET_STATS_FD), name -> value */
  kvm: z.record(z.string(), count),
  kvmKind: z.enum(['hardware', 'emulating', 'unknown']),
  exitReason: z.enum(['clean', 'crash', 'timeout', 'error', 'running']),
  /** one line */
  exitDetail: z.string(),
  // Fields newer kickvmm builds add; optional so older stats files still read.
  /** version of the arms' semantics (which thread services a request in each mode) */
  armSemantics: count.optional(),
  /** requests serviced on each thread */
  requestsServicedOn: z.object({ vcpu: count, ioThread: count }).optional(),
  /** io exits by port, e.g. "0x3f8" -> count */
  ioExitsByPort: z.record(z.string(), count).optional(),
  /** context switches of the vCPU thread */
  vcpuContextSwitches: z.object({ voluntary: count, involuntary: count }).optional(),
});

export type VmmStats = z.infer<typeof vmmStatsSchema>;

/** Stats with every counter at zero, as kickvmm writes them for a VM that never started. */
export function zeroVmmStats(mode: VmmStats['mode']): VmmStats {
  return {
    mode,
    exits: { io: 0, mmio: 0, hlt: 0, shutdown: 0, internal_error: 0, system_event: 0, intr: 0, other: 0 },
    kicks: 0,
    notifyIoExits: 0,
    eventfdWakeups: 0,
    eventfdSignals: 0,
    requests: { total: 0, read: 0, write: 0, flush: 0, getId: 0, unsupported: 0, ioerr: 0 },
    bytesRead: 0,
    bytesWritten: 0,
    badDescriptors: 0,
    deviceNeedsReset: 0,
    interrupts: 0,
    wallSeconds: 0,
    vcpuCpuSeconds: 0,
    ioThreadCpuSeconds: 0,
    tscKhz: 0,
    kvm: {},
    kvmKind: 'unknown',
    exitReason: 'error',
    exitDetail: '',
  };
}

export class VmmStatsError extends Error {}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue.path.length ? issue.path.join('.') : 'the top level';
  return `${at}: ${issue.message}`;
}

/** A VmmStats from an already-decoded value (a stats file's JSON, or a sample's vmmStats); throws one line. */
export function toVmmStats(value: unknown, source = 'kickvmm stats'): VmmStats {
  const r = vmmStatsSchema.safeParse(value);
  if (!r.success) throw new VmmStatsError(`${source}: ${firstIssue(r.error)}`);
  return r.data;
}

/** Parse the text of a kickvmm --stats file; throws one line naming `source`. */
export function parseVmmStats(text: string, source = 'kickvmm stats'): VmmStats {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VmmStatsError(`${source}: not JSON (${(e as Error).message})`, { cause: e });
  }
  return toVmmStats(value, source);
}

/** The problem with a value as kickvmm stats, or null when it is valid. */
export function vmmStatsProblem(value: unknown): string | null {
  const r = vmmStatsSchema.safeParse(value);
  return r.success ? null : firstIssue(r.error);
}
