// The parser against real bonnie++ output kept in fixtures/ (expected values
// read off those files by hand) and against hand-built variants for the
// formats no fixture shows (1.96/1.97 CSV, overflow with blanks).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { BonnieParseError, bonnieFailureReason, parseBonnie } from './parse.js';
import type { BonnieRun, Metric } from './types.js';
import { FIXTURES, sample } from './sample-files.js';
import { readdirSync } from 'node:fs';

function one(text: string, source?: string): BonnieRun {
  const runs = parseBonnie(text, source);
  assert.equal(runs.length, 1, `expected one run, got ${runs.length}`);
  return runs[0];
}

function m(status: Metric['status'], value: number | null, cpu: number | null, latency_us: number | null): Metric {
  return { status, value, cpu, latency_us };
}

const NOT_RUN = m('not_run', null, null, null);

/** Every bonnie++ output kept in fixtures/ (stdout, stderr, and both interleaved). */
const FIXTURE_OUTPUTS = readdirSync(FIXTURES).filter((f) => /\.(stdout|stderr|out|txt)$/.test(f));

/** The text tables alone: the CSV line dropped. */
function textOnly(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^1\.9\d,/.test(l))
    .join('\n');
}

// Fixtures: Debian's bonnie++ 2.00a run on a development host (fixtures/README.md
// lists each command); expected values read off those files by hand.
describe('bonnie++ 2.00a fixtures', () => {
  it('a: default with per-char tests; Block input and Seeks both +++++', () => {
    for (const file of ['a-default.stdout', 'a-default.out']) {
      const r = one(sample(file), file);
      assert.equal(r.source, 'text+csv');
      assert.equal(r.version, '2.00a');
      assert.equal(r.name, 'host');
      assert.equal(r.size, '16M');
      assert.equal(r.sizeMiB, 16);
      assert.equal(r.concurrency, 1);
      assert.equal(r.seed, '1796032309');
      assert.equal(r.fileSpec, '1');
      assert.deepEqual(r.metrics.putc, m('ok', 81, 8, 1210000));
      assert.deepEqual(r.metrics.put_block, m('too_fast', null, null, 32433));
      assert.deepEqual(r.metrics.getc, m('ok', 158, 10, 767000));
      assert.deepEqual(r.metrics.get_block, m('too_fast', null, null, 8875));
      assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 87736));
      assert.deepEqual(r.metrics.seq_create, m('ok', 710, 13, 68160)); // the text shows 1024 (E4)
      assert.deepEqual(r.metrics.ran_create, m('ok', 241, 8, 753000));
      assert.deepEqual(r.metrics.ran_stat, m('too_fast', null, null, 37));
      assert.deepEqual(r.warnings, []);
    }
    // In the .out file the run starts at the Version line after the progress lines.
    assert.equal(one(sample('a-default.out')).line, 14);
  });

  it('a, text only: per-char rates with a k suffix, both +++++ cells at the row end', () => {
    const r = one(textOnly(sample('a-default.stdout')));
    assert.equal(r.source, 'text');
    assert.deepEqual(r.metrics.putc, m('ok', 81, 8, 1210000)); // 81k
    assert.deepEqual(r.metrics.get_block, m('too_fast', null, null, 8875));
    assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 87736));
  });

  it('b: -f -n 4, block rates +++++, file rates from the CSV not the text', () => {
    const r = one(sample('b-fast.out'));
    assert.equal(r.source, 'text+csv');
    assert.equal(r.size, '64M');
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.deepEqual(r.metrics.getc, NOT_RUN);
    assert.deepEqual(r.metrics.put_block, m('too_fast', null, null, 67646));
    assert.deepEqual(r.metrics.seeks, m('too_fast', null, null, 91248));
    assert.deepEqual(r.metrics.seq_create, m('ok', 146, 6, 400000)); // the text shows 4096 (E4)
    assert.deepEqual(r.metrics.seq_del, m('ok', 6368, 7, 145000));
    assert.deepEqual(r.metrics.ran_del, m('ok', 5702, 8, 152000));
    assert.equal(r.fileSpec, '4');
  });

  it('b, text only: garbage file rates dropped with a warning, +++++ and %CP kept', () => {
    const r = one(textOnly(sample('b-fast.stdout')));
    assert.equal(r.source, 'text');
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.equal(r.metrics.seq_create.status, 'not_run');
    assert.equal(r.metrics.seq_create.value, null);
    assert.equal(r.metrics.seq_create.cpu, 6);
    assert.equal(r.metrics.seq_stat.status, 'too_fast');
    assert.ok(r.warnings.length >= 1);
    assert.match(r.warnings[0], /seq_create/);
  });

  it('c: -n 0, no file block; a 2.00a "43.3m" rate', () => {
    for (const file of ['c-no-files.stdout', 'c-no-files.out']) {
      const r = one(sample(file));
      assert.equal(r.source, 'text+csv');
      assert.deepEqual(r.metrics.put_block, m('ok', 44289, 4, 172000));
      assert.deepEqual(r.metrics.rewrite, m('too_fast', null, null, 1224));
      for (const k of ['seq_create', 'seq_stat', 'seq_del', 'ran_create', 'ran_stat', 'ran_del'] as const)
        assert.deepEqual(r.metrics[k], NOT_RUN);
      assert.equal(r.fileSpec, null);
    }
    assert.deepEqual(one(textOnly(sample('c-no-files.stdout'))).metrics.put_block, m('ok', 44339.2, 4, 172000));
  });

  it('f: -q, CSV on stdout, text on stderr, both in .out', () => {
    const csv = one(sample('f-quiet.stdout'));
    assert.equal(csv.source, 'csv');
    assert.deepEqual(csv.metrics.put_block, m('ok', 53295, 5, 63910));
    assert.deepEqual(csv.metrics.seq_create, m('ok', 73, 5, 239000));
    const text = one(sample('f-quiet.stderr'));
    assert.equal(text.source, 'text');
    assert.deepEqual(text.metrics.put_block, m('ok', 52 * 1024, 5, 63910)); // 52.0m
    const both = one(sample('f-quiet.out'));
    assert.equal(both.source, 'text+csv');
    assert.deepEqual(both.metrics, csv.metrics);
  });

  it('g: -c 2, the size spec carries the concurrency (32M::2)', () => {
    const r = one(sample('g-concurrency.out'));
    assert.equal(r.concurrency, 2);
    assert.equal(r.size, '32M');
    assert.equal(one(textOnly(sample('g-concurrency.stdout'))).concurrency, 2);
    assert.deepEqual(r.metrics.ran_create, m('ok', 279, 22, 86477));
  });

  it('i: -s 0, no IO block', () => {
    const r = one(sample('i-no-io.out'));
    assert.equal(r.source, 'text+csv');
    assert.equal(r.size, '');
    assert.equal(r.sizeMiB, null);
    for (const k of ['putc', 'put_block', 'rewrite', 'getc', 'get_block', 'seeks'] as const)
      assert.deepEqual(r.metrics[k], NOT_RUN);
    assert.deepEqual(r.metrics.seq_create, m('ok', 361, 30, 68444));
    assert.deepEqual(r.metrics.ran_del, m('too_fast', null, null, 6051));
  });

  it('j: -x 1, CSV only', () => {
    const r = one(sample('j-single-x1.out'));
    assert.equal(r.source, 'csv');
    assert.equal(r.size, '32M');
    assert.deepEqual(r.metrics.putc, NOT_RUN);
    assert.deepEqual(r.metrics.put_block, m('too_fast', null, null, 12090));
    assert.deepEqual(r.metrics.seq_create, m('ok', 310, 27, 60307));
    assert.deepEqual(r.metrics.ran_create, m('ok', 183, 16, 91248));
  });

  it('k: -x 3, the header row skipped, three CSV runs with the same seed', () => {
    const runs = parseBonnie(sample('k-three-x3.stdout'));
    assert.equal(runs.length, 3);
    assert.deepEqual(
      runs.map((r) => r.source),
      ['csv', 'csv', 'csv'],
    );
    assert.deepEqual(
      runs.map((r) => r.line),
      [2, 3, 4],
    );
    assert.equal(new Set(runs.map((r) => r.seed)).size, 1);
  });

  it('n: -n 1:4096:1024:2, files with sizes in two directories', () => {
    const r = one(sample('n-files-dirs.out'));
    assert.equal(r.source, 'text+csv');
    assert.equal(r.fileSpec, '1:4096:1024/2');
    assert.equal(one(textOnly(sample('n-files-dirs.stdout'))).fileSpec, '1:4096:1024/2');
  });

  it('m: a machine name longer than its column: cut in the text, whole in the CSV', () => {
    const r = one(sample('m-long-name.out'));
    assert.equal(r.name, 'a-machine-name-longer-than-its-column');
    const text = one(textOnly(sample('m-long-name.stdout')));
    assert.ok('a-machine-name-longer-than-its-column'.startsWith(text.name) && text.name.length > 0, text.name);
    assert.equal(text.size, '32M');
  });

  it('y: bonnie++ refused to run; the error says why', () => {
    for (const file of ['y-error-size.out', 'y-error-size.stderr']) {
      const text = sample(file);
      const why = bonnieFailureReason(text);
      assert.ok(why);
      assert.match(why, /twice RAM \(\d+ MiB\)/);
      assert.match(why, /-r/);
      assert.throws(
        () => parseBonnie(text, file),
        (e: unknown) => e instanceof BonnieParseError && /twice RAM/.test(e.message) && !e.message.includes('\n'),
      );
    }
    assert.throws(() => parseBonnie(sample('y-error-size.stdout')), BonnieParseError);
  });

  it('progress-only stderr has no results and no failure', () => {
    const text = sample('a-default.stderr');
    assert.equal(bonnieFailureReason(text), null);
    assert.throws(() => parseBonnie(text, 'a.stderr'), /a\.stderr: no bonnie\+\+ results found/);
  });

  it('every fixture parses the same with CRLF and with the two CRs of a console through two ttys', () => {
    // The nested rig's guest console crosses two ttys, each adding a CR: "\r\r\n". A CR left on a
    // row glued itself to the last cell ("seeks has a %CP that is not a number: '+++\r'").
    const outcome = (text: string) => {
      try {
        return parseBonnie(text);
      } catch (e) {
        return (e as Error).message; // progress-only stderr and refusals: the same error
      }
    };
    for (const file of FIXTURE_OUTPUTS) {
      const lf = sample(file);
      const want = outcome(lf);
      assert.deepEqual(outcome(lf.replace(/\n/g, '\r\n')), want, `${file} CRLF`);
      assert.deepEqual(outcome(lf.replace(/\n/g, '\r\r\n')), want, `${file} CR CR LF`);
    }
  });

  it('text tables agree with their CSV line on every status and latency', () => {
    const tables = FIXTURE_OUTPUTS.filter((f) => f.endsWith('.stdout') && sample(f).includes('Version'));
    assert.ok(tables.length >= 6);
    for (const file of tables) {
      const both = parseBonnie(sample(file)).filter((r) => r.source === 'text+csv');
      if (!both.length) continue;
      const text = one(textOnly(sample(file)));
      for (const k of Object.keys(text.metrics) as (keyof typeof text.metrics)[]) {
        const t = text.metrics[k];
        const c = both[0].metrics[k];
        assert.equal(t.latency_us, c.latency_us, `${file} ${k} latency`);
        if (t.status !== 'not_run' || c.status === 'not_run') assert.equal(t.status, c.status, `${file} ${k} status`);
      }
    }
  });

  it('a guest console with noise around the run', () => {
    const noise =
      '[    3.141592] virtio_blk virtio1: [vdb] 2097152 512-byte logical blocks\nkickbench: starting bonnie++\n';
    const r = one(noise + sample('g-concurrency.out') + '[   42.000000] reboot: Power down\n');
    assert.equal(r.source, 'text+csv');
    assert.equal(r.metrics.ran_create.value, 279);
    // a console prefix before the CSV line (after a space) is tolerated
    const csvLine = sample('j-single-x1.stdout').trim();
    assert.equal(one(`guest: ${csvLine}\n`).metrics.seq_create.value, 310);
  });

  it('two runs back to back pair each table with its own CSV line', () => {
    const runs = parseBonnie(sample('a-default.stdout') + sample('g-concurrency.stdout'));
    assert.equal(runs.length, 2);
    assert.deepEqual(
      runs.map((r) => r.source),
      ['text+csv', 'text+csv'],
    );
    assert.deepEqual(
      runs.map((r) => r.concurrency),
      [1, 2],
    );
    assert.equal(runs[1].metrics.ran_create.value, 279);
  });
});

// Guest consoles from the nested rig (fixtures/README.md): bonnie++ 2.00a inside
// kickbench's Debian guest, between the guest init's markers.
describe('guest consoles (nested rig)', () => {
  it("a quick run in each mode: one run, the guest's (none) name, -c 2, a fractional seek rate", () => {
    const exit = one(sample('guest-rig-exit.console.log'));
    const ioe = one(sample('guest-rig-ioeventfd.console.log'));
    for (const r of [exit, ioe]) {
      assert.equal(r.source, 'text+csv');
      assert.equal(r.name, '(none)');
      assert.equal(r.size, '96M');
      assert.equal(r.concurrency, 2);
      assert.deepEqual(r.metrics.putc, NOT_RUN);
    }
    assert.deepEqual(ioe.metrics.put_block, m('ok', 3395, 91, 713000));
    assert.deepEqual(ioe.metrics.seeks, m('ok', 146.3, 537, 571000)); // %CP over 100 with two vCPUs
    assert.deepEqual(ioe.metrics.ran_stat, m('too_fast', null, null, 5957));
  });

  it('a guest whose bonnie++ refused: the reason, and no results', () => {
    const text = sample('guest-rig-fails.console.log');
    assert.match(bonnieFailureReason(text) ?? '', /twice RAM \(204 MiB\)/);
    assert.throws(() => parseBonnie(text), /twice RAM/);
  });
});

describe('kvmtool 2011 seed tables (bonnie++ 1.96 text, E3 overflow)', () => {
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

  it('1.96 text + 1.96 CSV merge into one run', () => {
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

  it('a comma in the machine name is glued back, with a warning', () => {
    const row = sample('j-single-x1.stdout').trim().replace('2.00a,host,', '2.00a,host,lab,');
    const r = one(row);
    assert.equal(r.name, 'host,lab');
    assert.equal(r.metrics.seq_create.value, 310);
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
