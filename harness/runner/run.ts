// Runs planned samples, one fresh VM each, and records everything:
// the parsed metrics, kickvmm's counters, the raw console and stats files.
// results.json is rewritten atomically after every sample, so an interrupted
// or failed run never loses what was already measured.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus as hostCpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseBonnie, bonnieFailureReason } from '../bonnie/parse.js';
import { writeResultsAtomic } from '../results/io.js';
import {
  RESULTS_SCHEMA_ID,
  RESULTS_SCHEMA_VERSION,
  type MetricSample,
  type ResultSet,
  type Sample,
  type Place,
  metricInfo,
} from '../results/schema.js';
import { ARM_SEMANTICS_VERSION, statsArmSemantics } from '../results/arms.js';
import type { Scenario } from '../scenarios/scenario.js';
import { describeSizing, sizeGuest, type GuestSizing, type SizingBasis } from '../scenarios/sizing.js';
import { ensureAssets, type GuestAssets } from '../assets/cache.js';
import { freshDisk, sparseFile } from '../assets/disk.js';
import { innerBonnieCmdline, parseGuestConsole } from '../assets/guest.js';
import {
  runJobs,
  detectHost,
  decidePlace,
  requestedPlace,
  placeWords,
  PlaceError,
  rigL1Cpus,
  RIG_L1_MIN_MEM_MIB,
  type VmJob,
  type VmJobResult,
} from '../launch/index.js';
import { packageVersion, paths } from '../paths.js';
import { runPeerJob } from '../peers/job.js';
import { findQemu } from '../peers/qemu-run.js';
import { describeAssets, describeHost, gitCommit, hostName } from './environment.js';
import { interleaveBuilds, planRun, type PlannedSample, type VmmBuild } from './plan.js';
import { parseProbeConsole, probeMetrics } from './probe-output.js';
import { vmmMetrics } from './vmm-metrics.js';
import { Progress } from './progress.js';
import { SequentialPlan } from './sequential.js';
import { haltIfStopping, onInterrupt, stoppingFor } from '../lifecycle/shutdown.js';
import { claimOutDir, removeOrphanDisks } from './out-dir.js';
import { recordedSettings, writeManifest, type RecordedRunSettings } from './manifest.js';

export interface RunOptions extends RecordedRunSettings {
  scenarios: Scenario[];
  outDir: string;
  progress?: Progress;
  /** kickbench ab: run every sample once per build, interleaved; each sample's vmm is its build's label */
  builds?: VmmBuild[];
  /** replace the results already in outDir */
  force?: boolean;
  /** continue this interrupted run (read from outDir) with the same plan */
  resume?: ResultSet;
  /** --cpus / --mem: the Linux guests' vCPUs and RAM, whatever the scenarios say */
  guestCpus?: number;
  guestMemMiB?: number;
}

/** The machine a guest is sized for: this host, or the rig's L1 when it runs nested. */
export function sizingBasis(where: Place): SizingBasis {
  if (where === 'nested') return { machine: "the rig's L1", onlineCpus: rigL1Cpus(), memMiB: RIG_L1_MIN_MEM_MIB };
  return { machine: 'this host', onlineCpus: hostCpus().length, memMiB: Math.floor(totalmem() / (1024 * 1024)) };
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
  const build = p.build ? `${p.build.label}/` : '';
  return `${p.scenario.name}/${build}${p.arm.name}/${p.warmup ? 'warmup' : 'run'}${p.index}`;
}

function sampleLabel(p: PlannedSample): string {
  const arm = `${p.arm.name}${p.arm.name !== p.arm.mode ? ` (${p.arm.mode})` : ''}`;
  return `${p.scenario.name} ${p.build ? `${p.build.label} ` : ''}${arm} ${p.warmup ? 'warm-up' : 'run'} ${p.index + 1}`;
}

function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? s.trim()
  );
}

/** Build the VM job for one sample and give it its own fresh disk. */
async function prepareJob(
  p: PlannedSample,
  id: string,
  diskDir: string,
  assets: GuestAssets | null,
  size: GuestSizing,
): Promise<VmJob> {
  const s = p.scenario;
  const disk = join(diskDir, `${fileSafe(id)}.img`);
  // A new file, never a truncated old one: a VM that still had the old image keeps its own inode.
  rmSync(disk, { force: true });
  const base = {
    id: fileSafe(id),
    mode: p.arm.mode,
    memMiB: size.memMiB,
    cpus: size.cpus,
    timeoutSec: s.timeoutSec,
    disk,
    boot: s.guest.boot,
  };
  // The host peer runs no VM: it makes its own files (peers/host-run.ts).
  if (p.arm.vmm === 'host') return { ...base, kernel: '', cmdline: '' };
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
  sparseFile(disk, s.workload.diskMiB * 1024 * 1024);
  return { ...base, kernel: paths.probeGuest(), cmdline: s.workload.cmdline, boot: 'auto' };
}

/** The guest a sample ran in, with the MemTotal its kernel reported when it is a Linux guest. */
function guestOf(job: VmJob, r: VmJobResult | undefined): NonNullable<Sample['guest']> {
  const kib = r ? parseGuestConsole(r.console).memTotalKiB : null;
  return { memMiB: job.memMiB, cpus: job.cpus, ...(kib ? { memTotalMiB: Math.floor(kib / 1024) } : {}) };
}

/** Turn one VM's outcome into a sample: metrics, or a one-line failure with the logs kept. */
export function sampleFromResult(
  p: PlannedSample,
  r: VmJobResult,
): Pick<Sample, 'status' | 'error' | 'metrics' | 'vmmStats'> {
  const stats = r.stats ?? undefined;
  const metrics: Record<string, MetricSample> = {};
  const fail = (error: string) => ({ status: 'failed' as const, error, metrics, vmmStats: stats });
  const program = p.arm.vmm === 'kickvmm' ? 'kickvmm' : p.arm.vmm === 'qemu' ? 'QEMU' : 'the host run';
  const vmmFailed = () => fail(firstLine(r.stderr) || `${program} exited with status ${r.exitCode}`);
  if (r.timedOut) return fail(`timed out after ${p.scenario.timeoutSec} s (console kept)`);
  const bonnieMetrics = (stdout: string, source: string) => {
    const runs = parseBonnie(stdout, source);
    if (runs.length !== 1) return `expected one bonnie++ run in the ${source}, found ${runs.length}`;
    for (const [name, m] of Object.entries(runs[0].metrics)) {
      metrics[name] = {
        value: m.value,
        status: m.status,
        unit: metricInfo(name).unit,
        cpu: m.cpu,
        latency_us: m.latency_us,
      };
      if (m.latency_us !== null) metrics[`${name}_latency`] = { value: m.latency_us, status: 'ok', unit: 'us' };
    }
    return null;
  };
  if (p.scenario.workload.kind === 'bonnie' && p.arm.vmm === 'host') {
    // bonnie++ ran on the host itself: its own output, no guest around it.
    if (r.exitCode !== 0) {
      const why = bonnieFailureReason(`${r.console}\n${r.stderr}`);
      return fail(`bonnie++ on the host exited with status ${r.exitCode}${why ? `: ${why}` : ''}`);
    }
    const problem = bonnieMetrics(r.console, 'host bonnie++ output');
    if (problem) return fail(problem);
  } else if (p.scenario.workload.kind === 'bonnie') {
    const g = parseGuestConsole(r.console);
    if (g.panicked) return fail(`guest kernel panicked: ${g.panicMessage ?? 'see the console log'}`);
    if (g.errors.length) return fail(`guest init: ${g.errors[0]}`);
    if (g.bonnieExit === null) {
      if (r.exitCode !== 0) return vmmFailed();
      return fail('the guest ended without reporting bonnie++ results (console kept)');
    }
    if (g.bonnieExit !== 0) {
      const why = bonnieFailureReason(`${g.bonnieStdout ?? ''}\n${r.console}`);
      return fail(`bonnie++ exited with status ${g.bonnieExit}${why ? `: ${why}` : ''}`);
    }
    const problem = bonnieMetrics(g.bonnieStdout ?? '', 'guest console');
    if (problem) return fail(problem);
  } else {
    const report = parseProbeConsole(r.console);
    if (report.errors.length) return fail(`probe guest: ${report.errors[0]}`);
    if (report.endStatus !== 'ok') {
      if (r.exitCode !== 0) return vmmFailed();
      return fail(
        report.endStatus === 'fail' ? 'probe guest reported status=fail' : 'probe guest ended without its end marker',
      );
    }
    const tscKhz = p.arm.vmm === 'kickvmm' ? (stats?.tscKhz ?? 0) : (r.peerStats?.tscKhz ?? 0);
    Object.assign(metrics, probeMetrics(report, tscKhz));
  }
  if (r.exitCode !== 0) return vmmFailed();
  // A peer's own record (QEMU's KVM counters, the host run) is kept beside the sample as peerStats.
  if (p.arm.vmm !== 'kickvmm') return { status: 'ok', metrics, vmmStats: undefined };
  if (!stats) return fail('kickvmm ended cleanly but left no valid --stats JSON (its stats log is kept)');
  Object.assign(metrics, vmmMetrics(stats));
  return { status: 'ok', metrics, vmmStats: stats };
}

export async function runScenarios(opts: RunOptions): Promise<ResultSet> {
  const release = claimOutDir(opts.outDir, { force: opts.force, resume: Boolean(opts.resume) });
  try {
    return await runClaimed(opts);
  } finally {
    release();
  }
}

async function runClaimed(opts: RunOptions): Promise<ResultSet> {
  const progress = opts.progress ?? new Progress();
  const logDir = join(opts.outDir, 'logs');
  const diskDir = join(opts.outDir, 'disks');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(diskDir, { recursive: true });

  // The host is looked at once; each scenario's place follows the one rule (launch/place.ts).
  const host = await detectHost();
  const request = requestedPlace(opts.where);
  const placeOf = (s: Scenario): Place => {
    try {
      return decidePlace(host, s.workload.kind === 'probe' ? 'probe' : 'linux', request);
    } catch (e) {
      // No KVM at all: say why (missing, or no permission and the fix).
      const why = host.kvmKind === 'none' && host.kvmReason ? ` (${host.kvmReason})` : '';
      if (e instanceof PlaceError) throw new PlaceError(`scenario ${s.name}: ${e.message}${why}`);
      throw e;
    }
  };
  const places = new Map(opts.scenarios.map((s) => [s.name, placeOf(s)]));
  const where: Place = places.get(opts.scenarios[0].name) ?? 'nested';
  const hostKvm = host.kvmKind === 'none' ? 'no usable /dev/kvm' : `${host.kvmKind} KVM`;
  for (const s of opts.scenarios) {
    const place = places.get(s.name)!;
    // Falling back to the rig is worth a reason: what is wrong with this host's KVM.
    const fallback =
      place === 'nested' && request !== 'nested' && host.kvmReason ? `, not local KVM: ${host.kvmReason}` : '';
    progress.note(`${s.name}: runs on ${placeWords(place)}${fallback} (host: ${hostKvm})`);
  }
  if ([...places.values()].some((w) => w !== 'hardware'))
    progress.note(
      'timings from rig or emulator runs are not hardware numbers: trust correctness and the direction of large effects only',
    );

  // Peers run on this host: QEMU needs a local KVM (the rig's L1 does not ship QEMU yet).
  const localPlace: Place = host.kvmKind === 'hardware' ? 'hardware' : 'emulating';
  for (const s of opts.scenarios) {
    const qemu = (s.peers ?? []).some((p) => p.startsWith('qemu'));
    if (qemu && (places.get(s.name) === 'nested' || host.kvmKind === 'none')) {
      throw new PlaceError(
        `scenario ${s.name}: QEMU peers run on a local KVM, and ${s.name} runs in the nested rig here ` +
          '(QEMU is not shipped into the rig yet); drop "qemu" from its peers or run it where /dev/kvm works',
      );
    }
    if (qemu) {
      const q = findQemu();
      if ('missing' in q) throw new PlaceError(`scenario ${s.name}: ${q.missing}`);
    }
  }

  // Each scenario's guest: its own numbers or its sizing rule for the machine it runs in, then --cpus/--mem.
  const sizes = new Map<string, GuestSizing>();
  for (const s of opts.scenarios) {
    const linux = s.workload.kind === 'bonnie';
    const size = sizeGuest(
      s.guest,
      sizingBasis(places.get(s.name)!),
      linux ? { cpus: opts.guestCpus, memMiB: opts.guestMemMiB } : {},
      s.workload.kind === 'bonnie' ? s.workload.args : undefined,
    );
    sizes.set(s.name, size);
    progress.note(`${s.name}: guest ${describeSizing(size)}`);
  }

  const needsAssets = opts.scenarios.some((s) => s.workload.kind === 'bonnie' || places.get(s.name) === 'nested');
  const assets = needsAssets ? await ensureAssets({ log: (l) => progress.note(l) }) : null;

  const hostId = hostName();
  const hostRecord = describeHost(
    { kvmKind: host.kvmKind, where, qemuVersion: host.qemu ?? null },
    assets ? describeAssets(assets) : {},
    Object.fromEntries(sizes),
  );
  const rs: ResultSet = opts.resume ?? {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    tool: { name: 'kickbench', version: packageVersion(), gitCommit: gitCommit() },
    order: opts.order ?? (opts.scenarios.every((s) => s.order === 'abba') ? 'abba' : 'per-scenario'),
    aa: Boolean(opts.aaMode),
    seed: opts.seed,
    // What this kickbench's arms mean; lowered below if the kickvmm build says otherwise.
    armSemantics: ARM_SEMANTICS_VERSION,
    scenarios: opts.scenarios.map(({ file: _f, ...definition }) => ({
      name: definition.name,
      definition: definition as unknown as Record<string, unknown>,
    })),
    hosts: {},
    samples: [],
  };
  rs.hosts[hostId] ??= hostRecord;
  if (!opts.resume && (opts.order === 'random' || opts.scenarios.some((s) => s.order === 'random')))
    rs.order = `random:${opts.seed}`;
  const resultsPath = join(opts.outDir, 'results.json');

  const sequential = opts.untilDecided
    ? new SequentialPlan(opts.scenarios[0], {
        ...opts.untilDecided,
        n0: opts.repetitions ?? opts.scenarios[0].repetitions,
        seed: opts.seed,
        warmup: opts.warmup,
        aaMode: opts.aaMode,
      })
    : null;
  // A resumed sequential run picks up at the look its recorded samples reached.
  if (sequential && opts.resume) sequential.resumeAt(opts.resume);
  const armsPlan = planRun(opts.scenarios, {
    seed: opts.seed,
    order: opts.order,
    aaMode: opts.aaMode,
    repetitions: sequential?.plannedN ?? opts.repetitions,
    warmup: opts.warmup,
  });
  const plan = opts.builds?.length ? interleaveBuilds(armsPlan, opts.builds) : armsPlan;
  const planned = new Set(plan.map(sampleId));
  const recorded = new Set(rs.samples.map((s) => s.id));
  for (const id of recorded)
    if (!planned.has(id)) throw new Error(`${resultsPath}: sample ${id} is not in this run's plan; cannot resume it`);
  const todo = plan.filter((p) => !recorded.has(sampleId(p)));
  if (opts.resume) {
    // Images of samples that never finished (a killed run) are not results: only failed samples keep theirs.
    const keep = new Set(rs.samples.filter((s) => s.status !== 'ok').map((s) => `${fileSafe(s.id)}.img`));
    removeOrphanDisks(diskDir, keep);
    progress.note(`resuming: ${rs.samples.length} of ${plan.length} sample(s) done, ${todo.length} to go`);
  } else {
    writeManifest(opts.outDir, {
      kickbenchRun: 1,
      scenarios: opts.scenarios.map(({ file: _f, ...definition }) => definition),
      ...recordedSettings(opts),
    });
  }
  const completion = (state: 'complete' | 'interrupted' | 'running') => {
    rs.completion = { planned: plan.length, done: rs.samples.length, state };
  };
  completion('running');
  writeResultsAtomic(resultsPath, rs);

  // Disk images of samples under way: removed if the run stops before they are recorded.
  const inFlight = new Set<string>();
  const dropInFlight = () => {
    for (const d of inFlight) rmSync(d, { force: true });
    inFlight.clear();
  };
  const stopHook = onInterrupt(() => {
    progress.close();
    dropInFlight();
    completion('interrupted');
    writeResultsAtomic(resultsPath, rs);
    return `${rs.samples.length} of ${plan.length} sample(s) done, saved in ${resultsPath}; kickbench run --resume ${opts.outDir} finishes the run`;
  });
  if (sequential) rs.sequential = sequential.record;
  try {
    const context: PlanContext = {
      opts,
      progress,
      places,
      sizes,
      assets,
      logDir,
      diskDir,
      inFlight,
      done: plan.length - todo.length,
      total: plan.length,
      record: (sample) => {
        rs.samples.push(sample);
        const semantics = statsArmSemantics(sample.vmmStats);
        if (semantics !== null && semantics < (rs.armSemantics ?? 1)) {
          rs.armSemantics = semantics;
          progress.note(
            `kickvmm reports arm semantics ${semantics} (its exit mode services requests on the vCPU thread); results.json records that`,
          );
        }
        completion('running');
        writeResultsAtomic(resultsPath, rs);
      },
      hostId,
      localPlace,
    };
    await runPlan(todo, context);
    // Sequential sampling: at the end of each planned look, decide, or run the next look's rounds.
    for (let more = sequential?.next(rs, plan.length, (l) => progress.note(l)) ?? []; more.length;) {
      plan.push(...more);
      await runPlan(more, { ...context, done: plan.length - more.length, total: plan.length });
      more = sequential!.next(rs, plan.length, (l) => progress.note(l));
    }
  } catch (e) {
    // Whatever stopped the run, what it measured stays, marked incomplete (if the disk lets us).
    stopHook();
    dropInFlight();
    completion('interrupted');
    try {
      writeResultsAtomic(resultsPath, rs);
    } catch {
      /* the previous copy, one sample short at most, stays */
    }
    throw e;
  }
  stopHook();
  completion('complete');
  writeResultsAtomic(resultsPath, rs);
  progress.finish();
  return rs;
}

interface PlanContext {
  opts: RunOptions;
  progress: Progress;
  places: Map<string, Place>;
  /** each scenario's guest (sizing.ts) */
  sizes: Map<string, GuestSizing>;
  assets: GuestAssets | null;
  logDir: string;
  diskDir: string;
  inFlight: Set<string>;
  /** samples already recorded (a resumed run) and the plan's size */
  done: number;
  total: number;
  record: (sample: Sample) => void;
  hostId: string;
  /** where a peer's sample (QEMU, the host) runs: this host's own KVM kind */
  localPlace: Place;
}

/** Runs the samples still to do, in plan order; each is recorded the moment its VM ends. */
async function runPlan(plan: PlannedSample[], c: PlanContext): Promise<void> {
  const { opts, progress, places } = c;
  progress.start(c.total);
  progress.sync(c.done);
  const rigBatch = Math.max(1, opts.rigBatch ?? 8);
  for (let first = 0; first < plan.length;) {
    // Consecutive samples that run in the same place; in the nested rig several
    // share one outer-guest boot (each is still its own fresh kickvmm VM on its
    // own disk), which saves an L1 boot per sample.
    const place = places.get(plan[first].scenario.name)!;
    // A peer's sample (QEMU, the host) runs on its own, on this host.
    const peer = plan[first].arm.vmm !== 'kickvmm';
    const size = place === 'nested' && !peer ? rigBatch : 1;
    let last = first;
    // A rig batch runs one kickvmm binary: with ab's builds, a batch ends where the build changes.
    while (
      last < plan.length &&
      last - first < size &&
      places.get(plan[last].scenario.name) === place &&
      plan[last].arm.vmm === 'kickvmm' &&
      plan[last].build?.kickvmm === plan[first].build?.kickvmm
    )
      last++;
    if (last === first) last = first + 1;
    const batch: { p: PlannedSample; id: string; job: VmJob; startedAt: Date; recorded: boolean }[] = [];
    for (const p of plan.slice(first, last)) {
      await haltIfStopping();
      const id = sampleId(p);
      const job = await prepareJob(p, id, c.diskDir, c.assets, c.sizes.get(p.scenario.name)!);
      c.inFlight.add(job.disk);
      batch.push({ p, id, job, startedAt: new Date(), recorded: false });
    }
    const byJob = new Map(batch.map((b) => [b.job.id, b]));
    let current: string | null = null;
    let phase = '';
    const startJob = (jobId: string) => {
      if (current) progress.end('ran');
      current = jobId;
      const b = byJob.get(jobId)!;
      b.startedAt = new Date();
      progress.begin(sampleLabel(b.p));
      phase = 'booting';
      progress.phase(phase);
    };
    const record = (b: (typeof batch)[number], result: VmJobResult | undefined) => {
      if (b.recorded || stoppingFor()) return;
      b.recorded = true;
      const outcome: Pick<Sample, 'status' | 'error' | 'metrics' | 'vmmStats'> = result
        ? sampleFromResult(b.p, result)
        : {
            status: 'failed',
            error: 'the VM never ran (its batch ended early; see logs/rig-l1.console.log)',
            metrics: {},
          };
      const sample: Sample = {
        id: b.id,
        scenario: b.p.scenario.name,
        vmm: b.p.arm.vmm !== 'kickvmm' ? b.p.arm.vmm : (b.p.build?.label ?? opts.vmmLabel ?? b.p.scenario.vmm),
        mode: b.p.arm.vmm === 'host' ? null : b.p.arm.mode,
        arm: b.p.arm.name,
        index: b.p.index,
        order: b.p.order,
        warmup: b.p.warmup,
        where: result?.where ?? place,
        host: c.hostId,
        startedAt: b.startedAt.toISOString(),
        wallSeconds: result?.wallSeconds ?? 0,
        guest: guestOf(b.job, result),
        ...outcome,
        ...(result?.peerStats ? { peerStats: result.peerStats } : {}),
        logs: {
          console: `logs/${b.job.id}.console.log`,
          stats: `logs/${b.job.id}.stats.json`,
          stderr: `logs/${b.job.id}.stderr.log`,
        },
      };
      c.record(sample);
      c.inFlight.delete(b.job.disk);
      if (sample.status === 'ok' && !opts.keepDisks) rmSync(b.job.disk, { force: true });
      if (current === b.job.id) {
        progress.end('ran');
        current = null;
      }
      progress.note(`  ${sampleLabel(b.p)}: ${sample.status === 'ok' ? 'ok' : `FAILED: ${sample.error}`}`);
    };
    if (place !== 'nested' || peer) startJob(batch[0].job.id);
    const results = peer
      ? [
          await runPeerJob(
            batch[0].p.arm,
            batch[0].job,
            batch[0].p.scenario,
            { logDir: c.logDir, workDir: c.diskDir },
            c.localPlace,
          ),
        ]
      : await runJobs(
          batch.map((b) => b.job),
          {
            place,
            kickvmm: plan[first].build?.kickvmm ?? paths.kickvmm(),
            assets: c.assets,
            logDir: c.logDir,
            onConsole: (jobId: string, chunk: string) => {
              if (jobId !== current) startJob(jobId);
              for (const [re, name] of BONNIE_PHASES) {
                if (re.test(chunk) && name !== phase) {
                  phase = name;
                  progress.phase(phase);
                }
              }
            },
            onResult: (r) => record(byJob.get(r.id)!, r),
          },
        );
    if (current) progress.end('ran');
    for (const b of batch)
      record(
        b,
        results.find((r) => r.id === b.job.id),
      );
    progress.sync(c.done + last);
    first = last;
  }
}
