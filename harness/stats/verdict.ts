// The verdict rule, one place, so the report, the CLI and the CI gate agree.

import type { Direction } from '../results/schema.js';
import type { RatioCI } from './bootstrap.js';

export type Verdict = 'improved' | 'regressed' | 'no change' | 'inconclusive';

export interface VerdictInput {
  direction: Direction;
  /** CI of median(treat)/median(base); null when it could not be computed */
  ci: RatioCI | null;
  /** Holm-adjusted p-value; null when there was no test */
  pAdjusted: number | null;
  nBase: number;
  nTreat: number;
  /** default 0.05 */
  alpha?: number;
  /** smallest change that matters, percent of the baseline median; default 5 */
  thresholdPct?: number;
}

/**
 * With t = thresholdPct / 100 and the ratio CI [low, high]:
 * - fewer than 2 values on either side, or no CI: 'inconclusive' (one run can show a change, never a verdict);
 * - pAdjusted < alpha and low > 1 + t: the treatment is higher by more than the threshold for sure:
 *   'improved' if higher is better, else 'regressed';
 * - pAdjusted < alpha and high < 1 − t: lower by more than the threshold: 'regressed' if higher is better, else 'improved';
 * - 1 − t <= low and high <= 1 + t: any change is smaller than the threshold: 'no change' (whatever p says);
 * - otherwise 'inconclusive' (more samples needed, or the effect is near the threshold).
 */
export function verdict(input: VerdictInput): Verdict {
  const alpha = input.alpha ?? 0.05;
  const t = (input.thresholdPct ?? 5) / 100;
  const { ci, pAdjusted, direction } = input;
  if (input.nBase < 2 || input.nTreat < 2 || ci === null) return 'inconclusive';
  const significant = pAdjusted !== null && pAdjusted < alpha;
  if (significant && ci.low > 1 + t) return direction === 'higher' ? 'improved' : 'regressed';
  if (significant && ci.high < 1 - t) return direction === 'higher' ? 'regressed' : 'improved';
  if (ci.low >= 1 - t && ci.high <= 1 + t) return 'no change';
  return 'inconclusive';
}
