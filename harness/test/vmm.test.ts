// kickvmm end to end with the probe guest. Bad input is checked on the host
// (kickvmm validates everything before it opens /dev/kvm). The guest runs
// under a real KVM: the local one when it exists, otherwise in the nested
// rig (one QEMU outer guest for the whole batch, to keep CI short).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { VmBatch } from './vm-batch.js';
import { parseProbeConsole } from '../runner/probe-output.js';
import { ensureAssets } from '../assets/cache.js';
import { sparseFile } from '../assets/disk.js';
import { decidePlace, detectHost, requestedPlace, type VmJob } from '../launch/index.js';
import { firstBadSector } from './probe-pattern.js';
import { KICK_MODES } from '../results/arms.js';

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const work = mkdtempSync(join(tmpdir(), 'kb-vmm-'));
const kickvmm = paths.kickvmm();

function makeDisk(name: string, mib: number): string {
  return sparseFile(join(work, name), mib * 1024 * 1024);
}

function runKickvmm(args: string[]) {
  const r = spawnSync(kickvmm, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bad input: one line on stderr and a non-zero exit, before KVM is touched', () => {
  const disk = makeDisk('args.img', 1);
  const corrupt = join(work, 'corrupt.elf');
  writeFileSync(corrupt, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(40, 0xee)]));
  const fifo = join(work, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const notAKernel = join(work, 'text.bin');
  writeFileSync(notAKernel, 'hello, I am not a kernel\n'.repeat(100));
  const cases: [string[], RegExp][] = [
    [['--kernel', join(work, 'missing.elf'), '--disk', disk, '--mode', 'exit'], /kernel/i],
    [['--kernel', corrupt, '--disk', disk, '--mode', 'exit'], /kernel|ELF/i],
    [['--kernel', notAKernel, '--disk', disk, '--mode', 'exit'], /kernel|not/i],
    [['--kernel', paths.probeGuest(), '--disk', join(work, 'missing.img'), '--mode', 'exit'], /disk/i],
    [['--kernel', paths.probeGuest(), '--disk', disk, '--mode', 'exit', '--mem', '0'], /mem/i],
    [['--kernel', paths.probeGuest(), '--disk', disk, '--mode', 'exit', '--mem', 'lots'], /mem/i],
    [['--kernel', paths.probeGuest(), '--disk', disk, '--mode', 'exit', '--mem', '999999'], /mem/i],
    [['--kernel', paths.probeGuest(), '--disk', disk, '--mode', 'sideways'], /mode/i],
    [['--kernel', paths.probeGuest(), '--disk', disk], /mode/i],
    [['--disk', disk, '--mode', 'exit'], /kernel/i],
    // A FIFO must be refused, not waited on.
    [['--kernel', fifo, '--disk', disk, '--mode', 'exit'], /kernel.*not a regular file/i],
    [['--kernel', paths.probeGuest(), '--disk', fifo, '--mode', 'exit'], /disk.*not a regular file/i],
    [
      ['--kernel', paths.probeGuest(), '--disk', disk, '--mode', 'exit', '--initrd', join(work, 'missing.cpio')],
      /initrd/i,
    ],
  ];
  for (const [args, re] of cases) {
    const r = runKickvmm(args);
    assert.notEqual(r.status, 0, `kickvmm ${args.join(' ')} should fail`);
    assert.ok(r.status !== null && r.status > 0, `kickvmm ${args.join(' ')} must exit, not die by a signal`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for kickvmm ${args.join(' ')}:\n${r.stderr}`);
    assert.match(lines[0], /^kickvmm: /);
    assert.match(lines[0], re);
  }
});

test('the probe guest boots under QEMU too', (t) => {
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (qemu.error) return t.skip('qemu-system-x86_64 is not installed');
  const disk = makeDisk('qemu.img', 16);
  const r = spawnSync(
    'qemu-system-x86_64',
    [
      ...'-accel tcg -M pc -m 128 -display none -monitor none -serial stdio -no-reboot'.split(' '),
      '-kernel',
      paths.probeGuest(),
      '-append',
      'write bs=4k count=16; verify count=8',
      '-drive',
      `file=${disk},if=none,id=d0,format=raw`,
      '-device',
      'virtio-blk-pci,drive=d0,disable-modern=on',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  const report = parseProbeConsole(r.stdout);
  assert.equal(report.endStatus, 'ok', `probe under QEMU:\n${r.stdout.slice(-2000)}`);
  assert.ok(report.lines.some((l) => l.workload === 'verify'));
});

// One batch of VMs under a real KVM, shared by the tests below.
const WRITE_BLOCKS = 64;
const DOORBELLS = 2000;
const FLOOR_KICKS = 5000;
const jobs: Record<string, VmJob> = {};
const batch = new VmBatch(work);

before(async () => {
  if (unitOnly) {
    batch.skipAll('KICKBENCH_UNIT_ONLY is set');
    return;
  }
  const host = await detectHost();
  // The same placement rule as kickbench run: the probe guest runs on any local KVM.
  const where = decidePlace(host, 'probe', requestedPlace());
  if (where === 'nested' && !host.qemu) {
    batch.skipAll('no local KVM here and QEMU is missing, so no KVM can exist for the probe guest');
    return;
  }
  const workload = `doorbell count=${DOORBELLS}; write bs=4k count=${WRITE_BLOCKS} depth=1; read bs=4k count=${WRITE_BLOCKS} depth=4; verify count=32`;
  for (const mode of KICK_MODES) {
    jobs[`probe-${mode}`] = {
      id: `probe-${mode}`,
      kernel: paths.probeGuest(),
      cmdline: workload,
      disk: makeDisk(`probe-${mode}.img`, 16),
      mode,
      memMiB: 64,
      cpus: 1,
      timeoutSec: 300,
    };
    jobs[`hostile-${mode}`] = {
      id: `hostile-${mode}`,
      kernel: paths.probeGuest(),
      cmdline: 'hostile; verify count=16',
      disk: makeDisk(`hostile-${mode}.img`, 16),
      mode,
      memMiB: 64,
      cpus: 1,
      timeoutSec: 300,
    };
  }
  if (where === 'nested') {
    // The floor (the micro-benchmark's device-less VM), once per mode, in the same outer guest.
    for (const mode of KICK_MODES) {
      jobs[`floor-${mode}`] = {
        id: `floor-${mode}`,
        kernel: paths.probeGuest(),
        cmdline: '',
        disk: makeDisk(`floor-${mode}.img`, 1),
        mode,
        memMiB: 64,
        cpus: 1,
        timeoutSec: 120,
        floor: { kicks: FLOOR_KICKS, repeats: 1 },
      };
    }
  }
  const assets = where === 'nested' ? await ensureAssets() : null;
  await batch.run(Object.values(jobs), where, assets);
});

for (const mode of KICK_MODES) {
  test(`probe guest runs to its end marker in ${mode} mode, and its data is on the image byte for byte`, (t) => {
    const r = batch.ran(t, `probe-${mode}`);
    if (!r) return;
    assert.equal(r.exitCode, 0, `kickvmm: ${r.stderr}\n${r.console.slice(-1500)}`);
    const report = parseProbeConsole(r.console);
    assert.equal(report.endStatus, 'ok', r.console.slice(-1500));
    const write = report.lines.find((l) => l.workload === 'write');
    assert.equal(write?.fields.errors, '0');
    assert.equal(Number(write?.fields.requests), WRITE_BLOCKS);
    // verify (2 passes over 32 blocks of 4 KiB) leaves tag 0x82 on sectors 0-255; write's first
    // pass leaves tag 0x01 on the rest of its 64 blocks (sectors 256-511); nothing else is written.
    const image = readFileSync(jobs[`probe-${mode}`].disk);
    assert.equal(firstBadSector(image, 0, 256, 0x82), null, 'verify region');
    assert.equal(firstBadSector(image, 256, 256, 0x01), null, 'write region');
    assert.equal(firstBadSector(image, 512, 1024, null), null, 'untouched sectors stay zero');
    assert.ok(r.stats, 'kickvmm wrote valid stats');
    assert.equal(r.stats.mode, mode);
    assert.ok(r.stats.requests.total >= WRITE_BLOCKS * 2, 'requests counted');
    assert.ok(r.stats.bytesWritten >= WRITE_BLOCKS * 4096);
  });
}

test('exit mode: every kick is a KVM_EXIT_IO, handed to the I/O thread, which services every request', (t) => {
  const r = batch.ran(t, 'probe-exit');
  if (!r) return;
  const s = r.stats;
  assert.ok(s, 'kickvmm wrote valid stats');
  assert.equal(s.armSemantics, 2);
  assert.ok(s.kicks >= DOORBELLS, `kicks ${s.kicks}`);
  assert.equal(s.notifyIoExits, s.kicks, 'each kick arrived as an io exit');
  assert.ok(s.exits.io >= s.kicks);
  assert.equal(s.ioExitsByPort?.['0x6210'], s.notifyIoExits, 'the notify exits are all on the notify port');
  assert.ok(s.eventfdWakeups > 0, 'the hand-offs woke the I/O thread');
  assert.equal(s.requestsServicedOn?.vcpu, 0, 'nothing serviced on the vCPU thread');
  assert.equal(s.requestsServicedOn?.ioThread, s.requests.total);
});

test('ioeventfd mode: kicks cause (almost) no io exits, and the eventfd wake-ups are counted', (t) => {
  const r = batch.ran(t, 'probe-ioeventfd');
  if (!r) return;
  const s = r.stats;
  assert.ok(s, 'kickvmm wrote valid stats');
  assert.ok(s.kicks >= DOORBELLS, `kicks ${s.kicks}`);
  assert.ok(s.eventfdWakeups > 0, 'the I/O thread woke on eventfds');
  assert.ok(s.eventfdSignals >= s.eventfdWakeups);
  // Only kicks before the ioeventfd was registered may still exit.
  assert.ok(s.notifyIoExits <= 2, `notify io exits ${s.notifyIoExits}`);
  assert.equal(s.requestsServicedOn?.vcpu, 0);
  assert.equal(s.requestsServicedOn?.ioThread, s.requests.total);
  const exitRun = batch.peek('probe-exit')?.stats;
  if (exitRun) assert.ok(s.exits.io < exitRun.exits.io - DOORBELLS / 2, 'far fewer io exits than exit mode');
});

test('inline mode: every kick is a KVM_EXIT_IO and the vCPU thread services every request itself', (t) => {
  const r = batch.ran(t, 'probe-inline');
  if (!r) return;
  const s = r.stats;
  assert.ok(s, 'kickvmm wrote valid stats');
  assert.ok(s.kicks >= DOORBELLS, `kicks ${s.kicks}`);
  assert.equal(s.notifyIoExits, s.kicks, 'each kick arrived as an io exit');
  assert.equal(s.ioExitsByPort?.['0x6210'], s.notifyIoExits);
  assert.equal(s.requestsServicedOn?.vcpu, s.requests.total);
  assert.equal(s.requestsServicedOn?.ioThread, 0);
  assert.equal(s.eventfdWakeups, 0, 'no I/O thread is involved');
  assert.equal(s.ioThreadCpuSeconds, 0);
});

for (const mode of KICK_MODES) {
  test(`hostile requests get IOERR (or NEEDS_RESET) and the VMM stays up (${mode})`, (t) => {
    const r = batch.ran(t, `hostile-${mode}`);
    if (!r) return;
    assert.equal(r.exitCode, 0, `kickvmm must survive: ${r.stderr}\n${r.console.slice(-1500)}`);
    const report = parseProbeConsole(r.console);
    const hostile = report.lines.find((l) => l.workload === 'hostile');
    assert.ok(hostile, r.console.slice(-1500));
    assert.ok(Number(hostile.fields.sent) > 0);
    assert.equal(Number(hostile.fields.lost ?? 0), 0, 'no request was left hanging');
    assert.equal(
      Number(hostile.fields.unexpected ?? 0),
      0,
      'every malformed request got IOERR, NEEDS_RESET or was left untouched',
    );
    assert.ok(Number(hostile.fields.ioerr) + Number(hostile.fields.needs_reset ?? 0) > 0);
    const verify = report.lines.find((l) => l.workload === 'verify');
    assert.equal(verify?.fields.errors, '0', 'valid requests still work afterwards');
    assert.equal(report.endStatus, 'ok');
    const s = r.stats;
    assert.ok(s, 'kickvmm wrote valid stats');
    assert.ok(s.badDescriptors + s.requests.ioerr + s.deviceNeedsReset > 0, 'the VMM counted the bad requests');
  });
}

test('kickvmm --probe reports the KVM kind and capabilities', (t) => {
  if (!existsSync('/dev/kvm')) return t.skip('no /dev/kvm on this host (the rig tests above cover kickvmm under KVM)');
  const r = runKickvmm(['--probe', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.ok(['hardware', 'emulating'].includes(p.kvmKind));
  assert.equal(typeof p.capIoeventfd, 'boolean');
});

// The floor: the doorbell's guest and kick path without a device. Locally
// kickvmm --floor runs here; without a local KVM it ran in the rig batch.
test('the floor: every kick exits in exit and inline mode, almost none with an ioeventfd; exit hands each to the I/O thread', (t) => {
  for (const mode of KICK_MODES) {
    let out: string;
    if (existsSync('/dev/kvm')) {
      const r = runKickvmm(['--floor', mode, '--kicks', String(FLOOR_KICKS)]);
      assert.equal(r.status, 0, r.stderr);
      out = r.stdout;
    } else {
      const r = batch.ran(t, `floor-${mode}`);
      if (!r) return;
      assert.equal(r.exitCode, 0, r.stderr);
      out = r.console;
    }
    const floor = JSON.parse(out.split('\n').find((l) => l.trim().startsWith('{')) ?? 'null');
    assert.ok(floor, `no floor JSON in: ${out}`);
    assert.equal(floor.mode, mode);
    assert.equal(floor.kicks, FLOOR_KICKS);
    if (!existsSync('/dev/kvm'))
      assert.equal(floor.kvmKind, 'hardware', 'KVM inside the rig runs guest instructions directly');
    if (mode === 'ioeventfd') {
      assert.ok(floor.notifyIoExits <= 2, `io exits ${floor.notifyIoExits}`);
      assert.ok(floor.eventfdSignals >= FLOOR_KICKS, `eventfd signals ${floor.eventfdSignals}`);
    } else {
      assert.equal(floor.notifyIoExits, FLOOR_KICKS, `${mode}: io exits ${floor.notifyIoExits}`);
      // Totals include the warm-up batch; exit signals the I/O thread once per kick, inline never.
      if (mode === 'exit') assert.ok(floor.eventfdSignals >= FLOOR_KICKS, `eventfd signals ${floor.eventfdSignals}`);
      else assert.equal(floor.eventfdSignals, 0);
    }
  }
});
