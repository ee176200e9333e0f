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
import { runInRig } from './rig.js';

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

test('each rig job is delivered as soon as it ends, with its logs; the scratch folder goes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-rigstream-'));
  const tmp = join(dir, 'tmp');
  const oldTmp = process.env.TMPDIR;
  try {
    const qemu = join(dir, 'qemu');
    writeFileSync(qemu, FAKE_QEMU);
    chmodSync(qemu, 0o755);
    writeFileSync(join(dir, 'kernel'), 'K');
    writeFileSync(join(dir, 'base.cpio'), '');
    for (const d of ['a.img', 'b.img']) writeFileSync(join(dir, d), '');
    mkdirSync(tmp);
    process.env.TMPDIR = tmp;
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
    const delivered: { id: string; secondStarted: boolean; console: string }[] = [];
    const all = await runInRig([job('j0', 'a.img'), job('j1', 'b.img')], {
      assets: { l1: { kernel: join(dir, 'kernel'), baseInitramfs: join(dir, 'base.cpio') } } as never,
      kickvmm: '/usr/bin/ls',
      logDir: join(dir, 'logs'),
      qemu,
      onResult: (r: VmJobResult) =>
        delivered.push({ id: r.id, secondStarted: existsSync(join(dir, 'second-started')), console: r.console }),
    });
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
