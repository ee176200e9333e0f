// The CLI as a user meets it: help, and one clear line plus a non-zero exit
// for every kind of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { syntheticResultSet } from '../results/synthetic.js';
import { writeResultsAtomic } from '../results/io.js';

const cliPath = join(repoRoot(), 'dist/harness/cli.js');
function kickbench(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    input,
    timeout: 120_000,
    env: { ...process.env, CI: 'true' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), 'kb-cli-'));

test('--help lists every command', () => {
  const r = kickbench(['--help']);
  assert.equal(r.status, 0);
  for (const c of ['doctor', 'setup', 'run', 'parse', 'report', 'compare', 'merge', 'micro', 'list'])
    assert.match(r.stdout, new RegExp(`kickbench ${c}`));
});

test('each command has --help with an example', () => {
  for (const c of ['run', 'parse', 'report', 'compare', 'merge', 'micro', 'doctor', 'setup', 'list']) {
    const r = kickbench([c, '--help']);
    assert.equal(r.status, 0, `${c} --help`);
    assert.match(r.stdout, /Examples:/, `${c} --help shows examples`);
  }
});

test('usage errors exit 2 with one line', () => {
  for (const args of [['frobnicate'], [], ['report'], ['compare', 'a.json']]) {
    const r = kickbench(args);
    assert.equal(r.status, 2, `kickbench ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], /^kickbench: /);
  }
});

test('a bad scenario is refused before anything runs', () => {
  writeFileSync(
    join(tmp, 'bad.json'),
    JSON.stringify({
      name: 'bad',
      workload: { kind: 'bonnie', args: ['-d', 't', '-s', '768'] },
      guest: { memMiB: 1024 },
    }),
  );
  const r = kickbench(['run', join(tmp, 'bad.json'), '--out', join(tmp, 'out')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kickbench: bad\.json \(bad\): bonnie\+\+ -s 768 needs guest RAM of at most 384 MiB/);
  const r2 = kickbench(['run', 'no-such-scenario']);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /^kickbench: no scenario "no-such-scenario"/);
});

test('parse: garbage and missing files are one-line errors', () => {
  writeFileSync(join(tmp, 'garbage.txt'), 'hello\nthis is not bonnie++ output\n');
  const r = kickbench(['parse', join(tmp, 'garbage.txt')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kickbench: .*garbage\.txt: /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const r2 = kickbench(['parse', join(tmp, 'missing.out')]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /cannot read \(ENOENT\)/);
});

test('parse --json reads stdin and emits one element per run', () => {
  const csv =
    '1.98,2.00a,vm,1,1795581481,256M,,8192,5,1363,99,+++++,+++,+++++,+++,2128,99,+++++,+++,+++++,+++,1,,,,,' +
    '1236,97,+++++,+++,+++++,+++,1354,97,+++++,+++,+++++,+++,' +
    '10484us,200us,86us,6774us,215us,12831us,2809us,58us,263us,1982us,30us,82us\n';
  const r = kickbench(['parse', '-', '--json'], csv);
  assert.equal(r.status, 0, r.stderr);
  const runs = JSON.parse(r.stdout);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].metrics.putc.value, 1363);
  assert.equal(runs[0].metrics.put_block.status, 'too_fast');
  assert.equal(runs[0].metrics.put_block.value, null);
});

test('report and compare refuse missing or corrupt results files', () => {
  writeFileSync(join(tmp, 'corrupt.json'), '{"schema": "kickbench/results", "version": 1');
  for (const args of [
    ['report', join(tmp, 'nothing.json')],
    ['report', join(tmp, 'corrupt.json')],
    ['compare', join(tmp, 'corrupt.json'), join(tmp, 'corrupt.json')],
  ]) {
    const r = kickbench(args);
    // compare is a CI gate: an input error is exit 2, kept apart from 1 (regression) and 3 (cannot judge)
    assert.equal(r.status, args[0] === 'compare' ? 2 : 1, `kickbench ${args.join(' ')}`);
    assert.match(r.stderr, /^kickbench: /);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('list prints every scenario', () => {
  const r = kickbench(['list']);
  assert.equal(r.status, 0);
  for (const s of ['seed', 'quick', 'doorbell', 'block-phases']) assert.match(r.stdout, new RegExp(`^${s} `, 'm'));
  assert.match(r.stdout, /^peers-quick +exit\/ioeventfd \+ qemu\/host x6, /m, 'the peers a scenario runs are listed');
});

test('compare: exit 0 pass, 1 regression, 2 input error, 3 cannot judge; merge combines hosts', () => {
  // Synthetic fixtures (seeded PRNG), not measurements: they only drive the gate's logic.
  const base = join(tmp, 'base.json');
  const same = join(tmp, 'same.json');
  const slower = join(tmp, 'slower.json');
  writeResultsAtomic(base, syntheticResultSet({ seed: 1, n: 10, noise: 0.02 }));
  writeResultsAtomic(same, syntheticResultSet({ seed: 2, n: 10, noise: 0.02 }));
  writeResultsAtomic(slower, syntheticResultSet({ seed: 3, n: 10, noise: 0.02, effect: 0.7 }));
  const ok = kickbench(['compare', base, same, '--threshold', '5']);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = kickbench(['compare', base, slower, '--threshold', '5']);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout.split('\n')[0], /^REGRESSION: .*ioeventfd .*%/);
  const nested = join(tmp, 'nested.json');
  writeResultsAtomic(nested, syntheticResultSet({ seed: 5, n: 10, noise: 0.02, where: 'nested' }));
  const mixed = kickbench(['compare', base, nested]);
  assert.equal(mixed.status, 2);
  assert.match(
    mixed.stderr,
    /^kickbench: base ran on hardware but head on nested: comparing them would measure the machine/,
  );
  const lenient = kickbench(['compare', base, slower, '--threshold', '50']);
  assert.equal(lenient.status, 0, 'a 30% slowdown is within a 50% threshold');
  assert.match(lenient.stdout.split('\n')[0], /^PASS: /);
  const small = join(tmp, 'small.json');
  writeResultsAtomic(small, syntheticResultSet({ seed: 6, n: 3, noise: 0.02, effect: 0.7 }));
  const blind = kickbench(['compare', small, small]);
  assert.equal(blind.status, 3, 'n=3 per arm can never decide: cannot judge, not pass');
  assert.match(blind.stdout.split('\n')[0], /^CANNOT JUDGE: underpowered/);
  const merged = join(tmp, 'merged.json');
  writeResultsAtomic(
    join(tmp, 'other-host.json'),
    syntheticResultSet({ seed: 4, n: 10, noise: 0.02, host: 'other-host' }),
  );
  const m = kickbench(['merge', base, join(tmp, 'other-host.json'), '-o', merged]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stderr, /2 host\(s\)/);
  const csv = kickbench(['report', merged, '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  assert.match(csv.stdout.split('\n')[0], /host.*where.*scenario.*vmm.*mode.*metric.*value.*unit/);
});

test('help text: whole words, one example per line, every option described', () => {
  const top = kickbench(['--help']).stdout;
  assert.ok(top.includes('with bonnie++ in a Linux guest'), 'the usage line is not broken mid-word');
  const report = kickbench(['report', '--help']).stdout;
  assert.match(report, /^ {2}kickbench report \S+ --format md >> "\$GITHUB_STEP_SUMMARY"\s+a CI job summary$/m);
  for (const c of ['doctor', 'micro', 'parse', 'list']) {
    const json = kickbench([c, '--help'])
      .stdout.split('\n')
      .find((l) => l.trimStart().startsWith('--json'));
    assert.ok(json, `${c} has --json`);
    assert.match(json, /--json\s+\S.*\[boolean\]/, `${c} --json says what it does`);
  }
});

test('output into a closed pipe ends quietly', () => {
  const r = spawnSync(
    'sh',
    ['-c', `"${process.execPath}" "${cliPath}" parse --help | head -c 1 >/dev/null; echo "status=$?"`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const big = spawnSync(
    'sh',
    [
      '-c',
      `for i in $(seq 200); do cat "${join(repoRoot(), 'harness/bonnie/fixtures/a-default.stdout')}"; done > "${tmp}/many.txt"; ` +
        `"${process.execPath}" "${cliPath}" parse "${tmp}/many.txt" 2>"${tmp}/pipe.err" | head -n 1 >/dev/null; ` +
        'echo "status=${PIPESTATUS:-0}"',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0);
  assert.equal(big.status, 0, big.stderr);
  assert.equal(readFileSync(join(tmp, 'pipe.err'), 'utf8'), '', 'no EPIPE stack trace');
});

test('merge -o creates the folder it writes into; parse names the file once', () => {
  const a = join(tmp, 'm-a.json');
  writeResultsAtomic(a, syntheticResultSet({ seed: 5, n: 2 }));
  const out = join(tmp, 'new', 'deeper', 'all.json');
  const r = kickbench(['merge', a, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(out));
  const bad = join(tmp, 'bad.out');
  writeFileSync(bad, 'nothing here\n');
  const p = kickbench(['parse', bad]);
  assert.equal(p.status, 1);
  assert.equal(p.stderr.split(bad).length - 1, 1, p.stderr);
});

test('run refuses a plan that can never decide, before anything boots', () => {
  const out = join(tmp, 'never-created');
  const r = kickbench(['run', 'doorbell', '-n', '3', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^power check: doorbell .*n=3 per arm.*NO verdict is reachable; needs n >= 4 per arm/m);
  assert.match(r.stderr, /^kickbench: refusing a plan that can never decide \(doorbell\)/m);
  assert.equal(existsSync(out), false, 'nothing was written, nothing booted');
  const seq = kickbench(['run', 'seed', '-n', '6', '--until-decided']);
  assert.equal(seq.status, 2);
  assert.match(seq.stderr, /--until-decided needs --max-n/);
});
