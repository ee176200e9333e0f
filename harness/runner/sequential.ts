// `run --until-decided --max-n N`: budgeted sequential sampling.
//
// The looks are planned before anything boots: at n0, n0 + 2, ..., N samples
// per arm (even steps keep ABBA balanced). Each look may spend only its
// O'Brien-Fleming increment of alpha (the increments sum to alpha, so the
// union bound keeps the family-wise error at alpha however many looks run),
// and judges with intervals at the matching level. The run stops at the first
// look where every primary hypothesis is decided (improved, regressed or no
// change) or when the budget is spent. It never adds samples "until
// significant": a look that finds "no change" stops the run just the same.

import type { ResultSet, SequentialRecord } from '../results/schema.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { KickMode } from '../results/schema.js';
import { analyze } from '../stats/analyze.js';
import { plannedLooks, type Look } from '../stats/power.js';
import { planRun, type PlannedSample } from './plan.js';

export interface SequentialOptions {
  maxN: number;
  alpha?: number;
  thresholdPct?: number;
}

export interface LookOutcome {
  decided: boolean;
  /** primary metrics without a verdict at this look */
  open: string[];
}

/** Judge the primary hypotheses of `scenario` at one look (its alpha, intervals at 1 − alpha). */
export function judgeLook(rs: ResultSet, scenario: string, look: Look, thresholdPct: number): LookOutcome {
  const a = analyze(rs, { alpha: look.alpha, level: 1 - look.alpha, thresholdPct });
  const sa = a.scenarios.find((s) => s.scenario === scenario);
  if (!sa) return { decided: false, open: ['(no usable samples)'] };
  const open = sa.primary.filter((p) => {
    const m = sa.metrics.find((c) => c.metric === p);
    return !m || m.verdict === null || m.verdict === 'inconclusive';
  });
  return { decided: open.length === 0, open };
}

/** Drives the looks of one scenario: after each look, the next rounds to run, or none. */
export class SequentialPlan {
  readonly looks: Look[];
  private current = 0;
  /** samples per arm planned so far */
  private haveN: number;
  readonly record: SequentialRecord;

  constructor(
    private readonly scenario: Scenario,
    private readonly opts: SequentialOptions & { n0: number; seed: number; warmup?: number; aaMode?: KickMode },
  ) {
    this.looks = plannedLooks(opts.n0, opts.maxN, opts.alpha ?? 0.05, 2, scenario.primary.length);
    this.record = { looks: this.looks, maxN: opts.maxN, stoppedAt: 0, reason: 'budget' };
    this.haveN = opts.n0;
  }

  /** samples per arm the plan holds so far */
  get plannedN(): number {
    return this.haveN;
  }

  /**
   * Resuming: the samples recorded so far reach some n per arm; plan up to the
   * first look at or beyond it, and judge from that look on (earlier looks were
   * judged, undecided, before the interruption, or the run would have stopped).
   */
  resumeAt(rs: ResultSet): void {
    const measured = rs.samples.filter((s) => s.scenario === this.scenario.name && !s.warmup);
    const reached = measured.length ? Math.max(...measured.map((s) => s.index + 1)) : 0;
    if (reached <= this.opts.n0) return;
    const at = this.looks.findIndex((l) => l.n >= reached);
    if (at < 0) throw new Error(`the recorded samples reach n=${reached}, beyond this run's --max-n ${this.opts.maxN}`);
    this.current = at;
    this.haveN = this.looks[at].n;
    if (rs.sequential) Object.assign(this.record, { stoppedAt: rs.sequential.stoppedAt, reason: rs.sequential.reason });
  }

  /** Called when every planned sample has run: decide at this look, and return the next look's samples (or none). */
  next(rs: ResultSet, nextOrder: number, note: (line: string) => void): PlannedSample[] {
    const look = this.looks[this.current];
    if (this.haveN < look.n) {
      // n0 itself was not a look (its alpha share could not decide): run up to the first look.
      note(`sequential: n=${this.haveN} is not a planned look; running up to the first look at n=${look.n}`);
      return this.rounds(look.n, nextOrder);
    }
    const out = judgeLook(rs, this.scenario.name, look, this.opts.thresholdPct ?? 5);
    this.record.stoppedAt = this.current;
    const tag = `look ${this.current + 1}/${this.looks.length} at n=${look.n} per arm (alpha ${look.alpha.toPrecision(2)})`;
    if (out.decided) {
      this.record.reason = 'decided';
      note(`sequential: ${tag}: every primary hypothesis decided; stopping`);
      return [];
    }
    if (this.current + 1 >= this.looks.length) {
      this.record.reason = 'budget';
      note(`sequential: ${tag}: still open (${out.open.join(', ')}); budget of n=${this.opts.maxN} spent`);
      return [];
    }
    this.current++;
    const nextN = this.looks[this.current].n;
    note(`sequential: ${tag}: open: ${out.open.join(', ')}; adding rounds up to n=${nextN}`);
    return this.rounds(nextN, nextOrder);
  }

  /** The measured rounds from the current n up to `n` per arm, continuing the ABBA (or seeded) order. */
  private rounds(n: number, nextOrder: number): PlannedSample[] {
    const from = this.haveN;
    this.haveN = n;
    const all = planRun([this.scenario], {
      seed: this.opts.seed,
      aaMode: this.opts.aaMode,
      repetitions: n,
      warmup: this.opts.warmup,
    });
    return all.filter((p) => !p.warmup && p.index >= from).map((p, i) => ({ ...p, order: nextOrder + i }));
  }
}
