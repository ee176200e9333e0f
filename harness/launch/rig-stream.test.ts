// The rig's results stream back job by job: a stand-in QEMU replays what
// rig-init.sh prints, and each job's result must reach the caller while L1
// is still running the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmJob, VmJobResult } from './job.js';
import { RIG_L1_BOOTS_PER_BATCH, runInRig } from './rig.js';

// Reads the batch nonce from the initramfs QEMU was given, then plays two jobs.
const FAKE_QEMU = `#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = -initrd ] && initrd=$2; shift; done
N=$(cpio -i --quiet --to-stdout batch/nonce < "$initrd")
say() { printf '\\n@@KBRIG:%s:%s@@\\n' "$N" "$1"; }
say READY:kvm=1
say BEGIN:0
echo "console of job 0"
say "STATS:0:$(printf '{"exits":1}' | base64)"
say END:0:0:1
sleep 1
touch "$FAKE_DIR/second-started"
say BEGIN:1
echo "console of job 1"
say END:1:0:1
say ALL-DONE
`;

/** A scratch folder with a stand-in QEMU running `script`, an L1 kernel and two job disks. */
function standIn(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kb-rigstream-'));
  const qemu = join(dir, 'qemu');
  writeFileSync(qemu, script);
  chmodSync(qemu, 0o755);
  writeFileSync(join(dir, 'kernel'), 'K');
  writeFileSync(join(dir, 'base.cpio'), '');
  for (const d of ['a.img', 'b.img']) writeFileSync(join(dir, d), '');
  process.env.FAKE_DIR = dir;
  const job = (id: string, disk: string): VmJob => ({
    id,
    kernel: join(dir, 'kernel'),
    cmdline: 'x',
    disk: join(dir, disk),
    mode: 'exit',
    memMiB: 64,
    cpus: 1,
    timeoutSec: 30,
  });
  const options = (onResult: (r: VmJobResult) => void) => ({
    assets: { l1: { kernel: join(dir, 'kernel'), baseInitramfs: join(dir, 'base.cpio') } } as never,
    kickvmm: '/usr/bin/ls',
    logDir: join(dir, 'logs'),
    qemu,
    onResult,
  });
  return { dir, jobs: [job('j0', 'a.img'), job('j1', 'b.img')], options };
}

test('each rig job is delivered as soon as it ends, with its logs; the scratch folder goes', async () => {
  const { dir, jobs, options } = standIn(FAKE_QEMU);
  const tmp = join(dir, 'tmp');
  const oldTmp = process.env.TMPDIR;
  try {
    mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    const delivered: { id: string; secondStarted: boolean; console: string }[] = [];
    const all = await runInRig(
      jobs,
      options((r) =>
        delivered.push({ id: r.id, secondStarted: existsSync(join(dir, 'second-started')), console: r.console }),
      ),
    );
    assert.deepEqual(
      delivered.map((d) => [d.id, d.secondStarted]),
      [
        ['j0', false],
        ['j1', true],
      ],
      'job 0 was delivered before L1 began job 1',
    );
    assert.equal(delivered[0].console, 'console of job 0\n');
    assert.deepEqual(
      all.map((r) => [r.id, r.exitCode]),
      [
        ['j0', 0],
        ['j1', 0],
      ],
    );
    assert.equal(readFileSync(join(dir, 'logs', 'j0.stats.json'), 'utf8'), '{"exits":1}', 'its stats file came back');
    assert.equal(readFileSync(join(dir, 'logs', 'j0.console.log'), 'utf8'), 'console of job 0\n');
    assert.deepEqual(readdirSync(tmp), [], 'the L1 scratch folder is removed');
  } finally {
    if (oldTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = oldTmp;
    rmSync(dir, { recursive: true, force: true });
  }
});

// First boot: job 0 ends, L1 dies during job 1 (QEMU exits 1). Later boots: whatever
// jobs they were given end cleanly, unless FAKE_ALWAYS_DIE is set.
const DYING_QEMU = `#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = -initrd ] && initrd=$2; shift; done
N=$(cpio -i --quiet --to-stdout batch/nonce < "$initrd")
jobs=$(cpio -i --quiet --to-stdout batch/jobs < "$initrd" | wc -l)
say() { printf '\\n@@KBRIG:%s:%s@@\\n' "$N" "$1"; }
boot=$(cat "$FAKE_DIR/boots" 2>/dev/null || echo 0); echo $((boot + 1)) > "$FAKE_DIR/boots"
say READY:kvm=1
if [ "$boot" = 0 ] || [ -n "$FAKE_ALWAYS_DIE" ]; then
  if [ "$jobs" = 2 ]; then say BEGIN:0; echo "job 0"; say END:0:0:1; fi
  say BEGIN:$((jobs - 1)); echo "L1 wedged" >&2; exit 1
fi
i=0; while [ $i -lt "$jobs" ]; do say BEGIN:$i; echo "retry $i"; say END:$i:0:1; i=$((i + 1)); done
say ALL-DONE
`;

async function runDying(alwaysDie: boolean) {
  const { dir, jobs, options } = standIn(DYING_QEMU);
  if (alwaysDie) process.env.FAKE_ALWAYS_DIE = '1';
  else delete process.env.FAKE_ALWAYS_DIE;
  try {
    const delivered: string[] = [];
    const results = await runInRig(
      jobs,
      options((r) => delivered.push(r.id)),
    );
    return { results, delivered, boots: Number(readFileSync(join(dir, 'boots'), 'utf8')) };
  } finally {
    delete process.env.FAKE_ALWAYS_DIE;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a job an L1 failure cut short runs once more in a fresh L1, and its result says why', async () => {
  const { results, delivered, boots } = await runDying(false);
  assert.equal(boots, 2);
  assert.deepEqual(delivered, ['j0', 'j1'], 'each job delivered once');
  const [j0, j1] = results;
  assert.equal(j0.exitCode, 0);
  assert.equal(j0.console, 'job 0\n');
  assert.doesNotMatch(j0.stderr, /retried/, 'the job that ended is not retried');
  assert.equal(j1.exitCode, 0);
  assert.equal(j1.console, 'retry 0\n');
  assert.match(j1.stderr, /^kickbench rig: retried in a fresh L1 after: QEMU exited with status 1: L1 wedged\n/);
});

test('a job cut short in every boot is delivered as a failure with the L1 problem, not retried again', async () => {
  const { results, delivered, boots } = await runDying(true);
  assert.equal(boots, RIG_L1_BOOTS_PER_BATCH, 'no boot beyond the last try');
  assert.deepEqual(delivered, ['j0', 'j1']);
  const j1 = results[1];
  assert.equal(j1.exitCode, null);
  assert.equal(j1.timedOut, false, 'L1 died; no guard stopped the job');
  assert.match(j1.stderr, /retried in a fresh L1 after: QEMU exited with status 1/);
  assert.match(j1.stderr, /kickbench rig: job did not finish: QEMU exited with status 1: L1 wedged\n$/);
});
