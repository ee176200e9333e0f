// analyze() and compareRuns() on small hand-built run sets (test fixtures,
// not measurements: every value is chosen here).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { MetricSample, ResultSet, Sample } from '../results/schema.js';
import { analyze, compareRuns } from './index.js';
import type { MetricComparison, ScenarioAnalysis } from './index.js';

type Value = number | 'too_fast' | 'not_run';

function metricSample(v: Value, unit = 'KiB/s'): MetricSample {
  if (typeof v === 'number') return { value: v, status: 'ok', unit, cpu: 50, latency_us: 1000 };
  return { value: null, status: v, unit, cpu: null, latency_us: 1000 };
}

class Fixture {
  samples: Sample[] = [];
  add(arm: string, metrics: Record<string, Value>, extra: Partial<Sample> = {}): this {
    const index = this.samples.filter((s) => s.arm === arm && s.scenario === (extra.scenario ?? 'quick')).length;
    this.samples.push({
      id: `quick/${arm}/${index}`,
      scenario: 'quick',
      vmm: 'kickvmm',
      mode: arm === 'ioeventfd' ? 'ioeventfd' : 'exit',
      arm,
      index,
      order: this.samples.length,
      warmup: false,
      where: 'hardware',
      host: 'fixture',
      status: 'ok',
      startedAt: '2026-01-01T00:00:00Z',
      wallSeconds: 30,
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [k, metricSample(v, k === 'seeks' ? '/s' : 'KiB/s')]),
      ),
      logs: {},
      ...extra,
    });
    return this;
  }
  set(aa = false): ResultSet {
    return {
      schema: 'kickbench/results',
      version: 1,
      createdAt: '2026-01-01T00:00:00Z',
      tool: { name: 'kickbench', version: 'test' },
      order: 'abba',
      aa,
      scenarios: [{ name: 'quick', definition: {} }],
      hosts: {},
      samples: this.samples,
    };
  }
}

/** Small deterministic spread around a centre: ±0.4%. */
const SPREAD = [0.996, 1.002, 0.999, 1.004, 0.998, 1.001, 0.997, 1.003];

function exitVsIoeventfd(effect: Record<string, number>): Fixture {
  const f = new Fixture();
  for (let i = 0; i < 8; i++) {
    // interleave the arms (ABBA), as the runner does
    const arms = i % 2 === 0 ? ['exit', 'ioeventfd'] : ['ioeventfd', 'exit'];
    for (const arm of arms) {
      const e = (k: string) =>
        (arm === 'ioeventfd' ? (effect[k] ?? 1) : 1) * SPREAD[(i + (arm === 'exit' ? 0 : 3)) % 8];
      f.add(arm, {
        put_block: 381000 * e('put_block'),
        rewrite: 270000 * e('rewrite'),
        seeks: 'too_fast',
        getc: 'not_run',
      });
    }
  }
  return f;
}

function metric(g: ScenarioAnalysis, name: string): MetricComparison {
  const m = g.metrics.find((x) => x.metric === name);
  assert.ok(m, `metric ${name} missing`);
  return m;
}

describe('analyze', () => {
  it('exit vs ioeventfd: improved, no change, and unmeasured metrics', () => {
    const f = exitVsIoeventfd({ put_block: 1.2 });
    // a warm-up and a failed sample that must not count
    f.add('ioeventfd', { put_block: 1, rewrite: 1 }, { warmup: true });
    f.add('exit', { put_block: 1e9, rewrite: 1e9 }, { status: 'failed', error: 'guest panicked' });
    const a = analyze(f.set());
    assert.equal(a.baselineArm, 'exit');
    assert.equal(a.treatmentArm, 'ioeventfd');
    assert.equal(a.aa, false);
    assert.deepEqual(a.noiseFloor, []);
    assert.equal(a.scenarios.length, 1);
    const g = a.scenarios[0];
    assert.deepEqual(g.where, ['hardware']);
    // bonnie++'s column order
    assert.deepEqual(
      g.metrics.map((m) => m.metric),
      ['put_block', 'rewrite', 'getc', 'seeks'],
    );

    const pb = metric(g, 'put_block');
    assert.equal(pb.status, 'ok');
    assert.equal(pb.base.n, 8);
    assert.equal(pb.treat.n, 8);
    assert.equal(pb.base.values.length, 8);
    // the exit arm holds 381000 × every SPREAD factor: median (0.999 + 1.001) / 2 = 1
    close(pb.base.median, 381000, 1e-6);
    close(pb.base.min, 381000 * 0.996, 1e-6);
    close(pb.base.max, 381000 * 1.004, 1e-6);
    close(pb.ratio, 1.2, 0.002);
    close(pb.changePct, 20, 0.2);
    assert.ok(pb.ci && pb.ci.low > 1.05 && pb.ci.high < 1.3);
    // complete separation at 8 vs 8: exact p = 2 / C(16, 8)
    close(pb.p, 2 / 12870, 1e-15);
    assert.equal(pb.pMethod, 'exact');
    // Holm over the two measured metrics: the smallest p is doubled
    close(pb.pAdjusted, 4 / 12870, 1e-15);
    assert.equal(pb.verdict, 'improved');
    assert.equal(pb.direction, 'higher');
    assert.equal(pb.unit, 'KiB/s');

    const rw = metric(g, 'rewrite');
    assert.equal(rw.verdict, 'no change');
    assert.ok(rw.ci && rw.ci.low >= 0.95 && rw.ci.high <= 1.05);

    const seeks = metric(g, 'seeks');
    assert.equal(seeks.status, 'too_fast');
    assert.equal(seeks.verdict, null);
    assert.equal(seeks.ratio, null);
    assert.equal(seeks.p, null);
    assert.deepEqual(seeks.base.statusCounts, { ok: 0, too_fast: 8, not_run: 0 });
    assert.equal(metric(g, 'getc').status, 'not_run');

    // Counts are over the primary hypotheses; with no declared list (an old results file) those are the
    // measured metrics of the primary family, so seeks (+++++ everywhere) and getc (not run) are not among them.
    assert.deepEqual(a.counts, { improved: 1, regressed: 0, 'no change': 1, inconclusive: 0, unmeasured: 0 });
    assert.deepEqual(g.primary, ['put_block', 'rewrite']);
  });

  it("uses the scenario's declared primary list: Holm over it only, the rest secondary", () => {
    const rs = exitVsIoeventfd({ put_block: 1.2, rewrite: 1.2 }).set();
    rs.scenarios[0].definition = { primary: ['put_block'] };
    const g = analyze(rs).scenarios[0];
    assert.equal(metric(g, 'put_block').role, 'primary');
    assert.equal(metric(g, 'rewrite').role, 'secondary');
    // a family of one: Holm leaves the exact p alone
    close(metric(g, 'put_block').pAdjusted, 2 / 12870, 1e-15);
    assert.equal(g.power.m, 1);
    assert.equal(g.power.reachable, true);
  });

  it('counts +++++ runs as faster than every measured run: in n, in ranks and in the median', () => {
    const f = new Fixture();
    // exit: 6 measured seeks; ioeventfd: 4 measured (all above exit's) and 2 too fast to measure
    for (let i = 0; i < 6; i++) {
      f.add('exit', { seeks: 1000 + 10 * i }, { index: i, order: 2 * i });
      f.add('ioeventfd', { seeks: i < 4 ? 1200 + 10 * i : 'too_fast' }, { index: i, order: 2 * i + 1 });
    }
    const rs = f.set();
    rs.scenarios[0].definition = { primary: ['seeks'] };
    const m = metric(analyze(rs).scenarios[0], 'seeks');
    assert.equal(m.status, 'ok');
    assert.equal(m.treat.n, 6);
    assert.equal(m.treat.censored, 2);
    assert.equal(m.treat.values.length, 4);
    // complete separation with all 6 + 6 runs: p = 2 / C(12, 6), which dropping the +++++ runs would not give
    close(m.p, 2 / 924, 1e-15);
    // median of 1200, 1210, 1220, 1230, +inf, +inf: the middle pair is 1220 and 1230
    close(m.treat.median, 1225, 1e-9);
    assert.equal(m.verdict, 'improved');
    assert.equal(m.ci?.high, Infinity);
  });

  it('gives a per-round paired estimate beside the independent one', () => {
    const a = analyze(exitVsIoeventfd({ put_block: 1.2 }).set());
    const pb = metric(a.scenarios[0], 'put_block');
    assert.equal(pb.paired?.rounds, 8);
    assert.ok(pb.paired?.ratio && Math.abs(pb.paired.ratio - 1.2) < 0.01);
    assert.ok(pb.paired?.ci && pb.paired.ci.low > 1.15);
  });

  it('is reproducible for a seed', () => {
    const rs = exitVsIoeventfd({ put_block: 1.2 }).set();
    assert.deepEqual(analyze(rs, { seed: 9 }), analyze(rs, { seed: 9 }));
  });

  it("a single run a side (kvmtool's 2011 method) shows the change but no verdict", () => {
    const f = new Fixture()
      .add('exit', { put_block: 381127, rewrite: 269712, get_block: 717109 })
      .add('ioeventfd', { put_block: 459779, rewrite: 350689, get_block: 860395 });
    const g = analyze(f.set()).scenarios[0];
    assert.equal(metric(g, 'put_block').changePct?.toFixed(1), '20.6');
    assert.equal(metric(g, 'rewrite').changePct?.toFixed(1), '30.0');
    assert.equal(metric(g, 'get_block').changePct?.toFixed(1), '20.0');
    for (const m of g.metrics) {
      assert.equal(m.verdict, 'inconclusive');
      assert.equal(m.ci, null);
    }
  });

  it('a lower-is-better metric that drops is an improvement', () => {
    const f = new Fixture();
    for (let i = 0; i < 8; i++) {
      f.add('exit', { io_exits_per_mib: 256 * SPREAD[i] });
      f.add('ioeventfd', { io_exits_per_mib: 128 * SPREAD[(i + 2) % 8] });
    }
    const m = metric(analyze(f.set()).scenarios[0], 'io_exits_per_mib');
    assert.equal(m.direction, 'lower');
    assert.equal(m.verdict, 'improved');
  });

  it('A/A run: arms A and B by default, noise floor per metric', () => {
    const f = new Fixture();
    for (let i = 0; i < 8; i++) {
      f.add('A', { put_block: 381000 * SPREAD[i] }, { mode: 'ioeventfd' });
      f.add('B', { put_block: 381000 * SPREAD[(i + 5) % 8] }, { mode: 'ioeventfd' });
    }
    const a = analyze(f.set(true));
    assert.equal(a.aa, true);
    assert.equal(a.baselineArm, 'A');
    assert.equal(a.treatmentArm, 'B');
    assert.equal(a.noiseFloor.length, 1);
    const nf = a.noiseFloor[0];
    assert.equal(nf.metric, 'put_block');
    const m = metric(a.scenarios[0], 'put_block');
    // The detectable effect is the one found with 80% power at this noise, not the CI half-width.
    assert.ok(nf.sigmaLog !== null && nf.sigmaLog > 0);
    assert.ok(nf.minDetectableEffectPct !== null && nf.minDetectableEffectPct > 0 && nf.minDetectableEffectPct < 2);
    assert.ok(nf.verdictEffectPct! > nf.minDetectableEffectPct! + 4.9, 'a verdict also needs the CI beyond 5%');
    assert.equal(nf.nForThreshold, 4, 'at this tiny noise the exact floor, not the noise, sets n');
    assert.equal(nf.falseAlarm, false);
    assert.equal(m.verdict, 'no change');
  });

  it('names the missing arm', () => {
    const f = new Fixture().add('exit', { put_block: 1 }).add('exit', { put_block: 2 });
    assert.throws(() => analyze(f.set()), /analyze: no samples for arm 'ioeventfd' \(arms present: exit\)/);
    assert.throws(() => analyze(f.set(), { baselineArm: 'exit', treatmentArm: 'exit' }), /both 'exit'/);
  });
});

describe('compareRuns', () => {
  it('flags a head commit that slows only the ioeventfd path, and the interaction', () => {
    const base = exitVsIoeventfd({ put_block: 1.2 }).set();
    const head = exitVsIoeventfd({ put_block: 1.2 * 0.8 }).set();
    const c = compareRuns(base, head);
    assert.deepEqual(
      c.groups.map((g) => `${g.scenario}/${g.arm}`),
      ['quick/exit', 'quick/ioeventfd'],
    );
    const exit = c.groups[0];
    const ioe = c.groups[1];
    assert.equal(exit.baseLabel, 'base');
    assert.equal(exit.treatLabel, 'head');
    assert.equal(metric(exit, 'put_block').verdict, 'no change');
    const slowed = metric(ioe, 'put_block');
    assert.equal(slowed.verdict, 'regressed');
    close(slowed.changePct, -20, 0.3);
    assert.deepEqual(
      c.regressions.map((m) => `${m.arm}/${m.metric}`),
      ['ioeventfd/put_block'],
    );

    const inter = c.interactions.find((x) => x.metric === 'put_block');
    assert.ok(inter);
    close(inter.baseRatio, 1.2, 0.003);
    close(inter.headRatio, 0.96, 0.003);
    close(inter.ratioOfRatios, 0.8, 0.003);
    assert.equal(inter.change, 'decreased');
    assert.equal(inter.advantage, 'shrank');
    const same = c.interactions.find((x) => x.metric === 'rewrite');
    assert.equal(same?.change, 'no change');
    // too_fast metrics are listed with no ratio
    assert.equal(c.interactions.find((x) => x.metric === 'seeks')?.ratioOfRatios, null);
  });

  it('the same run set against itself regresses nothing', () => {
    const rs = exitVsIoeventfd({ put_block: 1.2 }).set();
    const c = compareRuns(rs, rs);
    assert.deepEqual(c.regressions, []);
    assert.equal(c.counts.regressed + c.counts.improved, 0);
  });
});

function close(actual: number | null | undefined, expected: number, tol: number): void {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tol,
    `expected ${expected} ± ${tol}, got ${actual}`,
  );
}
