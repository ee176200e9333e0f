// The order samples run in. Each sample is its own fresh VM; arms are
// interleaved so slow drift on the host (thermal, page cache, a neighbour)
// lands on both arms alike instead of on whichever ran second.
//   abba:   rep 0: A B, rep 1: B A, rep 2: A B, ...  (warm-ups first, same pattern);
//           with more arms the same mirror: A B C, C B A, ...; over each pair of
//           rounds every arm's run positions add up to the same sum, so a linear
//           drift cancels exactly (an even number of rounds balances fully)
//   random: each rep's arms shuffled with a seeded PRNG (reproducible from the seed)
import { BASELINE_ARM, type KickMode } from '../results/arms.js';
import { peerArms, type VmmName } from '../peers/arms.js';
import type { Scenario } from '../scenarios/scenario.js';
import { mulberry32 } from '../stats/random.js';

export interface Arm {
  name: string;
  /** the kick path; for the host peer (no VM) the job's mode is unused */
  mode: KickMode;
  /** who runs the sample: kickvmm unless the arm belongs to a peer (harness/peers) */
  vmm: VmmName;
  /** QEMU ioeventfd arm with a dedicated iothread */
  iothread?: boolean;
}

/** One kickvmm build in an A/B of two builds (kickbench ab): its label and binary. */
export interface VmmBuild {
  label: string;
  kickvmm: string;
}

export interface PlannedSample {
  scenario: Scenario;
  arm: Arm;
  /** kickbench ab: which build runs this sample (otherwise the run's one kickvmm) */
  build?: VmmBuild;
  /** repetition index within (scenario, arm); warm-ups count separately from 0 */
  index: number;
  warmup: boolean;
  /** position in the whole run, from 0 */
  order: number;
}

export function armsFor(scenario: Scenario, aaMode?: KickMode): Arm[] {
  if (aaMode)
    return [
      { name: 'A', mode: aaMode, vmm: 'kickvmm' },
      { name: 'B', mode: aaMode, vmm: 'kickvmm' },
    ];
  const peers = peerArms(scenario.modes, scenario.peers ?? []).map((a) => ({
    name: a.name,
    mode: a.mode ?? BASELINE_ARM,
    vmm: a.vmm,
    iothread: a.iothread,
  }));
  return [...scenario.modes.map((m): Arm => ({ name: m, mode: m, vmm: 'kickvmm' })), ...peers];
}

export interface PlanOptions {
  /** overrides each scenario's order */
  order?: 'abba' | 'random';
  seed: number;
  /** A/A run: both arms use this mode */
  aaMode?: KickMode;
  /** overrides each scenario's repetitions / warmup */
  repetitions?: number;
  warmup?: number;
}

export function planRun(scenarios: Scenario[], opts: PlanOptions): PlannedSample[] {
  const rand = mulberry32(opts.seed);
  const out: PlannedSample[] = [];
  for (const scenario of scenarios) {
    const arms = armsFor(scenario, opts.aaMode);
    const order = opts.order ?? scenario.order;
    const rounds: { warmup: boolean; index: number }[] = [];
    const warmup = opts.warmup ?? scenario.warmup;
    const reps = opts.repetitions ?? scenario.repetitions;
    for (let i = 0; i < warmup; i++) rounds.push({ warmup: true, index: i });
    for (let i = 0; i < reps; i++) rounds.push({ warmup: false, index: i });
    rounds.forEach((round, r) => {
      let roundArms: Arm[];
      if (order === 'random') {
        roundArms = [...arms];
        for (let i = roundArms.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [roundArms[i], roundArms[j]] = [roundArms[j], roundArms[i]];
        }
      } else {
        roundArms = r % 2 === 0 ? arms : [...arms].reverse();
      }
      for (const arm of roundArms) {
        out.push({ scenario, arm, index: round.index, warmup: round.warmup, order: out.length });
      }
    });
  }
  return out;
}

/**
 * Every planned sample once per build, the builds alternating (base head, head
 * base, ...) inside the arms' own interleaving, so host drift lands on base and
 * head alike as it does on the arms.
 */
export function interleaveBuilds(plan: PlannedSample[], builds: VmmBuild[]): PlannedSample[] {
  const out: PlannedSample[] = [];
  plan.forEach((p, i) => {
    const turn = i % 2 === 0 ? builds : [...builds].reverse();
    for (const build of turn) out.push({ ...p, build, order: out.length });
  });
  return out;
}
