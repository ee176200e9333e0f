import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmJob } from '../launch/job.js';
import { findTool } from '../assets/exec.js';
import { buildBatchArchive } from '../launch/rig.js';
import { harnessFile, paths } from '../paths.js';
import { L1_QEMU, L1_QEMU_FIRMWARE, qemuRigJobScript, qemuRigStats } from './qemu-rig.js';

const job: VmJob = {
  id: 'q',
  vmm: 'qemu',
  kernel: '/k',
  initrd: '/i',
  cmdline: "console=ttyS0 kb.bonnie='x'",
  disk: '/d.img',
  mode: 'exit',
  memMiB: 92,
  cpus: 1,
  timeoutSec: 900,
};
const where = { kernel: '/batch/files/k', initrd: '/batch/files/i', disk: '/dev/vdb', statsPath: '/tmp/stats.1.json' };

/** The words of a job script, undoing shellQuote. */
function words(script: string): string[] {
  const out = spawnSync('sh', ['-c', `set -- ${script.replace(/^exec /, '').trim()}; printf '%s\\0' "$@"`], {
    encoding: 'utf8',
  });
  return out.stdout.split('\0').slice(0, -1);
}

test('a QEMU job in L1: the driver, the held-equal device, a QMP pipe, the console on stdout, the shipped firmware', () => {
  const w = words(qemuRigJobScript(job, { ...where, qmpPipe: '/tmp/qmp.1' }));
  assert.deepEqual(w.slice(0, 3), ['/bin/busybox', 'sh', '/kick/qemu/qemu-in-l1.sh']);
  assert.deepEqual(w.slice(3, 7), ['/tmp/stats.1.json', '900', '/tmp/qmp.1', L1_QEMU]);
  const args = w.slice(7);
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('-accel'), 'kvm', "L1's own (nested) KVM, never TCG");
  assert.equal(after('-L'), L1_QEMU_FIRMWARE);
  assert.equal(after('-serial'), 'file:/proc/self/fd/1');
  assert.equal(after('-chardev'), 'pipe,id=qmp,path=/tmp/qmp.1');
  assert.equal(after('-mon'), 'chardev=qmp,mode=control');
  assert.equal(after('-append'), job.cmdline);
  assert.ok(!args.includes('-qmp'));
  assert.match(after('-drive'), /^file=\/dev\/vdb,if=none,id=d0,format=raw,cache=writeback,aio=threads$/);
  assert.match(after('-device'), /ioeventfd=off,vectors=0,event_idx=off,.*request-merging=off/);
  const io = words(qemuRigJobScript({ ...job, mode: 'ioeventfd', iothread: true }, { ...where, qmpPipe: '/p' }));
  assert.ok(io.includes('iothread,id=io0,poll-max-ns=0'));
  assert.throws(() => qemuRigJobScript({ ...job, mode: 'inline' }, { ...where, qmpPipe: '/p' }), /no inline arm/);
});

test("the driver's stats lines become the sample's record: counters summed, threads split, what is missing said", () => {
  const text = [
    'version QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
    `arg ${L1_QEMU}`,
    'arg -append',
    'arg console=ttyS0 quiet',
    'query-stats {"return": [{"provider": "kvm", "stats": [{"name": "exits", "value": 1200}, ' +
      '{"name": "io_exits", "value": 900}, {"name": "guest_mode", "value": false}]}]}',
    'thread 1 4 qemu-system-x86',
    'thread 0 33 CPU 0/KVM',
    'thread 2 10 worker',
    'tsc-mhz 2445.430',
    '',
  ].join('\n');
  const s = qemuRigStats(text, { mode: 'exit' })!;
  assert.equal(s.vmm, 'qemu');
  assert.deepEqual(s.kvm, { exits: 1200, io_exits: 900 });
  assert.equal(s.vcpuCpuSeconds, 0.33);
  assert.equal(s.otherThreadsCpuSeconds, 0.17);
  assert.equal(s.tscKhz, 2445430);
  assert.equal(s.qemu?.version, 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
  assert.deepEqual(s.qemu?.args, [L1_QEMU, '-append', 'console=ttyS0 quiet']);
  assert.equal(s.mode, 'exit');
  assert.equal(s.exitReason, 'clean');
  assert.equal(s.missing, undefined);
  // QEMU ended before its guest's reset: no counters, and the record says so.
  const early = qemuRigStats('version QEMU emulator version 7.2\narg x\n', { mode: 'ioeventfd', iothread: true })!;
  assert.equal(early.kvm, undefined);
  assert.equal(early.exitReason, undefined);
  assert.deepEqual(early.missing, ['kvm counters: QEMU never reached its guest end']);
  assert.equal(early.iothread, true);
  const refused = qemuRigStats('missing kvm counters: query-stats answered {"error": {}}\nthread 0 1 CPU 0/KVM\n', {
    mode: 'exit',
  })!;
  assert.deepEqual(refused.missing, ['kvm counters: query-stats answered {"error": {}}']);
  assert.equal(qemuRigStats(null, { mode: 'exit' }), null);
});

test("a batch with a QEMU job ships QEMU, its firmware and the driver into L1's archive, each library once", (t) => {
  const qemu = findTool('qemu-system-x86_64');
  if (!qemu) return t.skip('qemu-system-x86_64 is not installed here');
  const dir = mkdtempSync(join(tmpdir(), 'qemu-rig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = ['k', 'i'].map((n) => {
    writeFileSync(join(dir, n), n);
    return join(dir, n);
  });
  const jobs: VmJob[] = [
    { ...job, id: 'a', kernel: files[0], initrd: files[1], vmm: undefined, mode: 'ioeventfd' },
    { ...job, id: 'b', kernel: files[0], initrd: files[1] },
  ];
  const withQemu = buildBatchArchive(jobs, paths.kickvmm(), '0123456789abcdef', qemu);
  const names = cpioNames(withQemu.cpio);
  for (const f of [
    L1_QEMU,
    `${L1_QEMU_FIRMWARE}/linuxboot_dma.bin`,
    `${L1_QEMU_FIRMWARE}/kvmvapic.bin`,
    '/kick/qemu/qemu-in-l1.sh',
  ])
    assert.ok(names.includes(f.slice(1)), `${f} is in the archive`);
  assert.equal(names.length, new Set(names).size, 'no path twice (QEMU and kickvmm share libc)');
  const scripts = names.filter((n) => /^batch\/job\d\.sh$/.test(n));
  assert.equal(scripts.length, 2);
  // kickvmm-only batches stay as small as before
  const without = buildBatchArchive([jobs[0]], paths.kickvmm(), '0123456789abcdef', qemu);
  assert.ok(!cpioNames(without.cpio).includes(L1_QEMU.slice(1)));
});

/** Entry names of a newc cpio archive. */
function cpioNames(buf: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  const pad = (n: number) => (n + 3) & ~3;
  while (at + 110 <= buf.length) {
    const field = (i: number) => parseInt(buf.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.toString('latin1', at + 110, at + 110 + nameSize - 1);
    if (name === 'TRAILER!!!') break;
    names.push(name);
    at = pad(pad(at + 110 + nameSize) + size);
  }
  return names;
}

// The driver speaks QMP over a pipe pair with busybox alone; here it runs under
// bash against a fake QEMU that plays the protocol (the rig test runs the real one).
const FAKE_QEMU = `#!/bin/bash
[ "$1" = --version ] && { echo 'QEMU emulator version 0.0-fake'; exit 0; }
for a in "$@"; do case $a in pipe,id=qmp,path=*) p=\${a#pipe,id=qmp,path=} ;; esac; done
exec 5<> "$p.in" 6<> "$p.out"
echo '{"QMP": {"version": {}, "capabilities": []}}' >&6
read -r l <&5; echo '{"return": {}}' >&6
echo 'guest console line'
[ "$FAKE" = die ] && exit 7
[ "$FAKE" = hang ] && exec sleep 60
echo '{"timestamp": {"seconds": 1}, "event": "STOP"}' >&6
read -r l <&5
case $l in *query-stats*) echo '{"return": [{"provider": "kvm", "stats": [{"name": "exits", "value": 42}]}]}' >&6 ;; esac
read -r l <&5
case $l in *quit*) exit 0 ;; esac
exit 9
`;

test('the L1 driver reads the counters at the guest end, and reports a QEMU that dies or hangs', (t) => {
  const bash = findTool('bash');
  if (!bash) return t.skip('no bash here');
  const dir = mkdtempSync(join(tmpdir(), 'qemu-driver-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, 'fake-qemu');
  writeFileSync(fake, FAKE_QEMU);
  chmodSync(fake, 0o755);
  const driver = harnessFile('peers', 'qemu-in-l1.sh');
  const run = (mode: string, limit: number) => {
    const stats = join(dir, `stats.${mode}`);
    const r = spawnSync(
      bash,
      [
        driver,
        stats,
        String(limit),
        join(dir, `qmp.${mode}`),
        fake,
        '-chardev',
        `pipe,id=qmp,path=${join(dir, `qmp.${mode}`)}`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, FAKE: mode },
        timeout: 30_000,
      },
    );
    return { ...r, stats: qemuRigStats(readFileSync(stats, 'utf8'), { mode: 'exit' })! };
  };
  const ok = run('ok', 20);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'guest console line\n', 'the console goes to stdout');
  assert.deepEqual(ok.stats.kvm, { exits: 42 });
  assert.equal(ok.stats.qemu?.version, 'QEMU emulator version 0.0-fake');
  assert.equal(ok.stats.qemu?.args[0], fake);
  const died = run('die', 20);
  assert.equal(died.status, 7, 'QEMU status passed on');
  assert.match(died.stderr, /QEMU ended \(status 7\) before its guest's reset/);
  assert.equal(died.stats.kvm, undefined);
  const hung = run('hang', 2);
  assert.equal(hung.status, 3, "the time limit ends it with kickvmm's timeout status");
  assert.match(hung.stderr, /did not end within 2 s; killed/);
});
