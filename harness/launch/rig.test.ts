import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kickvmmArgs, type VmJob } from './job.js';
import { buildBatchArchive, qemuArgs, virtioDiskName } from './rig.js';

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
