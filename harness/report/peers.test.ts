// The peers tables from SYNTHETIC results (harness/results/synthetic.ts, not
// measurements): kickvmm's arms with QEMU's and the host's added by relabelling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticResultSet } from '../results/synthetic.js';
import type { ResultSet, Sample } from '../results/schema.js';
import { peersHtml, peersMarkdown, peersText, peerTables } from './peers.js';

function withPeers(): ResultSet {
  const rs = syntheticResultSet({ seed: 7, n: 6, where: 'nested' });
  const quick = rs.samples.filter((s) => s.scenario === 'quick');
  const as = (from: string, arm: string, patch: Partial<Sample>): Sample[] =>
    quick
      .filter((s) => s.arm === from)
      .map((s) => ({ ...s, id: s.id.replace(`/${from}/`, `/${arm}/`), arm, ...patch }));
  rs.samples = [
    ...quick,
    ...as('exit', 'qemu-exit', {
      vmm: 'qemu',
      peerStats: { vmm: 'qemu', tscKhz: 0, wallSeconds: 1, missing: ['kvm counters: no answer to query-stats'] },
    }),
    ...as('ioeventfd', 'qemu-ioeventfd', {
      vmm: 'qemu',
      status: 'failed',
      error: 'QEMU exited with status 1',
      metrics: {},
    }),
    ...as('exit', 'host', { vmm: 'host', mode: null, where: 'emulating' }),
  ];
  return rs;
}

test('peers tables name every arm that could not run, where each arm ran, and what QEMU could not read', () => {
  const [t] = peerTables(withPeers(), {});
  assert.equal(t.scenario, 'quick');
  assert.deepEqual(t.arms, ['exit', 'ioeventfd', 'qemu-exit', 'qemu-ioeventfd', 'host']);
  assert.ok(t.notes.includes('qemu-ioeventfd: cannot run here, no sample of 6 succeeded: QEMU exited with status 1'));
  assert.ok(
    t.notes.some(
      (n) =>
        n.startsWith('the arms ran in different places:') &&
        n.includes('exit on the nested rig') &&
        n.includes('host on this host, no VM'),
    ),
    t.notes.join('\n'),
  );
  assert.ok(t.notes.includes('QEMU: not read in some samples: kvm counters: no answer to query-stats'));
  // the comparisons QEMU's failed arm takes part in say so; the others have rows
  const byLabel = new Map(t.comparisons.map((c) => [c.comparison.label, c]));
  assert.ok(byLabel.get('QEMU ioeventfd=on / off')!.problem);
  assert.ok(byLabel.get('kickvmm / QEMU, exit')!.rows.length > 0);
  assert.ok(byLabel.get('exit / host')!.rows.length > 0);
  const text = peersText([t]);
  assert.match(text, /note: qemu-ioeventfd: cannot run here/);
  assert.match(text, /QEMU ioeventfd=on \/ off: /);
});

test('a host too fast to measure in every run gives a floor and upper bounds on each fraction, not silence', () => {
  const rs = withPeers();
  // (a new metrics object: the relabelled host samples share exit's)
  for (const s of rs.samples.filter((x) => x.arm === 'host'))
    for (const m of ['put_block', 'rewrite', 'get_block'])
      if (s.metrics[m]) s.metrics = { ...s.metrics, [m]: { ...s.metrics[m], status: 'too_fast', value: null } };
  const [t] = peerTables(rs, {});
  const host = t.arms.indexOf('host');
  const exit = t.arms.indexOf('exit');
  const row = t.medians.find((m) => m.metric === 'put_block')!;
  // quick's synthetic definition writes -s 768: 768 MiB in under 0.5 s is more than 1,572,864 KiB/s
  assert.equal(row.values[host], null);
  assert.equal(row.floors[host], (768 * 1024) / 0.5);
  assert.equal(row.floors[exit], null, 'a measured arm has no floor');
  const block = t.comparisons.find((c) => c.comparison.label === 'exit / host')!;
  const bound = (row.values[exit]! / row.floors[host]!).toPrecision(2);
  assert.equal(block.problem, null, 'the measured metrics still have rows');
  assert.match(block.bounds ?? '', /^host was too fast to measure in every run \(bonnie\+\+ \+\+\+\+\+/);
  assert.ok(block.bounds!.includes(`put_block < ${bound}x`), block.bounds!);
  assert.ok(block.rows.every((r) => !['put_block', 'rewrite', 'get_block'].includes(r.metric)));
  assert.match(peersText([t]), /put_block +KiB\/s .*> 1,572,864/);
  assert.match(peersText([t]), /^exit \/ host: host was too fast/m);
  assert.match(peersMarkdown([t]), /^- exit \/ host: host was too fast/m);
  assert.match(peersHtml([t]), /<p class="note">exit \/ host: host was too fast/);
});

test('no peers table when only kickvmm ran', () => {
  assert.deepEqual(peerTables(syntheticResultSet({ seed: 7, n: 4 })), []);
});
