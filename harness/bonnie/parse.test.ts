// The parser against the real bonnie++ samples in shared/reference (expected
// values read off those files by hand) and against hand-built variants for the
// formats no sample shows (1.96/1.97 CSV, -x header, overflow with blanks).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { BonnieParseError, bonnieFailureReason, parseBonnie } from './parse.js';
import type { BonnieRun, Metric } from './types.js';
import { sample, skipWithoutSamples as skip } from './sample-files.js';

function one(text: string, source?: string): BonnieRun {
  const runs = parseBonnie(text, source);
  assert.equal(runs.length, 1, `expected one run, got ${runs.length}`);
  return runs[0];
}

function m(status: Metric['status'], value: number | null, cpu: number | null, latency_us: number | null): Metric {
  return { status, value, cpu, latency_us };
}

const NOT_RUN = m('not_run', null, null, null);

describe('bonnie++ 2.00a samples', { skip }, () => {
  it('a: default with per-char tests, mostly +++++', () => {
    for (const file of ['a-default-perchar.stdout', 'a-default-perchar.out']) {
      const r = one(sample(file), file);
      assert.equal(r.source, 'text+csv');
      assert.equal(r.version, '2.00a');
      assert.equal(r.name, 'vm');
      assert.equal(r.size, '64M');
      assert.equal(r.sizeMiB, 64);
      assert.equal(r.concurrency, 1);
      assert.equal(r.seed, '1795580352');
      assert.equal(r.fileSpec, '1');
      assert.deepEqual(r.metrics.putc, m('ok', 1401, 99, 7817));
      assert.deepEqual(r.metrics.put_block, m('too_fast', null, null, 91));
      assert.deepEqual(r.metrics.rewrite, m('too_fast', null, null, 85));
      assert.deepEqual(r.metrics.getc, m('ok', 2252, 99, 5639));
      assert.deepEqual(r.metrics.get_block, m('too_fast', null, null, 1109));
      assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 12126));
      assert.deepEqual(r.metrics.seq_create, m('too_fast', null, null, 1217));
      assert.deepEqual(r.metrics.ran_del, m('too_fast', null, null, 60));
      assert.deepEqual(r.warnings, []);
    }
    // In the .out file the run starts at the Version line after 13 progress lines.
    assert.equal(one(sample('a-default-perchar.out')).line, 14);
  });

  it('b: -f, block rates from the CSV, file rate from the CSV not the text', () => {
    const r = one(sample('b-fast-no-perchar.out'));
    assert.equal(r.source, 'text+csv');
    assert.equal(r.size, '1G');
    assert.equal(r.sizeMiB, 1024);
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.deepEqual(r.metrics.put_block, m('ok', 361913, 91, 2058));
    assert.deepEqual(r.metrics.rewrite, m('ok', 1768366, 77, 85));
    assert.deepEqual(r.metrics.getc, NOT_RUN);
    assert.deepEqual(r.metrics.get_block, m('too_fast', null, null, 100));
    assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 9899));
    assert.deepEqual(r.metrics.seq_create, m('ok', 4575, 99, 16002)); // the text shows 16384 (E4)
    assert.deepEqual(r.metrics.seq_stat, m('too_fast', null, null, 265));
    assert.equal(r.fileSpec, '16');
  });

  it('b, text only: 2.00a unit suffixes converted, garbage file rate dropped with a warning', () => {
    const text = sample('b-fast-no-perchar.stdout')
      .split('\n')
      .filter((l) => !l.startsWith('1.98,'))
      .join('\n');
    const r = one(text);
    assert.equal(r.source, 'text');
    assert.deepEqual(r.metrics.put_block, m('ok', 353 * 1024, 91, 2058)); // 353m
    assert.deepEqual(r.metrics.rewrite, m('ok', 1782579.2, 77, 85)); // 1.7g
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.equal(r.metrics.seq_create.status, 'not_run');
    assert.equal(r.metrics.seq_create.value, null);
    assert.equal(r.metrics.seq_create.cpu, 99);
    assert.equal(r.metrics.seq_stat.status, 'too_fast'); // +++++ is printed correctly
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /seq_create/);
  });

  it('c: -n 0, no file block', () => {
    for (const file of ['c-no-file-tests.stdout', 'c-no-file-tests.out']) {
      const r = one(sample(file));
      assert.equal(r.source, 'text+csv');
      assert.deepEqual(r.metrics.putc, m('ok', 1402, 99, 10835));
      assert.deepEqual(r.metrics.put_block, m('ok', 395132, 89, 805));
      assert.deepEqual(r.metrics.rewrite, m('ok', 1717037, 82, 247));
      assert.deepEqual(r.metrics.getc, m('ok', 2276, 99, 3917));
      for (const k of ['seq_create', 'seq_stat', 'seq_del', 'ran_create', 'ran_stat', 'ran_del'] as const)
        assert.deepEqual(r.metrics[k], NOT_RUN);
      assert.equal(r.fileSpec, null);
    }
  });

  it('f: -q, CSV on stdout, text on stderr, both in .out', () => {
    const csv = one(sample('f-quiet.stdout'));
    assert.equal(csv.source, 'csv');
    assert.deepEqual(csv.metrics.put_block, m('ok', 392853, 90, 860));
    assert.deepEqual(csv.metrics.rewrite, m('ok', 1431403, 84, 231));
    assert.deepEqual(csv.metrics.seq_create, m('ok', 4563, 94, 41661));
    const text = one(sample('f-quiet.stderr'));
    assert.equal(text.source, 'text');
    assert.deepEqual(text.metrics.put_block, m('ok', 384 * 1024, 90, 860));
    assert.deepEqual(text.metrics.rewrite, m('ok', 1468006.4, 84, 231));
    const both = one(sample('f-quiet.out'));
    assert.equal(both.source, 'text+csv');
    assert.deepEqual(both.metrics, csv.metrics);
  });

  it('g: -b, rewrite too fast, both create rates from the CSV', () => {
    const r = one(sample('g-no-write-buffering.out'));
    assert.equal(r.size, '512M');
    assert.deepEqual(r.metrics.put_block, m('ok', 452590, 86, 893));
    assert.deepEqual(r.metrics.rewrite, m('too_fast', null, null, 230));
    assert.deepEqual(r.metrics.seq_create, m('ok', 926, 79, 26439)); // text: 1024
    assert.deepEqual(r.metrics.ran_create, m('ok', 939, 78, 3013)); // text: 1024
    assert.deepEqual(r.metrics.ran_stat, m('too_fast', null, null, 5));
  });

  it('i: -s 0, no IO block', () => {
    const r = one(sample('i-no-io-tests-s0.out'));
    assert.equal(r.source, 'text+csv');
    assert.equal(r.size, '');
    assert.equal(r.sizeMiB, null);
    for (const k of ['putc', 'put_block', 'rewrite', 'getc', 'get_block', 'seeks'] as const)
      assert.deepEqual(r.metrics[k], NOT_RUN);
    assert.deepEqual(r.metrics.seq_create, m('ok', 4257, 98, 3733));
    assert.deepEqual(r.metrics.ran_del, m('too_fast', null, null, 1507));
  });

  it('j: -x 1, CSV only', () => {
    const r = one(sample('j-single-run-x1.out'));
    assert.equal(r.source, 'csv');
    assert.equal(r.size, '256M');
    assert.deepEqual(r.metrics.putc, m('ok', 1363, 99, 10484));
    assert.deepEqual(r.metrics.put_block, m('too_fast', null, null, 200));
    assert.deepEqual(r.metrics.seq_create, m('ok', 1236, 97, 2809));
    assert.deepEqual(r.metrics.ran_create, m('ok', 1354, 97, 1982));
  });

  it('y: bonnie++ refused to run; the error says why', () => {
    for (const file of ['y-error-size-below-2x-ram.out', 'y-error-size-below-2x-ram.stderr']) {
      const text = sample(file);
      const why = bonnieFailureReason(text);
      assert.ok(why);
      assert.match(why, /twice RAM \(24104 MiB\)/);
      assert.match(why, /-r/);
      assert.throws(
        () => parseBonnie(text, file),
        (e: unknown) => e instanceof BonnieParseError && e.message.includes('24104') && !e.message.includes('\n'),
      );
    }
    assert.throws(() => parseBonnie(sample('y-error-size-below-2x-ram.stdout')), BonnieParseError);
  });

  it('progress-only stderr has no results and no failure', () => {
    const text = sample('a-default-perchar.stderr');
    assert.equal(bonnieFailureReason(text), null);
    assert.throws(() => parseBonnie(text, 'a.stderr'), /a\.stderr: no bonnie\+\+ results found/);
  });

  it('CRLF line ends parse the same', () => {
    const lf = sample('b-fast-no-perchar.out');
    assert.deepEqual(parseBonnie(lf.replace(/\n/g, '\r\n')), parseBonnie(lf));
  });

  it('a guest console with noise around the run', () => {
    const noise =
      '[    3.141592] virtio_blk virtio1: [vdb] 2097152 512-byte logical blocks\nkickbench: starting bonnie++\n';
    const r = one(noise + sample('g-no-write-buffering.out') + '[   42.000000] reboot: Power down\n');
    assert.equal(r.source, 'text+csv');
    assert.equal(r.metrics.seq_create.value, 926);
    assert.equal(r.line, 16);
    // a console prefix before the CSV line (after a space) is tolerated
    const csvLine = sample('j-single-run-x1.stdout').trim();
    assert.equal(one(`guest: ${csvLine}\n`).metrics.putc.value, 1363);
  });

  it('two runs back to back pair each table with its own CSV line', () => {
    const runs = parseBonnie(sample('a-default-perchar.stdout') + sample('g-no-write-buffering.stdout'));
    assert.equal(runs.length, 2);
    assert.deepEqual(
      runs.map((r) => r.source),
      ['text+csv', 'text+csv'],
    );
    assert.deepEqual(
      runs.map((r) => r.size),
      ['64M', '512M'],
    );
    assert.equal(runs[1].metrics.ran_create.value, 939);
  });
});

describe('kvmtool 2011 seed tables (bonnie++ 1.96 text, E3 overflow)', { skip }, () => {
  it('before', () => {
    const r = one(sample('seed-1.96-before.txt'));
    assert.equal(r.source, 'text');
    assert.equal(r.version, '1.96');
    assert.equal(r.name, 'tux');
    assert.equal(r.size, '768M');
    assert.equal(r.sizeMiB, 768);
    assert.equal(r.concurrency, 2);
    assert.equal(r.fileSpec, '16');
    assert.deepEqual(r.metrics.putc, m('ok', 498, 99, 18368));
    assert.deepEqual(r.metrics.put_block, m('ok', 381127, 74, 31063));
    assert.deepEqual(r.metrics.rewrite, m('ok', 269712, 48, 21281));
    assert.deepEqual(r.metrics.getc, m('ok', 2871, 99, 3017));
    assert.deepEqual(r.metrics.get_block, m('ok', 717109, 50, 6875));
    assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 251000)); // 251ms
    assert.deepEqual(r.metrics.seq_create, m('too_fast', null, null, 148));
    assert.deepEqual(r.metrics.ran_del, m('too_fast', null, null, 218));
    assert.deepEqual(r.warnings, []);
  });

  it("reproduces the commit's percentages", () => {
    const before = one(sample('seed-1.96-before.txt')).metrics;
    const after = one(sample('seed-1.96-after.txt')).metrics;
    const change = (k: 'put_block' | 'rewrite' | 'get_block' | 'getc'): string =>
      (((after[k].value as number) / (before[k].value as number) - 1) * 100).toFixed(1);
    assert.equal(after.put_block.value, 459779);
    assert.equal(change('put_block'), '20.6');
    assert.equal(change('rewrite'), '30.0');
    assert.equal(change('get_block'), '20.0');
    assert.equal(change('getc'), '4.4');
    assert.deepEqual(after.put_block, m('ok', 459779, 73, 14619));
  });
});

// Hand-built lines for formats no sample shows. Field layouts follow bonnie-format.md §4.
const LAT12 = '18368us,31063us,21281us,3017us,6875us,251ms,148us,588us,2792us,1547us,1543us,218us';
const FILE12 = '+++++,+++,+++++,+++,+++++,+++,+++++,+++,+++++,+++,+++++,+++';
const CSV_197 = `1.97,1.97,tux,2,1300000000,768M,,498,99,381127,74,269712,48,2871,99,717109,50,+++++,+++,16,,,,,${FILE12},${LAT12}`;

describe('formats without a sample', () => {
  it('1.97 CSV, 48 fields', () => {
    assert.equal(CSV_197.split(',').length, 48);
    const r = one(CSV_197);
    assert.equal(r.version, '1.97');
    assert.equal(r.concurrency, 2);
    assert.equal(r.size, '768M');
    assert.deepEqual(r.metrics.put_block, m('ok', 381127, 74, 31063));
    assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 251000));
    assert.deepEqual(r.metrics.seq_create, m('too_fast', null, null, 148));
    assert.equal(r.fileSpec, '16');
  });

  it('1.96 text + 1.96 CSV merge into one run', { skip }, () => {
    const csv = CSV_197.replace(/^1\.97,1\.97/, '1.96,1.96');
    const runs = parseBonnie(sample('seed-1.96-before.txt') + csv + '\n');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].source, 'text+csv');
    assert.equal(runs[0].seed, '1300000000');
    assert.equal(runs[0].metrics.get_block.value, 717109);
  });

  it('1.96 CSV with -s 0 has one empty field too few (47)', () => {
    const fields = [
      '1.96',
      '1.96',
      'tux',
      '1',
      '1300000000',
      ...Array<string>(13).fill(''), // 1.96 prints 13 empty IO fields here, not 14
      '16',
      '',
      '',
      '',
      '',
      '4257',
      '98',
      ...FILE12.split(',').slice(2),
      ...Array<string>(6).fill(''),
      '3733us',
      '304us',
      '1467us',
      '3121us',
      '54us',
      '1507us',
    ];
    const line = fields.join(',');
    assert.equal(fields.length, 47);
    const r = one(line);
    assert.equal(r.size, '');
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.deepEqual(r.metrics.seeks, NOT_RUN);
    assert.deepEqual(r.metrics.seq_create, m('ok', 4257, 98, 3733));
    assert.deepEqual(r.metrics.seq_stat, m('too_fast', null, null, 304));
    assert.deepEqual(r.metrics.ran_del, m('too_fast', null, null, 1507));
    assert.equal(r.fileSpec, '16');
  });

  it('-x 3: header row skipped, three CSV runs', { skip }, () => {
    const header =
      'format_version,bonnie_version,name,concurrency,seed,file_size,io_chunk_size,putc,putc_cpu,put_block,' +
      'put_block_cpu,rewrite,rewrite_cpu,getc,getc_cpu,get_block,get_block_cpu,seeks,seeks_cpu,num_files,max_size,' +
      'min_size,num_dirs,file_chunk_size,seq_create,seq_create_cpu,seq_stat,seq_stat_cpu,seq_del,seq_del_cpu,' +
      'ran_create,ran_create_cpu,ran_stat,ran_stat_cpu,ran_del,ran_del_cpu,putc_latency,put_block_latency,' +
      'rewrite_latency,getc_latency,get_block_latency,seeks_latency,seq_create_latency,seq_stat_latency,' +
      'seq_del_latency,ran_create_latency,ran_stat_latency,ran_del_latency';
    const row = sample('j-single-run-x1.stdout').trim();
    const rows = [row, row.replace(',1363,99,', ',1370,98,'), row.replace(',1363,99,', ',1355,99,')];
    const runs = parseBonnie([header, ...rows].join('\n') + '\n');
    assert.deepEqual(
      runs.map((r) => r.metrics.putc.value),
      [1363, 1370, 1355],
    );
    assert.deepEqual(
      runs.map((r) => r.source),
      ['csv', 'csv', 'csv'],
    );
    assert.deepEqual(
      runs.map((r) => r.line),
      [2, 3, 4],
    );
  });

  it('1.97 text: overflowing cells next to blank ones (cursor, not columns)', () => {
    const blank = ' '.repeat(10);
    // Built the way bonnie++ prints it: a 19-character label, then " %5d %3d" per cell.
    const row = 'a-long-hostname- 1G' + blank + ' 1234567  99' + ' 269712  48' + blank + ' 7171090 100' + ' 123456  12';
    const latency = 'Latency'.padEnd(17) + blank + '   31063us' + '   21281us' + blank + '    6875us' + '     251ms';
    const text = [
      'Version  1.97       ------Sequential Output------ --Sequential Input- --Random-',
      'Concurrency   1     -Per Chr- --Block-- -Rewrite- -Per Chr- --Block-- --Seeks--',
      'Machine        Size K/sec %CP K/sec %CP K/sec %CP K/sec %CP K/sec %CP  /sec %CP',
      row,
      latency,
      '',
    ].join('\n');
    const r = one(text);
    assert.equal(r.name, 'a-long-hostname-');
    assert.equal(r.size, '1G');
    assert.equal(r.concurrency, 1);
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.deepEqual(r.metrics.put_block, m('ok', 1234567, 99, 31063));
    assert.deepEqual(r.metrics.rewrite, m('ok', 269712, 48, 21281));
    assert.deepEqual(r.metrics.getc, NOT_RUN);
    assert.deepEqual(r.metrics.get_block, m('ok', 7171090, 100, 6875));
    assert.deepEqual(r.metrics.seeks, m('ok', 123456, 12, 251000));
    assert.equal(r.fileSpec, null);
    // A whitespace split would have put 1234567 under putc; fixed columns would cut it.
  });

  it('2.00a size spec carries concurrency (1G::2)', { skip }, () => {
    const text = sample('c-no-file-tests.stdout')
      .split('\n')
      .filter((l) => !l.startsWith('1.98,'))
      .map((l) => l.replace('vm               1G ', 'vm            1G::2 '))
      .join('\n');
    const r = one(text);
    assert.equal(r.concurrency, 2);
    assert.equal(r.size, '1G');
    assert.equal(r.metrics.put_block.value, 386 * 1024);
  });

  it('a comma in the machine name is glued back, with a warning', { skip }, () => {
    const row = sample('j-single-run-x1.stdout').trim().replace('2.00a,vm,', '2.00a,vm,lab,');
    const r = one(row);
    assert.equal(r.name, 'vm,lab');
    assert.equal(r.metrics.putc.value, 1363);
    assert.match(r.warnings[0], /comma/);
  });
});

describe('bad input', () => {
  it('no run at all', () => {
    assert.throws(() => parseBonnie(''), BonnieParseError);
    assert.throws(
      () => parseBonnie('hello\nworld\n', 'guest.log'),
      /^BonnieParseError: guest\.log: no bonnie\+\+ results found/,
    );
  });

  it('a truncated CSV line names its line and what is wrong', () => {
    const text = `boot\nnoise\n${CSV_197.split(',').slice(0, 30).join(',')}\n`;
    assert.throws(
      () => parseBonnie(text, 'x.out'),
      (e: unknown) =>
        e instanceof BonnieParseError &&
        e.line === 3 &&
        /^x\.out:3: bonnie\+\+ CSV line: expected 48 fields for format 1\.97, got 30$/.test(e.message),
    );
  });

  it('a CSV field that is not a number', () => {
    assert.throws(
      () => parseBonnie(CSV_197.replace(',381127,', ',38x127,')),
      /line 1: bonnie\+\+ CSV line: field 10 \(put_block\) is not a number: '38x127'/,
    );
    assert.throws(() => parseBonnie(CSV_197.replace('31063us', '31063 us')), /put_block latency/);
    assert.throws(() => parseBonnie(CSV_197.replace(/^1\.97,/, '1.93,')), /unsupported CSV format version '1\.93'/);
  });

  it('a table cell that is not a rate', () => {
    const lines = [
      'Version  1.96       ------Sequential Output------ --Sequential Input- --Random-',
      'Concurrency   2     -Per Chr- --Block-- -Rewrite- -Per Chr- --Block-- --Seeks--',
      'Machine        Size K/sec %CP K/sec %CP K/sec %CP K/sec %CP K/sec %CP  /sec %CP',
      'tux            768M   498  99 38x127  74 269712  48  2871  99 717109  50 +++++ +++',
      'Latency             18368us   31063us   21281us    3017us    6875us     251ms',
    ];
    assert.throws(
      () => parseBonnie(lines.join('\n')),
      (e: unknown) =>
        e instanceof BonnieParseError && e.line === 4 && /column put_block is not a rate: '38x127'/.test(e.message),
    );
    const good = [...lines.slice(0, 3), lines[3].replace('38x127', '381127')];
    assert.equal(one(good.join('\n') + '\n' + lines[4]).metrics.put_block.value, 381127);
    const noLatency = good.join('\n') + '\nsomething else\n';
    assert.throws(() => parseBonnie(noLatency), /line 5: bonnie\+\+ IO table: expected the Latency row/);
    const cut = lines.slice(0, 2).join('\n');
    assert.throws(() => parseBonnie(cut), /line 3: bonnie\+\+ IO table: expected the '\/sec %CP' header line/);
  });

  it('failure reasons for other refusals', () => {
    assert.match(
      bonnieFailureReason('You must use the "-u" switch when running as root.\nusage:\n') ?? '',
      /root without -u/,
    );
    assert.match(bonnieFailureReason('Can\'t change to directory "/mnt/x".\n') ?? '', /scratch directory '\/mnt\/x'/);
    assert.match(bonnieFailureReason("Can't write block 42.\n") ?? '', /bonnie\+\+ failed: Can't write block 42\./);
    assert.match(bonnieFailureReason('usage:\nbonnie++ [-d scratch-dir] [-c concurrency]\n') ?? '', /usage/);
    assert.equal(bonnieFailureReason('all good\n'), null);
  });
});
