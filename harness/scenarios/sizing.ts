// How big a scenario's guest is: fixed in the scenario file, or sized from the
// machine the guest runs in the way kvmtool sized an unspecified guest in 2011
// (kvm-run.c at 37f3d50: vCPUs = online CPUs; get_ram_size(): RAM = 64 x
// (vCPUs + 3) MiB, at most 80% of host RAM). In the nested rig that machine is
// the rig's L1, not this host. `kickbench run --cpus/--mem` override either.

/** The name scenario files use for kvmtool's 2011 sizing rule. */
export const KVMTOOL_2011 = 'kvmtool-2011';
export type SizingRule = typeof KVMTOOL_2011;

/** kvmtool took every online CPU; beyond this many a bonnie++ guest only boots slower (bonnie++ 2.00 runs one process). */
export const MAX_SIZED_CPUS = 16;
/** kvmtool's MIN_RAM_SIZE_MB, used when the host's RAM is unknown. */
const KVMTOOL_MIN_RAM_MIB = 64;
/** The smallest RAM our Linux guest (kernel, initramfs with busybox and bonnie++) boots and runs bonnie++ in. */
export const MIN_LINUX_GUEST_MIB = 96;

/** The machine a guest is sized for. */
export interface SizingBasis {
  /** "this host" or "the rig's L1" */
  machine: string;
  onlineCpus: number;
  memMiB: number;
}

/** What a scenario's guest got, and why: recorded per host in results.json. */
export type GuestSizing = {
  cpus: number;
  memMiB: number;
  /** 'scenario' = the numbers in the scenario file; else the rule that computed them */
  rule: 'scenario' | SizingRule;
  basis?: SizingBasis;
  /** --cpus / --mem given on the command line */
  overrides?: { cpus?: number; memMiB?: number };
  /** how the numbers came about, including every cap that changed them */
  notes: string[];
};

export class SizingError extends Error {}

/** The largest guest RAM for which bonnie++ accepts `-s` without `-r` (size x concurrency >= 2 x RAM); null when no limit applies. */
export function bonnieRamLimitMiB(args: string[]): number | null {
  const opt = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (opt('-r') !== undefined) return null;
  const size = Number((opt('-s') ?? '').split(':')[0]);
  if (!Number.isFinite(size) || size <= 0) return null;
  const concurrency = Number(opt('-c') ?? '1') || 1;
  return Math.floor((size * concurrency) / 2);
}

/**
 * kvmtool's 2011 sizing for `basis`, then capped so bonnie++ (when `bonnieArgs`
 * is given) still accepts its file size without -r. Every cap is named in notes.
 */
export function kvmtool2011Sizing(basis: SizingBasis, bonnieArgs?: string[]): GuestSizing {
  const notes: string[] = [];
  const online = Math.max(1, Math.floor(basis.onlineCpus));
  const cpus = Math.min(online, MAX_SIZED_CPUS);
  notes.push(`vCPUs = online CPUs of ${basis.machine} (${online})`);
  if (cpus < online) notes.push(`vCPUs capped at ${MAX_SIZED_CPUS}`);
  const formula = 64 * (cpus + 3);
  notes.push(`RAM = 64 x (${cpus} + 3) = ${formula} MiB`);
  const available = basis.memMiB > 0 ? Math.floor(basis.memMiB * 0.8) : KVMTOOL_MIN_RAM_MIB;
  let memMiB = formula;
  if (memMiB > available) {
    memMiB = available;
    notes.push(`capped at 80% of ${basis.machine}'s ${basis.memMiB} MiB: ${available} MiB (as kvmtool did)`);
  }
  const limit = bonnieArgs ? bonnieRamLimitMiB(bonnieArgs) : null;
  if (limit !== null && memMiB > limit) {
    notes.push(
      `capped at ${limit} MiB so that bonnie++ ${bonnieArgs!.join(' ')} keeps its own twice-RAM rule without -r (kvmtool's rule gave ${memMiB} MiB)`,
    );
    memMiB = limit;
  }
  if (memMiB < MIN_LINUX_GUEST_MIB) {
    throw new SizingError(
      `kvmtool's 2011 sizing gives ${memMiB} MiB of guest RAM on ${basis.machine} (${basis.memMiB} MiB), ` +
        `below the ${MIN_LINUX_GUEST_MIB} MiB the Linux guest needs; pass --mem`,
    );
  }
  return { cpus, memMiB, rule: KVMTOOL_2011, basis, notes };
}

/**
 * The guest a scenario gets: `--cpus`/`--mem` first, then the scenario's own
 * numbers or its sizing rule. Throws SizingError with one line when the result
 * would make bonnie++ refuse to run.
 */
export function sizeGuest(
  guest: { memMiB?: number; cpus?: number; sizing?: SizingRule },
  basis: SizingBasis,
  overrides: { cpus?: number; memMiB?: number } = {},
  bonnieArgs?: string[],
): GuestSizing {
  let s: GuestSizing;
  if (guest.sizing === KVMTOOL_2011) {
    s = kvmtool2011Sizing(basis, bonnieArgs);
  } else {
    if (guest.memMiB === undefined || guest.cpus === undefined)
      throw new SizingError('the scenario gives neither guest.memMiB and guest.cpus nor guest.sizing');
    s = { cpus: guest.cpus, memMiB: guest.memMiB, rule: 'scenario', notes: ['as the scenario file says'] };
  }
  const given = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as GuestSizing['overrides'];
  if (given && Object.keys(given).length) {
    s = { ...s, overrides: given };
    if (given.cpus !== undefined) {
      s.notes = [...s.notes, `--cpus ${given.cpus} replaces ${s.cpus}`];
      s.cpus = given.cpus;
    }
    if (given.memMiB !== undefined) {
      s.notes = [...s.notes, `--mem ${given.memMiB} replaces ${s.memMiB}`];
      s.memMiB = given.memMiB;
    }
  }
  const limit = bonnieArgs ? bonnieRamLimitMiB(bonnieArgs) : null;
  if (limit !== null && s.memMiB > limit) {
    throw new SizingError(
      `a ${s.memMiB} MiB guest makes bonnie++ ${bonnieArgs!.join(' ')} refuse to run (its twice-RAM rule allows at most ${limit} MiB)`,
    );
  }
  return s;
}

/** One line for reports and progress: "2 vCPUs, 320 MiB (kvmtool-2011: ...)". */
export function describeSizing(s: GuestSizing): string {
  const head = `${s.cpus} vCPU${s.cpus === 1 ? '' : 's'}, ${s.memMiB} MiB`;
  return `${head} (${s.rule === 'scenario' ? 'scenario file' : `${s.rule} rule`}: ${s.notes.join('; ')})`;
}
