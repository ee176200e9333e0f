import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from '../stats/index.js';
import { compareExitCode, compareSummaryLine, judge, renderCompare, GATE_EXIT } from './compare-report.js';
import { syntheticResultSet } from '../results/synthetic.js';
import type { ResultSet } from '../results/schema.js';

const opts = { resamples: 2000 };

test('a significant regression beyond the threshold exits 1 and leads the output', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8, effect: 1.0 }); // ioeventfd loses its ~20% block-IO advantage
  const cmp = compareRuns(base, head, opts);
  assert.equal(compareExitCode(cmp, 5, { base, head }), GATE_EXIT.regression);
  const first = renderCompare(cmp, { thresholdPct: 5, base, head }).split('\n')[0];
  assert.match(
    first,
    /^REGRESSION: quick\/ioeventfd (put_block|rewrite|get_block) \u2212\d+\.\d% \(95% CI \u2212\d+\.\d\.\.\u2212\d+\.\d%, p\(Holm\)[=<][\d.]+\); \d+ more regression\(s\)$/,
  );
  // The interaction table says the advantage shrank.
  assert.match(renderCompare(cmp), /put_block \(Seq output block\) .* shrank \(ioeventfd advantage\)/);
  // A threshold larger than the effect lets it pass, and the line says PASS with the counts, never OK.
  assert.equal(compareExitCode(cmp, 40), GATE_EXIT.pass);
  assert.match(
    compareSummaryLine(cmp, 40),
    /^PASS: no primary metric regressed beyond 40% \(6 primary hypotheses, Holm;/,
  );
  assert.doesNotMatch(renderCompare(cmp, { thresholdPct: 40 }), /\bOK\b/);
});

test('an improvement and plain noise pass (exit 0) with a reachable verdict', () => {
  const base = syntheticResultSet({ seed: 3, n: 8 });
  const better = compareRuns(base, syntheticResultSet({ seed: 4, n: 8, effect: 1.5 }), opts);
  assert.equal(compareExitCode(better, 5), GATE_EXIT.pass);
  assert.match(compareSummaryLine(better, 5), /^PASS: .*\([1-9]\d* improved|; [1-9]\d* improved/);
  const head = syntheticResultSet({ seed: 5, n: 8 });
  const noise = compareRuns(base, head, opts);
  const g = judge(noise, { base, head, thresholdPct: 5 });
  assert.equal(g.exitCode, GATE_EXIT.pass);
  assert.equal(g.power.reachable, true);
  assert.match(g.line, /^PASS: .*0 improved/);
});

test('every head sample failed: cannot judge (exit 3), never a pass', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8 });
  for (const s of head.samples) {
    s.status = 'failed';
    s.error = 'kickvmm crashed';
  }
  const cmp = compareRuns(base, head, opts);
  const g = judge(cmp, { base, head });
  assert.equal(g.exitCode, GATE_EXIT.cannotJudge);
  assert.match(g.line, /^CANNOT JUDGE: every head sample failed/);
  // Even without the run sets, the empty comparison cannot pass.
  assert.equal(compareExitCode(cmp, 5), GATE_EXIT.cannotJudge);
});

test('no common metrics: cannot judge (exit 3)', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8 });
  for (const s of head.samples) {
    s.metrics = Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [`renamed_${k}`, v]));
  }
  const g = judge(compareRuns(base, head, opts), { base, head });
  assert.equal(g.exitCode, GATE_EXIT.cannotJudge);
  assert.match(g.line, /no primary metric is measured in both base and head/);
  assert.equal(compareExitCode([], 5), GATE_EXIT.cannotJudge);
});

test('n=3 per arm: underpowered, cannot judge even a real -20% (exit 3)', () => {
  const base = syntheticResultSet({ seed: 1, n: 3 });
  const head = syntheticResultSet({ seed: 2, n: 3, effect: 1.0 });
  const g = judge(compareRuns(base, head, opts), { base, head });
  assert.equal(g.exitCode, GATE_EXIT.cannotJudge);
  assert.match(g.line, /^CANNOT JUDGE: underpowered: n=3 per arm, smallest possible p 0\.1000 x 6 primary/);
  assert.match(g.line, /needs n >= 6 per arm/);
});

test('an incomplete or interrupted run cannot be judged unless allowed', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head: ResultSet = {
    ...syntheticResultSet({ seed: 5, n: 8 }),
    completion: { planned: 20, done: 16, state: 'interrupted' },
  };
  const cmp = compareRuns(base, head, opts);
  const g = judge(cmp, { base, head });
  assert.equal(g.exitCode, GATE_EXIT.cannotJudge);
  assert.match(g.line, /head run is interrupted: 16 of 20 planned samples ok/);
  assert.equal(judge(cmp, { base, head, allowIncomplete: true }).exitCode, GATE_EXIT.pass);
  // Too many failed samples: 3 of 8 ioeventfd and 3 of 8 exit runs failed (synthetic indices count the warm-up).
  const failing = syntheticResultSet({ seed: 6, n: 8 });
  failing.samples.filter((s) => !s.warmup && s.index >= 6).forEach((s) => (s.status = 'failed'));
  const f = judge(compareRuns(base, failing, opts), { base, head: failing });
  assert.equal(f.exitCode, GATE_EXIT.cannotJudge);
  assert.match(f.line, /too many failed samples in head: 6 of 16 \(more than 25%\)/);
});

test('secondary metrics are reported but never gate', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 5, n: 8 });
  // Head's VM wall time doubles: a big secondary "regression".
  for (const s of head.samples) s.metrics.wall_seconds.value! *= 2;
  const cmp = compareRuns(base, head, opts);
  const wall = cmp.groups[0].metrics.find((m) => m.metric === 'wall_seconds')!;
  assert.equal(wall.role, 'secondary');
  assert.equal(wall.verdict, 'regressed');
  assert.equal(compareExitCode(cmp, 5, { base, head }), GATE_EXIT.pass);
  assert.match(renderCompare(cmp), /regressed \(not gated\)/);
});

test('compare in markdown carries the verdict words, raw and Holm p, and a nested warning', () => {
  const base = syntheticResultSet({ seed: 1, n: 6, where: 'nested' });
  const head = syntheticResultSet({ seed: 2, n: 6, where: 'nested', effect: 1.0 });
  const md = renderCompare(compareRuns(base, head, opts), { format: 'md' });
  assert.match(md, /^\*\*REGRESSION: /);
  assert.match(md, /\| regressed \|$/m);
  assert.match(md, /\| p raw \| p Holm \|/);
  assert.match(md, /power check: gate: n=6 per arm/);
  assert.match(md, /nested-rig timings: correctness and direction only/);
});

test("the run's recorded --seed seeds the resampling: same seed, same interval; another seed, another", () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8 });
  const ci = (seed: number) => {
    base.seed = seed;
    return compareRuns(base, head, opts).interactions.find((i) => i.metric === 'put_block')?.ci;
  };
  assert.ok(ci(7));
  assert.deepEqual(ci(7), ci(7));
  assert.notDeepEqual(ci(7), ci(8));
});
