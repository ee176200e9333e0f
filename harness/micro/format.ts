// Text output of kickbench micro, shared by the local and the nested-rig paths.
import type { KickMode } from '../results/arms.js';
import { RATIO_GOAL, type KickCost } from './kick-cost.js';
import type { BlockPhases } from './block-phases.js';

const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

export function formatKickCosts(costs: KickCost[], where: string): string {
  const head = [
    'arm'.padEnd(10),
    'case'.padEnd(8),
    'wall ns/kick'.padStart(13),
    'vCPU CPU ns/kick'.padStart(17),
    'ctx sw/kick'.padStart(12),
    'preempt/kick'.padStart(13),
  ].join(' ');
  const lines = [`doorbell cost per kick, medians over the measurements (${where})`, head];
  for (const c of costs) {
    for (const [name, k] of [
      ['kickvmm', c.kickvmm],
      ['floor', c.floor],
    ] as const) {
      lines.push(
        [
          c.mode.padEnd(10),
          name.padEnd(8),
          num(k.wallNs).padStart(13),
          num(k.vcpuCpuNs).padStart(17),
          num(k.switches, 4).padStart(12),
          num(k.preemptions, 4).padStart(13),
        ].join(' '),
      );
    }
  }
  lines.push('', `kickvmm / floor, wall ns per kick (goal <= ${RATIO_GOAL.toFixed(2)}x; printed, not enforced)`);
  for (const c of costs) {
    const ci = c.ratioCI
      ? `95% CI ${c.ratioCI.low.toFixed(3)}-${c.ratioCI.high.toFixed(3)}`
      : 'no CI (one measurement)';
    const verdict = !c.ratioCI
      ? 'not judged'
      : c.ratioCI.high <= RATIO_GOAL
        ? 'goal met'
        : c.ratioCI.low > RATIO_GOAL
          ? 'goal NOT met'
          : 'inconclusive';
    lines.push(
      `${c.mode.padEnd(10)} ${`${c.ratio.toFixed(3)}x`.padStart(8)}  ${ci}  ${verdict} (${c.kickvmm.wallSamples.length} measurements each)`,
    );
  }
  const byMode = (m: KickMode) => costs.find((c) => c.mode === m);
  const exit = byMode('exit');
  for (const other of costs.filter((c) => c.mode !== 'exit')) {
    if (!exit) break;
    const k = (other.kickvmm.wallNs / exit.kickvmm.wallNs).toFixed(2);
    const f = (other.floor.wallNs / exit.floor.wallNs).toFixed(2);
    lines.push(`${other.mode} kick / exit kick: kickvmm ${k}x, floor ${f}x (below 1: cheaper than exit)`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatBlockPhases(phases: BlockPhases, where: string, rounds: number): string {
  const arms = Object.keys(phases) as KickMode[];
  const lines = [
    '',
    `probe block phases, MiB/s, median of ${rounds} run(s) per arm (${where})`,
    `${'phase'.padEnd(18)} ${arms.map((a) => a.padStart(10)).join(' ')}`,
  ];
  const names = [...new Set(arms.flatMap((a) => Object.keys(phases[a] ?? {})))];
  for (const n of names)
    lines.push(
      `${n.replace(/_mib_s$/, '').padEnd(18)} ${arms.map((a) => num(phases[a]?.[n] ?? NaN, 1).padStart(10)).join(' ')}`,
    );
  return `${lines.join('\n')}\n`;
}
