// The limit: the same work run directly on the host, against files on the
// same filesystem as the VMs' disk images (the run directory), so every VMM
// and arm can be shown as a fraction of what the host itself does.
//   - bonnie++ scenarios: Debian's bonnie++ with the scenario's arguments, in
//     a fresh directory; `-r` is set to the guest's RAM so bonnie++ sizes its
//     files and its twice-RAM rule as it does inside the guest.
//   - probe scenarios: hostio (native/hostio) runs the block phases with the
//     probe's grammar, placement and on-disk pattern, on a file the size of
//     the probe's disk.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.js';

export interface HostRunResult {
  id: string;
  exitCode: number | null;
  /** what the program printed (bonnie++'s tables and CSV, or hostio's PROBE lines) */
  output: string;
  stderr: string;
  timedOut: boolean;
  wallSeconds: number;
}

export function findHostBonnie(): { path: string } | { missing: string } {
  for (const p of ['/usr/sbin/bonnie++', '/usr/bin/bonnie++']) {
    const r = spawnSync(p, ['-h'], { encoding: 'utf8' });
    if (!r.error) return { path: p };
  }
  return {
    missing:
      'bonnie++ is not installed on the host: install it with: sudo apt-get install -y --no-install-recommends bonnie++',
  };
}

/** bonnie++'s -s size in MiB ("96", "96m", "1g", "768:8k"); null when absent or unreadable. */
function fileSizeMiB(args: string[]): number | null {
  const i = args.indexOf('-s');
  const m = i >= 0 ? /^(\d+)([kmg]?)(?::|$)/i.exec(args[i + 1] ?? '') : null;
  if (!m) return null;
  const unit = m[2].toLowerCase();
  return Math.floor(Number(m[1]) * (unit === 'g' ? 1024 : unit === 'k' ? 1 / 1024 : 1));
}

/**
 * The scenario's bonnie++ arguments for a host run: -d into `dir`, and -r as
 * the guest's bonnie++ sees its RAM. Inside the guest that is MemTotal, below
 * the guest's RAM (the kernel keeps the rest), and the scenario's -s passes the
 * twice-RAM rule there; so -r is the guest's RAM, or half the file size when
 * that is smaller, so the same -s passes on the host too.
 */
export function hostBonnieArgs(args: string[], dir: string, guestMemMiB: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-d' || args[i] === '-r') {
      i++; // replaced below
      continue;
    }
    out.push(args[i]);
  }
  const size = fileSizeMiB(args);
  const ram = size === null ? guestMemMiB : Math.max(1, Math.min(guestMemMiB, Math.floor(size / 2)));
  return ['-d', dir, '-r', String(ram), ...out];
}

function runProgram(
  id: string,
  cmd: string,
  args: string[],
  timeoutSec: number,
  logDir: string,
): Promise<HostRunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let output = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (output += c));
    child.stderr.on('data', (c: string) => (stderr += c));
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5000).unref();
    }, timeoutSec * 1000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      writeFileSync(join(logDir, `${id}.console.log`), output);
      writeFileSync(join(logDir, `${id}.stderr.log`), stderr);
      resolve({
        id,
        exitCode: code,
        output,
        stderr,
        timedOut,
        wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    child.on('error', (e) => {
      stderr += `cannot start ${cmd}: ${e.message}\n`;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

export async function runHostBonnie(
  id: string,
  bonnieArgs: string[],
  guestMemMiB: number,
  workDir: string,
  logDir: string,
  timeoutSec: number,
): Promise<HostRunResult> {
  const found = findHostBonnie();
  if ('missing' in found) throw new Error(found.missing);
  const dir = join(workDir, `${id}.bonnie`);
  mkdirSync(dir, { recursive: true });
  try {
    return await runProgram(id, found.path, hostBonnieArgs(bonnieArgs, dir, guestMemMiB), timeoutSec, logDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runHostProbe(
  id: string,
  cmdline: string,
  diskMiB: number,
  workDir: string,
  logDir: string,
  timeoutSec: number,
): Promise<HostRunResult> {
  const file = join(workDir, `${id}.hostio.img`);
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, diskMiB * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  try {
    return await runProgram(id, paths.hostio(), [file, cmdline], timeoutSec, logDir);
  } finally {
    rmSync(file, { force: true });
  }
}
