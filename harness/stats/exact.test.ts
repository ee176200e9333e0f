// Known answers for the exact and censored rank tests, the Hodges-Lehmann
// intervals, the paired estimate and the power floors. Every reference value
// was computed once with Python 3 + scipy 1.17.1 (Debian python3-scipy) and is
// hard-coded here; the Python used is quoted next to each value.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { rankSumTest, mannWhitneyCdf } from './ranks.js';
import { hodgesLehmannPaired, hodgesLehmannShift, signedRankCdf, signedRankTest } from './hodges-lehmann.js';
import { spearman, pairedEstimate } from './paired.js';
import {
  detectableEffect,
  exactPFloor,
  normalQuantile,
  obrienFlemingSpent,
  plannedLooks,
  powerCheck,
} from './power.js';

function close(actual: number | null | undefined, expected: number, tol: number, what = ''): void {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tol,
    `${what} expected ${expected} ± ${tol}, got ${actual}`,
  );
}

const log = (xs: number[]) => xs.map(Math.log);

describe('exact rank-sum test (ties and censoring)', () => {
  it('matches scipy.stats.mannwhitneyu(method="exact") without ties', () => {
    // stats.mannwhitneyu([10.1,12.3,9.8,11.0,10.5], [13.2,12.9,14.1,12.0,13.5], method='exact') -> U=1, p=0.015873015873015872
    const r = rankSumTest([10.1, 12.3, 9.8, 11.0, 10.5], [13.2, 12.9, 14.1, 12.0, 13.5]);
    assert.equal(r.u, 1);
    close(r.p, 0.015873015873015872, 1e-12, 'p');
    // stats.mannwhitneyu([3.1,4.7,2.2,5.9,4.1,3.3], [4.0,6.2,5.5,7.1,4.9,6.6,5.0], method='exact') -> U=6, p=0.03496503496503496
    const r2 = rankSumTest([3.1, 4.7, 2.2, 5.9, 4.1, 3.3], [4.0, 6.2, 5.5, 7.1, 4.9, 6.6, 5.0]);
    assert.equal(r2.u, 6);
    close(r2.p, 0.03496503496503496, 1e-12, 'p2');
  });

  it('censored (+Infinity) runs rank above every measured run: exact permutation p as scipy.stats.permutation_test', () => {
    // statistic: rank sum of x (scipy.stats.rankdata of the pooled values, inf included) - n1(n1+1)/2;
    // stats.permutation_test((x, y), stat, permutation_type='independent', n_resamples=np.inf, alternative='two-sided')
    // x=[5,7,7,inf], y=[6,8,inf,inf,9] -> U=6.0, p=0.38095238095238093; Gehan sum sign(x-y) (inf-inf = 0) = -8
    const c1 = rankSumTest([5, 7, 7, Infinity], [6, 8, Infinity, Infinity, 9]);
    assert.equal(c1.u, 6);
    assert.equal(c1.gehan, -8);
    close(c1.p, 0.38095238095238093, 1e-12, 'cens1 p');
    assert.deepEqual(c1.censored, [1, 2]);
    // x=[100,120,130,110], y=[140,150,inf,160] -> U=0, p=0.02857142857142857, Gehan -16
    const c2 = rankSumTest([100, 120, 130, 110], [140, 150, Infinity, 160]);
    assert.equal(c2.gehan, -16);
    close(c2.p, 0.02857142857142857, 1e-12, 'cens2 p');
    // ties only: x=[1,2,2,3,3,3], y=[2,3,4,4,5,5] -> U=5.5, p=0.05627705627705628, Gehan -25
    const t = rankSumTest([1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5, 5]);
    assert.equal(t.u, 5.5);
    assert.equal(t.gehan, -25);
    close(t.p, 0.05627705627705628, 1e-12, 'ties p');
  });

  it('a censored run is never dropped: removing it changes the answer', () => {
    const withIt = rankSumTest([100, 120, 130, 110], [140, 150, Infinity, 160]);
    const without = rankSumTest([100, 120, 130, 110], [140, 150, 160]);
    assert.ok(withIt.p < without.p);
  });

  it('the exact Mann-Whitney cdf starts at 1/C(n1+n2, n1)', () => {
    close(mannWhitneyCdf(5, 5)[0], 1 / 252, 1e-15);
    close(mannWhitneyCdf(3, 4).at(-1), 1, 1e-15);
  });
});

describe('Hodges-Lehmann shift with the exact Mann-Whitney-inverted interval', () => {
  it('matches the interval obtained by inverting scipy.stats.mannwhitneyu(method="exact")', () => {
    // x=log([100,104,98,101,103,99]), y=log([110,113,108,115,109,112]); estimate np.median(y_j - x_i);
    // interval: the union of gaps between sorted differences where mannwhitneyu(y - delta, x, method='exact').pvalue > 0.05
    // -> 0.09669589027410064, [0.06575137756278071, 0.13226796857775103]
    const r = hodgesLehmannShift(log([100, 104, 98, 101, 103, 99]), log([110, 113, 108, 115, 109, 112]));
    close(r.estimate, 0.09669589027410064, 1e-12, 'hl1');
    close(r.ci?.low, 0.06575137756278071, 1e-12, 'hl1 low');
    close(r.ci?.high, 0.13226796857775103, 1e-12, 'hl1 high');
    assert.ok(r.ci!.coverage >= 0.95);
    // x=log([50,55,52,58,51]), y=log([53,49,60,57,54]) -> 0.03571808260207909, [-0.09015109699429713, 0.14310084364067288]
    const r2 = hodgesLehmannShift(log([50, 55, 52, 58, 51]), log([53, 49, 60, 57, 54]));
    close(r2.estimate, 0.03571808260207909, 1e-12, 'hl2');
    close(r2.ci?.low, -0.09015109699429713, 1e-12, 'hl2 low');
    close(r2.ci?.high, 0.14310084364067288, 1e-12, 'hl2 high');
  });

  it('gives no interval at n=3 (scipy: the smallest exact p is 0.1, so no shift is ever rejected)', () => {
    // np.median of log([4,5,6]) - log([1,2,3]) differences = 0.916290731874155
    const r = hodgesLehmannShift(log([1, 2, 3]), log([4, 5, 6]));
    close(r.estimate, 0.916290731874155, 1e-12);
    assert.equal(r.ci, null);
    assert.match(r.noCiReason ?? '', /too small/);
  });

  it('censored runs on both sides leave the shift unknown; on one side the bound is infinite', () => {
    assert.equal(hodgesLehmannShift([1, 2, Infinity, 3, 4], [2, 3, Infinity, 4, 5]).ci, null);
    const one = hodgesLehmannShift([1, 2, 3, 4, 5], [6, 7, 8, 9, Infinity]);
    assert.equal(one.ci?.high, Infinity);
    assert.ok(Number.isFinite(one.ci!.low));
  });
});

describe('paired per-round estimate', () => {
  const d = [0.051, 0.032, 0.078, -0.012, 0.064, 0.041, 0.089, 0.027];
  it('signed-rank p matches scipy.stats.wilcoxon(method="exact")', () => {
    // stats.wilcoxon(d, method='exact').pvalue -> 0.015625
    close(signedRankTest(d).p, 0.015625, 1e-12);
    // stats.wilcoxon([0.02,-0.01,0.03,0.05,0.04], method='exact').pvalue -> 0.125
    close(signedRankTest([0.02, -0.01, 0.03, 0.05, 0.04]).p, 0.125, 1e-12);
    close(signedRankCdf(5)[0], 1 / 32, 1e-15);
  });
  it('Walsh-average HL and the interval by inverting scipy.stats.wilcoxon', () => {
    // np.median(Walsh averages) -> 0.047; gaps where wilcoxon(d - delta, method='exact').pvalue > 0.05 -> [0.0145, 0.0765]
    const r = hodgesLehmannPaired(d);
    close(r.estimate, 0.047, 1e-12);
    close(r.ci?.low, 0.0145, 1e-12);
    close(r.ci?.high, 0.0765, 1e-12);
    // 5 rounds: the smallest two-sided p is 2/32 = 0.0625 > 0.05, so no 95% interval
    assert.equal(hodgesLehmannPaired(d.slice(0, 5)).ci, null);
  });
  it('pairs rounds by index and reports the ratio on the original scale', () => {
    const base = d.map((_, i) => ({ round: i, order: 2 * i, log: 0 }));
    const treat = d.map((v, i) => ({ round: i, order: 2 * i + 1, log: v }));
    const r = pairedEstimate(base, treat, { seed: 7 });
    assert.equal(r.rounds, 8);
    close(r.ratio, Math.exp(0.047), 1e-12);
    close(r.ci?.low, Math.exp(0.0145), 1e-12);
  });
  it('Spearman rho matches scipy.stats.spearmanr', () => {
    // stats.spearmanr([0..7], [0.1,-0.2,0.05,0.3,0.2,0.4,0.35,0.6]).statistic -> 0.880952380952381
    close(spearman([0, 1, 2, 3, 4, 5, 6, 7], [0.1, -0.2, 0.05, 0.3, 0.2, 0.4, 0.35, 0.6]), 0.880952380952381, 1e-12);
    // stats.spearmanr([1,2,3,4,5,6], [1,1,2,3,3,5]).statistic -> 0.9710083124552245
    close(spearman([1, 2, 3, 4, 5, 6], [1, 1, 2, 3, 3, 5]), 0.9710083124552245, 1e-12);
  });
  it('sees a linear drift that the paired estimate cancels', () => {
    // every run 1% slower than the one before; treat 5% faster than base within each round
    const rounds = 8;
    const base = [];
    const treat = [];
    for (let r = 0; r < rounds; r++) {
      const [ob, ot] = r % 2 === 0 ? [2 * r, 2 * r + 1] : [2 * r + 1, 2 * r];
      base.push({ round: r, order: ob, log: -0.01 * ob });
      treat.push({ round: r, order: ot, log: Math.log(1.05) - 0.01 * ot });
    }
    const p = pairedEstimate(base, treat, { seed: 3 });
    assert.equal(p.drift?.visible, true);
    assert.ok(Math.abs(p.ratio! - 1.05) < 0.01);
  });
});

describe('power floors and spending', () => {
  it('exact floors 2/C(2n, n) (math.comb)', () => {
    // 2/comb(2n, n): n=3 0.1, n=4 0.02857142857142857, n=5 0.007936507936507936, n=6 0.0021645021645021645, n=8 0.0001554001554001554
    close(exactPFloor(3, 3), 0.1, 1e-15);
    close(exactPFloor(4, 4), 0.02857142857142857, 1e-15);
    close(exactPFloor(5, 5), 0.007936507936507936, 1e-15);
    close(exactPFloor(8, 8), 0.0001554001554001554, 1e-15);
  });
  it('Holm: 7 primary metrics cannot decide at n=5, 6 can; n=3 never', () => {
    assert.equal(powerCheck(5, 5, 7).reachable, false);
    assert.equal(powerCheck(5, 5, 6).reachable, true);
    assert.equal(powerCheck(3, 3, 1).reachable, false);
    assert.equal(powerCheck(3, 3, 1).minEvenN, 4);
    assert.equal(powerCheck(4, 4, 3).minEvenN, 6);
  });
  it("normal quantile and O'Brien-Fleming spending (scipy.stats.norm)", () => {
    // norm.ppf(0.975) 1.959963984540054, norm.ppf(0.8) 0.8416212335729143, norm.ppf(0.001) -3.090232306167813
    close(normalQuantile(0.975), 1.959963984540054, 1e-9);
    close(normalQuantile(0.8), 0.8416212335729143, 1e-9);
    close(normalQuantile(0.001), -3.090232306167813, 1e-9);
    // 2 - 2*norm.cdf(norm.ppf(0.975)/sqrt(t)): t=0.5 0.005574596680784305, t=0.75 0.023625121317601305, t=1 0.05
    close(obrienFlemingSpent(0.5, 0.05), 0.005574596680784305, 1e-9);
    close(obrienFlemingSpent(0.75, 0.05), 0.023625121317601305, 1e-9);
    close(obrienFlemingSpent(1, 0.05), 0.05, 1e-12);
  });
  it('planned looks spend at most alpha in total', () => {
    const looks = plannedLooks(6, 12, 0.05);
    assert.deepEqual(
      looks.map((l) => l.n),
      [6, 8, 10, 12],
    );
    const total = looks.reduce((s, l) => s + l.alpha, 0);
    close(total, 0.05, 1e-12);
    assert.ok(looks[0].alpha < looks[3].alpha);
    // 3 primary metrics: n=6 with 0.0056 could never decide (3 x 0.00216), so its alpha moves to n=8
    const skipping = plannedLooks(6, 12, 0.05, 2, 3);
    assert.deepEqual(
      skipping.map((l) => l.n),
      [8, 10, 12],
    );
    close(
      skipping.reduce((s, l) => s + l.alpha, 0),
      0.05,
      1e-12,
    );
  });
  it('detectable effects shrink with n and are infinite where no verdict is reachable', () => {
    const s = Math.log(1.05);
    const at4 = detectableEffect(s, 4, { m: 3 });
    const at8 = detectableEffect(s, 8, { m: 3 });
    assert.equal(at4.significantPct, Infinity);
    assert.ok(at8.significantPct > 0 && at8.significantPct < 20);
    assert.ok(at8.verdictPct > at8.significantPct);
    assert.ok(detectableEffect(s, 16, { m: 3 }).significantPct < at8.significantPct);
    assert.ok(at8.nForThreshold >= 8 && Number.isFinite(at8.nForThreshold));
  });
});
