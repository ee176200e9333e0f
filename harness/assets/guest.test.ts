import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bonnieCmdline, innerBonnieCmdline, INNER_CMDLINE_BASE, parseGuestConsole } from './guest.js';
import { harnessFile } from '../paths.js';

/** Decodes the command line the way the guest does: guest-init.sh's own function, in a POSIX sh. */
function decodeInShell(cmdline: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kb-guest-'));
  try {
    writeFileSync(join(dir, 'cmdline'), cmdline + '\n');
    const script = `. "$1"; words=$(kb_bonnie_words) || exit 7; eval "set -- $words"; for a in "$@"; do printf '%s\\0' "$a"; done`;
    const out = execFileSync('sh', ['-c', script, 'sh', harnessFile('assets', 'guest-init.sh')], {
      env: { ...process.env, KB_INIT_SOURCE_ONLY: '1', KB_CMDLINE: join(dir, 'cmdline') },
      encoding: 'utf8',
    });
    return out.split('\0').slice(0, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bonnie++ arguments survive the kernel command line and the guest shell', () => {
  const args = [
    '-d',
    '/mnt/temp',
    '-s',
    '64',
    '-r',
    '32',
    '-f',
    '-n',
    '1',
    '-u',
    '0',
    '-m',
    'it\'s a "name" with $HOME and `x` \\ spaces',
    '',
  ];
  const cmdline = innerBonnieCmdline(args);
  assert.ok(cmdline.startsWith(INNER_CMDLINE_BASE + ' kb.bonnie='));
  assert.doesNotMatch(bonnieCmdline(args), /[\s"']/, 'one kernel parameter, nothing the kernel would split or unquote');
  assert.deepEqual(decodeInShell(cmdline), args);
});

test('the guest finds kb.bonnie= anywhere on the line and refuses a line without it', () => {
  assert.deepEqual(decodeInShell(`${bonnieCmdline(['-f'])} console=ttyS0`), ['-f']);
  assert.throws(() => decodeInShell('console=ttyS0 quiet'));
  assert.throws(() => bonnieCmdline(['x'.repeat(2000)]), /too long/);
});

const RESULT =
  'Version 2.00a  ------Sequential Output------\n(none) 64M 52.8m 80\n1.98,2.00a,(none),1,1795576316,64M\n';

test('parseGuestConsole: complete run with CRLF and kernel noise around it', () => {
  const text = [
    '[    1.0] virtio_blk virtio0: [vda] 2097152 512-byte logical blocks',
    'Writing intelligently...done',
    '@@KICKBENCH BONNIE-BEGIN@@',
    ...RESULT.trimEnd().split('\n'),
    '@@KICKBENCH BONNIE-END@@',
    '@@KICKBENCH BONNIE-EXIT 0@@',
    '@@KICKBENCH GUEST-DONE@@',
    '[   10.5] reboot: Restarting system',
    '',
  ].join('\r\r\n');
  const r = parseGuestConsole(text);
  assert.equal(r.bonnieStdout, RESULT);
  assert.equal(r.bonnieExit, 0);
  assert.equal(r.markersFound, true);
  assert.equal(r.panicked, false);
});

test('parseGuestConsole: a missing end marker gives no stdout', () => {
  const r = parseGuestConsole(`@@KICKBENCH BONNIE-BEGIN@@\n${RESULT}`);
  assert.equal(r.bonnieStdout, null);
  assert.equal(r.bonnieExit, null);
  assert.equal(r.markersFound, false);
});

test('parseGuestConsole: a marker that is not a whole line does not count', () => {
  const r = parseGuestConsole(
    `@@KICKBENCH BONNIE-BEGIN@@\nfile named @@KICKBENCH BONNIE-END@@ here\n@@KICKBENCH BONNIE-END@@\n@@KICKBENCH BONNIE-EXIT 1@@\n`,
  );
  assert.equal(r.bonnieStdout, 'file named @@KICKBENCH BONNIE-END@@ here\n');
  assert.equal(r.bonnieExit, 1);
});

test('parseGuestConsole: panic and init errors', () => {
  const r = parseGuestConsole(
    '@@KICKBENCH ERROR cannot mount /dev/vda@@\n[ 2.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r\n',
  );
  assert.equal(r.panicked, true);
  assert.equal(r.panicMessage, 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
  assert.deepEqual(r.errors, ['cannot mount /dev/vda']);
  assert.equal(r.markersFound, false);
});
