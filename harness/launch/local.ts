// Running kickvmm directly on this host (hardware KVM). The child's console is
// streamed to a log file; a host-side timer kills a hung child, so nothing the
// VMM or guest does can take the harness down with it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { startVmChild } from './child.js';
import { LogFile } from './log-file.js';
import { kickvmmArgs, kickvmmOutcome, logPaths, requireKickvmm, validateJob } from './job.js';
import type { ConsoleListener, VmJob, VmJobResult } from './job.js';
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

export async function runLocal(job: VmJob, opts: RunLocalOptions): Promise<VmJobResult> {
  validateJob(job);
  if (job.floor)
    throw new Error(
      `job ${job.id}: floor jobs run in the nested rig; locally kickbench micro measures the floor in-process`,
    );
  requireKickvmm(opts.kickvmm);
  mkdirSync(opts.logDir, { recursive: true });
  const logs = logPaths(opts.logDir, job.id);
  rmSync(logs.stats, { force: true });
  const args = kickvmmArgs(job, { kernel: job.kernel, initrd: job.initrd, disk: job.disk, statsPath: logs.stats });
  const grace = opts.graceSec ?? 15 + Math.ceil(job.timeoutSec * 0.1);
  const consoleFile = new LogFile(logs.console);
  const started = process.hrtime.bigint();
  let consoleText = '';
  let stderrText = '';

  const child = startVmChild(opts.kickvmm, args, {
    limitMs: (job.timeoutSec + grace) * 1000,
    limitReason: `kickvmm did not finish within ${job.timeoutSec} s + ${grace} s grace; killed`,
    removeOnOrphan: job.disk,
  });
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
  const status = await child.exited;
  await consoleFile.close();
  if (status.error) stderrText += `${status.error}\n`;
  const hostKilled = status.stoppedBecause !== null;
  if (hostKilled) stderrText += `kickbench: ${status.stoppedBecause}\n`;
  writeFileSync(logs.stderr, stderrText);
  const statsText = existsSync(logs.stats) ? readFileSync(logs.stats, 'utf8') : null;
  return {
    id: job.id,
    ...kickvmmOutcome(status.code, statsText, hostKilled),
    console: consoleText,
    stderr: stderrText,
    wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    where: opts.where ?? 'hardware',
  };
}
