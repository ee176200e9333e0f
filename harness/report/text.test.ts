import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { renderText } from './text.js';
import { renderReport } from './index.js';
import { renderMarkdown } from './markdown.js';
import { syntheticResultSet } from '../results/synthetic.js';
import { mergeResults } from '../results/merge.js';

const NESTED = 'nested-rig timings: correctness and direction only, not hardware performance';

test('text report: bonnie tables, delta rows with verdicts, counters, nested warning, no colour', () => {
  const rs = syntheticResultSet({ seed: 21, n: 8, probe: true, where: 'nested' });
  const out = renderText(rs);
  assert.ok(out.includes(NESTED));
  assert.ok(!out.includes('\x1b['), 'no escape codes without colour');
  assert.match(out, /before = exit: bonnie\+\+ 1\.96-style table; every cell is the median of 8 run\(s\)/);
  assert.match(out, /after = ioeventfd: bonnie\+\+ 1\.96-style table/);
  assert.match(out, /^exit-med +768M /m);
  assert.match(
    out,
    /^metric +role +unit +exit median +ioeventfd median +change \(HL\) +95% CI of ratio +paired per round +p raw +p Holm +verdict$/m,
  );
  // The block-write row: a big, clear effect in the fixture; primary, with the paired estimate beside it.
  assert.match(
    out,
    /^put_block \(Seq output block\) +primary +KiB\/s +[\d,]+ \(n=8\) +[\d,]+ \(n=8\) +\+\d+\.\d% +\d\.\d+\.\.\d\.\d+ +\+\d+\.\d% \[\+\d+\.\d\.\.\+\d+\.\d%\] +[<\d.]+ +[<\d.]+ +improved$/m,
  );
  // Secondary metrics are shown and marked, and the power check of the primary family is printed.
  assert.match(out, /^wall_seconds .* secondary .*\(secondary\)$/m);
  assert.match(out, /power check: 3 primary \(put_block, rewrite, get_block\): n=8 per arm, .*a verdict is reachable/);
  // The probe-guest scenario gets a plain metric table.
  assert.match(out, /^doorbell_ns_per_kick \(Doorbell cost per kick\) +primary +ns .* improved$/m);
  assert.match(out, /^kicks per MiB +[\d.]+ +[\d.]+$/m);
  assert.match(out, /^I\/O-thread CPU seconds /m);
  assert.match(out, /not measured: seeks, seq_create/);
});

test('text report on hardware carries no warning; colour only when asked', () => {
  const rs = syntheticResultSet({ seed: 22, n: 6, where: 'hardware' });
  const plain = renderText(rs);
  assert.ok(!plain.includes('!!!'));
  assert.ok(!plain.includes('not hardware performance'));
  const coloured = renderText(rs, { color: true });
  assert.ok(coloured.includes('\x1b[32m'), 'improved verdicts are green');
  assert.equal(stripVTControlCharacters(coloured), plain, 'colour changes nothing but colour');
});

test('emulating KVM gets its own loud note', () => {
  const out = renderText(syntheticResultSet({ seed: 23, n: 4, where: 'emulating' }));
  assert.match(out, /!!! EMULATING KVM: .*not hardware performance/);
});

test('markdown report: tables, verdict words, nested warning', () => {
  const rs = syntheticResultSet({ seed: 21, n: 8, probe: true, where: 'nested' });
  const md = renderMarkdown(rs);
  assert.ok(md.includes(`> **NESTED RIG: ${NESTED}`));
  assert.match(
    md,
    /^\| metric \| role \| unit \| exit median \| ioeventfd median \| change \(HL\) \| 95% CI of ratio \| paired per round \| p raw \| p Holm \| verdict \|$/m,
  );
  assert.match(md, /^\| put_block \(Seq output block\) \| primary \| KiB\/s \|.*\| \u2705 improved \|$/m);
  assert.match(md, /^```text\nVersion {2}1\.96 /m);
  assert.match(md, /\*\*Verdicts:\*\* primary: \d+ improved, \d+ regressed/);
});

test('a merged two-host file is reported per host, never pooled', () => {
  const a = syntheticResultSet({ seed: 31, n: 5, host: 'ci-hw', where: 'hardware' });
  const b = syntheticResultSet({ seed: 32, n: 5, host: 'ci-nested', where: 'nested' });
  const out = renderText(mergeResults([a, b]));
  assert.match(out, /=== host ci-hw: ran on hardware ===/);
  assert.match(out, /=== host ci-nested: ran on nested ===/);
  assert.equal((out.match(/exit n=5, ioeventfd n=5/g) ?? []).length, 2);
});

test('an A/A run says so and reports the noise floor', () => {
  const rs = syntheticResultSet({ seed: 41, n: 6 });
  rs.aa = true;
  for (const s of rs.samples) {
    s.arm = s.mode === 'exit' ? 'A' : 'B';
    s.mode = 'ioeventfd';
  }
  const out = renderText(rs);
  assert.match(out, /A\/A run/);
  assert.match(
    out,
    /A\/A noise floor \(effects found with 80% power at this host's noise, n=6\/6\): put_block: noise \d+\.\d%, detectable \d+\.\d% \(a verdict needs \d+\.\d%\), n for the threshold \d+ per arm/,
  );
});

test('an incomplete run is marked at the top of every report, and +++++ runs are counted', async () => {
  const rs = syntheticResultSet({ seed: 42, n: 6 });
  rs.completion = { planned: 14, done: 12, state: 'interrupted' };
  const put = rs.samples.find((s) => s.arm === 'ioeventfd' && !s.warmup)!;
  put.metrics.put_block = { value: null, status: 'too_fast', unit: 'KiB/s', cpu: null, latency_us: null };
  for (const format of ['text', 'md', 'html'] as const) {
    const out = await renderReport(rs, { format });
    assert.match(out, /INTERRUPTED RUN: 12 of 14 planned measured sample\(s\) finished ok/, format);
    assert.match(
      out,
      /put_block: 0 of 6 exit and 1 of 6 ioeventfd run\(s\) were \+\+\+\+\+ \(too fast to measure\)/,
      format,
    );
  }
  assert.match(renderText(rs), /\(n=6, 1 \+\+\+\+\+\)/);
});

test('hardware KVM inside a virtual machine is flagged as not bare-metal', async () => {
  const rs = syntheticResultSet({ seed: 7, n: 3, where: 'hardware' });
  for (const h of Object.values(rs.hosts)) h.hostIsVirtualMachine = true;
  const out = await renderReport(rs, { format: 'text' });
  assert.match(out, /HARDWARE KVM INSIDE A VIRTUAL MACHINE/);
});
