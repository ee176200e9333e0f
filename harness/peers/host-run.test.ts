import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostBonnieArgs, runHostProbe } from './host-run.js';
import { parseProbeConsole } from '../runner/probe-output.js';

test('host bonnie++ keeps the scenario arguments, writes into its own folder and sizes by the guest RAM', () => {
  // no -s: bonnie++ sizes its file from -r, as from the guest's RAM inside the guest
  assert.deepEqual(hostBonnieArgs(['-d', 'temp', '-u', '0'], '/w', 512), ['-d', '/w', '-r', '512', '-u', '0']);
  // -s 768 passed the twice-RAM rule in a 512 MiB guest (MemTotal is lower): -r 384 passes it on the host
  assert.deepEqual(hostBonnieArgs(['-d', 'temp', '-c', '2', '-s', '768', '-u', '0'], '/run/x', 512), [
    '-d',
    '/run/x',
    '-r',
    '384',
    '-c',
    '2',
    '-s',
    '768',
    '-u',
    '0',
  ]);
  // a scenario's own -r is replaced by the guest's RAM, never kept twice
  assert.deepEqual(hostBonnieArgs(['-d', 'temp', '-s', '64', '-r', '32', '-f'], '/w', 112), [
    '-d',
    '/w',
    '-r',
    '32',
    '-s',
    '64',
    '-f',
  ]);
  assert.equal(hostBonnieArgs(['-s', '1g'], '/w', 4096)[3], '512');
  assert.equal(hostBonnieArgs(['-s', '96m:4k'], '/w', 92)[3], '48');
  assert.equal(hostBonnieArgs(['-s', '2048'], '/w', 92)[3], '92', 'a large file keeps the guest RAM');
});

test('the host probe run reports probe lines and removes its file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'host-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runHostProbe('host-1', 'write bs=64k count=16; read bs=4k count=64 depth=8', 4, dir, dir, 60);
  assert.equal(r.exitCode, 0, r.output + r.stderr);
  const report = parseProbeConsole(r.output);
  assert.equal(report.endStatus, 'ok');
  assert.deepEqual(
    report.lines.map((l) => `${l.workload} ${l.fields.depth}`),
    ['write 1', 'read 8'],
  );
  assert.ok(existsSync(join(dir, 'host-1.console.log')));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.img')),
    [],
    'the scratch file is gone',
  );
});
