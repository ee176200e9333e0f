// One short probe run under QEMU+KVM in each arm, wherever QEMU and a local
// KVM exist: the guest's data lands on the image, and QEMU's own KVM
// counters (QMP query-stats) show the arms' difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, closeSync, constants, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { firstBadSector } from '../test/probe-pattern.js';
import { parseProbeConsole } from '../runner/probe-output.js';
import { detectHost } from '../launch/index.js';
import { findQemu, runQemuLocal } from './qemu-run.js';

function kvmUsable(): string | null {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return null;
  } catch (e) {
    return `no usable /dev/kvm here (${(e as NodeJS.ErrnoException).code}); QEMU's Linux-guest run is in the rig tests`;
  }
}

const KICKS = 5000;

for (const [arm, iothread] of [
  ['exit', false],
  ['ioeventfd', false],
  ['ioeventfd', true],
] as const) {
  test(`the probe guest under QEMU+KVM, ${arm}${iothread ? ' with an iothread' : ''}: data on the image, KVM counters read`, async (t) => {
    if (process.env.KICKBENCH_UNIT_ONLY) return t.skip('KICKBENCH_UNIT_ONLY is set');
    const qemu = findQemu();
    if ('missing' in qemu) return t.skip(qemu.missing);
    const noKvm = kvmUsable();
    if (noKvm) return t.skip(noKvm);
    const dir = mkdtempSync(join(tmpdir(), 'qemu-peer-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const disk = join(dir, 'disk.img');
    const fd = openSync(disk, 'w');
    ftruncateSync(fd, 16 << 20);
    closeSync(fd);
    const r = await runQemuLocal(
      {
        id: `qemu-${arm}${iothread ? '-iothread' : ''}`,
        kernel: paths.probeGuest(),
        cmdline: `doorbell count=${KICKS}; write bs=64k count=20 depth=2`,
        disk,
        arm,
        iothread,
        memMiB: 64,
        cpus: 1,
        timeoutSec: 120,
      },
      dir,
    );
    assert.equal(r.exitCode, 0, `QEMU did not end cleanly:\n${r.stderr}\n${r.console}`);
    const report = parseProbeConsole(r.console);
    assert.equal(report.endStatus, 'ok', r.console);
    assert.equal(firstBadSector(readFileSync(disk), 0, 20 * 128, 0x01), null, 'the written blocks are on the image');
    assert.ok(r.stats, 'QEMU paused at the guest reset and its counters were read');
    const kvm = r.stats.kvm ?? {};
    assert.ok(kvm.exits > 0, 'query-stats returned the vCPU exit counter');
    const io = kvm.io_exits ?? 0;
    if ((await detectHost()).kvmKind !== 'hardware') {
      // An instruction-emulating KVM has no VM exits in the hardware sense: what
      // it counts as exits and io_exits is its own affair (seen: 3247 "exits"
      // for 5000 kicks, io_exits 0). Only hardware KVM can tell the arms apart.
      t.diagnostic(`instruction-emulating KVM: ${kvm.exits} exits, ${io} io exits; arms are told apart on hardware`);
    } else {
      // Every kick is a VM exit in both arms (the `out` traps to KVM); ioeventfd only stops it there.
      assert.ok(kvm.exits >= KICKS, `every kick is a VM exit (${kvm.exits} exits)`);
      if (arm === 'exit') assert.ok(io >= KICKS, `ioeventfd=off: every kick exits to QEMU (${io} io exits)`);
      else assert.ok(io < KICKS / 10, `ioeventfd=on: kicks stay in the kernel (${io} io exits)`);
    }
    assert.ok((r.stats.vcpuCpuSeconds ?? 0) > 0, 'the vCPU thread CPU time was read');
    const q = r.stats.qemu!;
    assert.match(q.version ?? '', /QEMU emulator version/);
    assert.ok(q.args.some((a) => a.includes(`ioeventfd=${arm === 'exit' ? 'off' : 'on'}`)));
  });
}

test('a missing QEMU gives one line with the install command', () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const q = findQemu();
    assert.ok('missing' in q);
    assert.match(q.missing, /^qemu-system-x86_64 not found: install it with: sudo apt-get install .*qemu-system-x86$/);
  } finally {
    process.env.PATH = saved;
  }
});
