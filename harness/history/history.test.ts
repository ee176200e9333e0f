import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticResultSet } from '../results/synthetic.js';
import { writeResultsAtomic } from '../results/io.js';
import type { ResultSet } from '../results/schema.js';
import { History, HistoryError } from './store.js';
import { trends } from './trend.js';
import { renderHistoryHtml, renderHistoryText } from './render.js';
import { historyBaseline } from './baseline.js';
import { repoRoot } from '../paths.js';

const cli = join(repoRoot(), 'dist/harness/cli.js');

/** A synthetic run (seeded PRNG, not a measurement) made at `day` from `commit`. */
function run(seed: number, commit: string, day: number, opts: { host?: string; effect?: number } = {}): ResultSet {
  const rs = syntheticResultSet({ seed, n: 4, probe: true, effect: opts.effect, host: opts.host });
  rs.createdAt = new Date(Date.UTC(2026, 0, day)).toISOString();
  for (const h of Object.values(rs.hosts)) h.gitCommit = commit;
  return rs;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'kickbench-history-'));
}

test('add records every measured sample per commit; show gives medians and the mode ratio with CIs', () => {
  const dir = tmp();
  try {
    const h = History.open(join(dir, 'h.sqlite'), { create: true });
    h.add(run(1, 'a'.repeat(40), 1), 'r1');
    h.add(run(2, 'a'.repeat(40), 2), 'r2');
    h.add(run(3, 'b'.repeat(40), 3, { effect: 1.5 }), 'r3');
    assert.equal(h.runs().length, 3);
    const rows = h.metricRows({ metric: 'put_block' });
    assert.equal(rows.length, 3 * 2 * 4, 'three runs x two arms x four measured samples');
    const groups = trends(rows);
    assert.equal(groups.length, 1);
    const [a, b] = groups[0].points;
    assert.deepEqual([a.commit, a.runs, a.n.exit, b.commit, b.runs], ['a'.repeat(40), 2, 8, 'b'.repeat(40), 1]);
    assert.ok(a.ratio && b.ratio && a.ratio.low !== null && b.ratio.high !== null);
    assert.ok(b.ratio.value > a.ratio.value, 'the 1.5x ioeventfd effect shows in the ratio');
    const text = renderHistoryText(groups, 'put_block');
    assert.match(text, /put_block: quick on synthetic-fixture \(hardware\)/);
    assert.match(text, /aaaaaaaaaaaa\s+2\s/);
    assert.match(text, /\|[ =]*\*[ =]*\|/);
    const html = renderHistoryHtml(groups, 'put_block');
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.equal((html.match(/<circle class="point"/g) ?? []).length, 2 * 2 + 2);
    h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a duplicate run or one from another host is refused in one line, and nothing is written', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'h.sqlite');
    const h = History.open(file, { create: true });
    const r1 = run(1, 'c'.repeat(40), 1);
    h.add(r1, 'first.json');
    const before = h.metricRows({ metric: 'put_block' }).length;
    assert.throws(
      () => h.add(structuredClone(r1), 'again.json'),
      (e: Error) =>
        e instanceof HistoryError &&
        /^again\.json: already recorded as run 1 \(from first\.json/.test(e.message) &&
        !e.message.includes('\n'),
    );
    assert.throws(
      () => h.add(run(5, 'd'.repeat(40), 5, { host: 'other' }), 'other.json', { expectHost: 'synthetic-fixture' }),
      /^HistoryError: other\.json: ran on other, not on synthetic-fixture/,
    );
    assert.equal(h.runs().length, 1);
    assert.equal(h.metricRows({ metric: 'put_block' }).length, before);
    h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or foreign file is refused in one line and left untouched', () => {
  const dir = tmp();
  try {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a database\n'.repeat(100));
    assert.throws(
      () => History.open(junk, { create: true }),
      /junk\.sqlite: not a kickbench history database \(not SQLite/,
    );
    assert.equal(readFileSync(junk, 'utf8'), 'this is not a database\n'.repeat(100));

    // A real history with its pages overwritten past the header.
    const file = join(dir, 'h.sqlite');
    const h = History.open(file, { create: true });
    h.add(run(1, 'e'.repeat(40), 1), 'r1');
    h.close();
    for (const f of ['-wal', '-shm']) rmSync(file + f, { force: true });
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 100, bytes.length);
    writeFileSync(file, bytes);
    assert.throws(
      () => History.open(file),
      (e: Error) =>
        e instanceof HistoryError &&
        /h\.sqlite: not a usable kickbench history database/.test(e.message) &&
        !e.message.includes('\n'),
    );
    assert.deepEqual(readFileSync(file), bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('against history: the last N runs of the same scenario, host and place form the baseline', () => {
  const dir = tmp();
  try {
    const h = History.open(join(dir, 'h.sqlite'), { create: true });
    for (let day = 1; day <= 4; day++) h.add(run(day, `${day}`.repeat(40), day), `r${day}`);
    h.add(run(9, 'f'.repeat(40), 9, { host: 'elsewhere' }), 'other host');
    const now = run(20, 'g'.repeat(40), 20);
    const b = historyBaseline(h, now, 2, 'now.json');
    assert.deepEqual(b.runIds, [4, 3], 'the newest two of this host, not the other host');
    assert.ok(b.rs.samples.every((s) => s.id.startsWith('history')));
    assert.throws(
      () => historyBaseline(h, run(21, 'h'.repeat(40), 21, { host: 'new-host' }), 2, 'x.json'),
      /no earlier run of quick on new-host/,
    );
    h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: history add / show / duplicate, and compare --against-history says it was not interleaved', () => {
  const dir = tmp();
  try {
    const db = join(dir, 'h.sqlite');
    const kb = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    for (let day = 1; day <= 3; day++) {
      writeResultsAtomic(join(dir, `r${day}.json`), run(day, `${day}`.repeat(40), day));
      const r = kb('history', 'add', join(dir, `r${day}.json`), '--db', db);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`recorded .* as run ${day} `));
    }
    const dup = kb('history', 'add', join(dir, 'r1.json'), '--db', db);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /^kickbench: .*r1\.json: already recorded as run 1 .*\n$/);
    const html = join(dir, 'trend.html');
    const show = kb('history', 'show', '--db', db, '--metric', 'doorbell_ns_per_kick', '--html', html);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /doorbell_ns_per_kick: doorbell on synthetic-fixture/);
    assert.match(readFileSync(html, 'utf8'), /<svg /);
    writeResultsAtomic(join(dir, 'now.json'), run(30, 'z'.repeat(40), 30));
    const cmp = kb('compare', join(dir, 'now.json'), '--against-history', '--last', '2', '--db', db);
    assert.match(
      cmp.stdout,
      /^note: baseline: recorded runs from the history, NOT interleaved with this run.*\(recorded runs 3, 2\)/,
    );
    assert.ok([0, 1, 3].includes(cmp.status ?? -1), cmp.stderr);
    const empty = kb('compare', join(dir, 'now.json'), '--against-history', '--db', join(dir, 'none.sqlite'));
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /none\.sqlite: no history yet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
