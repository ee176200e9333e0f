import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kickvmmArgs, type VmJob } from './job.js';
import { buildBatchArchive, qemuArgs, virtioDiskName, withL1Retries } from './rig.js';

test('virtio-blk device names follow Linux: vda..vdz, vdaa', () => {
  assert.deepEqual([0, 1, 25, 26, 27].map(virtioDiskName), ['vda', 'vdb', 'vdz', 'vdaa', 'vdab']);
});

test('QEMU gets one virtio disk per job, in job order, commas escaped', () => {
  const args = qemuArgs({
    kernel: '/k',
    initrd: '/i',
    memMiB: 2048,
    cpus: 2,
    cache: 'writeback',
    disks: [{ path: '/a,b.img' }, { path: '/c.img', readonly: true }],
  });
  const drives = args.filter((_, i) => args[i - 1] === '-drive');
  assert.deepEqual(drives, [
    'file=/a,,b.img,if=virtio,format=raw,cache=writeback',
    'file=/c.img,if=virtio,format=raw,cache=writeback,readonly=on',
  ]);
  assert.ok(args.includes('EPYC,+svm,+npt') && args.includes('-no-reboot'));
});

test('kickvmm arguments carry every job field', () => {
  const job: VmJob = {
    id: 'j',
    kernel: '/k',
    initrd: '/i',
    cmdline: 'a b',
    disk: '/d',
    mode: 'exit',
    memMiB: 256,
    cpus: 2,
    timeoutSec: 60,
    readonly: true,
    boot: 'pvh',
  };
  assert.deepEqual(kickvmmArgs(job, { kernel: '/K', initrd: '/I', disk: '/dev/vda', statsPath: '/s' }), [
    '--kernel',
    '/K',
    '--disk',
    '/dev/vda',
    '--mode',
    'exit',
    '--mem',
    '256',
    '--cpus',
    '2',
    '--cmdline',
    'a b',
    '--stats',
    '/s',
    '--timeout',
    '60',
    '--boot',
    'pvh',
    '--initrd',
    '/I',
    '--readonly',
  ]);
});

test('the batch archive holds /init, kickvmm with its libraries, each input once, and runnable job scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-rig-'));
  try {
    writeFileSync(join(dir, 'kernel'), 'K');
    const job = (id: string, cmdline: string): VmJob => ({
      id,
      kernel: join(dir, 'kernel'),
      cmdline,
      disk: '/unused',
      mode: 'ioeventfd',
      memMiB: 64,
      cpus: 1,
      timeoutSec: 10,
    });
    const { cpio } = buildBatchArchive([job('a', "it's"), job('b', 'x y')], '/usr/bin/ls', 'abcdef0123456789');
    const names = execFileSync('cpio', ['-t', '--quiet'], { input: cpio, encoding: 'utf8' }).trim().split('\n');
    for (const n of ['init', 'kick/kickvmm', 'batch/jobs', 'batch/nonce', 'batch/job0.sh', 'batch/job1.sh'])
      assert.ok(names.includes(n), n);
    assert.ok(names.some((n) => n.endsWith('/libc.so.6')));
    assert.equal(names.filter((n) => n.startsWith('batch/files/')).length, 1, 'a shared kernel is stored once');
    const out = join(dir, 'x');
    execFileSync('sh', ['-c', `mkdir ${out} && cd ${out} && cpio -id --quiet`], { input: cpio });
    assert.equal(readFileSync(join(out, 'batch/jobs'), 'utf8'), '0 vda 40\n1 vdb 40\n');
    // The job script, run with kickvmm replaced by printf, yields the exact argument list.
    const script = readFileSync(join(out, 'batch/job0.sh'), 'utf8').replace('exec /kick/kickvmm', "printf '%s\\n'");
    const argv = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trimEnd().split('\n');
    assert.equal(argv[argv.indexOf('--cmdline') + 1], "it's");
    assert.equal(argv[argv.indexOf('--disk') + 1], '/dev/vda');
    assert.equal(argv[argv.indexOf('--stats') + 1], '/tmp/stats.0.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jobs a wedged L1 cut short run again in a fresh L1, at most three boots, each retry saying why', async () => {
  const job = (id: string) => ({ id }) as VmJob;
  const calls: { ids: string[]; lastTry: boolean; note?: string }[] = [];
  // Every boot wedges after its first job: j0 in boot 1, j1 in boot 2, j2 delivered cut short by boot 3.
  await withL1Retries([job('j0'), job('j1'), job('j2'), job('j3')], async (pending, call) => {
    calls.push({ ids: pending.map((j) => j.id), ...call });
    return { cutShort: call.lastTry ? [] : pending.slice(1), l1Problem: `wedge ${calls.length}` };
  });
  assert.deepEqual(
    calls.map((c) => c.ids),
    [
      ['j0', 'j1', 'j2', 'j3'],
      ['j1', 'j2', 'j3'],
      ['j2', 'j3'],
    ],
  );
  assert.deepEqual(
    calls.map((c) => c.lastTry),
    [false, false, true],
  );
  assert.equal(calls[0].note, undefined);
  assert.equal(calls[2].note, 'kickbench rig: retried in a fresh L1 after: wedge 1; then wedge 2\n');

  // A clean first boot is the only boot.
  let boots = 0;
  await withL1Retries([job('a')], async () => {
    boots++;
    return { cutShort: [], l1Problem: null };
  });
  assert.equal(boots, 1);
});
