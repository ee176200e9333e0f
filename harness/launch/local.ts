// Running kickvmm directly on this host (hardware KVM). The child's console is
// streamed to a log file; a host-side timer kills a hung child, so nothing the
// VMM or guest does can take the harness down with it.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  kickvmmArgs,
  KICKVMM_EXIT,
  parseStatsJson,
  validateJob,
  type ConsoleListener,
  type VmJob,
  type VmJobResult,
} from './job.js';
import type { Place } from './place.js';

export interface RunLocalOptions {
  kickvmm: string;
  logDir: string;
  onConsole?: ConsoleListener;
  /** what to record as `where` (default 'hardware') */
  where?: Exclude<Place, 'nested'>;
  /** extra seconds past job.timeoutSec before the host kills kickvmm (default 15 + 10 %) */
  graceSec?: number;
}

export function logPaths(logDir: string, id: string) {
  return {
    console: join(logDir, `${id}.console.log`),
    stats: join(logDir, `${id}.stats.json`),
    stderr: join(logDir, `${id}.stderr.log`),
  };
}

export async function runLocal(job: VmJob, opts: RunLocalOptions): Promise<VmJobResult> {
  validateJob(job);
  if (job.floor)
    throw new Error(
      `job ${job.id}: floor jobs run in the nested rig; locally kickbench micro measures the floor in-process`,
    );
  if (!existsSync(opts.kickvmm))
    throw new Error(`kickvmm not found at ${opts.kickvmm} (build it: npm run build:native)`);
  mkdirSync(opts.logDir, { recursive: true });
  const logs = logPaths(opts.logDir, job.id);
  rmSync(logs.stats, { force: true });
  const args = kickvmmArgs(job, { kernel: job.kernel, initrd: job.initrd, disk: job.disk, statsPath: logs.stats });
  const grace = opts.graceSec ?? 15 + Math.ceil(job.timeoutSec * 0.1);
  const consoleFile = createWriteStream(logs.console);
  const started = process.hrtime.bigint();
  let consoleText = '';
  let stderrText = '';
  let hostKilled = false;

  const status = await new Promise<{ code: number | null; spawnError?: string }>((resolve) => {
    const child = spawn(opts.kickvmm, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      consoleText += chunk;
      consoleFile.write(chunk);
      opts.onConsole?.(job.id, chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderrText += chunk;
    });
    let killTimer: NodeJS.Timeout | null = null;
    const termTimer = setTimeout(
      () => {
        hostKilled = true;
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      },
      (job.timeoutSec + grace) * 1000,
    );
    child.on('error', (err) => {
      clearTimeout(termTimer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code: null, spawnError: `cannot start ${opts.kickvmm}: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(termTimer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code });
    });
  });
  await new Promise<void>((r) => consoleFile.end(r));
  if (status.spawnError) stderrText += `${status.spawnError}\n`;
  if (hostKilled)
    stderrText += `kickbench: kickvmm did not finish within ${job.timeoutSec} s + ${grace} s grace; killed\n`;
  writeFileSync(logs.stderr, stderrText);
  const statsText = existsSync(logs.stats) ? readFileSync(logs.stats, 'utf8') : null;
  return {
    id: job.id,
    exitCode: hostKilled ? null : status.code,
    console: consoleText,
    stderr: stderrText,
    stats: parseStatsJson(statsText),
    timedOut: hostKilled || status.code === KICKVMM_EXIT.timeout,
    wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    where: opts.where ?? 'hardware',
  };
}
