// The probe's `hostile` workload against kickvmm, in every kick mode: every
// kind of malformed (or unusual) request must get exactly the outcome the
// device model defines, kickvmm must end cleanly, and a verify pass run
// right after in the same guest must be clean.
// The guest runs under a real KVM: the local one when it exists, otherwise in the nested rig.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { VmBatch } from './vm-batch.js';
import { parseProbeConsole } from '../runner/probe-output.js';
import { ensureAssets } from '../assets/cache.js';
import { sparseFile } from '../assets/disk.js';
import { decidePlace, detectHost, requestedPlace, type VmJob } from '../launch/index.js';
import { KICK_MODES } from '../results/arms.js';

const work = mkdtempSync(join(tmpdir(), 'kb-hostile-'));
const batch = new VmBatch(work);
const jobs: Record<string, VmJob> = {};

/** What kickvmm's device model does with each kind (see native/guest/wl_hostile.c). */
const EXPECTED: Record<string, string> = {
  addr_beyond_ram: 'ioerr',
  len_wrap: 'ioerr',
  chain_loop: 'untouched',
  next_out_of_range: 'untouched',
  chain_too_long: 'untouched',
  data_wrong_direction: 'ioerr',
  status_readable: 'untouched',
  header_short: 'ioerr',
  sector_beyond_capacity: 'ioerr',
  sector_straddles_end: 'ioerr',
  write_beyond_capacity: 'ioerr',
  sector_overflow: 'ioerr',
  head_out_of_range: 'untouched',
  avail_idx_jump: 'needs_reset',
  pfn_beyond_ram: 'needs_reset',
  len_near_4g: 'ioerr',
  overlap_over_cap: 'ioerr',
  out_into_writable: 'ioerr',
  readable_after_writable: 'ioerr',
  indirect_valid: 'ok',
  indirect_loop: 'untouched',
  indirect_next_out_of_range: 'untouched',
  indirect_beyond_ram: 'untouched',
  indirect_nested: 'untouched',
  avail_idx_backwards: 'needs_reset',
  get_id: 'ok',
  flush: 'ok',
  unknown_type: 'unsupp',
  reset_in_flight: 'ok',
};

function hostileLines(consoleText: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const raw of consoleText.split('\n')) {
    const m = raw.trim().match(/^PROBE-HOSTILE (.*)$/);
    if (!m) continue;
    const fields: Record<string, string> = {};
    for (const kv of m[1].split(/\s+/)) {
      const eq = kv.indexOf('=');
      if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    out[fields.kind] = fields;
  }
  return out;
}

before(async () => {
  if (process.env.KICKBENCH_UNIT_ONLY) return batch.skipAll('KICKBENCH_UNIT_ONLY is set');
  const host = await detectHost();
  const where = decidePlace(host, 'probe', requestedPlace());
  if (where === 'nested' && !host.qemu)
    return batch.skipAll('no local KVM here and QEMU is missing, so no KVM can exist for the probe guest');
  for (const mode of KICK_MODES) {
    jobs[mode] = {
      id: `hostile-kinds-${mode}`,
      kernel: paths.probeGuest(),
      cmdline: 'hostile; verify count=16',
      disk: sparseFile(join(work, `hostile-${mode}.img`), 16 * 1024 * 1024),
      mode,
      memMiB: 64,
      cpus: 1,
      timeoutSec: 600,
    };
  }
  const assets = where === 'nested' ? await ensureAssets() : null;
  await batch.run(Object.values(jobs), where, assets);
});

for (const mode of KICK_MODES) {
  test(`hostile kinds: each gets its defined outcome, kickvmm ends cleanly, verify is clean afterwards (${mode})`, (t) => {
    const r = batch.ran(t, `hostile-kinds-${mode}`);
    if (!r) return;
    const tail = r.console.slice(-3000);
    assert.equal(r.exitCode, 0, `kickvmm must end cleanly: ${r.stderr}\n${tail}`);
    const kinds = hostileLines(r.console);
    for (const [kind, outcome] of Object.entries(EXPECTED)) {
      const line = kinds[kind];
      assert.ok(line, `no PROBE-HOSTILE line for ${kind}:\n${tail}`);
      assert.equal(line.outcome, outcome, `${kind}: ${JSON.stringify(line)}`);
      assert.equal(line.expected, 'yes', `${kind} is not counted as expected by the probe`);
      assert.notEqual(line.check, 'fail', `${kind}: its own check failed`);
      assert.equal(line.alive, 'yes', `${kind}: the device stopped serving valid requests`);
    }
    assert.deepEqual(
      Object.keys(kinds).sort(),
      Object.keys(EXPECTED).sort(),
      'every kind the probe sent is listed here',
    );
    const inflight = kinds.reset_in_flight;
    assert.ok(Number(inflight.inflight) > 0, 'requests were in flight');
    assert.equal(inflight.late, '0', 'no device write after the reset returned');
    assert.equal(inflight.torn, '0', 'completed requests whole, the others untouched');
    const report = parseProbeConsole(r.console);
    const hostile = report.lines.find((l) => l.workload === 'hostile');
    assert.ok(hostile, tail);
    assert.equal(hostile.fields.unexpected, '0');
    assert.equal(hostile.fields.errors, '0');
    assert.equal(Number(hostile.fields.sent), Object.keys(EXPECTED).length);
    const verify = report.lines.find((l) => l.workload === 'verify');
    assert.ok(verify, `no verify line:\n${tail}`);
    assert.equal(verify.fields.errors, '0', 'verify after hostile');
    assert.equal(verify.fields.bad_blocks, '0');
    assert.equal(report.endStatus, 'ok');
    assert.deepEqual(report.errors, []);
    const s = r.stats as Record<string, unknown>;
    assert.ok(Number(s.deviceNeedsReset) >= 3, `NEEDS_RESET counted (${s.deviceNeedsReset})`);
  });
}
