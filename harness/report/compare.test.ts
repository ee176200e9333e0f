import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from '../stats/index.js';
import { compareExitCode, compareSummaryLine, renderCompare } from './compare-report.js';
import { syntheticResultSet } from '../results/synthetic.js';

const opts = { resamples: 2000 };

test('a significant regression beyond the threshold exits 1 and leads the output', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8, effect: 1.0 }); // ioeventfd loses its ~20% block-IO advantage
  const cmp = compareRuns(base, head, opts);
  assert.equal(compareExitCode(cmp, 5), 1);
  const first = renderCompare(cmp, { thresholdPct: 5 }).split('\n')[0];
  assert.match(
    first,
    new RegExp(
      '^REGRESSION: quick/ioeventfd (put_block|rewrite|get_block) \u2212\\d+\\.\\d% ' +
        '\\(95% CI \u2212\\d+\\.\\d\\.\\.\u2212\\d+\\.\\d%, p[=<][\\d.]+\\); \\d+ more regression\\(s\\)$',
    ),
  );
  // The interaction table says the advantage shrank.
  assert.match(renderCompare(cmp), /put_block \(Seq output block\) .* shrank \(ioeventfd advantage\)/);
  // A threshold larger than the effect lets it pass.
  assert.equal(compareExitCode(cmp, 40), 0);
  assert.match(compareSummaryLine(cmp, 40), /^OK: no significant regression beyond 40%/);
});

test('an improvement and plain noise exit 0', () => {
  const base = syntheticResultSet({ seed: 3, n: 8 });
  const better = compareRuns(base, syntheticResultSet({ seed: 4, n: 8, effect: 1.5 }), opts);
  assert.equal(compareExitCode(better, 5), 0);
  assert.match(
    compareSummaryLine(better, 5),
    /^OK: no significant regression beyond 5% \([1-9]\d* improved.*; best: quick\/ioeventfd/,
  );
  const noise = compareRuns(base, syntheticResultSet({ seed: 5, n: 8 }), opts);
  assert.equal(compareExitCode(noise, 5), 0);
  assert.match(compareSummaryLine(noise, 5), /^OK: .*\(0 improved/);
});

test('compareExitCode works on a bare list and rejects a bad threshold', () => {
  const base = syntheticResultSet({ seed: 1, n: 8 });
  const head = syntheticResultSet({ seed: 2, n: 8, effect: 1.0 });
  const cmp = compareRuns(base, head, opts);
  assert.equal(
    compareExitCode(
      cmp.groups.flatMap((g) => g.metrics),
      5,
    ),
    1,
  );
  assert.equal(compareExitCode([], 5), 0);
  assert.throws(() => compareExitCode(cmp, -1), /non-negative/);
});

test('compare in markdown carries the verdict words and a nested warning', () => {
  const base = syntheticResultSet({ seed: 1, n: 6, where: 'nested' });
  const head = syntheticResultSet({ seed: 2, n: 6, where: 'nested', effect: 1.0 });
  const md = renderCompare(compareRuns(base, head, opts), { format: 'md' });
  assert.match(md, /^\*\*REGRESSION: /);
  assert.match(md, /\| regressed \|$/m);
  assert.match(md, /nested-rig timings: correctness and direction only/);
});
