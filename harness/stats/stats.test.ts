// Known answers. The Mann-Whitney and erfc references were computed
// independently with scipy 1.17.1 / Python's math.erfc (commands in comments).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { bootstrapInteractionCI, bootstrapRatioCI } from './bootstrap.js';
import { mad, mean, median, quantile, quantiles, sd } from './descriptive.js';
import { holm } from './holm.js';
import { mannWhitney } from './mannwhitney.js';
import { erfc } from './normal.js';
import { deriveSeed, mulberry32 } from './random.js';
import { verdict } from './verdict.js';

function close(actual: number | null, expected: number, tol: number, what = ''): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tol,
    `${what} expected ${expected} ± ${tol}, got ${actual}`,
  );
}

describe('descriptive', () => {
  it('median, quantiles (type 7), mean, sd, MAD', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
    // numpy.quantile(range(1, 11), [0.1, 0.25, 0.5, 0.9]) -> 1.9 3.25 5.5 9.1
    const q = quantiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [0.1, 0.25, 0.5, 0.9]);
    [1.9, 3.25, 5.5, 9.1].forEach((e, i) => close(q[i], e, 1e-12, `q${i}`));
    assert.equal(quantile([5, 1], 0), 1);
    assert.equal(quantile([5, 1], 1), 5);
    assert.equal(mean([2, 4, 4, 4, 5, 5, 7, 9]), 5);
    close(sd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12, 'sd'); // sample sd (n - 1)
    assert.ok(Number.isNaN(sd([1])));
    // |x - 2| = 1 1 0 0 2 4 7 -> median 1
    assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
    close(mad([1, 1, 2, 2, 4, 6, 9], 1.4826), 1.4826, 1e-12);
  });
});

describe('mannWhitney', () => {
  it('exact: the textbook separated case, a=[1,2,3] b=[4,5,6] gives p = 0.1', () => {
    assert.deepEqual(mannWhitney([1, 2, 3], [4, 5, 6]), { u: 0, p: 0.1, method: 'exact' });
    assert.deepEqual(mannWhitney([4, 5, 6], [1, 2, 3]), { u: 9, p: 0.1, method: 'exact' });
  });

  it('exact: unequal sizes', () => {
    // scipy.stats.mannwhitneyu([1.1,2.2,3.3,4.4,5.5,6.6,7.7], [2.5,8.1,9.2,10.3,11.4], method='exact') -> U=5, p=0.04797979797979798
    const r = mannWhitney([1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7], [2.5, 8.1, 9.2, 10.3, 11.4]);
    assert.equal(r.method, 'exact');
    assert.equal(r.u, 5);
    close(r.p, 0.04797979797979798, 1e-12, 'p');
    // one value each: every ordering is as likely, p = 1
    assert.equal(mannWhitney([1], [2]).p, 1);
  });

  it('normal approximation with ties and continuity correction', () => {
    // scipy.stats.mannwhitneyu(a, b, method='asymptotic', use_continuity=True) -> U=24.5, p=0.03364557488271187
    const a = [1, 2, 2, 3, 4, 5, 5, 6, 7, 8];
    const b = [3, 4, 5, 5, 6, 7, 8, 9, 9, 10, 11];
    const r = mannWhitney(a, b);
    assert.equal(r.method, 'normal');
    assert.equal(r.u, 24.5);
    close(r.p, 0.03364557488271187, 1e-9, 'p');
  });

  it('all values tied: p = 1', () => {
    assert.equal(mannWhitney([5, 5, 5], [5, 5]).p, 1);
  });

  it('refuses an empty group', () => {
    assert.throws(() => mannWhitney([], [1]), RangeError);
  });
});

describe('erfc', () => {
  it('matches math.erfc', () => {
    // python3 -c "import math; print(math.erfc(0.5), math.erfc(3.5), math.erfc(-1))"
    close(erfc(0.5), 0.4795001221869535, 1e-15);
    close(erfc(3.5) / 7.430983723414128e-7, 1, 1e-12, 'relative');
    close(erfc(-1), 1.8427007929497148, 1e-15);
  });
});

describe('holm', () => {
  it('textbook vector (R: p.adjust(c(.01,.04,.03,.005), "holm"))', () => {
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((e, i) => close(adj[i], e, 1e-15, `p${i}`));
  });

  it('monotone, capped at 1, nulls left out of the family', () => {
    assert.deepEqual(holm([0.5, 0.6]), [1, 1]);
    const adj = holm([null, 0.02, 0.01, null]);
    assert.equal(adj[0], null);
    assert.equal(adj[3], null);
    close(adj[1], 0.02, 1e-15);
    close(adj[2], 0.02, 1e-15);
  });
});

/** Normal draws from the seeded PRNG (Box-Muller). */
function draws(seed: number, n: number, centre: number, relSd: number): number[] {
  const rand = mulberry32(seed);
  return Array.from(
    { length: n },
    () => centre * (1 + relSd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())),
  );
}

describe('bootstrapRatioCI', () => {
  it('contains the true ratio of synthetic data and is reproducible for a seed', () => {
    const base = draws(11, 12, 1000, 0.03);
    const treat = draws(12, 12, 1250, 0.03);
    const ci = bootstrapRatioCI(base, treat, { seed: 42 });
    assert.ok(ci);
    assert.ok(ci.low < 1.25 && 1.25 < ci.high, `CI [${ci.low}, ${ci.high}] should contain 1.25`);
    assert.ok(ci.high - ci.low < 0.1, 'and be reasonably tight at 3% noise');
    assert.equal(ci.level, 0.95);
    assert.deepEqual(bootstrapRatioCI(base, treat, { seed: 42 }), ci);
    assert.notDeepEqual(bootstrapRatioCI(base, treat, { seed: 43 }), ci);
    const wide = bootstrapRatioCI(base, treat, { seed: 42, level: 0.99 });
    assert.ok(wide && wide.low <= ci.low && wide.high >= ci.high, 'a 99% interval is no narrower');
  });

  it('covers the true ratio in most repetitions (coverage near the level)', () => {
    let covered = 0;
    const trials = 60;
    for (let k = 0; k < trials; k++) {
      const ci = bootstrapRatioCI(draws(100 + k, 10, 500, 0.05), draws(200 + k, 10, 600, 0.05), {
        seed: k,
        resamples: 1000,
      });
      if (ci && ci.low <= 1.2 && 1.2 <= ci.high) covered++;
    }
    // percentile bootstrap of medians at n=10 under-covers a little; 95% nominal
    assert.ok(covered >= 48, `covered ${covered}/${trials}`);
  });

  it('null below two values a side; rejects bad options', () => {
    assert.equal(bootstrapRatioCI([1], [1, 2]), null);
    assert.throws(() => bootstrapRatioCI([1, 2], [1, 2], { level: 1.5 }), RangeError);
  });

  it('interaction CI contains the true ratio of ratios', () => {
    // base run: treat/base = 1.2; head run: 1.2 * 0.8 = 0.96 -> ratio of ratios 0.8
    const ci = bootstrapInteractionCI(
      draws(1, 10, 1000, 0.02),
      draws(2, 10, 1200, 0.02),
      draws(3, 10, 1000, 0.02),
      draws(4, 10, 960, 0.02),
      { seed: 5 },
    );
    assert.ok(ci && ci.low < 0.8 && 0.8 < ci.high, JSON.stringify(ci));
  });

  it('derived seeds differ per label and repeat per input', () => {
    assert.equal(deriveSeed(1, 'quick', 'put_block'), deriveSeed(1, 'quick', 'put_block'));
    assert.notEqual(deriveSeed(1, 'quick', 'put_block'), deriveSeed(1, 'quick', 'rewrite'));
    assert.notEqual(deriveSeed(1, 'quick', 'put_block'), deriveSeed(2, 'quick', 'put_block'));
  });
});

describe('verdict', () => {
  const base = { nBase: 8, nTreat: 8, alpha: 0.05, thresholdPct: 5 };
  const ci = (low: number, high: number) => ({ low, high, level: 0.95 });

  it('improved / regressed need significance and a CI wholly past the threshold', () => {
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(1.1, 1.3), pAdjusted: 0.01 }), 'improved');
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(0.7, 0.9), pAdjusted: 0.01 }), 'regressed');
    assert.equal(verdict({ ...base, direction: 'lower', ci: ci(1.1, 1.3), pAdjusted: 0.01 }), 'regressed');
    assert.equal(verdict({ ...base, direction: 'lower', ci: ci(0.7, 0.9), pAdjusted: 0.01 }), 'improved');
  });

  it('no change when the CI lies within ±threshold, whatever p says', () => {
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(0.97, 1.04), pAdjusted: 0.5 }), 'no change');
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(1.01, 1.04), pAdjusted: 0.001 }), 'no change');
  });

  it('inconclusive otherwise', () => {
    // significant, but the CI reaches inside the threshold
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(1.02, 1.2), pAdjusted: 0.001 }), 'inconclusive');
    // CI past the threshold but not significant after Holm
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(1.1, 1.3), pAdjusted: 0.2 }), 'inconclusive');
    // wide CI
    assert.equal(verdict({ ...base, direction: 'higher', ci: ci(0.8, 1.3), pAdjusted: 0.5 }), 'inconclusive');
    assert.equal(verdict({ ...base, direction: 'higher', ci: null, pAdjusted: 0.01 }), 'inconclusive');
  });

  it('a single run on either side never gets a verdict', () => {
    assert.equal(
      verdict({ ...base, nBase: 1, direction: 'higher', ci: ci(1.2, 1.2), pAdjusted: 0.001 }),
      'inconclusive',
    );
    assert.equal(verdict({ ...base, nTreat: 1, direction: 'higher', ci: ci(1.0, 1.0), pAdjusted: 1 }), 'inconclusive');
  });

  it('the threshold is a parameter', () => {
    const v = { ...base, direction: 'higher' as const, ci: ci(1.03, 1.08), pAdjusted: 0.01 };
    assert.equal(verdict(v), 'inconclusive');
    assert.equal(verdict({ ...v, thresholdPct: 2 }), 'improved');
    assert.equal(verdict({ ...v, thresholdPct: 10 }), 'no change');
  });
});
