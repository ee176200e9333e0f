// A synthetic ResultSet generator for tests and report previews. The numbers
// come from a seeded PRNG around chosen centres; they are NOT measurements and
// every generated set says so in its host record and tool version.

import type { HostEnvironment, MetricSample, ResultSet, Sample, Place } from './schema.js';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION } from './schema.js';
import { ARM_SEMANTICS_VERSION, DEFAULT_ARMS, type KickMode } from './arms.js';
import { mulberry32 } from '../stats/random.js';
import { vmmMetrics } from '../runner/vmm-metrics.js';
import { zeroVmmStats, type VmmStats } from './vmm-stats.js';

/** A results file around some samples (tests, simulations): no hosts, ABBA order. */
export function resultSetOf(
  samples: Sample[],
  scenarios: { name: string; definition: object }[],
  toolVersion = 'test',
): ResultSet {
  return {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    createdAt: '2026-01-01T00:00:00.000Z',
    tool: { name: 'kickbench', version: toolVersion },
    order: 'abba',
    scenarios: scenarios.map((s) => ({ name: s.name, definition: s.definition as Record<string, unknown> })),
    hosts: {},
    samples,
  };
}

/** The same seeded PRNG as the statistics, re-exported for fixtures. */
export const seededRandom = mulberry32;

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SyntheticOptions {
  seed?: number;
  /** measured samples per arm and scenario */
  n?: number;
  warmup?: number;
  where?: Place;
  host?: string;
  /** multiply every ioeventfd throughput centre by this (1 = no effect) */
  effect?: number;
  /** relative noise (sd / mean) */
  noise?: number;
  /** include a probe-guest scenario too */
  probe?: boolean;
  /** the arms, in plan order (default exit, ioeventfd); rounds mirror like the runner's ABBA */
  arms?: KickMode[];
  /**
   * 2 (default): a run made now, with armSemantics and kickvmm's per-port and
   * serviced-on counts. 1: a file from before issue 7 (no armSemantics, stats
   * without those fields, exit serviced inline), as old results files are.
   */
  armSemantics?: 1 | 2;
}

/** Per arm: throughput factor against exit's centres, and where requests are serviced. */
const ARM_SHAPE: Record<KickMode, { bonnie: (ioeventfdRatio: number) => number; doorbellNs: number; onVcpu: boolean }> =
  {
    exit: { bonnie: () => 1, doorbellNs: 5200, onVcpu: false },
    ioeventfd: { bonnie: (r) => r, doorbellNs: 1800, onVcpu: false },
    inline: { bonnie: () => 0.8, doorbellNs: 5000, onVcpu: true },
  };
const NOTIFY_PORT = '0x6210';

/** Centres for the exit arm (loosely the scale of kvmtool's 2011 table) and the ioeventfd ratio. */
const BONNIE_CENTRES: Record<string, { exit: number; ratio: number; unit: string; cpu: number; latUs: number }> = {
  putc: { exit: 498, ratio: 1.0, unit: 'KiB/s', cpu: 99, latUs: 18000 },
  put_block: { exit: 381000, ratio: 1.2, unit: 'KiB/s', cpu: 74, latUs: 31000 },
  rewrite: { exit: 270000, ratio: 1.3, unit: 'KiB/s', cpu: 48, latUs: 21000 },
  getc: { exit: 2870, ratio: 1.04, unit: 'KiB/s', cpu: 99, latUs: 3000 },
  get_block: { exit: 717000, ratio: 1.2, unit: 'KiB/s', cpu: 50, latUs: 6900 },
};
const TOO_FAST = ['seeks', 'seq_create', 'seq_stat', 'seq_del', 'ran_create', 'ran_stat', 'ran_del'];

export function syntheticHost(where: Place, name = 'synthetic-fixture'): HostEnvironment {
  return {
    hostname: name,
    hostKernel: '6.1.0-synthetic',
    cpuModel: 'synthetic fixture (seeded PRNG, not a measurement)',
    cpus: 2,
    memoryMiB: 24576,
    kvmKind: where === 'emulating' ? 'emulating' : 'hardware',
    where,
    governor: 'performance',
    thp: 'madvise',
    nodeVersion: 'v20.0.0',
    gitCommit: '0000000000000000000000000000000000000000',
    gitDirty: false,
    guest: { kernel: '6.1.0 (synthetic)', bonnie: '1.96', rootfsSha256: 'synthetic', kernelSha256: 'synthetic' },
  };
}

export function syntheticResultSet(opts: SyntheticOptions = {}): ResultSet {
  const rand = seededRandom(opts.seed ?? 1);
  const n = opts.n ?? 8;
  const warmup = opts.warmup ?? 1;
  const where = opts.where ?? 'hardware';
  const host = opts.host ?? 'synthetic-fixture';
  const noise = opts.noise ?? 0.03;
  const effect = opts.effect;
  const semantics = opts.armSemantics ?? ARM_SEMANTICS_VERSION;
  const arms = opts.arms ?? DEFAULT_ARMS;
  if (semantics < 2 && arms.includes('inline')) throw new Error('arm semantics 1 had no inline arm');
  const jitter = (centre: number) => Math.max(0, centre * (1 + noise * normal(rand)));

  const scenarios = [
    {
      name: 'quick',
      definition: {
        workload: { kind: 'bonnie', args: ['-s', '768', '-c', '2', '-u', '0'] },
        repetitions: n,
        primary: ['put_block', 'rewrite', 'get_block'],
      },
    },
  ];
  if (opts.probe)
    scenarios.push({
      name: 'doorbell',
      definition: {
        workload: { kind: 'probe', cmdline: 'doorbell' } as never,
        repetitions: n,
        primary: ['doorbell_ns_per_kick'],
      } as never,
    });

  const samples: Sample[] = [];
  let order = 0;
  for (const sc of scenarios) {
    // Mirrored rounds like the runner: A B C, C B A, ... (ABBA with two arms).
    const runs = Array.from({ length: n + warmup }, (_, round) =>
      (round % 2 === 0 ? arms : [...arms].reverse()).map((mode) => ({ mode, index: round })),
    ).flat();
    for (const { mode, index } of runs) {
      const isWarm = index < warmup;
      const metrics: Record<string, MetricSample> = {};
      const ioe = mode === 'ioeventfd';
      // Under arm semantics 1, exit was today's inline: serviced on the vCPU thread.
      const onVcpu = semantics < 2 ? mode === 'exit' : ARM_SHAPE[mode].onVcpu;
      let mib: number;
      if (sc.name === 'quick') {
        for (const [name, c] of Object.entries(BONNIE_CENTRES)) {
          const ratio = effect ?? c.ratio;
          metrics[name] = {
            value: Math.round(jitter(c.exit * (c.ratio === 1 ? 1 : ARM_SHAPE[mode].bonnie(ratio)))),
            status: 'ok',
            unit: c.unit,
            cpu: Math.min(100, Math.round(jitter(c.cpu))),
            latency_us: Math.round(jitter(ioe ? c.latUs * 0.7 : c.latUs)),
          };
        }
        for (const name of TOO_FAST) {
          metrics[name] = {
            value: null,
            status: 'too_fast',
            unit: name === 'seeks' ? '/s' : 'files/s',
            cpu: null,
            latency_us: Math.round(jitter(500)),
          };
        }
        mib = 768 * 2 * 3;
      } else {
        metrics.doorbell_ns_per_kick = {
          value: Math.round(jitter(ARM_SHAPE[mode].doorbellNs)),
          status: 'ok',
          unit: 'ns',
        };
        mib = 64;
      }
      const kicks = Math.round(jitter(mib * 40));
      const fixedExits = Math.round(jitter(200));
      const exitsIo = ioe ? fixedExits : kicks + fixedExits;
      const wall = jitter(ioe ? 20 : 24);
      const requests = Math.round(kicks * 1.5);
      // Shaped like kickvmm's --stats JSON (native/core/stats.cc).
      const vmmStats: VmmStats = {
        ...zeroVmmStats(mode),
        exits: { ...zeroVmmStats(mode).exits, io: exitsIo },
        notifyIoExits: ioe ? 0 : kicks,
        kicks,
        eventfdWakeups: ioe ? Math.round(kicks * 0.8) : 0,
        eventfdSignals: ioe ? kicks : 0,
        interrupts: Math.round(kicks * 0.9),
        bytesRead: Math.round(mib * 1048576 * 0.4),
        bytesWritten: Math.round(mib * 1048576 * 0.6),
        wallSeconds: wall,
        vcpuCpuSeconds: jitter(ioe ? 14 : 19),
        ioThreadCpuSeconds: ioe ? jitter(4) : onVcpu ? 0 : 3.5,
        kvmKind: where === 'emulating' ? 'emulating' : 'hardware',
        exitReason: 'clean',
        tscKhz: 2_400_000,
      };
      if (semantics >= 2) {
        // Fixed boot exits: console output, PCI probing, a few legacy ports; the rest is the notify port.
        const pci = Math.round(fixedExits * 0.4);
        const legacy = 12;
        Object.assign(vmmStats, {
          armSemantics: semantics,
          ioExitsByPort: {
            '0x3f8': fixedExits - pci - legacy,
            '0xcf8': Math.round(pci / 2),
            '0xcfc': pci - Math.round(pci / 2),
            '0x61': legacy,
            [NOTIFY_PORT]: exitsIo - fixedExits,
          },
          requestsServicedOn: { vcpu: onVcpu ? requests : 0, ioThread: onVcpu ? 0 : requests },
          vcpuContextSwitches: { voluntary: onVcpu ? Math.round(kicks * 0.1) : kicks * 2, involuntary: 40 },
        });
      }
      Object.assign(metrics, vmmMetrics(vmmStats));
      samples.push({
        id: `${sc.name}/${mode}/${index}`,
        scenario: sc.name,
        vmm: 'kickvmm',
        mode,
        arm: mode,
        index,
        order: order++,
        warmup: isWarm,
        where,
        host,
        status: 'ok',
        startedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, order * 30)).toISOString(),
        wallSeconds: wall,
        metrics,
        vmmStats,
        logs: { console: `logs/${sc.name}-${mode}-${index}.console.txt` },
      });
    }
  }
  return {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    createdAt: '2024-01-01T00:00:00.000Z',
    tool: { name: 'kickbench', version: '0.0.0-synthetic', gitCommit: null },
    order: 'abba',
    ...(semantics >= 2 ? { armSemantics: semantics } : {}),
    scenarios: scenarios as ResultSet['scenarios'],
    hosts: { [host]: syntheticHost(where, host) },
    samples,
  };
}
