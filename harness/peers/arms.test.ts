import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerArms, peerComparisons, vmmOfArm } from './arms.js';

test('peers add their own arms; QEMU has no inline arm and the host has no kick', () => {
  assert.deepEqual(
    peerArms(['exit', 'ioeventfd', 'inline'], ['qemu', 'qemu-iothread', 'host']).map((a) => [a.name, a.vmm, a.mode]),
    [
      ['qemu-exit', 'qemu', 'exit'],
      ['qemu-ioeventfd', 'qemu', 'ioeventfd'],
      ['qemu-iothread', 'qemu', 'ioeventfd'],
      ['host', 'host', null],
    ],
  );
  assert.deepEqual(peerArms(['exit', 'ioeventfd'], []), []);
  assert.equal(vmmOfArm('ioeventfd'), 'kickvmm');
  assert.equal(vmmOfArm('qemu-iothread'), 'qemu');
  assert.equal(vmmOfArm('host'), 'host');
});

test('peer comparisons: mode effect per VMM first, then kickvmm/QEMU per arm, then fractions of the host', () => {
  const c = peerComparisons(['exit', 'ioeventfd', 'qemu-exit', 'qemu-ioeventfd', 'host']);
  assert.deepEqual(
    c.map((x) => [x.group, x.baselineArm, x.treatmentArm]),
    [
      ['mode effect', 'exit', 'ioeventfd'],
      ['mode effect', 'qemu-exit', 'qemu-ioeventfd'],
      ['kickvmm vs QEMU', 'qemu-exit', 'exit'],
      ['kickvmm vs QEMU', 'qemu-ioeventfd', 'ioeventfd'],
      ['fraction of host', 'host', 'exit'],
      ['fraction of host', 'host', 'ioeventfd'],
      ['fraction of host', 'host', 'qemu-exit'],
      ['fraction of host', 'host', 'qemu-ioeventfd'],
    ],
  );
  // without QEMU only kickvmm's own mode effect remains
  assert.deepEqual(
    peerComparisons(['exit', 'ioeventfd']).map((x) => x.label),
    ['kickvmm ioeventfd / exit'],
  );
});
