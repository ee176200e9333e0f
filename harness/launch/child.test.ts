// The child helper without a VM: `sleep` stands in for kickvmm or QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVmChild } from './child.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
    if (cond()) return true;
  return cond();
}

/** Pids of processes whose command line holds `marker`. */
function withMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker) && alive(Number(d))) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

test('a child runs in its own process group, and the time limit stops the whole group', async () => {
  const marker = `kb-child-${process.pid}-limit`;
  const c = startVmChild('/bin/sh', ['-c', `sleep 300; : ${marker}`], {
    limitMs: 300,
    limitReason: 'too slow',
    killGraceMs: 500,
  });
  assert.ok(await until(() => withMarker(marker).length > 0, 5000), 'the child started');
  const pgid = Number(readFileSync(`/proc/${c.process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
  assert.equal(pgid, c.process.pid, 'the watchdog leads its own process group');
  const exit = await c.exited;
  assert.equal(exit.stoppedBecause, 'too slow');
  assert.ok(await until(() => withMarker(marker).length === 0, 5000), 'nothing of the group is left');
});

test('SIGKILL of the parent: the watchdog kills the child and removes its scratch folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-child-'));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const marker = `kb-child-${process.pid}-orphan`;
  const childJs = new URL('./child.js', import.meta.url).href;
  // A parent that starts the child, says so, then waits to be killed.
  const parent = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { startVmChild } = await import(${JSON.stringify(childJs)});
       startVmChild('/bin/sh', ['-c', 'sleep 300; : ${marker}'], { removeOnOrphan: ${JSON.stringify(scratch)} });
       process.stdout.write('started\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve) => parent.stdout!.once('data', () => resolve()));
    assert.ok(await until(() => withMarker(marker).length > 0, 5000), 'the child started');
    parent.kill('SIGKILL');
    assert.ok(await until(() => withMarker(marker).length === 0, 5000), 'the child died with its parent');
    assert.ok(await until(() => !existsSync(scratch), 5000), 'the scratch folder is gone');
  } finally {
    parent.kill('SIGKILL');
    for (const pid of withMarker(marker)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
