// Reports with three arms (exit, ioeventfd, inline) from SYNTHETIC results
// (seeded PRNG, harness/results/synthetic.ts; not measurements), and an old
// results file (arm semantics 1) that must still report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticResultSet } from '../results/synthetic.js';
import { readResults } from '../results/io.js';
import { repoRoot } from '../paths.js';
import { buildReportModel } from './model.js';
import { renderText } from './text.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';
import { renderCsv } from './csv.js';
import { renderReport } from './index.js';

/** Rows of a CSV without quoted cells (asserted), keyed by the header. */
function parse(csv: string, _opts: { columns: true }): Record<string, string>[] {
  assert.ok(!csv.includes('"'), 'no quoted cells in this fixture');
  const [header, ...lines] = csv.trimEnd().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

const THREE = ['exit', 'ioeventfd', 'inline'] as const;
const threeArms = () => syntheticResultSet({ seed: 81, n: 6, probe: true, arms: [...THREE] });
const oldFile = () => readResults(join(repoRoot(), 'harness/results/fixtures/results-arm-semantics-1.json'));

test('report model: one comparison per non-baseline arm, each against exit', () => {
  const model = buildReportModel(threeArms(), { resamples: 500 });
  assert.equal(model.armSemantics, 2);
  const [host] = model.hosts;
  assert.equal(host.analyses.length, 2);
  for (const sec of host.scenarios) {
    assert.deepEqual(
      sec.arms.map((a) => a.arm),
      [...THREE],
    );
    assert.deepEqual(
      sec.comparisons.map((c) => `${c.treatmentArm} vs ${c.baselineArm}`),
      ['ioeventfd vs exit', 'inline vs exit'],
    );
    for (const cmp of sec.comparisons) {
      assert.ok(cmp.rows.length > 0, `${sec.scenario}: ${cmp.treatmentArm} has compared metrics`);
      for (const m of cmp.rows) {
        assert.equal(m.base.label, 'exit');
        assert.equal(m.treat.label, cmp.treatmentArm);
      }
    }
    assert.equal(sec.problem, null);
  }
  const quick = host.scenarios.find((s) => s.scenario === 'quick')!;
  const putBlock = (arm: string) =>
    quick.comparisons.find((c) => c.treatmentArm === arm)!.rows.find((m) => m.metric === 'put_block')!;
  // The fixture's centres: ioeventfd 1.2x exit, inline 0.8x exit.
  assert.equal(putBlock('ioeventfd').verdict, 'improved');
  assert.equal(putBlock('inline').verdict, 'regressed');
});

test('text, Markdown and HTML: one bonnie++ table per arm and one comparison block per arm', async () => {
  const rs = threeArms();
  const text = renderText(rs, { resamples: 500 });
  for (const arm of THREE) assert.match(text, new RegExp(`^${arm}-med +768M `, 'm'), `${arm} bonnie++ table`);
  assert.match(text, /^inline: bonnie\+\+ 1\.96-style table; every cell is the median of 6 run\(s\)/m);
  assert.match(text, /^ioeventfd vs exit \(before = exit, after = ioeventfd\):$/m);
  assert.match(text, /^inline vs exit \(before = exit, after = inline\):$/m);
  assert.match(text, /^metric +role +unit +exit median +inline median +change /m);
  assert.match(text, /^ {2}inline: notify exits to userspace, the vCPU thread services the queue/m);
  assert.match(text, /^ {2}before = exit: notify exits to userspace, the I\/O thread services the queue/m);
  assert.match(text, /^VMM counter \(median per run\) +exit \(n=6\) +ioeventfd \(n=6\) +inline \(n=6\)$/m);
  assert.match(text, /Holm within each comparison, not across arms/);

  const md = renderMarkdown(rs, { resamples: 500 });
  assert.match(md, /^## kickbench: exit vs ioeventfd vs inline kick paths$/m);
  assert.match(md, /^\*\*inline vs exit\*\* \(before = exit, after = inline\)$/m);
  assert.match(md, /^\| metric \| role \| unit \| exit median \| inline median \|/m);
  assert.equal((md.match(/^```text\nVersion {2}1\.96 /gm) ?? []).length, 3, 'three bonnie++ tables');

  const html = await renderHtml(rs, { resamples: 500 });
  assert.match(html, /<h1>kickbench: exit vs ioeventfd vs inline kick paths<\/h1>/);
  for (const arm of ['ioeventfd', 'inline'])
    assert.equal((html.match(new RegExp(`class="delta scroll" data-arm="${arm}"`, 'g')) ?? []).length, 2, arm);
  assert.equal((html.match(/<pre class="bonnie">/g) ?? []).length, 3);
  // Every chart shows all three arms' comparisons in its caption.
  assert.match(
    html,
    /<figcaption>quick: put_block, ioeventfd vs exit: improved; inline vs exit: regressed<\/figcaption>/,
  );
});

test('serviced-on counts and the fixed exits appear as explanatory rows, apart from the per-MiB figure', () => {
  const text = renderText(threeArms(), { resamples: 500 });
  const row = (label: string) => {
    const line = text.split('\n').find((l) => l.startsWith(label));
    assert.ok(line, `row ${label}`);
    return line
      .slice(label.length)
      .trim()
      .split(/ {2,}/)
      .map((c) => Number(c.replace(/,/g, '')));
  };
  const [exitVcpu, ioeVcpu, inlineVcpu] = row('requests serviced on the vCPU thread');
  assert.deepEqual([exitVcpu, ioeVcpu], [0, 0]);
  assert.ok(inlineVcpu > 0);
  const [exitIo, , inlineIo] = row('requests serviced on the I/O thread');
  assert.ok(exitIo > 0);
  assert.equal(inlineIo, 0);
  assert.ok(row("boot's fixed io exits: console (0x3f8-0x3ff)").every((v) => v > 0));
  assert.ok(row("boot's fixed io exits: PCI config (0xcf8-0xcff)").every((v) => v > 0));
  // The per-MiB exit figure counts the I/O path only: ioeventfd's is 0 (no notify exits, no boot noise).
  assert.equal(row('io exits per MiB (I/O path)')[1], 0);
  assert.ok(!text.includes('io exits per MiB (all ports'), 'new stats never show the all-port figure');
  assert.match(text, /^io_path_exits_per_mib \(io exits per MiB moved, I\/O path only\)/m);
});

test('CSV: long format with arm and arm_semantics columns, rows for all three arms', () => {
  const rs = threeArms();
  const rows = parse(renderCsv(rs), { columns: true });
  assert.deepEqual([...new Set(rows.map((r) => r.arm))].sort(), ['exit', 'inline', 'ioeventfd']);
  assert.ok(rows.every((r) => r.arm_semantics === '2'));
  const expected = rs.samples.reduce((n, s) => n + Math.max(1, Object.keys(s.metrics).length), 0);
  assert.equal(rows.length, expected);
});

test('PNG charts with three arms: one per compared metric plus counters', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-arms-png-'));
  try {
    const rs = threeArms();
    const written = await renderReport(rs, { format: 'png', outDir: dir, resamples: 300 });
    const files = readdirSync(dir);
    assert.equal(written.trim().split('\n').length, files.length);
    assert.ok(files.includes('quick-put_block.png'));
    assert.ok(files.includes('doorbell-counters.png'));
    assert.ok(!files.some((f) => /inline|ioeventfd/.test(f)), 'one chart per metric, not per arm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an old results file (arm semantics 1) still reports, and says what its exit arm was', async () => {
  const rs = oldFile();
  assert.equal(rs.armSemantics, undefined);
  const text = renderText(rs, { resamples: 500 });
  assert.match(
    text,
    /^arm semantics +1 \(written before arm semantics were recorded\): exit serviced requests on the vCPU thread/m,
  );
  assert.match(text, /before = exit: notify exits to userspace, the vCPU thread services the queue \(arm semantics 1/);
  assert.match(text, /^ioeventfd vs exit \(before = exit, after = ioeventfd\):$/m);
  assert.match(text, /^put_block \(Seq output block\) .* improved$/m);
  // No per-port counts: the old all-port figure, labelled as such; no fixed-exit rows.
  assert.match(text, /^io exits per MiB \(all ports: old stats, includes boot console\) /m);
  assert.match(text, /^io_exits_per_mib \(io exits per MiB moved, all ports \(old stats: includes boot console\)\)/m);
  assert.ok(!text.includes("boot's fixed io exits"));
  assert.ok(!text.includes('requests serviced on'));
  const csv = parse(renderCsv(rs), { columns: true });
  assert.ok(csv.every((r) => r.arm_semantics === '1'));
  assert.match(renderMarkdown(rs, { resamples: 300 }), /^## kickbench: exit vs ioeventfd kick paths$/m);
  assert.match(await renderHtml(rs, { resamples: 300 }), /ioeventfd vs exit/);
});

test('a scenario without the baseline arm says so instead of comparing', () => {
  const rs = syntheticResultSet({ seed: 82, n: 4, arms: ['ioeventfd', 'inline'] });
  const sec = buildReportModel(rs, { resamples: 200 }).hosts[0].scenarios[0];
  assert.deepEqual(sec.comparisons, []);
  assert.match(sec.problem ?? '', /no exit samples: every arm is compared against the baseline arm exit/);
  assert.match(renderText(rs, { resamples: 200 }), /^no comparison: no exit samples/m);
});
