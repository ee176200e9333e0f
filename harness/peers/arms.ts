// The peers a scenario can run beside kickvmm, and the arms they add. kickvmm's
// own arms keep their names (exit, ioeventfd, inline); a peer's arms carry its
// name, so one results file holds every VMM x arm and the statistics compare
// them pairwise like any two arms.
//   qemu           -> qemu-exit (ioeventfd=off), qemu-ioeventfd (ioeventfd=on)
//   qemu-iothread  -> qemu-iothread (ioeventfd=on with a dedicated iothread)
//   host           -> host (the same work with no VM at all: the limit)
// QEMU has no `inline` arm: it never services a queue on the vCPU thread.
import type { KickMode } from '../results/arms.js';

export const PEERS = ['qemu', 'qemu-iothread', 'host'] as const;
export type Peer = (typeof PEERS)[number];
export type VmmName = 'kickvmm' | 'qemu' | 'host';

export interface PeerArm {
  name: string;
  /** the kick path; null for the host, which has none */
  mode: KickMode | null;
  vmm: VmmName;
  iothread?: boolean;
}

export function isPeer(v: unknown): v is Peer {
  return typeof v === 'string' && (PEERS as readonly string[]).includes(v);
}

/** The arms the peers add to a scenario whose kickvmm arms are `modes`. */
export function peerArms(modes: readonly KickMode[], peers: readonly Peer[]): PeerArm[] {
  const out: PeerArm[] = [];
  for (const peer of peers) {
    if (peer === 'qemu') {
      for (const m of modes) if (m !== 'inline') out.push({ name: `qemu-${m}`, mode: m, vmm: 'qemu' });
    } else if (peer === 'qemu-iothread') {
      out.push({ name: 'qemu-iothread', mode: 'ioeventfd', vmm: 'qemu', iothread: true });
    } else {
      out.push({ name: 'host', mode: null, vmm: 'host' });
    }
  }
  return out;
}

/** Which VMM an arm name belongs to (kickvmm's arms have no prefix). */
export function vmmOfArm(arm: string): VmmName {
  if (arm === 'host') return 'host';
  return arm.startsWith('qemu-') || arm === 'qemu-iothread' ? 'qemu' : 'kickvmm';
}

/**
 * The comparisons a peers report shows, in the order a reader asks them:
 * first the mode effect within each VMM (does kickvmm see QEMU's ioeventfd
 * gain?), then kickvmm against QEMU per arm, then every VMM x arm against the
 * host. Each is (baseline arm, treatment arm); the ratio is treatment/baseline.
 */
export interface PeerComparison {
  group: 'mode effect' | 'kickvmm vs QEMU' | 'fraction of host';
  label: string;
  baselineArm: string;
  treatmentArm: string;
}

export function peerComparisons(arms: readonly string[]): PeerComparison[] {
  const has = (a: string) => arms.includes(a);
  const out: PeerComparison[] = [];
  if (has('exit') && has('ioeventfd'))
    out.push({
      group: 'mode effect',
      label: 'kickvmm ioeventfd / exit',
      baselineArm: 'exit',
      treatmentArm: 'ioeventfd',
    });
  if (has('qemu-exit') && has('qemu-ioeventfd'))
    out.push({
      group: 'mode effect',
      label: 'QEMU ioeventfd=on / off',
      baselineArm: 'qemu-exit',
      treatmentArm: 'qemu-ioeventfd',
    });
  if (has('qemu-exit') && has('qemu-iothread'))
    out.push({
      group: 'mode effect',
      label: 'QEMU ioeventfd=on with iothread / off',
      baselineArm: 'qemu-exit',
      treatmentArm: 'qemu-iothread',
    });
  for (const m of ['exit', 'ioeventfd']) {
    if (has(m) && has(`qemu-${m}`))
      out.push({ group: 'kickvmm vs QEMU', label: `kickvmm / QEMU, ${m}`, baselineArm: `qemu-${m}`, treatmentArm: m });
  }
  if (has('ioeventfd') && has('qemu-iothread'))
    out.push({
      group: 'kickvmm vs QEMU',
      label: 'kickvmm / QEMU with iothread, ioeventfd',
      baselineArm: 'qemu-iothread',
      treatmentArm: 'ioeventfd',
    });
  if (has('host')) {
    for (const a of arms)
      if (a !== 'host')
        out.push({ group: 'fraction of host', label: `${a} / host`, baselineArm: 'host', treatmentArm: a });
  }
  return out;
}
