import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleDepends, orderModules, readModinfo } from './modules.js';

// The shape of Debian 6.1's ext4 + virtio-blk set, as .modinfo declares it.
const DEPS: Record<string, string[]> = {
  ext4: ['jbd2', 'mbcache', 'crc16'],
  jbd2: [],
  mbcache: [],
  crc16: [],
  crc32c_generic: [],
  virtio_blk: ['virtio', 'virtio_ring'],
  virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
  virtio: ['virtio_ring'],
  virtio_ring: [],
  virtio_pci_modern_dev: [],
  virtio_pci_legacy_dev: [],
  kvm_amd: ['kvm', 'ccp'],
  kvm: ['irqbypass'],
  irqbypass: [],
  ccp: [],
};
const depsOf = (n: string) => DEPS[n] ?? null;

function assertTopological(order: string[]) {
  for (const [i, m] of order.entries()) {
    for (const d of DEPS[m]) assert.ok(order.indexOf(d) >= 0 && order.indexOf(d) < i, `${d} must load before ${m}`);
  }
  assert.equal(new Set(order).size, order.length, 'no module twice');
}

test('dependencies come before their users, each module once', () => {
  const order = orderModules(['crc32c_generic', 'ext4', 'virtio_pci', 'virtio_blk'], depsOf);
  assertTopological(order);
  assert.deepEqual(order.slice(0, 5), ['crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4']);
  assert.equal(order.at(-1), 'virtio_blk');
  assert.equal(order.length, 11);
});

test('names with dashes match their underscore form', () => {
  const order = orderModules(['kvm-amd'], depsOf);
  assert.deepEqual(order, ['irqbypass', 'kvm', 'ccp', 'kvm_amd']);
});

test('built-in modules are skipped, unknown ones and cycles are errors', () => {
  assert.deepEqual(orderModules(['kvm_amd'], depsOf, new Set(['ccp', 'irqbypass'])), ['kvm', 'kvm_amd']);
  assert.throws(() => orderModules(['ext4', 'nosuch'], depsOf), /kernel module nosuch not found/);
  assert.throws(() => orderModules(['a'], (n) => ({ a: ['b'], b: ['a'] })[n] ?? null), /cycle: a -> b -> a/);
});

test('.modinfo depends= is read only at the start of a string', () => {
  const ko = Buffer.concat([
    Buffer.from('\x7fELF junk xdepends=fake\0'),
    Buffer.from('license=GPL\0depends=virtio-ring,virtio\0intree=Y\0'),
  ]);
  assert.deepEqual(readModinfo(ko, 'license'), ['GPL']);
  assert.deepEqual(moduleDepends(ko), ['virtio_ring', 'virtio']);
  assert.deepEqual(moduleDepends(Buffer.from('\0depends=\0')), []);
});
