import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuArgs, QEMU_HELD_EQUAL, type QemuJob } from './qemu-args.js';

const base: QemuJob = {
  kernel: '/k/probe.elf',
  cmdline: 'doorbell count=10',
  disk: '/d/disk.img',
  arm: 'exit',
  memMiB: 64,
  cpus: 1,
  qmpSocket: '/t/qmp.sock',
  consoleFile: '/t/console.log',
};

function option(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

test('QEMU arguments hold every kickvmm-matching setting equal', () => {
  const args = qemuArgs(base);
  const device = option(args, '-device')[0].split(',');
  const drive = option(args, '-drive')[0].split(',');
  assert.equal(device[0], 'virtio-blk-pci');
  for (const s of [
    'disable-modern=on',
    'ioeventfd=off',
    'vectors=0',
    'event_idx=off',
    'num-queues=1',
    'queue-size=256',
    'indirect_desc=on',
    'packed=off',
    'discard=off',
    'write-zeroes=off',
    'request-merging=off',
  ]) {
    assert.ok(device.includes(s), `device lacks ${s}: ${device.join(',')}`);
  }
  for (const s of ['file=/d/disk.img', 'format=raw', 'cache=writeback', 'aio=threads']) {
    assert.ok(drive.includes(s), `drive lacks ${s}`);
  }
  assert.deepEqual(option(args, '-M'), ['pc']);
  assert.ok(args.includes('-nodefaults'));
  assert.deepEqual(option(args, '-m'), ['64']);
  assert.deepEqual(option(args, '-smp'), ['1']);
  assert.deepEqual(option(args, '-accel'), ['kvm']);
  assert.deepEqual(option(args, '-action'), ['reboot=shutdown,shutdown=pause']);
  assert.deepEqual(option(args, '-qmp'), ['unix:/t/qmp.sock,server=on,wait=off']);
  assert.deepEqual(option(args, '-serial'), ['file:/t/console.log']);
  assert.deepEqual(option(args, '-append'), ['doorbell count=10']);
  // every held-equal setting is documented with its reason
  for (const key of ['vectors=0', 'event_idx=off', 'request-merging=off', 'cache=writeback', 'aio=threads']) {
    assert.ok(QEMU_HELD_EQUAL[key], `${key} has no recorded reason`);
  }
});

test('arms map to ioeventfd=off/on; the iothread is an option of the ioeventfd arm only', () => {
  const on = qemuArgs({ ...base, arm: 'ioeventfd' });
  assert.ok(option(on, '-device')[0].includes('ioeventfd=on'));
  assert.equal(option(on, '-object').length, 0);
  const io = qemuArgs({ ...base, arm: 'ioeventfd', iothread: true });
  assert.deepEqual(option(io, '-object'), ['iothread,id=io0,poll-max-ns=0']);
  assert.ok(option(io, '-device')[0].split(',').includes('iothread=io0'));
  assert.throws(() => qemuArgs({ ...base, arm: 'exit', iothread: true }), /iothread/);
  assert.throws(() => qemuArgs({ ...base, arm: 'inline' as never }), /no 'inline' arm/);
});

test('bad QEMU jobs are refused with one line', () => {
  assert.throws(() => qemuArgs({ ...base, memMiB: 0 }), /memMiB must be a positive integer/);
  assert.throws(() => qemuArgs({ ...base, cpus: 1.5 }), /cpus must be a positive integer/);
  assert.throws(() => qemuArgs({ ...base, disk: '/a,b.img' }), /comma/);
  const ro = qemuArgs({ ...base, readonly: true, initrd: '/k/initrd', bios: '/q/qboot.rom' });
  assert.ok(option(ro, '-drive')[0].split(',').includes('readonly=on'));
  assert.deepEqual(option(ro, '-initrd'), ['/k/initrd']);
  assert.deepEqual(option(ro, '-bios'), ['/q/qboot.rom']);
});
