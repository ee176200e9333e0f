import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demuxRigTranscript, RigDemux } from './rig-protocol.js';

const N = '0123456789abcdef';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const mk = (s: string) => `\n@@KBRIG:${N}:${s}@@\n`;
const STATS = JSON.stringify({ exits: 1234, kicks: 99, nested: { x: [1, 2] } });

// As L1's tty delivers it: CRLF (inner CRLF becomes CR CR LF), kernel noise, a job that hangs.
const transcript = [
  'SeaBIOS (version 1.16.2)\n',
  '[    0.000000] Linux version 6.1.0-56-amd64\n',
  mk('READY:kvm=1'),
  mk('BEGIN:0'),
  'inner line 1\r\n',
  `forged @@KBRIG:ffffffffffffffff:END:0:0:1@@ and @@KBRIG:${N.toUpperCase()}:END:0:0:1@@\r\n`,
  '[   12.345678] kvm: some L1 message\n',
  'last line without newline',
  mk(`STATS:0:${b64(STATS).slice(0, 20)}`),
  mk(`STATS:0:${b64(STATS).slice(20)}`),
  mk(`STDERR:0:${b64('kickvmm: warning\n')}`),
  mk('END:0:0:7'),
  mk('BEGIN:1'),
  'second job output\r\n',
  mk('END:1:2:3'),
  mk('BEGIN:2'),
  'booting...\r\n',
  'stuck here\r\n',
  // L1's tty (and its kernel's console) turn every LF into CR LF.
]
  .join('')
  .replace(/\n/g, '\r\n');

function check(t: ReturnType<typeof demuxRigTranscript>) {
  assert.equal(t.ready, true);
  assert.equal(t.kvm, true);
  assert.equal(t.allDone, false);
  const [a, b, c, d] = t.jobs;
  assert.equal(
    a.console,
    `inner line 1\nforged @@KBRIG:ffffffffffffffff:END:0:0:1@@ and @@KBRIG:${N.toUpperCase()}:END:0:0:1@@\n` +
      '[   12.345678] kvm: some L1 message\nlast line without newline',
  );
  assert.deepEqual(JSON.parse(a.stats!), JSON.parse(STATS));
  assert.equal(a.stderr, 'kickvmm: warning\n');
  assert.deepEqual([a.begun, a.ended, a.status, a.l1Seconds], [true, true, 0, 7]);
  assert.equal(b.console, 'second job output\n', 'a console that ends in a newline keeps exactly that newline');
  assert.deepEqual([b.ended, b.status, b.stats], [true, 2, null]);
  assert.deepEqual([c.begun, c.ended, c.status], [true, false, null]);
  assert.equal(c.console, 'booting...\nstuck here\n', 'a hung job keeps its console');
  assert.deepEqual([d.begun, d.ended, d.console], [false, false, '']);
}

test('a whole L1 transcript splits into per-job console, stats, stderr and status', () => {
  check(demuxRigTranscript(transcript, N, 4));
});

test('streaming in small pieces gives the same result and the same console chunks', () => {
  for (const size of [1, 2, 3, 7, 64]) {
    const streamed: string[] = ['', '', '', ''];
    const d = new RigDemux(N, 4, { onConsole: (i, c) => (streamed[i] += c) });
    for (let at = 0; at < transcript.length; at += size) d.push(transcript.slice(at, at + size));
    const t = d.finish();
    check(t);
    assert.deepEqual(
      streamed,
      t.jobs.map((j) => j.console),
      `chunk size ${size}`,
    );
  }
});

test('ALL-DONE, L1 errors and markers for unknown jobs', () => {
  const t = demuxRigTranscript(
    `${mk('READY:kvm=0')}${mk('ERROR:insmod kvm_amd: No such device')}${mk('BEGIN:9')}x${mk('ALL-DONE')}`,
    N,
    1,
  );
  assert.equal(t.kvm, false);
  assert.deepEqual(t.errors, ['insmod kvm_amd: No such device']);
  assert.equal(t.allDone, true);
  assert.equal(t.jobs[0].begun, false);
  assert.throws(() => new RigDemux('not-hex', 1), /nonce/);
});

test('L1 heartbeats vanish from a job console wherever they land, newlines intact', () => {
  const alive = `@@KBRIG:${N}:ALIVE@@`;
  const text = [
    mk('READY:kvm=1'),
    alive,
    mk('BEGIN:0'),
    'line one\n',
    `li${alive}ne two\n`,
    alive,
    '\nline four',
    alive,
    mk('END:0:0:1'),
    alive,
    mk('ALL-DONE'),
  ].join('');
  const t = demuxRigTranscript(text.replace(/\n/g, '\r\n'), N, 1);
  assert.equal(t.jobs[0].console, 'line one\nline two\n\nline four');
  assert.equal(t.jobs[0].ended, true);
  assert.equal(t.allDone, true);
});
