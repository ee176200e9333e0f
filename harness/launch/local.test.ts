import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VmJob } from './job.js';
import { runLocal } from './local.js';
import { zeroVmmStats } from '../results/vmm-stats.js';

const STATS = { ...zeroVmmStats('ioeventfd'), kicks: 5, exitReason: 'clean' as const };

// A stand-in for kickvmm: same CLI shape, behaviour picked by --cmdline.
const FAKE = `#!/bin/sh
stats=; cmdline=
while [ $# -gt 0 ]; do
  case "$1" in --stats) stats=$2; shift ;; --cmdline) cmdline=$2; shift ;; esac
  shift
done
printf 'boot %s\\r\\n' "$cmdline"
echo "one-line error" >&2
case "$cmdline" in
  hang) exec sleep 1000 ;;
  crash) exit 2 ;;
  bad-stats) echo '{"kicks": "five"}' > "$stats"; exit 0 ;;
esac
echo '${JSON.stringify(STATS)}' > "$stats"
exit 0
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kb-local-'));
  const kickvmm = join(dir, 'kickvmm');
  writeFileSync(kickvmm, FAKE);
  chmodSync(kickvmm, 0o755);
  const job = (id: string, cmdline: string, timeoutSec = 30): VmJob => ({
    id,
    kernel: '/k',
    cmdline,
    disk: join(dir, 'disk.img'),
    mode: 'ioeventfd',
    memMiB: 64,
    cpus: 1,
    timeoutSec,
  });
  return { dir, kickvmm, job, logDir: join(dir, 'logs') };
}

test('a clean run: console streamed and logged, stats read back', async () => {
  const s = setup();
  try {
    const chunks: string[] = [];
    const r = await runLocal(s.job('a', 'console=ttyS0 x=1'), {
      kickvmm: s.kickvmm,
      logDir: s.logDir,
      onConsole: (id, c) => chunks.push(`${id}:${c}`),
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.console, 'boot console=ttyS0 x=1\r\n');
    assert.deepEqual(chunks, ['a:boot console=ttyS0 x=1\r\n']);
    assert.equal(readFileSync(join(s.logDir, 'a.console.log'), 'utf8'), r.console);
    assert.deepEqual(r.stats, STATS);
    assert.equal(r.stderr, 'one-line error\n');
    assert.equal(r.timedOut, false);
    assert.equal(r.where, 'hardware');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a crash keeps its exit status and console; no stale stats', async () => {
  const s = setup();
  try {
    writeFileSync(join(s.dir, 'stale'), '');
    const r = await runLocal(s.job('b', 'crash'), { kickvmm: s.kickvmm, logDir: s.logDir, where: 'emulating' });
    assert.equal(r.exitCode, 2);
    assert.equal(r.stats, null);
    assert.equal(existsSync(join(s.logDir, 'b.stats.json')), false);
    assert.equal(r.console, 'boot crash\r\n');
    assert.equal(r.where, 'emulating');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a stats file that is not valid kickvmm stats reads as none (the file stays in the logs)', async () => {
  const s = setup();
  try {
    const r = await runLocal(s.job('d', 'bad-stats'), { kickvmm: s.kickvmm, logDir: s.logDir });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stats, null);
    assert.equal(readFileSync(join(s.logDir, 'd.stats.json'), 'utf8'), '{"kicks": "five"}\n');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a hung child is killed by the host-side timer and reported as timed out', async () => {
  const s = setup();
  try {
    const r = await runLocal(s.job('c', 'hang', 1), { kickvmm: s.kickvmm, logDir: s.logDir, graceSec: 0 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.console, 'boot hang\r\n');
    assert.match(r.stderr, /killed/);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a missing kickvmm and a bad job id are clear errors', async () => {
  const s = setup();
  try {
    await assert.rejects(
      runLocal(s.job('d', 'x'), { kickvmm: join(s.dir, 'nope'), logDir: s.logDir }),
      /kickvmm not found/,
    );
    await assert.rejects(runLocal(s.job('../e', 'x'), { kickvmm: s.kickvmm, logDir: s.logDir }), /file-safe/);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});
