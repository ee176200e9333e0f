// The arms of an experiment: the kick modes kickvmm runs, which one is the
// baseline, and which version of their meaning a results file was made with.
//
// Arm semantics 1 (files without `armSemantics`): `exit` serviced the queue
// inline on the vCPU thread. Arm semantics 2 (issue 7): `exit` hands the queue
// to the I/O thread like kvmtool's 2011 "before", and the old behaviour is the
// separate arm `inline`. An old `exit` and a new `exit` measure different things.
import type { ResultSet } from './schema.js';

export const KICK_MODES = ['exit', 'ioeventfd', 'inline'] as const;
export type KickMode = (typeof KICK_MODES)[number];

/** Every other arm is compared against this one. */
export const BASELINE_ARM: KickMode = 'exit';
/** The arms a scenario runs when it does not list its own (and what seed and quick run). */
export const DEFAULT_ARMS: KickMode[] = ['exit', 'ioeventfd'];

/** The arm semantics runs made by this kickbench have. */
export const ARM_SEMANTICS_VERSION = 2;

export function isKickMode(v: unknown): v is KickMode {
  return typeof v === 'string' && (KICK_MODES as readonly string[]).includes(v);
}

/** What an arm is, in one phrase, under a given arm semantics. */
export function armDescription(arm: string, semantics: number): string | null {
  switch (arm) {
    case 'exit':
      return semantics >= 2
        ? 'notify exits to userspace, the I/O thread services the queue (2011 "before")'
        : 'notify exits to userspace, the vCPU thread services the queue (arm semantics 1: today\'s "inline")';
    case 'ioeventfd':
      return 'notify signals an eventfd in the kernel, the I/O thread services the queue (2011 "after")';
    case 'inline':
      return 'notify exits to userspace, the vCPU thread services the queue before re-entering';
    default:
      return null;
  }
}

/** The arm semantics of a results file: its `armSemantics`, or 1 for files written before it existed. */
export function armSemanticsOf(rs: Pick<ResultSet, 'armSemantics'>): number {
  return typeof rs.armSemantics === 'number' ? rs.armSemantics : 1;
}

/** The arm semantics kickvmm reported in one sample's stats (absent before issue 7: 1); null without stats. */
export function statsArmSemantics(stats: Record<string, unknown> | null | undefined): number | null {
  if (!stats) return null;
  return typeof stats.armSemantics === 'number' ? stats.armSemantics : 1;
}

function hasExitSamples(rs: ResultSet): boolean {
  return rs.samples.some((s) => s.mode === 'exit');
}

/**
 * Why two results files must not be compared or merged as they are: both have
 * `exit` samples but under different arm semantics. null when they may be.
 */
export function mixedArmSemantics(a: ResultSet, b: ResultSet, names: [string, string]): string | null {
  const [va, vb] = [armSemanticsOf(a), armSemanticsOf(b)];
  if (va === vb || !hasExitSamples(a) || !hasExitSamples(b)) return null;
  const what = (v: number) =>
    v >= 2 ? `arm semantics ${v} (exit hands off to the I/O thread)` : `arm semantics ${v} (exit serviced inline)`;
  return `${names[0]} has ${what(va)} but ${names[1]} has ${what(vb)}: their "exit" arms are different designs`;
}
