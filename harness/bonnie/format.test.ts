import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { formatBonnieTable } from './format.js';
import { parseBonnie } from './parse.js';
import { sample } from './sample-files.js';
import { formatLatency, parseLatency } from './units.js';

describe('formatBonnieTable', () => {
  it('reproduces the kvmtool 1.96 tables byte for byte', () => {
    for (const file of ['seed-1.96-before.txt', 'seed-1.96-after.txt']) {
      const text = sample(file);
      const [run] = parseBonnie(text);
      assert.equal(formatBonnieTable(run), text, file);
    }
  });

  it('overflows a 6-digit rate the way 1.96 does (82-character row)', () => {
    const [run] = parseBonnie(sample('seed-1.96-before.txt'));
    const row = formatBonnieTable(run).split('\n')[3];
    assert.equal(row.length, 82);
    assert.ok(row.includes(' 381127  74 269712  48'));
  });

  it('renders CSV-only, -n 0 and -s 0 runs in the 1.96 layout, and they parse back', () => {
    for (const file of [
      'j-single-x1.stdout',
      'c-no-files.stdout',
      'i-no-io.stdout',
      'b-fast.stdout',
      'a-default.stdout',
    ]) {
      const [run] = parseBonnie(sample(file));
      const text = formatBonnieTable(run, { version: '1.96' });
      const [again] = parseBonnie(text);
      assert.equal(again.source, 'text');
      assert.deepEqual(again.metrics, run.metrics, file);
      assert.equal(again.size, run.size);
      assert.equal(again.fileSpec, run.fileSpec);
    }
    const noFiles = formatBonnieTable(parseBonnie(sample('c-no-files.stdout'))[0]);
    assert.ok(noFiles.endsWith('    136ms\n\n'), '-n 0: an empty line follows the IO latency row');
    const noIo = formatBonnieTable(parseBonnie(sample('i-no-io.stdout'))[0]);
    assert.match(noIo, /^Version 2\.00a {7}------Sequential Create------/);
    const blanks = formatBonnieTable(parseBonnie(sample('b-fast.stdout'))[0]).split('\n')[3];
    assert.equal(blanks, 'host            64M           +++++ +++ +++++ +++           +++++ +++ +++++ +++');
  });

  it('prints latencies as bonnie++ does', () => {
    assert.equal(formatLatency(99999), '99999us');
    assert.equal(formatLatency(100000), '100ms');
    assert.equal(formatLatency(251999), '251ms');
    assert.equal(formatLatency(99_999_999), '99999ms');
    assert.equal(formatLatency(120_000_000), '120s');
    for (const s of ['7817us', '251ms', '120s']) assert.equal(formatLatency(parseLatency(s) as number), s);
  });
});
