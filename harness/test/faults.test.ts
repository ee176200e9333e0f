// kickbench under faults, end to end: signals to kickbench and to the npx
// wrapper, SIGKILL, --resume after an interrupt, a full disk. Each run uses the
// probe guest on this host's KVM (seconds per sample); every test checks that no
// child process and no temporary file is left behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { detectHost } from '../launch/index.js';
import { LogFile } from '../launch/log-file.js';
import { planRun } from '../runner/plan.js';
import { validateScenario } from '../scenarios/scenario.js';
import type { ResultSet } from '../results/schema.js';

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const cli = join(repoRoot(), 'dist/harness/cli.js');
const work = mkdtempSync(join(tmpdir(), 'kb-faults-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Why the VM tests cannot run here, or null. */
async function vmSkipReason(): Promise<string | null> {
  if (unitOnly) return 'KICKBENCH_UNIT_ONLY';
  const host = await detectHost();
  if (host.kvmKind === 'none')
    return `no usable local KVM (${host.kvmReason}); the probe guest would need the nested rig`;
  return null;
}

function scenario(dir: string, name: string, cmdline: string, repetitions: number): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      workload: { kind: 'probe', cmdline, diskMiB: 16 },
      repetitions,
      guest: { memMiB: 64 },
      timeoutSec: 600,
    }),
  );
  return file;
}

interface Started {
  proc: ChildProcess;
  /** the kickbench process itself (not the npx wrapper) */
  out: string;
  tmp: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** kickbench run, directly or through npx, with its own TMPDIR so temporary files can be counted. */
function startRun(name: string, args: string[], via: 'direct' | 'npx' = 'direct'): Started {
  const base = join(work, name);
  const tmp = join(base, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const out = join(base, 'out');
  // Short plans on purpose: these runs are about faults, not verdicts.
  const argv = ['run', ...args, '--allow-underpowered', '--out', out];
  const env = { ...process.env, TMPDIR: tmp, CI: 'true' };
  const proc =
    via === 'npx'
      ? spawn('npx', ['--no', 'kickbench', ...argv], { cwd: repoRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [cli, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  proc.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { proc, out, tmp, stderr: () => err, exit };
}

/** Live (not zombie) processes whose command line mentions `marker`. */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker) && !/^State:\s+Z/m.test(readFileSync(`/proc/${d}/status`, 'utf8')))
        found.push(`${d}: ${cmd.slice(0, 120)}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
    if (cond()) return true;
  return cond();
}

const kickvmmRunning = (out: string) => processesWith(out).some((p) => /kickvmm --kernel/.test(p));
const results = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultSet;
const images = (out: string) => (existsSync(join(out, 'disks')) ? readdirSync(join(out, 'disks')) : []);

/** After the run ended: no process of it, no temporary file, no image of an unfinished sample. */
async function assertNothingLeft(s: Started): Promise<void> {
  const base = join(s.out, '..');
  assert.ok(
    await until(() => processesWith(base).length === 0, 10_000),
    `left running: ${processesWith(base).join('; ')}`,
  );
  assert.deepEqual(readdirSync(s.tmp), [], 'no temporary files');
  assert.deepEqual(images(s.out), [], 'no disk image of an interrupted sample');
  assert.ok(await until(() => !existsSync(join(s.out, '.kickbench.lock')), 5000), 'lock released');
}

// A doorbell long enough (about a minute on an emulating KVM) to be interrupted mid-VM.
const LONG = 'doorbell count=1000000';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} to kickbench: children killed, results marked interrupted, one line, exit ${signal}`, async (t) => {
    const skip = await vmSkipReason();
    if (skip) return t.skip(skip);
    const dir = join(work, `sig-${signal}`);
    mkdirSync(dir, { recursive: true });
    const s = startRun(`sig-${signal}`, [scenario(dir, 'long', LONG, 1)]);
    assert.ok(await until(() => kickvmmRunning(s.out), 60_000), `kickvmm never started: ${s.stderr()}`);
    s.proc.kill(signal);
    const exit = await s.exit;
    const expected = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal];
    assert.equal(exit.code, expected, s.stderr());
    const last = s.stderr().trimEnd().split('\n').pop()!;
    assert.match(
      last,
      new RegExp(`^kickbench: interrupted by ${signal}; 0 of 2 sample\\(s\\) done, saved in .*--resume`),
    );
    const rs = results(s.out);
    assert.deepEqual(rs.completion, { planned: 2, done: 0, state: 'interrupted' });
    await assertNothingLeft(s);
  });
}

test('SIGKILL of kickbench: the watchdogs kill kickvmm and remove its image', async (t) => {
  const skip = await vmSkipReason();
  if (skip) return t.skip(skip);
  const dir = join(work, 'sigkill');
  mkdirSync(dir, { recursive: true });
  const s = startRun('sigkill', [scenario(dir, 'long', LONG, 1)]);
  assert.ok(await until(() => kickvmmRunning(s.out), 60_000), `kickvmm never started: ${s.stderr()}`);
  s.proc.kill('SIGKILL');
  await s.exit;
  const base = join(s.out, '..');
  assert.ok(
    await until(() => processesWith(base).length === 0, 10_000),
    `left running: ${processesWith(base).join('; ')}`,
  );
  assert.ok(await until(() => images(s.out).length === 0, 5000), 'the interrupted sample has no image left');
  assert.deepEqual(readdirSync(s.tmp), []);
  // Nobody could mark it: the lock names a dead process, so the next run takes the folder over.
  assert.equal(results(s.out).completion?.state, 'running');
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} to npx kickbench: kickbench stops too (npm's shell does not forward it)`, async (t) => {
    const skip = await vmSkipReason();
    if (skip) return t.skip(skip);
    const npx = spawnSync('npx', ['--version'], { encoding: 'utf8' });
    if (npx.error) return t.skip('npx is not installed');
    const dir = join(work, `npx-${signal}`);
    mkdirSync(dir, { recursive: true });
    const s = startRun(`npx-${signal}`, [scenario(dir, 'long', LONG, 1)], 'npx');
    assert.ok(await until(() => kickvmmRunning(s.out), 90_000), `kickvmm never started: ${s.stderr()}`);
    s.proc.kill(signal);
    await s.exit;
    // kickbench notices npm has gone within about a second, then cleans up like for SIGHUP.
    assert.ok(
      await until(() => results(s.out).completion?.state === 'interrupted', 15_000),
      'results marked interrupted',
    );
    await assertNothingLeft(s);
  });
}

test('--resume finishes an interrupted run with the same plan, order and seed', async (t) => {
  const skip = await vmSkipReason();
  if (skip) return t.skip(skip);
  const dir = join(work, 'resume');
  mkdirSync(dir, { recursive: true });
  const file = scenario(dir, 'short', 'doorbell count=5000', 2);
  const s = startRun('resume', [file, '--order', 'random', '--seed', '7']);
  assert.ok(
    await until(() => existsSync(join(s.out, 'results.json')) && results(s.out).samples.length >= 1, 120_000),
    `no sample recorded: ${s.stderr()}`,
  );
  s.proc.kill('SIGINT');
  assert.equal((await s.exit).code, 130, s.stderr());
  const interrupted = results(s.out);
  assert.equal(interrupted.completion?.state, 'interrupted');
  assert.ok(interrupted.samples.length >= 1 && interrupted.samples.length < 4, `done ${interrupted.samples.length}`);
  // Keep a copy of the interrupted run for the full-disk test.
  mkdirSync(join(work, 'interrupted-copy'));
  for (const f of ['results.json', 'run.json']) copyFileSync(join(s.out, f), join(work, 'interrupted-copy', f));

  // Plan flags with --resume would change the plan: refused.
  const bad = spawnSync(process.execPath, [cli, 'run', '--resume', s.out, '--seed', '8'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^kickbench: --resume takes the plan from its folder: drop --seed\n$/);

  const r = spawnSync(process.execPath, [cli, 'run', '--resume', s.out], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: s.tmp, CI: 'true' },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const done = results(s.out);
  assert.deepEqual(done.completion, { planned: 4, done: 4, state: 'complete' });
  // The same plan a fresh run with seed 7 makes: every sample once, at its planned position.
  const sc = validateScenario(JSON.parse(readFileSync(file, 'utf8')), 'short.json');
  const plan = planRun([sc], { seed: 7, order: 'random' });
  const planned = plan.map((p) => `${p.scenario.name}/${p.arm.name}/run${p.index}@${p.order}`).sort();
  assert.deepEqual(done.samples.map((x) => `${x.id}@${x.order}`).sort(), planned);
  assert.deepEqual(
    done.samples.slice(0, interrupted.samples.length),
    interrupted.samples,
    'the samples measured before the interrupt are kept as they were',
  );
  assert.equal(done.order, 'random:7');
  assert.deepEqual(readdirSync(s.tmp), []);
  assert.deepEqual(images(s.out), []);
});

test('a log stream that hits a full disk is a one-line error, not a crash', async () => {
  if (!existsSync('/dev/full')) return;
  const dir = join(work, 'devfull');
  mkdirSync(dir);
  symlinkSync('/dev/full', join(dir, 'console.log'));
  const seen: string[] = [];
  const log = new LogFile(join(dir, 'console.log'), 'w', (e) => seen.push(e.message));
  log.write('boot\n');
  log.write('more\n');
  await assert.rejects(log.close(), /cannot write .*console\.log: no space left on device \(ENOSPC\)/);
  assert.equal(seen.length, 1, 'told once');
});

test('ENOSPC: a full --out folder gives one line and exit 2, and an interrupted run keeps its results', async (t) => {
  const skip = await vmSkipReason();
  if (skip) return t.skip(skip);
  if (process.getuid?.() !== 0) return t.skip('mounting a small tmpfs needs root');
  if (!existsSync(join(work, 'interrupted-copy', 'results.json'))) return t.skip('needs the --resume test before it');
  const mnt = join(work, 'small-fs');
  mkdirSync(mnt);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'kb-faults', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) return t.skip(`cannot mount a tmpfs: ${mount.stderr.trim()}`);
  try {
    const kept = join(mnt, 'kept');
    mkdirSync(kept);
    for (const f of ['results.json', 'run.json']) copyFileSync(join(work, 'interrupted-copy', f), join(kept, f));
    const before = readFileSync(join(kept, 'results.json'));
    // Fill the filesystem to the last byte.
    spawnSync('sh', ['-c', `cat /dev/zero > ${join(mnt, 'filler')}`]);
    const env = { ...process.env, TMPDIR: join(work, 'resume', 'tmp'), CI: 'true' };
    const fresh = spawnSync(
      process.execPath,
      [cli, 'run', join(work, 'resume', 'short.json'), '-q', '--allow-underpowered', '--out', join(mnt, 'new')],
      { encoding: 'utf8', env, timeout: 120_000 },
    );
    assert.equal(fresh.status, 2, fresh.stderr);
    assert.match(fresh.stderr, /^kickbench: .*no space left on device.*\n$/);
    const resumed = spawnSync(process.execPath, [cli, 'run', '-q', '--resume', kept], {
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
    assert.equal(resumed.status, 2, resumed.stderr);
    assert.match(resumed.stderr, /^kickbench: .*no space left on device.*\n$/);
    assert.deepEqual(readFileSync(join(kept, 'results.json')), before, 'results.json as it was');
    assert.ok(await until(() => processesWith(mnt).length === 0, 10_000), processesWith(mnt).join('; '));
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('a second run into a locked --out is refused in one line; its results are left alone', async () => {
  const out = join(work, 'locked');
  mkdirSync(out);
  // Held by a live process: this test.
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  writeFileSync(
    join(out, '.kickbench.lock'),
    `${process.pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}\n`,
  );
  writeFileSync(join(out, 'results.json'), 'theirs');
  const r = spawnSync(process.execPath, [cli, 'run', 'doorbell', '-q', '--out', out, '--force'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `kickbench: ${out} is in use by another kickbench run (pid ${process.pid})\n`);
  assert.equal(readFileSync(join(out, 'results.json'), 'utf8'), 'theirs');
  rmSync(join(out, '.kickbench.lock'));
  const refused = spawnSync(process.execPath, [cli, 'run', 'doorbell', '-q', '--out', out], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(
    refused.stderr,
    /^kickbench: .* already holds results: --force replaces them, --resume .* continues that run\n$/,
  );
  assert.equal(existsSync(join(out, '.kickbench.lock')), false);
});
