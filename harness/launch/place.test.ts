import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePlace, PlaceError, placesOf, requestedPlace, type GuestKind, type PlaceHost } from './place.js';

const hosts: Record<PlaceHost['kvmKind'], PlaceHost> = {
  hardware: { kvmKind: 'hardware' },
  emulating: { kvmKind: 'emulating' },
  none: { kvmKind: 'none' },
};

test('auto: hardware KVM runs everything locally, an emulating KVM only the probe guest, the rest the rig', () => {
  const table: [PlaceHost['kvmKind'], GuestKind, string][] = [
    ['hardware', 'probe', 'hardware'],
    ['hardware', 'linux', 'hardware'],
    ['emulating', 'probe', 'emulating'],
    ['emulating', 'linux', 'nested'],
    ['none', 'probe', 'nested'],
    ['none', 'linux', 'nested'],
  ];
  for (const [kvm, guest, place] of table) {
    assert.equal(decidePlace(hosts[kvm], guest), place, `${kvm} KVM, ${guest} guest`);
    assert.equal(decidePlace(hosts[kvm], guest, 'auto'), place);
  }
});

test('an explicit request: nested always; local names the kind of this KVM, or refuses in one line', () => {
  for (const kvm of ['hardware', 'emulating', 'none'] as const) {
    assert.equal(decidePlace(hosts[kvm], 'linux', 'nested'), 'nested');
  }
  assert.equal(decidePlace(hosts.hardware, 'linux', 'local'), 'hardware');
  assert.equal(decidePlace(hosts.emulating, 'probe', 'local'), 'emulating');
  assert.throws(
    () => decidePlace(hosts.emulating, 'linux', 'local'),
    (e: Error) => {
      assert.ok(e instanceof PlaceError);
      assert.match(e.message, /^--where local: .*emulates every instruction.*--where nested/);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
  assert.throws(() => decidePlace(hosts.none, 'probe', 'local'), /no usable \/dev\/kvm/);
});

test('KICKBENCH_WHERE stands in for auto only; a bad value is refused', () => {
  assert.equal(requestedPlace('auto', {}), 'auto');
  assert.equal(requestedPlace('auto', { KICKBENCH_WHERE: '' }), 'auto');
  assert.equal(requestedPlace('auto', { KICKBENCH_WHERE: 'nested' }), 'nested');
  assert.equal(requestedPlace('local', { KICKBENCH_WHERE: 'nested' }), 'local');
  assert.equal(requestedPlace(undefined, { KICKBENCH_WHERE: 'local' }), 'local');
  assert.throws(
    () => requestedPlace('auto', { KICKBENCH_WHERE: 'hardware' }),
    /KICKBENCH_WHERE=hardware: expected auto, local, nested/,
  );
});

test('placesOf: each place once, the most caveated first', () => {
  const s = (where: 'hardware' | 'emulating' | 'nested') => ({ where });
  assert.deepEqual(placesOf([s('hardware'), s('nested'), s('hardware'), s('emulating')]), [
    'nested',
    'emulating',
    'hardware',
  ]);
  assert.deepEqual(placesOf([]), []);
});
