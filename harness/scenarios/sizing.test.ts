import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bonnieRamLimitMiB,
  describeSizing,
  kvmtool2011Sizing,
  MAX_SIZED_CPUS,
  sizeGuest,
  SizingError,
  KVMTOOL_2011,
} from './sizing.js';
import { resolveScenario, validateScenario } from './scenario.js';

const SEED_ARGS = ['-d', 'temp', '-c', '2', '-s', '768', '-u', '0'];
const host = (onlineCpus: number, memMiB = 65536) => ({ machine: 'this host', onlineCpus, memMiB });

test("kvmtool's 2011 rule: vCPUs = online CPUs, RAM = 64 x (vCPUs + 3) MiB", () => {
  for (const [online, cpus, mem] of [
    [1, 1, 256],
    [2, 2, 320],
    [8, 8, 704],
  ] as const) {
    const s = kvmtool2011Sizing(host(online), SEED_ARGS);
    assert.equal(s.cpus, cpus, `${online} CPUs`);
    assert.equal(s.memMiB, mem, `${online} CPUs`);
    assert.equal(s.rule, KVMTOOL_2011);
    assert.deepEqual(s.basis, host(online));
  }
});

test('64 online CPUs: vCPUs capped at the maximum, RAM capped so bonnie++ -s 768 -c 2 keeps its rule, both said', () => {
  const s = kvmtool2011Sizing(host(64), SEED_ARGS);
  assert.equal(s.cpus, MAX_SIZED_CPUS);
  // 64 x (16 + 3) = 1216 MiB would make bonnie++ refuse -s 768 -c 2 (768 x 2 < 2 x 1216).
  assert.equal(s.memMiB, 768);
  assert.ok(s.notes.some((n) => /vCPUs capped at 16/.test(n)));
  assert.ok(s.notes.some((n) => /1216 MiB/.test(n) && /capped at 768 MiB/.test(n) && /twice-RAM/.test(n)));
  // Without a bonnie++ limit the formula stands (the host has 64 GiB).
  assert.equal(kvmtool2011Sizing(host(64)).memMiB, 64 * (MAX_SIZED_CPUS + 3));
});

test('small hosts: RAM capped at 80% of the host, as kvmtool did; too small for Linux is one clear error', () => {
  const s = kvmtool2011Sizing(host(8, 512), SEED_ARGS);
  assert.equal(s.cpus, 8);
  assert.equal(s.memMiB, 409, '80% of 512 MiB, below 64 x 11 = 704');
  assert.ok(s.notes.some((n) => /80% of this host's 512 MiB/.test(n)));
  assert.equal(kvmtool2011Sizing(host(1, 1024), SEED_ARGS).memMiB, 256, 'the cap does not bind at 1 CPU');
  assert.throws(
    () => kvmtool2011Sizing(host(2, 100), SEED_ARGS),
    (e: Error) => {
      assert.ok(e instanceof SizingError);
      assert.match(e.message, /80 MiB .* below the 96 MiB .*pass --mem/);
      return true;
    },
  );
});

test('sizeGuest: scenario numbers, the rule, and --cpus/--mem overrides are all recorded', () => {
  const fixed = sizeGuest({ memMiB: 128, cpus: 2 }, host(8));
  assert.deepEqual([fixed.cpus, fixed.memMiB, fixed.rule, fixed.overrides], [2, 128, 'scenario', undefined]);
  const over = sizeGuest({ sizing: KVMTOOL_2011 }, host(8), { cpus: 4, memMiB: 384 }, SEED_ARGS);
  assert.equal(over.cpus, 4);
  assert.equal(over.memMiB, 384);
  assert.equal(over.rule, KVMTOOL_2011);
  assert.deepEqual(over.overrides, { cpus: 4, memMiB: 384 });
  assert.match(
    describeSizing(over),
    /^4 vCPUs, 384 MiB \(kvmtool-2011 rule: .*--cpus 4 replaces 8; --mem 384 replaces 704\)$/,
  );
  // An override bonnie++ would refuse is refused before any VM boots.
  assert.throws(
    () => sizeGuest({ memMiB: 128, cpus: 1 }, host(2), { memMiB: 1024 }, SEED_ARGS),
    /allows at most 768 MiB/,
  );
});

test("bonnie++'s RAM limit: size x concurrency / 2, none with -r", () => {
  assert.equal(bonnieRamLimitMiB(SEED_ARGS), 768);
  assert.equal(bonnieRamLimitMiB(['-d', 't', '-s', '256']), 128);
  assert.equal(bonnieRamLimitMiB(['-d', 't', '-s', '64', '-r', '32']), null);
});

test('scenario files: seed uses the rule and cites kvmtool; quick has a fixed guest that keeps the rule without -r', () => {
  const seed = resolveScenario('seed');
  assert.equal(seed.guest.sizing, KVMTOOL_2011);
  assert.equal(seed.guest.memMiB, undefined);
  assert.match(seed.description, /kvm-run\.c/);
  assert.match(seed.description, /37f3d50/);
  const quick = resolveScenario('quick');
  assert.ok(quick.workload.kind === 'bonnie' && !quick.workload.args.includes('-r'), 'quick passes no -r');
  assert.ok(quick.guest.memMiB! <= 128, 'a guest small enough that -s 96 is twice its RAM');
  assert.ok(bonnieRamLimitMiB(quick.workload.args)! >= quick.guest.memMiB!, "bonnie++'s own rule holds");
  assert.throws(
    () =>
      validateScenario(
        {
          name: 'x',
          workload: { kind: 'bonnie', args: ['-d', 't', '-s', '768'] },
          guest: { sizing: KVMTOOL_2011, memMiB: 64 },
        },
        'x.json',
      ),
    /either the rule or the numbers/,
  );
  assert.throws(
    () =>
      validateScenario(
        { name: 'x', workload: { kind: 'bonnie', args: ['-d', 't', '-s', '768'] }, guest: { sizing: 'qemu' } },
        'x.json',
      ),
    /guest\.sizing must be "kvmtool-2011"/,
  );
});
