// Runs planned samples, one fresh VM each, and records everything:
// the parsed metrics, kickvmm's counters, the raw console and stats files.
// results.json is rewritten atomically after every sample, so an interrupted
// or failed run never loses what was already measured.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBonnie, bonnieFailureReason } from '../bonnie/parse.js';
import { writeResultsAtomic } from '../results/io.js';
import {
  RESULTS_SCHEMA_ID,
  RESULTS_SCHEMA_VERSION,
  type KickMode,
  type MetricSample,
  type ResultSet,
  type Sample,
  type Where,
} from '../results/schema.js';
import type { Scenario } from '../scenarios/scenario.js';
import { ensureAssets, freshDisk, innerBonnieCmdline, parseGuestConsole, type GuestAssets } from '../assets/index.js';
import { runJobs, detectHost, type VmJob, type VmJobResult } from '../launch/index.js';
import { paths } from '../paths.js';
import { describeAssets, describeHost, gitCommit } from './environment.js';
import { planRun, type PlannedSample } from './plan.js';
import { parseProbeConsole, probeMetrics } from './probe-output.js';
import { vmmMetrics } from './vmm-metrics.js';
import { Progress } from './progress.js';

export interface RunOptions {
  scenarios: Scenario[];
  outDir: string;
  seed: number;
  order?: 'abba' | 'random';
  aaMode?: KickMode;
  repetitions?: number;
  warmup?: number;
  /** 'auto' picks local KVM when it is hardware-assisted, else the nested rig */
  where?: 'auto' | 'local' | 'nested';
  /** label for the VMM build under test (e.g. a commit), recorded per sample */
  vmmLabel?: string;
  progress?: Progress;
  /** keep each sample's disk image even when the sample succeeds */
  keepDisks?: boolean;
}

const BONNIE_PHASES: [RegExp, string][] = [
  [/Writing a byte at a time/, 'putc'],
  [/Writing intelligently/, 'block write'],
  [/Rewriting/, 'rewrite'],
  [/Reading a byte at a time/, 'getc'],
  [/Reading intelligently/, 'block read'],
  [/start 'em/, 'seeks'],
  [/Create files in sequential order/, 'file create'],
  [/Create files in random order/, 'random create'],
];

function sampleId(p: PlannedSample): string {
  return `${p.scenario.name}/${p.arm.name}/${p.warmup ? 'warmup' : 'run'}${p.index}`;
}

function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim() ?? s.trim();
}

/** Build the VM job for one sample and give it its own fresh disk. */
async function prepareJob(p: PlannedSample, id: string, diskDir: string, assets: GuestAssets | null): Promise<VmJob> {
  const s = p.scenario;
  const disk = join(diskDir, `${fileSafe(id)}.img`);
  const base = { id: fileSafe(id), mode: p.arm.mode, memMiB: s.guest.memMiB, cpus: s.guest.cpus, timeoutSec: s.timeoutSec, disk, boot: s.guest.boot };
  if (s.workload.kind === 'bonnie') {
    if (!assets) throw new Error('guest assets are required for bonnie++ scenarios');
    await freshDisk(assets, disk);
    return {
      ...base,
      kernel: s.guest.kernel === 'bzImage' ? assets.bzImage : assets.vmlinux,
      initrd: assets.initramfs,
      cmdline: innerBonnieCmdline(s.workload.args, assets.innerCmdlineBase),
    };
  }
  // Probe guest: a sparse scratch disk of the requested size.
  writeFileSync(disk, '');
  const { truncateSync } = await import('node:fs');
  truncateSync(disk, s.workload.diskMiB * 1024 * 1024);
  return { ...base, kernel: paths.probeGuest(), cmdline: s.workload.cmdline, boot: 'auto' };
}

/** Turn one VM's outcome into a sample: metrics, or a one-line failure with the logs kept. */
export function sampleFromResult(p: PlannedSample, r: VmJobResult): Pick<Sample, 'status' | 'error' | 'metrics' | 'vmmStats'> {
  const stats = r.stats ?? undefined;
  const metrics: Record<string, MetricSample> = {};
  const fail = (error: string) => ({ status: 'failed' as const, error, metrics, vmmStats: stats });
  if (r.timedOut) return fail(`timed out after ${p.scenario.timeoutSec} s (console kept)`);
  if (p.scenario.workload.kind === 'bonnie') {
    const g = parseGuestConsole(r.console);
    if (g.panicked) return fail(`guest kernel panicked: ${g.panicMessage ?? 'see the console log'}`);
    if (g.errors.length) return fail(`guest init: ${g.errors[0]}`);
    if (g.bonnieExit === null) {
      if (r.exitCode !== 0) return fail(firstLine(r.stderr) || `kickvmm exited with status ${r.exitCode}`);
      return fail('the guest ended without reporting bonnie++ results (console kept)');
    }
    if (g.bonnieExit !== 0) {
      const why = bonnieFailureReason(`${g.bonnieStdout ?? ''}\n${r.console}`);
      return fail(`bonnie++ exited with status ${g.bonnieExit}${why ? `: ${why}` : ''}`);
    }
    const runs = parseBonnie(g.bonnieStdout ?? '', 'guest console');
    if (runs.length !== 1) return fail(`expected one bonnie++ run in the guest output, found ${runs.length}`);
    for (const [name, m] of Object.entries(runs[0].metrics)) {
      const unit = /^(putc|put_block|rewrite|getc|get_block)$/.test(name) ? 'KiB/s' : name === 'seeks' ? '/s' : 'files/s';
      metrics[name] = { value: m.value, status: m.status, unit, cpu: m.cpu, latency_us: m.latency_us };
      if (m.latency_us !== null) metrics[`${name}_latency`] = { value: m.latency_us, status: 'ok', unit: 'us' };
    }
  } else {
    const report = parseProbeConsole(r.console);
    if (report.errors.length) return fail(`probe guest: ${report.errors[0]}`);
    if (report.endStatus !== 'ok') {
      if (r.exitCode !== 0) return fail(firstLine(r.stderr) || `kickvmm exited with status ${r.exitCode}`);
      return fail(report.endStatus === 'fail' ? 'probe guest reported status=fail' : 'probe guest ended without its end marker');
    }
    const tscKhz = typeof stats?.tscKhz === 'number' ? stats.tscKhz : 0;
    Object.assign(metrics, probeMetrics(report, tscKhz));
  }
  if (r.exitCode !== 0) return fail(firstLine(r.stderr) || `kickvmm exited with status ${r.exitCode}`);
  Object.assign(metrics, vmmMetrics(stats));
  return { status: 'ok', metrics, vmmStats: stats };
}

export async function runScenarios(opts: RunOptions): Promise<ResultSet> {
  const progress = opts.progress ?? new Progress();
  const logDir = join(opts.outDir, 'logs');
  const diskDir = join(opts.outDir, 'disks');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(diskDir, { recursive: true });

  const host = await detectHost();
  const where: Where =
    opts.where === 'nested' ? 'nested' : opts.where === 'local' ? (host.kvmKind === 'hardware' ? 'hardware' : 'emulating') : host.where;
  if (where === 'emulating' && opts.scenarios.some((s) => s.workload.kind === 'bonnie')) {
    throw new Error('this host\'s KVM emulates every instruction, so a Linux guest cannot run on it; use --where nested (or auto)');
  }
  progress.note(`host: ${host.kvmKind === 'none' ? 'no usable /dev/kvm' : `${host.kvmKind} KVM`}; running in: ${where === 'nested' ? 'the nested rig (QEMU TCG + nested KVM)' : `local ${where} KVM`}`);
  if (where !== 'hardware') progress.note('timings from here are not hardware numbers: trust correctness and the direction of large effects only');

  const needsAssets = opts.scenarios.some((s) => s.workload.kind === 'bonnie') || where === 'nested';
  const assets = needsAssets ? await ensureAssets({ log: (l) => progress.note(l) }) : null;

  const hostId = (await import('node:os')).hostname();
  const rs: ResultSet = {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    tool: { name: 'kickbench', version: '0.1.0', gitCommit: gitCommit() },
    order: opts.order ?? (opts.scenarios.every((s) => s.order === 'abba') ? 'abba' : 'per-scenario'),
    aa: Boolean(opts.aaMode),
    scenarios: opts.scenarios.map(({ file: _f, ...definition }) => ({ name: definition.name, definition: definition as unknown as Record<string, unknown> })),
    hosts: {
      [hostId]: describeHost(
        { kvmKind: host.kvmKind, where, qemuVersion: host.qemu ?? null },
        assets ? describeAssets(assets) : {},
      ),
    },
    samples: [],
  };
  if (opts.order === 'random' || opts.scenarios.some((s) => s.order === 'random')) rs.order = `random:${opts.seed}`;
  const resultsPath = join(opts.outDir, 'results.json');

  const plan = planRun(opts.scenarios, { seed: opts.seed, order: opts.order, aaMode: opts.aaMode, repetitions: opts.repetitions, warmup: opts.warmup });
  progress.start(plan.length);
  for (const p of plan) {
    const id = sampleId(p);
    const label = `${p.scenario.name} ${p.arm.name}${p.arm.name !== p.arm.mode ? ` (${p.arm.mode})` : ''} ${p.warmup ? 'warm-up' : 'run'} ${p.index + 1}`;
    progress.begin(label);
    const startedAt = new Date();
    let sample: Sample;
    const job = await prepareJob(p, id, diskDir, assets);
    let phase = 'booting';
    progress.phase(phase);
    const result = (
      await runJobs([job], {
        where: where === 'nested' ? 'nested' : 'local',
        kickvmm: paths.kickvmm(),
        assets,
        logDir,
        onConsole: (_id: string, chunk: string) => {
          for (const [re, name] of BONNIE_PHASES) {
            if (re.test(chunk) && name !== phase) {
              phase = name;
              progress.phase(phase);
            }
          }
        },
      })
    )[0];
    const outcome = sampleFromResult(p, result);
    sample = {
      id,
      scenario: p.scenario.name,
      vmm: opts.vmmLabel ?? p.scenario.vmm,
      mode: p.arm.mode,
      arm: p.arm.name,
      index: p.index,
      order: p.order,
      warmup: p.warmup,
      where: result.where ?? where,
      host: hostId,
      startedAt: startedAt.toISOString(),
      wallSeconds: result.wallSeconds,
      ...outcome,
      logs: {
        console: `logs/${job.id}.console.log`,
        stats: `logs/${job.id}.stats.json`,
        stderr: `logs/${job.id}.stderr.log`,
      },
    };
    rs.samples.push(sample);
    writeResultsAtomic(resultsPath, rs);
    if (sample.status === 'ok' && !opts.keepDisks) rmSync(job.disk, { force: true });
    progress.end(sample.status === 'ok' ? 'ok' : `FAILED: ${sample.error}`);
  }
  progress.finish();
  return rs;
}
