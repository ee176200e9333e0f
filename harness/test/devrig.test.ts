// The path users with hardware virtualization take, on machines without it:
// kickbench itself runs under a real KVM inside the developer shell
// (scripts/dev-rig.sh: L1 is QEMU TCG with emulated SVM, whose kvm-amd is
// hardware-assisted as far as L1 can tell). In one L1 boot: doctor, `run`
// with a probe scenario and a small quick (Linux guests launched locally, not through
// the rig), `micro` in-process, and a report. Where this host's own KVM is
// hardware-assisted the ordinary VM tests already take that path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHost } from '../launch/index.js';
import { paths, repoRoot } from '../paths.js';
import { HARDWARE_IN_VM_NOTE } from '../report/place-notes.js';
import type { ResultSet } from '../results/schema.js';
import { resolveScenario } from '../scenarios/scenario.js';
import { KICK_MODES } from '../results/arms.js';

/** the small quick's vCPUs inside L1 (see below) */
const DEVRIG_LINUX_CPUS = 1;

const unitOnly = Boolean(process.env.KICKBENCH_UNIT_ONLY);
const share = mkdtempSync(join(tmpdir(), 'kb-devrig-'));
const out = join(share, 'out');
let skip: string | null = null;
let shell: { code: number | null; stdout: string; stderr: string; seconds: number } | null = null;

/** What runs inside L1 ($DEVRIG_OUT is `out` here). Every step must succeed. */
const SCRIPT = `set -e
kb() { node dist/harness/cli.js "$@"; }
kb doctor --json > "$DEVRIG_OUT/doctor.json"
kb run "$DEVRIG_OUT/devrig-doorbell.json" "$DEVRIG_OUT/devrig-linux.json" -n 1 -w 0 --allow-underpowered --out /tmp/run -q > "$DEVRIG_OUT/run.txt"
cp /tmp/run/results.json "$DEVRIG_OUT/results.json"
kb report /tmp/run --format md > "$DEVRIG_OUT/report.md"
kb micro --json --kicks 1000 --rounds 1 --time-ms 100 --block-rounds 1 > "$DEVRIG_OUT/micro.json"
echo DEVRIG-TEST-DONE`;

before(async () => {
  if (unitOnly) return void (skip = 'KICKBENCH_UNIT_ONLY is set');
  const host = await detectHost();
  if (host.kvmKind === 'hardware')
    return void (skip = "this host's KVM is hardware-assisted: the other VM tests take this path");
  if (!host.qemu) return void (skip = 'no QEMU: no KVM can exist here for the developer shell');
  for (const f of [paths.kickvmm(), paths.addon(), paths.probeGuest(), join(repoRoot(), 'dist/harness/cli.js')])
    assert.ok(existsSync(f), `${f} is missing: build first (node scripts/setup.mjs --for-tests)`);
  // Scenarios small enough for one L1 boot: the doorbell alone, and quick's
  // bonnie++ and guest with a 24 MiB file (-r, so cache-affected, which the report must say).
  // One vCPU: with quick's 2 the run inside L1 had not ended after 19 min (1 vCPU: 187 s);
  // the SMP guest is tested through the rig in linux.test.
  mkdirSync(out, { recursive: true });
  const quick = resolveScenario('quick');
  writeFileSync(
    join(out, 'devrig-linux.json'),
    JSON.stringify({
      name: 'devrig-linux',
      workload: { kind: 'bonnie', args: ['-d', 'temp', '-c', '2', '-s', '24', '-r', '12', '-f', '-n', '0', '-u', '0'] },
      modes: quick.modes,
      repetitions: 1,
      guest: { memMiB: quick.guest.memMiB, cpus: DEVRIG_LINUX_CPUS, kernel: 'vmlinux', boot: 'pvh' },
      timeoutSec: 600,
    }),
  );
  writeFileSync(
    join(out, 'devrig-doorbell.json'),
    JSON.stringify({
      name: 'devrig-doorbell',
      workload: { kind: 'probe', cmdline: 'doorbell count=2000', diskMiB: 16 },
      repetitions: 1,
      guest: { memMiB: 64, cpus: 1 },
      timeoutSec: 300,
    }),
  );
  const t0 = Date.now();
  shell = await new Promise((resolve) => {
    execFile(
      join(repoRoot(), 'scripts/dev-rig.sh'),
      [SCRIPT],
      {
        cwd: repoRoot(),
        env: { ...process.env, DEVRIG_SHARE: share, DEVRIG_TIMEOUT: '1800' },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? null) : 0,
          stdout,
          stderr,
          seconds: (Date.now() - t0) / 1000,
        }),
    );
  });
});

after(() => rmSync(share, { recursive: true, force: true }));

function ran(t: { skip: (m: string) => void; diagnostic: (m: string) => void }): boolean {
  if (skip) {
    t.skip(skip);
    return false;
  }
  assert.ok(shell, 'the developer shell never ran');
  assert.equal(
    shell.code,
    0,
    `dev-rig.sh exited ${shell.code}\n${shell.stderr.slice(-3000)}\n${shell.stdout.slice(-3000)}`,
  );
  assert.match(shell.stdout, /DEVRIG-TEST-DONE/);
  return true;
}

const json = <T>(name: string): T => JSON.parse(readFileSync(join(out, name), 'utf8')) as T;

test('inside L1, doctor sees hardware-assisted KVM and would run everything locally', (t) => {
  if (!ran(t)) return;
  const d = json<{
    kvm: { kind: string; devKvm: boolean };
    runsIn: Record<string, string>;
    assets: { ready: boolean };
  }>('doctor.json');
  assert.equal(d.kvm.devKvm, true);
  assert.equal(d.kvm.kind, 'hardware');
  assert.deepEqual(d.runsIn, { probe: 'hardware', linux: 'hardware' });
  assert.equal(d.assets.ready, true, "the host's asset cache is found inside L1");
  t.diagnostic(`one L1 boot for doctor, run, report and micro: ${shell!.seconds.toFixed(0)} s (nested rig)`);
});

test('inside L1, run launches the probe guest and a small quick locally on hardware KVM; every arm completes with parsed metrics', (t) => {
  if (!ran(t)) return;
  const rs = json<ResultSet>('results.json');
  const hostEnv = Object.values(rs.hosts)[0];
  assert.equal(hostEnv.kvmKind, 'hardware');
  assert.equal(hostEnv.where, 'hardware');
  assert.equal(hostEnv.hostIsVirtualMachine, true);
  assert.doesNotMatch(hostEnv.hostname, /^\(none\)$|^$/, 'a sensible host name');
  assert.match(Object.keys(rs.hosts)[0], /-devrig-l1$/);
  for (const scenario of ['devrig-doorbell', 'devrig-linux']) {
    const samples = rs.samples.filter((s) => s.scenario === scenario);
    const arms = new Set(samples.map((s) => s.arm));
    const wanted = rs.scenarios.find((x) => x.name === scenario)?.definition.modes as string[];
    assert.ok(wanted.length >= 2, `${scenario}: its arms`);
    assert.deepEqual([...arms].sort(), [...wanted].sort(), `${scenario}: every arm ran`);
    for (const s of samples) {
      assert.equal(s.status, 'ok', `${s.id}: ${s.error}`);
      assert.equal(s.where, 'hardware', `${s.id} ran locally on L1's KVM, not through the rig`);
    }
  }
  for (const s of rs.samples.filter((x) => x.scenario === 'devrig-doorbell'))
    assert.ok((s.metrics.doorbell_ns_per_kick?.value ?? 0) > 0, `${s.id}: doorbell_ns_per_kick`);
  for (const s of rs.samples.filter((x) => x.scenario === 'devrig-linux')) {
    for (const m of ['put_block', 'rewrite', 'get_block'])
      assert.ok(s.metrics[m] && s.metrics[m].status !== 'not_run', `${s.id}: ${m} parsed`);
    assert.ok((s.metrics.put_block.value ?? 0) > 0, `${s.id}: block write measured`);
    assert.equal(s.guest?.cpus, DEVRIG_LINUX_CPUS, `${s.id}: the guest the scenario asked for`);
  }
});

test('inside L1, the report carries the hardware-KVM-inside-a-VM label, not bare-metal', (t) => {
  if (!ran(t)) return;
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.ok(md.includes(HARDWARE_IN_VM_NOTE), 'the label');
  assert.match(md, /HARDWARE KVM INSIDE A VIRTUAL MACHINE.*not bare-metal/);
  assert.match(md, /ran on hardware/);
  assert.doesNotMatch(md, /NESTED RIG|EMULATING KVM|\(none\)/);
  assert.match(md, /\| cache-affected \|/, 'the -r run is marked cache-affected');
});

test('inside L1, micro measures in-process on hardware KVM, every mode', (t) => {
  if (!ran(t)) return;
  const m = json<{ where: string; costs: { mode: string; kickvmm: { wallNs: number }; floor: { wallNs: number } }[] }>(
    'micro.json',
  );
  assert.equal(m.where, 'hardware');
  assert.deepEqual(m.costs.map((c) => c.mode).sort(), [...KICK_MODES].sort(), 'every arm measured');
  for (const c of m.costs) assert.ok(c.kickvmm.wallNs > 0 && c.floor.wallNs > 0, JSON.stringify(c));
});
